"""Why async servers hold many slow connections cheaply, measured rather than claimed.

A thousand clients each wait for a slow answer (a connection held open, as a WebSocket
is). An async server keeps each one as a small object waiting in its one event loop; a
thread-per-connection server, the classic design, parks a whole thread on each. The
clients run in a separate process, so what is measured here is the server's own cost.
Qt-free; run the clients alone with `python -m guidemo.lessons.server_side HOST PORT N S`.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LATENCY_S = 2.5  # how long each held request waits for its answer
RESPONSE = b'{"served": "by a thread of its own"}'


class ThreadPerConnectionServer:
    """The classic design: one thread accepts, and every connection gets a thread of its
    own that reads the request, waits `latency` (like a slow database), and answers.
    Simple to write; each waiting client costs a whole thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.listener = socket.create_server((host, 0), backlog=1024)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="threaded-server accept")

    def start(self) -> None:
        self._acceptor.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.1)  # a blocked accept() would not notice stop()
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed: we are stopping
                return
            conn.settimeout(None)
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        """One connection, start to end, in this thread; blocking calls are fine here."""
        with conn:
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 8192:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            found = re.search(rb"latency=([0-9.]{1,8})", request)
            self.stopping.wait(min(float(found.group(1)), 30) if found else 0)  # the slow part
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(RESPONSE)}\r\nConnection: close"
            conn.sendall(head.encode() + b"\r\n\r\n" + RESPONSE)

    def stop(self) -> None:
        """Stop accepting, wake the waiting threads, and wait for all of them to end."""
        self.stopping.set()
        self._acceptor.join(5)
        self.listener.close()
        for worker in self.threads:
            worker.join(5)


async def time_one_request(host: str, port: int, path: str = "/api/json?items=1") -> float:
    """How long one fresh request takes, in ms, from connecting to the last byte."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    if not answer.startswith(b"HTTP/1.1 200"):
        raise ConnectionError(f"unexpected answer: {answer[:40]!r}")
    return (time.perf_counter() - started) * 1000


async def hold_slow_requests(host: str, port: int, count: int, latency: float) -> None:
    """The clients: open `count` connections, each asking for an answer after `latency` s;
    print "open N" once all have asked, then "done OK FAILED" when all are answered."""
    request = f"GET /api/json?items=1&latency={latency} HTTP/1.1\r\nHost: {host}\r\n"
    request += "Connection: close\r\n\r\n"
    asked = 0
    everyone_asked = asyncio.Event()

    async def one() -> bool:
        nonlocal asked
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request.encode())
        except OSError:
            return False
        finally:
            asked += 1
            if asked == count:
                everyone_asked.set()
        try:
            return (await reader.read()).startswith(b"HTTP/1.1 200")
        except OSError:
            return False
        finally:
            writer.close()

    clients = [asyncio.create_task(one(), name=f"client {n}") for n in range(1, count + 1)]
    await everyone_asked.wait()
    print(f"open {count}", flush=True)
    answered = sum(await asyncio.gather(*clients))
    print(f"done {answered} {count - answered}", flush=True)


def allow_open_files(wanted: int) -> None:
    """Raise this process's limit on open files (often 1,024) towards `wanted`, if allowed."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@dataclass
class Footprint:
    """What a process uses now: memory resident in RAM, address space, Python threads."""

    resident: int | None  # bytes; None where /proc is not available
    virtual: int | None
    threads: int  # Python threads, but not asyncio's own watcher of a child process

    @classmethod
    def now(cls) -> Footprint:
        resident = virtual = None
        try:  # Linux: sizes in pages
            with open("/proc/self/statm") as statm:
                pages = [int(n) for n in statm.read().split()[:2]]
            page = os.sysconf("SC_PAGE_SIZE")
            virtual, resident = pages[0] * page, pages[1] * page
        except (OSError, ValueError, AttributeError):
            pass  # elsewhere the numbers are unknown, and shown as such
        threads = [t for t in threading.enumerate() if "waitpid" not in t.name]
        return cls(resident=resident, virtual=virtual, threads=len(threads))


@dataclass
class Holding:
    """One server measured: before, and while `count` slow requests were held open."""

    count: int
    before: Footprint
    during: Footprint
    request_ms_before: float
    request_ms_during: float  # the median of three fresh requests
    held_at_once: int | None = None  # what the server held when measured, if known
    answered: int = 0
    failed: int = 0


async def measure_holding(
    host: str,
    port: int,
    count: int,
    latency: float = LATENCY_S,
    held: Callable[[], int] | None = None,
) -> Holding:
    """Hold `count` slow requests open against the server at host:port, from a separate
    process, and measure this process (where the server runs) before and meanwhile.

    `held()`, if given, says how many connections the server holds: measuring waits
    until it has them all, not only until the clients have sent them (but no longer than
    most of `latency`: then the first answers go out), and records how many it held.
    """
    ms_before = await time_one_request(host, port)  # also starts what a request needs
    before = Footprint.now()
    allow_open_files(count + 1024)  # the server's end of every connection is a file here
    clients = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __name__, host, str(port), str(count), str(latency),
        stdout=asyncio.subprocess.PIPE,
        process_group=0,  # a terminal's Ctrl+C is for the app, which stops this child
    )  # fmt: skip
    assert clients.stdout is not None
    try:
        async with asyncio.timeout(latency + 20):
            opened = await clients.stdout.readline()
            if not opened.startswith(b"open"):
                raise ConnectionError(f"the clients could not connect: {opened[:80]!r}")
            deadline = time.monotonic() + 0.8 * latency
            while held is not None and held() < count and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            during = Footprint.now()
            at_once = held() if held is not None else None
            times = [await time_one_request(host, port) for _ in range(3)]
            done = (await clients.stdout.readline()).split()
            await clients.wait()
    finally:
        if clients.returncode is None:  # cancelled or timed out: no client is left behind
            clients.kill()
            await clients.wait()
    answered, failed = (int(done[1]), int(done[2])) if len(done) == 3 else (0, count)
    middle = statistics.median(times)
    return Holding(count, before, during, ms_before, middle, at_once, answered, failed)


if __name__ == "__main__":
    allow_open_files(4096)
    host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    asyncio.run(hold_slow_requests(host, port, count, seconds))
