"""The workloads that need the real app: its cold start, its freeze detector, its pushes.

They run on the Qt loops only; plain asyncio shows n/a for them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from guidemo.bench.measure import Params, Result, main_window, wait_for
from guidemo.bench.processes import process_cpu_s, read_line_starting
from guidemo.bench.push_latency import measure_push_latency

READY_LINE = "guidemo: window ready"
SETTLED_LINE = "guidemo: all panels built"  # printed by guidemo.app once it has settled


def cold_start(loop_kind: str, p: Params) -> Result:
    """Start the real app (`python -m guidemo --loop KIND`) as a user would, headless.

    Cold start: from spawning the process to its "window ready" line, printed once the
    window has been shown and painted. Idle CPU: the app process's CPU time (all its
    threads: GUI, HUD watchdog, demo server) over `idle_s`, from `settle_s` after its
    "all panels built" line (the app builds them in the background after its window
    appears: that is start-up work, not idling). Then Ctrl+C
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
            # Idle means idle: after the panels built in the background after the window.
            read_line_starting(app, SETTLED_LINE, timeout=60)
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
    (measure_push_latency: server stamp -> frame flushed)."""
    metrics: dict[str, float] = {}
    samples: dict[str, Any] = {}
    async with main_window() as window:
        for rate in p["rates"]:
            found = await measure_push_latency(window, rate, p["seconds"], p["warmup_s"])
            metrics[f"push_{rate}_p50"] = found["p50_ms"]
            metrics[f"push_{rate}_p99"] = found["p99_ms"]
            samples[f"push_{rate}"] = found
    return {"metrics": metrics, "samples": samples}
