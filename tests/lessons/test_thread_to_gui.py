"""Lessons `thread_to_gui` and `thread_to_gui_qt`, without a window: each way brings every
message from a worker thread into the loop's thread, in order; a stop event ends it early."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from PySide6 import QtCore

from guidemo.lessons.thread_to_gui import (
    Deliveries,
    send_by_call_soon_threadsafe,
    send_by_socket,
    watch_socket,
)
from guidemo.lessons.thread_to_gui_qt import WorkerSignals, send_by_qt_signal

pytestmark = pytest.mark.timeout(60)
COUNT = 200


def test_importing_the_lesson_leaves_pyside6_out() -> None:
    code = "import guidemo.lessons.thread_to_gui, sys; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


async def from_a_thread(target: Callable[[], None], record: Deliveries) -> threading.Thread:
    """Run `target` in a worker thread; wait until `record` has everything and it ended."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    await asyncio.wait_for(record.complete.wait(), 10)
    await asyncio.to_thread(thread.join, 5)
    return thread


def assert_all_in_order_in_this_thread(record: Deliveries) -> None:
    assert record.seqs == list(range(1, COUNT + 1))
    assert record.in_order()
    assert record.off_gui_thread == 0
    assert len(record.latencies_ms) == COUNT and min(record.latencies_ms) >= 0


def test_call_soon_threadsafe_runs_the_callback_in_the_loops_thread(run) -> None:
    async def scenario() -> Deliveries:
        record = Deliveries(COUNT)
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        await from_a_thread(
            lambda: send_by_call_soon_threadsafe(COUNT, loop, record.add, stop), record
        )
        return record

    assert_all_in_order_in_this_thread(run(scenario()))


def test_a_watched_socket_delivers_lines_and_closes_when_the_worker_is_done(run) -> None:
    async def scenario() -> tuple[Deliveries, socket.socket]:
        record = Deliveries(COUNT)
        gui_end, worker_end = socket.socketpair()
        watch_socket(asyncio.get_running_loop(), gui_end, record.add)
        stop = threading.Event()
        await from_a_thread(lambda: send_by_socket(COUNT, worker_end, stop), record)
        while gui_end.fileno() != -1:  # the worker closed its end: the reader closes ours
            await asyncio.sleep(0.01)
        return record, worker_end

    record, worker_end = run(scenario())
    assert_all_in_order_in_this_thread(record)
    assert worker_end.fileno() == -1


class Receiver(QtCore.QObject):
    """Lives in this (the GUI) thread, so a worker's emit is queued to it."""

    def __init__(self, record: Deliveries) -> None:
        super().__init__()
        self.record = record

    @QtCore.Slot(int, float)
    def take(self, seq: int, sent: float) -> None:
        self.record.add(seq, sent)


def test_a_qt_signal_is_queued_into_the_receivers_thread(run) -> None:
    async def scenario() -> Deliveries:
        record = Deliveries(COUNT)
        signals = WorkerSignals()
        receiver = Receiver(record)
        signals.message.connect(receiver.take)
        stop = threading.Event()
        await from_a_thread(lambda: send_by_qt_signal(COUNT, signals, stop), record)
        return record

    assert_all_in_order_in_this_thread(run(scenario()))


def test_a_set_stop_event_ends_every_worker_early() -> None:
    stop = threading.Event()
    stop.set()
    delivered: list[int] = []
    loop = asyncio.new_event_loop()
    try:
        send_by_call_soon_threadsafe(COUNT, loop, lambda seq, _: delivered.append(seq), stop)
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    gui_end, worker_end = socket.socketpair()
    with gui_end:
        send_by_socket(COUNT, worker_end, stop)
        assert worker_end.fileno() == -1  # closed even though nothing was sent
        assert gui_end.recv(100) == b""
    signals = WorkerSignals()
    signals.message.connect(lambda seq, _: delivered.append(seq))
    send_by_qt_signal(COUNT, signals, stop)
    assert delivered == []
