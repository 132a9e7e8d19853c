"""The bench's processes: fresh workers, the demo server on its own, and reading from them.

Every (run, workload, loop) runs in a FRESH process, `python -m guidemo.bench _worker LOOP
WORKLOAD PARAMS`, which prints one JSON line (guidemo/bench/__main__.py). No loop inherits
another's sockets, timers, caches or garbage, and a crash spoils one cell, not the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from guidemo.bench.measure import Params

SERVER_LINE = "guidemo demo server on "
WORKER_COMMAND = (sys.executable, "-m", "guidemo.bench", "_worker")


# --- in the parent: start workers and the demo server ------------------------------------
def worker_env(config_dir: str) -> dict[str, str]:
    """The environment of every process the bench starts: headless, no saved settings."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")  # same numbers with or without a display
    env["QT_API"] = "pyside6"
    env["XDG_CONFIG_HOME"] = config_dir  # the user's saved settings play no part
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def spawn_worker(
    loop_kind: str, name: str, params: Params, env: dict[str, str], timeout: float
) -> dict[str, Any]:
    """Run one worker process; its last stdout line is its JSON result."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [*WORKER_COMMAND, loop_kind, name, json.dumps(params)],
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
    """`guidemo serve --port 0` in its own process, for the HTTP workloads: the server's
    work never counts as the client loop's work or lag."""

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
                raise RuntimeError(f"{proc.args!r} ended (code {proc.wait()}) before {prefix!r}")
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if line.decode(errors="replace").startswith(prefix):
                    return line.decode(errors="replace").strip()
    raise TimeoutError(f"no line starting {prefix!r} within {timeout} s")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far, from /proc.

    Each thread's schedstat counts nanoseconds; /proc/PID/stat counts 10 ms ticks, which
    over a 10 s idle window is a resolution of 0.1 % of a core: too coarse for an idle
    app. (Threads that ended are missing from the sum: measure a window without any.)
    """
    total_ns = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread ended
            total_ns += int((task / "schedstat").read_text().split()[0])
    if total_ns:
        return total_ns / 1e9
    stat = Path(f"/proc/{pid}/stat").read_text()  # no schedstat (an old kernel): ticks
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)", which may contain spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


# --- inside a worker ---------------------------------------------------------------------
def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A fresh loop of `kind`; Qt (and a QApplication) only for the Qt loops."""
    if kind == "asyncio":
        return asyncio.new_event_loop()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets

    from guidemo.loop import new_event_loop

    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        app = QtWidgets.QApplication(["guidemo-bench"])
    app.setQuitOnLastWindowClosed(False)  # as the app: else closing a window stops qasync
    return new_event_loop(app, kind)


def no_nan(value: Any) -> Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: no_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [no_nan(item) for item in value]
    return value
