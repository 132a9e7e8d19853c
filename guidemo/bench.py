"""`guidemo bench`: the three event loops side by side, measured the same way.

What it compares:
  asyncio  plain `asyncio.new_event_loop()`, no Qt at all: the limit this stack can reach;
  qasync   stock `qasync.QEventLoop`: asyncio re-implemented on Qt timers and notifiers;
  guidemo  guidemo's own loop (guidemo/loop.py): asyncio's loop, with Qt doing the waiting.

How it measures, and why that way:
- Every (run, workload, loop) is a FRESH process (`python -m guidemo.bench _worker LOOP
  WORKLOAD PARAMS`) that prints one JSON line. No loop inherits another's sockets, timers,
  caches or garbage, and a crash spoils one cell, not the table.
- Runs are interleaved (run 1 of every workload and loop, then run 2, ...), and the loop
  order turns round each run, so a noisy minute on the machine hits every loop alike.
  Each cell is the median of its runs; a ratio "x/asyncio" is the median of the ratios of
  runs made side by side (run r of x over run r of asyncio), not a ratio of medians.
- Loop lag is measured by the same probe on every loop (LagProbe): a timer due every
  PROBE_INTERVAL_S, re-armed each time it fires; its lag is how late it fired. On the Qt
  loops the timer is a QTimer, so the figure is what a window's own timers and repaints
  suffer; plain asyncio has no Qt, so there it is a `call_later`.
- The HTTP workloads talk to the demo server in a process of its own (`guidemo serve`),
  so the server's work never counts as the client loop's work or lag.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import inspect
import json
import math
import os
import platform
import queue
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

LOOPS = ("asyncio", "qasync", "guidemo")
QT_LOOPS = ("qasync", "guidemo")
PROBE_INTERVAL_S = 0.010  # the app's HUD probes every 50 ms; short runs need more samples
READY_LINE = "guidemo: window ready"
SERVER_LINE = "guidemo demo server on "

Params = dict[str, Any]
Result = dict[str, Any]  # {"metrics": {name: number}, "samples": {name: [numbers]}}


# --- measuring tools, shared by the workloads ------------------------------------------
def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile, as the HUD's monitor computes it (NaN when empty).

    A copy of guidemo.monitor.percentile: importing the monitor would import Qt, and the
    plain-asyncio worker must not load Qt at all.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class LagProbe:
    """How late does the loop run a timer? The same question asked of every loop.

    A timer is due PROBE_INTERVAL_S after the probe last ran; when it fires, its lateness
    is one sample and it is armed again. While the loop is busy with other work (a batch
    of callbacks, parsing a response), the timer waits: that wait is the lag a user sees
    as a late repaint or a sluggish click. Qt loops use a QTimer (what widgets use);
    plain asyncio, which has no Qt, uses `call_later`.
    """

    def __init__(self, qt: bool) -> None:
        self.lags_ms: list[float] = []
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._timer: Any = None
        if qt:
            from PySide6 import QtCore

            self._timer = QtCore.QTimer()
            self._timer.setSingleShot(True)
            self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
            self._timer.timeout.connect(self._fire)

    def start(self) -> None:
        self.lags_ms.clear()
        self._arm()

    def stop(self) -> list[float]:
        if self._timer is not None:
            self._timer.stop()
        if self._handle is not None:
            self._handle.cancel()
        return self.lags_ms

    def _arm(self) -> None:
        self._due = time.perf_counter() + PROBE_INTERVAL_S
        if self._timer is not None:
            self._timer.start(round(PROBE_INTERVAL_S * 1000))
        else:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(PROBE_INTERVAL_S, self._fire)

    def _fire(self) -> None:
        self.lags_ms.append(max(0.0, time.perf_counter() - self._due) * 1000)
        self._arm()


def lag_metrics(prefix: str, lags_ms: list[float]) -> dict[str, float]:
    return {
        f"{prefix}_p50": statistics.median(lags_ms) if lags_ms else math.nan,
        f"{prefix}_p99": percentile(lags_ms, 0.99),
        f"{prefix}_max": max(lags_ms, default=math.nan),
    }


async def get_many(
    session: Any,
    url: str,
    count: int,
    concurrency: int,
    on_result: Callable[[int, Any], None] | None = None,
) -> int:
    """GET `url` `count` times, `concurrency` at a time, with the app's own `fetch`.

    `concurrency` worker tasks share one iterator of request numbers, as the http panel's
    fetch_all_async does. Returns how many requests failed.
    """
    from guidemo.net import fetch

    numbers = iter(range(count))
    failed = 0

    async def worker() -> None:
        nonlocal failed
        for number in numbers:
            result = await fetch(session, url)
            failed += not result.ok
            if on_result is not None:
                on_result(number, result)

    async with asyncio.TaskGroup() as workers:
        for _ in range(min(concurrency, count)):
            workers.create_task(worker())
    return failed


@contextlib.asynccontextmanager
async def main_window() -> AsyncIterator[Any]:
    """A real MainWindow on a real DemoServer, built inside the running loop (as the tests
    do), shown, with its lag probe running; closed and shut down afterwards."""
    from PySide6 import QtCore

    from guidemo.app import MainWindow, freeze_startup_objects, route_qt_messages
    from guidemo.server import DemoServer

    QtCore.qInstallMessageHandler(route_qt_messages)  # as the app: Qt's chatter to logging
    async with DemoServer() as server:
        window = MainWindow(server.url, server=server)
        window.remember_state = False
        window.show()
        freeze_startup_objects()  # as the app does once its window is up
        try:
            await wait_for(lambda: window.monitor.stats().samples >= 3, 10, "first probes")
            yield window
        finally:
            window.close()
            await window.shutdown()
            window.deleteLater()


async def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> None:
    """Poll `condition` on the loop (never block it) until true, else TimeoutError."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


