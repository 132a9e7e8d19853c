"""A worker thread must not touch the GUI: it *tells* the GUI thread, whose loop does the work.

Two of the three ways need no Qt at all: ask the asyncio loop to call a function
(`call_soon_threadsafe`), or write to a socket the loop watches like any network socket.
The third way, a Qt signal, is in `thread_to_gui_qt`. Qt-free.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PACE_S = 0.001  # the demo worker threads send one message per millisecond


def send_by_call_soon_threadsafe(
    count: int,
    loop: asyncio.AbstractEventLoop,
    deliver: Callable[[int, float], None],
    stop: threading.Event,
) -> None:
    """Worker thread, way 2: ask the asyncio loop to call `deliver` (it wakes the loop up)."""
    for seq in range(1, count + 1):
        if stop.is_set():
            return
        loop.call_soon_threadsafe(deliver, seq, time.perf_counter())
        time.sleep(PACE_S)


def send_by_socket(count: int, sock: socket.socket, stop: threading.Event) -> None:
    """Worker thread, way 3: write a line to a socket that the GUI's loop is watching."""
    with sock:
        for seq in range(1, count + 1):
            if stop.is_set():
                return
            sock.sendall(f"{seq} {time.perf_counter()!r}\n".encode())
            time.sleep(PACE_S)


def watch_socket(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, deliver: Callable[[int, float], None]
) -> None:
    """GUI side of way 3: the loop calls `on_readable` when data is there; nobody waits."""
    buffer = bytearray()
    sock.setblocking(False)

    def on_readable() -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        if not data:  # the worker closed its end: we are done
            loop.remove_reader(sock.fileno())
            sock.close()
            return
        buffer.extend(data)
        *lines, rest = buffer.split(b"\n")
        buffer[:] = rest
        for line in lines:
            seq, sent = line.split()
            deliver(int(seq), float(sent))

    loop.add_reader(sock.fileno(), on_readable)


@dataclass
class Deliveries:
    """What one way delivered in the GUI thread: order, thread, and how long each took."""

    expected: int
    gui_thread: int = field(default_factory=threading.get_ident)
    seqs: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    off_gui_thread: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, seq: int, sent: float) -> None:
        self.latencies_ms.append((time.perf_counter() - sent) * 1000)
        self.seqs.append(seq)
        if threading.get_ident() != self.gui_thread:
            self.off_gui_thread += 1
        if len(self.seqs) >= self.expected:
            self.complete.set()

    def in_order(self) -> bool:
        return self.seqs == list(range(1, len(self.seqs) + 1))