# --- the workloads: one small function each --------------------------------------------
async def http_saturation(loop_kind: str, p: Params) -> Result:
    """As many GETs as the loop can drive: requests/s, client CPU per request, loop lag.

    The connections are opened by a warm-up round first, so the figure is the steady
    state of a busy client, not TCP set-up. CPU is this process's CPU time (all threads).
    """
    import aiohttp

    url = f"{p['server']}/api/data?size=100"
    connector = aiohttp.TCPConnector(limit=p["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        await get_many(session, url, p["concurrency"], p["concurrency"])  # warm-up
        probe = LagProbe(qt=loop_kind in QT_LOOPS)
        probe.start()
        cpu, wall = time.process_time(), time.perf_counter()
        failed = await get_many(session, url, p["requests"], p["concurrency"])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        lags = probe.stop()
    metrics = {
        "requests_per_s": p["requests"] / wall,
        "cpu_us_per_request": cpu / p["requests"] * 1e6,
        "failed": failed,
        **lag_metrics("lag", lags),
    }
    return {"metrics": metrics, "samples": {"lag_ms": lags}}


async def http_latency(loop_kind: str, p: Params) -> Result:
    """Slow requests (the server waits 50 ms each), each answer written into a row of a
    visible QTableWidget: total time, and how late the UI's timers ran meanwhile."""
    import aiohttp
    from PySide6 import QtWidgets

    url = f"{p['server']}/api/data?size=100&latency={p['latency_s']}"
    table = QtWidgets.QTableWidget(p["requests"], 3)
    table.setHorizontalHeaderLabels(["status", "bytes", "ms"])
    table.resize(800, 600)
    table.show()

    def show_result(row: int, result: Any) -> None:
        for column, text in enumerate((str(result.status), str(result.nbytes), f"{result.ms:.1f}")):
            table.setItem(row, column, QtWidgets.QTableWidgetItem(text))

    connector = aiohttp.TCPConnector(limit=p["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        probe = LagProbe(qt=True)
        probe.start()
        started = time.perf_counter()
        failed = await get_many(session, url, p["requests"], p["concurrency"], show_result)
        total = time.perf_counter() - started
        lags = probe.stop()
    filled = sum(table.item(row, 0) is not None for row in range(table.rowCount()))
    table.close()
    table.deleteLater()
    metrics = {
        "total_s": total,
        "failed": failed,
        "rows_filled": filled,
        **lag_metrics("lag", lags),
    }
    return {"metrics": metrics, "samples": {"lag_ms": lags}}


async def http_panel(loop_kind: str, p: Params) -> Result:
    """The same slow requests through the real http panel of a real MainWindow, driven as
    a user would (URLs pasted, asyncButton clicked): guidemo.bench_http.measure_http_panel.
    Compared with http_latency, this adds what the app really does per answer."""
    from guidemo.bench_http import measure_http_panel

    async with main_window() as window:
        found = await measure_http_panel(
            window, p["requests"], p["concurrency"], p["latency_s"], server=p["server"]
        )
    metrics = {key: value for key, value in found.items() if key not in ("requests", "ok")}
    metrics["failed"] = found["requests"] - found["ok"]
    return {"metrics": metrics, "samples": {"measured": found}}


async def timers(loop_kind: str, p: Params) -> Result:
    """How far from `d` does `await asyncio.sleep(d)` return? Negative means EARLY.

    Measured with perf_counter around the await, so it includes the turn the task needs
    to resume: exactly what a coroutine that sleeps experiences.
    """
    metrics: dict[str, float] = {}
    samples: dict[str, list[float]] = {}
    for delay, count in p["sleeps"]:
        errors = []
        for _ in range(count):
            started = time.perf_counter()
            await asyncio.sleep(delay)
            errors.append((time.perf_counter() - started - delay) * 1000)
        key = f"sleep_{round(delay * 1000)}ms"
        samples[key] = errors
        metrics[f"{key}_earliest"] = min(errors)
        metrics[f"{key}_p50"] = statistics.median(errors)
        metrics[f"{key}_p99"] = percentile(errors, 0.99)
    return {"metrics": metrics, "samples": samples}


async def callbacks(loop_kind: str, p: Params) -> Result:
    """`call_soon` throughput, and the round trip of `call_soon_threadsafe` from a thread.

    Chained: each callback schedules the next, so every callback costs a loop turn.
    Batched: a batch of callbacks is scheduled at once, as when many futures complete
    together. Round trip: a thread posts a callback, the loop (idle until then) runs it,
    the callback answers through a queue; the thread times post-to-answer.
    """
    loop = asyncio.get_running_loop()

    async def chained(count: int) -> float:
        done = loop.create_future()
        left = count

        def step() -> None:
            nonlocal left
            left -= 1
            if left:
                loop.call_soon(step)
            else:
                done.set_result(None)

        started = time.perf_counter()
        loop.call_soon(step)
        await done
        return count / (time.perf_counter() - started)

    async def batched(count: int, batch: int) -> float:
        ran = 0

        def tick() -> None:
            nonlocal ran
            ran += 1

        started = time.perf_counter()
        for _ in range(count // batch):
            for _ in range(batch):
                loop.call_soon(tick)
            await asyncio.sleep(0)  # lets the batch run (FIFO: it is ahead of us)
        while ran < count // batch * batch:
            await asyncio.sleep(0)
        return ran / (time.perf_counter() - started)

    def ping(count: int, answers: queue.SimpleQueue[float], rtts: list[float]) -> None:
        for _ in range(count):
            time.sleep(0.0002)  # let the loop go back to waiting: measure its wake-up
            sent = time.perf_counter()
            loop.call_soon_threadsafe(answers.put, 0.0)
            answers.get()
            rtts.append((time.perf_counter() - sent) * 1e6)

    per_s_chained = await chained(p["chained"])
    per_s_batched = await batched(p["batched"], p["batch"])
    rtts: list[float] = []
    answers: queue.SimpleQueue[float] = queue.SimpleQueue()
    finished = loop.create_future()

    def pinger() -> None:
        try:
            ping(p["round_trips"], answers, rtts)
        finally:
            loop.call_soon_threadsafe(finished.set_result, None)

    threading.Thread(target=pinger, name="bench-pinger").start()
    await finished
    metrics = {
        "chained_per_s": per_s_chained,
        "batched_per_s": per_s_batched,
        "threadsafe_rtt_p50_us": statistics.median(rtts),
        "threadsafe_rtt_p99_us": percentile(rtts, 0.99),
    }
    return {"metrics": metrics, "samples": {"threadsafe_rtt_us": rtts}}


def cold_start(loop_kind: str, p: Params) -> Result:
    """Start the real app (`python -m guidemo --loop KIND`) as a user would, headless.

    Cold start: from spawning the process to its "window ready" line, printed once the
    window has been shown and painted. Idle CPU: the app process's CPU time (all its
    threads: GUI, HUD watchdog, demo server) over `idle_s`, after `settle_s`. Then Ctrl+C
    (SIGINT): the app must exit with code 0 and nothing on stderr.
    """
    with tempfile.TemporaryDirectory(prefix="guidemo-bench-config-") as config:
        env = {**os.environ, "XDG_CONFIG_HOME": config}  # first start: no saved settings
        started = time.perf_counter()
        app = subprocess.Popen(
            [sys.executable, "-m", "guidemo", "--loop", loop_kind],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            read_line_starting(app, READY_LINE, timeout=30)
            ready_s = time.perf_counter() - started
            time.sleep(p["settle_s"])
            cpu, wall = process_cpu_s(app.pid), time.perf_counter()
            time.sleep(p["idle_s"])
            cpu, wall = process_cpu_s(app.pid) - cpu, time.perf_counter() - wall
            app.send_signal(signal.SIGINT)
            asked = time.perf_counter()
            _, stderr = app.communicate(timeout=15)
            exit_s = time.perf_counter() - asked
        finally:
            if app.poll() is None:
                app.kill()
                app.communicate()
    metrics = {
        "ready_s": ready_s,
        "idle_cpu_pct": cpu / wall * 100,
        "exit_code": app.returncode,
        "exit_s": exit_s,
        "stderr_bytes": len(stderr),
    }
    return {"metrics": metrics, "samples": {"stderr": stderr.decode(errors="replace")[-2000:]}}


async def freeze(loop_kind: str, p: Params) -> Result:
    """How exact is the HUD's freeze detector? Click the blocking panel's blockButton
    with a sleep job (the GUI thread really blocks) and compare the freeze the monitor
    records with the time the click handler actually took."""
    from PySide6 import QtWidgets

    async def block_once(window: Any, button: QtWidgets.QPushButton) -> float:
        await asyncio.sleep(0.3)  # a live loop before the block, as before a real click
        before = len(window.monitor.freezes)
        started = time.perf_counter()
        button.click()  # returns when the job has run: the GUI thread was blocked
        actual = time.perf_counter() - started
        await wait_for(lambda: len(window.monitor.freezes) > before, 5, "freeze record")
        await wait_for(button.isEnabled, 5, "blockButton enabled again")
        return (window.monitor.freezes[-1].duration_s - actual) * 1000

    async with main_window() as window:
        panel = window.show_panel("blocking")
        panel.findChild(QtWidgets.QDoubleSpinBox, "durationSpin").setValue(p["block_s"])
        panel.findChild(QtWidgets.QComboBox, "workKind").setCurrentText("sleep")
        button = panel.findChild(QtWidgets.QPushButton, "blockButton")
        errors = [await block_once(window, button) for _ in range(p["blocks"])]
    absolute = [abs(error) for error in errors]
    metrics = {"abs_error_ms": statistics.median(absolute), "abs_error_max": max(absolute)}
    return {"metrics": metrics, "samples": {"signed_error_ms": errors}}


async def websocket(loop_kind: str, p: Params) -> Result:
    """Push-to-screen delay of WebSocket ticks at several rates, through the real panel
    (guidemo.panels.websocket.measure_push_latency: server stamp -> frame flushed)."""
    from guidemo.panels.websocket import measure_push_latency

    metrics: dict[str, float] = {}
    samples: dict[str, Any] = {}
    async with main_window() as window:
        for rate in p["rates"]:
            found = await measure_push_latency(window, rate, p["seconds"], p["warmup_s"])
            metrics[f"push_{rate}_p50"] = found["p50_ms"]
            metrics[f"push_{rate}_p99"] = found["p99_ms"]
            samples[f"push_{rate}"] = found
    return {"metrics": metrics, "samples": samples}


# --- helpers for the process-based workloads -------------------------------------------
def read_line_starting(proc: subprocess.Popen[bytes], prefix: str, timeout: float) -> str:
    """The first stdout line of `proc` that starts with `prefix`; TimeoutError if none
    comes in time (the caller kills the process). Reads the pipe's fd directly, so no
    line can hide in a file object's buffer while select() waits for more."""
    assert proc.stdout is not None
    fd, pending = proc.stdout.fileno(), b""
    deadline = time.perf_counter() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.perf_counter()) > 0:
            if not selector.select(left):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"{proc.args} ended (code {proc.wait()}) before {prefix!r}")
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if line.decode(errors="replace").startswith(prefix):
                    return line.decode(errors="replace").strip()
    raise TimeoutError(f"no line starting {prefix!r} within {timeout} s")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)", which may contain spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


# --- the registry ------------------------------------------------------------------------
Work = Callable[[str, Params], Result | Coroutine[Any, Any, Result]]


@dataclass(frozen=True)
class Workload:
    """One entry of the registry: what to run, on which loops, and how big."""

    work: Work
    loops: tuple[str, ...]  # the loops it applies to (the others show n/a)
    quick: Params
    full: Params
    timeout_s: float  # per worker process, in full mode
    needs_server: bool = False


SLEEPS_FULL = [(0.001, 50), (0.010, 30), (0.100, 10), (0.500, 5), (2.0, 3)]
SLEEPS_QUICK = [(0.001, 10), (0.010, 5), (0.100, 3)]

WORKLOADS: dict[str, Workload] = {
    "http_saturation": Workload(
        http_saturation,
        LOOPS,
        quick={"requests": 1000, "concurrency": 100},
        full={"requests": 10_000, "concurrency": 100},
        timeout_s=300,
        needs_server=True,
    ),
    "http_latency": Workload(
        http_latency,
        QT_LOOPS,
        quick={"requests": 100, "concurrency": 100, "latency_s": 0.05},
        full={"requests": 1000, "concurrency": 100, "latency_s": 0.05},
        timeout_s=120,
        needs_server=True,
    ),
    "http_panel": Workload(
        http_panel,
        QT_LOOPS,
        quick={"requests": 100, "concurrency": 100, "latency_s": 0.05},
        full={"requests": 1000, "concurrency": 100, "latency_s": 0.05},
        timeout_s=120,
        needs_server=True,
    ),
    "timers": Workload(
        timers, LOOPS, quick={"sleeps": SLEEPS_QUICK}, full={"sleeps": SLEEPS_FULL}, timeout_s=120
    ),
    "callbacks": Workload(
        callbacks,
        LOOPS,
        quick={"chained": 20_000, "batched": 20_000, "batch": 1000, "round_trips": 200},
        full={"chained": 200_000, "batched": 200_000, "batch": 1000, "round_trips": 2000},
        timeout_s=300,
    ),
    "cold_start": Workload(
        cold_start,
        QT_LOOPS,
        quick={"settle_s": 0.3, "idle_s": 1.5},
        full={"settle_s": 1.0, "idle_s": 10.0},
        timeout_s=90,
    ),
    "freeze": Workload(
        freeze,
        QT_LOOPS,
        quick={"block_s": 1.0, "blocks": 1},
        full={"block_s": 2.0, "blocks": 2},
        timeout_s=90,
    ),
    "websocket": Workload(
        websocket,
        QT_LOOPS,
        quick={"rates": [100, 500], "seconds": 0.6, "warmup_s": 0.2},
        full={"rates": [100, 500], "seconds": 3.0, "warmup_s": 0.5},
        timeout_s=90,
    ),
}


# --- inside a worker process -------------------------------------------------------------
def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A fresh loop of `kind`; Qt (and a QApplication) only for the Qt loops."""
    if kind == "asyncio":
        return asyncio.new_event_loop()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets

    from guidemo.loop import new_event_loop

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["guidemo-bench"])
    app.setQuitOnLastWindowClosed(False)  # as the app: else closing a window stops qasync
    return new_event_loop(app, kind)


def run_worker(loop_kind: str, name: str, params: Params) -> Result:
    """Run one workload on a fresh loop of `loop_kind` (or directly, if it is not async)."""
    work = WORKLOADS[name].work
    if not inspect.iscoroutinefunction(work):
        return work(loop_kind, params)  # type: ignore[return-value]
    loop = new_loop(loop_kind)
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        result = runner.run(work(loop_kind, params))  # type: ignore[arg-type]
    result["qt_loaded"] = "PySide6.QtCore" in sys.modules
    return result


def _worker_main(argv: list[str]) -> int:
    loop_kind, name, raw = argv
    result = run_worker(loop_kind, name, json.loads(raw))
    print(json.dumps(_no_nan(result)), flush=True)
    return 0


def _no_nan(value: Any) -> Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _no_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(item) for item in value]
    return value


# --- in the parent: run the workers, then summarize ----------------------------------------
def worker_env(config_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")  # same numbers with or without a display
    env["QT_API"] = "pyside6"
    env["XDG_CONFIG_HOME"] = config_dir  # the user's saved settings play no part
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def spawn_worker(
    loop_kind: str, name: str, params: Params, env: dict[str, str], timeout: float
) -> dict[str, Any]:
    """Run one worker process; its last stdout line is its JSON result."""
    command = [sys.executable, "-m", "guidemo.bench", "_worker", loop_kind, name]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [*command, json.dumps(params)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s", "wall_s": timeout}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    record: dict[str, Any] = {"ok": False, "wall_s": time.perf_counter() - started}
    if done.returncode == 0 and lines:
        record.update(json.loads(lines[-1]), ok=True)
    else:
        record["error"] = f"exit code {done.returncode}: {done.stderr.strip()[-1500:]}"
    return record


class DemoServerProcess:
    """`guidemo serve --port 0` in its own process, for the HTTP workloads."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "guidemo", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            line = read_line_starting(self.proc, SERVER_LINE, timeout=30)
        except BaseException:
            self.stop()
            raise
        self.url = line.removeprefix(SERVER_LINE).split()[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


def aggregate(metric: str, values: list[float]) -> float:
    """Combine one metric over runs: the median, except for worst cases, which stay worst:
    the earliest timer of all runs, the largest error of all runs."""
    if not values:
        return math.nan
    if metric.endswith("_earliest"):
        return min(values)
    if metric.endswith("_error_max"):
        return max(values)
    return statistics.median(values)


def summarize(runs: list[dict[str, Any]]) -> dict[str, float]:
    names = {name for run in runs if run["ok"] for name in run["metrics"]}
    summary = {}
    for name in sorted(names):
        values = [run["metrics"][name] for run in runs if run["ok"]]
        summary[name] = aggregate(name, [v for v in values if v is not None])
    return summary


def paired_ratio(runs: list[dict[str, Any]], base: list[dict[str, Any]], metric: str) -> float:
    """Median over run indices r of runs[r] / base[r]: each pair was measured side by side."""
    ratios = []
    for run, ref in zip(runs, base, strict=False):
        if run["ok"] and ref["ok"]:
            value, ref_value = run["metrics"].get(metric), ref["metrics"].get(metric)
            if value is not None and ref_value:
                ratios.append(value / ref_value)
    return statistics.median(ratios) if ratios else math.nan


# --- the table -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One line of the table: one or more metrics of a workload shown in one cell."""

    workload: str
    label: str
    keys: tuple[str, ...]
    digits: int
    explain: str = ""
    ratio: bool = False  # throughput-like: show x/asyncio
    signed: bool = False  # a timer error: show the sign, mark early ones


def _sleep_label(delay: float) -> str:
    return f"{delay:g} s" if delay >= 1 else f"{delay * 1000:g} ms"


ROWS: list[Row] = [
    Row("http_saturation", "HTTP saturated: requests/s", ("requests_per_s",), 0,
        "10,000 GETs (quick: 1,000) of 100 B from `guidemo serve` in its own process, "
        "100 in flight, one ClientSession, guidemo.net.fetch; higher is better. Client and "
        "server share the machine's cores, so this moves with the machine's load; CPU per "
        "request is the steadier figure", ratio=True),
    Row("http_saturation", "  client CPU per request, µs", ("cpu_us_per_request",), 0,
        "the client process's CPU time (process_time) over the run / requests; lower is "
        "better", ratio=True),
    Row("http_saturation", "  loop lag p50 / p99 / max, ms", ("lag_p50", "lag_p99", "lag_max"),
        1, "how late a timer due every 10 ms ran during the run (a QTimer on the Qt loops, "
        "call_later on asyncio); one frame at 60 Hz is 16.7 ms"),
    Row("http_latency", "HTTP 50 ms + table rows: total s", ("total_s",), 2,
        "1,000 GETs (quick: 100) answered after 50 ms, 100 in flight, each answer written "
        "into a row of a shown QTableWidget; the floor is requests / 100 × 0.05 s"),
    Row("http_latency", "  UI lag p99 / max, ms", ("lag_p99", "lag_max"), 1,
        "how late the QTimer probe ran meanwhile: the wait of a repaint or a click"),
    Row("http_panel", "same via the http panel: total s", ("total_s",), 2,
        "the same requests pasted into the real http panel of a MainWindow and run with "
        "its asyncButton, until every row is drawn (guidemo.bench_http.measure_http_panel)"),
    Row("http_panel", "  UI lag p99 / max, ms", ("lag_p99", "lag_max"), 1),
    *(
        Row("timers", f"sleep({_sleep_label(d)}) late by min/p50/p99, ms",
            tuple(f"sleep_{round(d * 1000)}ms_{s}" for s in ("earliest", "p50", "p99")), 2,
            "" if i else "measured duration of `await asyncio.sleep(d)` minus d, 50 samples "
            "at 1 ms down to 3 at 2 s per run (so p99 is often the largest); NEGATIVE = "
            "returned EARLY (marked !); min is the earliest of all runs",
            signed=True)
        for i, (d, _) in enumerate(SLEEPS_FULL)
    ),
    Row("callbacks", "call_soon chained, callbacks/s", ("chained_per_s",), 0,
        "200,000 (quick: 20,000) callbacks, each scheduling the next: one loop turn each",
        ratio=True),
    Row("callbacks", "call_soon batches of 1,000, /s", ("batched_per_s",), 0,
        "200,000 (quick: 20,000) callbacks, scheduled 1,000 at a time, as when many futures "
        "complete together", ratio=True),
    Row("callbacks", "threadsafe round trip p50 / p99, µs",
        ("threadsafe_rtt_p50_us", "threadsafe_rtt_p99_us"), 0,
        "a thread posts call_soon_threadsafe to the idle loop and waits for the callback's "
        "answer through a queue; 2,000 times (quick: 200)"),
    Row("cold_start", "cold start to painted window, s", ("ready_s",), 2,
        "from spawning `python -m guidemo --loop KIND` (offscreen, no saved settings) to its "
        "'window ready' line, printed once the window is shown and painted; target <= 0.5 s"),
    Row("cold_start", "  idle CPU of the whole app, %", ("idle_cpu_pct",), 2,
        "CPU time of the app process, all threads, over 10 s (quick: 1.5 s) of idling, "
        "from /proc/PID/stat; 100 % = one core; target < 1 %"),
    Row("cold_start", "  Ctrl+C: exit code / stderr bytes", ("exit_code", "stderr_bytes"), 0,
        "SIGINT to the idle app: it must exit with 0 and write nothing to stderr"),
    Row("freeze", "freeze detection error med / max, ms", ("abs_error_ms", "abs_error_max"),
        1, "|freeze recorded by the HUD's monitor - time the blockButton handler really "
        "blocked|, 2 s sleep job (quick: 1 s), real MainWindow; target <= 50 ms"),
    Row("websocket", "WS push->screen @100/s p50 / p99, ms", ("push_100_p50",
        "push_100_p99"), 1, "server's time stamp to the websocket panel's frame flush, "
        "measured by guidemo.panels.websocket.measure_push_latency in a real MainWindow"),
    Row("websocket", "WS push->screen @500/s p50 / p99, ms", ("push_500_p50",
        "push_500_p99"), 1),
]  # fmt: skip


def format_value(value: float | None, digits: int, signed: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text + "!" if signed and value < 0 else text


def cell(summary: dict[str, float] | None, row: Row) -> str:
    if summary is None:
        return "n/a"
    if not any(key in summary for key in row.keys):
        return "-"
    return " / ".join(format_value(summary.get(key), row.digits, row.signed) for key in row.keys)


def render_table(report: dict[str, Any]) -> str:
    """The results as a fixed-width table, then one line per figure saying what it is."""
    results = report["results"]
    loops = [loop for loop in LOOPS if loop in next(iter(results.values()))]
    compared = [loop for loop in loops if loop != "asyncio"] if "asyncio" in loops else []
    compared.reverse()  # guidemo first: the loop this bench is about
    headers = ["metric", *loops, *(f"{loop}/asyncio" for loop in compared)]
    lines_out: list[list[str]] = []
    explanations = []
    for row in ROWS:
        per_loop = results.get(row.workload)
        if per_loop is None:
            continue
        cells = [cell(per_loop[loop]["summary"], row) for loop in loops]
        if all(text in ("-", "n/a") for text in cells):
            continue  # e.g. the 2 s sleep in --quick mode
        ratios = [ratio_cell(per_loop[loop], row) for loop in compared]
        lines_out.append([row.label, *cells, *ratios])
        if row.explain:
            text = f"- {row.label.strip()}: {row.explain}."
            explanations.append(textwrap.fill(text, 100, subsequent_indent="  "))
    widths = [max(len(line[i]) for line in [headers, *lines_out]) for i in range(len(headers))]

    def fmt(line: list[str]) -> str:
        cells = (text.rjust(width) for text, width in zip(line[1:], widths[1:], strict=True))
        return "  ".join([line[0].ljust(widths[0]), *cells]).rstrip()

    ruler = "-" * len(fmt(headers))
    table = [fmt(headers), ruler, *(fmt(line) for line in lines_out), ruler]
    if compared:
        note = (
            "- x/asyncio: the median of per-run ratios (run r of x / run r of asyncio, "
            "measured one after the other), so it need not equal the ratio of the medians."
        )
        explanations.append(textwrap.fill(note, 100, subsequent_indent="  "))
    return "\n".join([*table, "", *explanations])


def ratio_cell(record: dict[str, Any], row: Row) -> str:
    if not row.ratio:
        return ""
    value = (record.get("ratios") or {}).get(row.keys[0])
    return "-" if value is None or math.isnan(value) else f"{value:.2f}x"


def machine_facts() -> dict[str, Any]:
    """What the numbers depend on: CPU, cores, memory, versions."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = math.nan
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = int(line.split()[1]) / 1024**2

    def version(*distributions: str) -> str:
        for name in distributions:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                return importlib.metadata.version(name)
        return "?"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "pyside6": version("PySide6-Essentials", "PySide6"),
        "qasync": version("qasync"),
        "aiohttp": version("aiohttp"),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def render_header(report: dict[str, Any]) -> str:
    m = report["machine"]
    load = report["machine"].get("load_average_at_start")
    load_text = " / ".join(f"{x:.2f}" for x in load) if load else "?"
    return "\n".join(
        [
            f"guidemo bench ({report['mode']}, median of {report['runs']} run(s) per cell, "
            f"each in a fresh process), {report['started']}",
            f"CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), "
            f"RAM {m['ram_gib']} GiB; load average at start {load_text} (1/5/15 min)",
            f"Python {m['python']}, PySide6 {m['pyside6']}, qasync {m['qasync']}, "
            f"aiohttp {m['aiohttp']}; {m['platform']}",
        ]
    )


def run_bench(
    quick: bool,
    json_path: Path | None,
    loops: list[str] | None = None,
    runs: int | None = None,
    workloads: list[str] | None = None,
) -> int:
    """Run every selected (run, workload, loop) in its own process, print the table,
    write the JSON; return 0 if every worker succeeded, else 1."""
    loops = list(loops or LOOPS)
    names = list(workloads or WORKLOADS)
    unknown = [x for x in loops if x not in LOOPS] + [x for x in names if x not in WORKLOADS]
    if unknown:
        print(f"guidemo bench: unknown loop or workload: {', '.join(unknown)}", file=sys.stderr)
        print(f"  loops: {', '.join(LOOPS)}; workloads: {', '.join(WORKLOADS)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    report: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "runs": runs or (1 if quick else 3),
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "params": {name: getattr(WORKLOADS[name], "quick" if quick else "full") for name in names},
        "results": {name: {loop: {"runs": []} for loop in loops} for name in names},
    }
    run_all(report, timeout=60 if quick else None)
    failures = summarize_report(report)
    report["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(render_header(report), render_table(report), sep="\n\n")
    print(
        f"\n{report['seconds']:.0f} s in all. Whatever else this machine did meanwhile is in\n"
        "these numbers: compare the loops within one bench, not across benches."
    )
    notes = _anomalies(report)
    if notes:
        print("\nNOTES:\n" + "\n".join(f"- {note}" for note in notes))
    if json_path is not None:
        json_path.write_text(json.dumps(_no_nan(report), indent=1))
    return 1 if failures else 0


def schedule(report: dict[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(run, workload, loop) in the order they run: run 1 of every workload on every loop,
    then run 2, ...; the loops' order turns round from run to run, so none always goes
    first, and a noisy minute on the machine hits all loops alike."""
    loops = list(next(iter(report["results"].values())))
    for run in range(report["runs"]):
        order = loops[run % len(loops) :] + loops[: run % len(loops)]
        for name in report["results"]:
            for loop in order:
                if loop in WORKLOADS[name].loops:
                    yield run, name, loop


def run_all(report: dict[str, Any], timeout: float | None) -> None:
    """Run every worker of the schedule; collect its record into report["results"]."""
    with tempfile.TemporaryDirectory(prefix="guidemo-bench-") as config:
        env = worker_env(config)
        needs_server = any(WORKLOADS[name].needs_server for name in report["results"])
        server = DemoServerProcess(env) if needs_server else None
        try:
            for run, name, loop in schedule(report):
                params = dict(report["params"][name], server=server and server.url)
                record = spawn_worker(loop, name, params, env, timeout or WORKLOADS[name].timeout_s)
                report["results"][name][loop]["runs"].append(record)
                last_error = (record.get("error") or "").strip().splitlines()[-1:]
                print(
                    f"bench: run {run + 1}/{report['runs']} {name:<16} {loop:<8} "
                    f"{record.get('wall_s', 0):5.1f} s {'ok' if record['ok'] else 'FAILED'} "
                    + "".join(last_error),
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            if server is not None:
                server.stop()


def summarize_report(report: dict[str, Any]) -> int:
    """Add to every cell its summary (medians over runs) and its paired ratios to plain
    asyncio; mark the cells a workload does not apply to. Returns how many workers failed."""
    failures = 0
    for name, per_loop in report["results"].items():
        workload = WORKLOADS[name]
        for loop, record in per_loop.items():
            record["applicable"] = loop in workload.loops
            if not record["applicable"]:
                record.update(summary=None, reason="needs Qt: a window, or the app itself")
                continue
            failures += sum(not run["ok"] for run in record["runs"])
            record["summary"] = summarize(record["runs"])
            if loop != "asyncio" and "asyncio" in per_loop and "asyncio" in workload.loops:
                base = per_loop["asyncio"]["runs"]
                ratio_keys = [row.keys[0] for row in ROWS if row.workload == name and row.ratio]
                record["ratios"] = {
                    key: paired_ratio(record["runs"], base, key) for key in ratio_keys
                }
    return failures


def _anomalies(report: dict[str, Any]) -> list[str]:
    """What a reader must not miss: failed workers, failed requests, an unclean exit."""
    notes = []
    for name, per_loop in report["results"].items():
        for loop, record in per_loop.items():
            for index, run in enumerate(record["runs"], start=1):
                if not run["ok"]:
                    notes.append(f"{name} on {loop}, run {index}: {run['error'][:300]}")
                    continue
                metrics = run["metrics"]
                if metrics.get("failed"):
                    notes.append(f"{name} on {loop}, run {index}: {metrics['failed']} failed")
                if loop == "asyncio" and run.get("qt_loaded"):
                    notes.append(f"{name} on asyncio, run {index}: Qt was loaded, it must not be")
                if metrics.get("exit_code") or metrics.get("stderr_bytes"):
                    notes.append(
                        f"{name} on {loop}, run {index}: app exit code {metrics['exit_code']}, "
                        f"stderr: {run['samples']['stderr'][-300:]!r}"
                    )
    return notes


if __name__ == "__main__":
    if sys.argv[1:2] != ["_worker"]:
        sys.exit(
            "usage: python -m guidemo.bench _worker LOOP WORKLOAD PARAMS (use `guidemo bench`)"
        )
    sys.exit(_worker_main(sys.argv[2:]))
