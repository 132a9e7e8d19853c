"""The guided tour walked as a class would: how long guidemo's own code held the loop.

A class sees every stall of the window. The lessons stall it on purpose (the greedy
coroutine, the click handler that sleeps, 200 requests at once), and those are the point;
guidemo's own work is changing page, laying out, and drawing the takeaway. This walks the
tour in a real MainWindow, pressing only each step's marked control, with a probe timer
due every 10 ms (LagProbe): a sample's lag is how long the loop was held. The row is the
longest hold that overlaps a step change (from Next until the step's control is marked,
plus SHOWN_S) or the moment its takeaway appears; target <= 50 ms. Beside it, the longest
freeze (over 100 ms) the HUD's monitor put down to guidemo's own display code while the
tour ran, runs included.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from guidemo.bench.measure import LagProbe, Params, Result, main_window, wait_for
from guidemo.bench.processes import new_loop

SCREENS = {"720p": (1280, 720, 1.0), "1080p_zoom15": (1920, 1080, 1.5)}
STEP_TIMEOUT_S = 30.0
SET_UP_S = 1.0
SHOWN_S = 0.3  # a page change or a takeaway counts as drawn this long after it happened


def tour_walk(loop_kind: str, p: Params) -> Result:
    """Walk the first `steps` steps (all: 0) at each screen of SCREENS, in one window."""
    if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        os.environ["QT_QPA_PLATFORM"] = _offscreen_screen(1920, 1200)  # room for 1080p
    loop = new_loop(loop_kind)
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        result: Result = runner.run(_walk_screens(p["steps"]))
    return result


async def _walk_screens(steps: int) -> Result:
    metrics: dict[str, float] = {}
    samples: dict[str, Any] = {}
    async with main_window(lazy=True) as window:  # as a class meets it: built as the app does
        for key, (width, height, zoom) in SCREENS.items():
            worst, own_freeze, stalls, own = await walk(window, (width, height), zoom, steps)
            metrics[f"own_stall_{key}_ms"] = worst
            metrics[f"own_freeze_{key}_ms"] = own_freeze
            samples[f"stalls_{key}"] = stalls
            samples[f"own_freezes_{key}"] = own
    return {"metrics": metrics, "samples": samples}


async def walk(
    window: Any, size: tuple[int, int], zoom: float, steps: int
) -> tuple[float, float, list[tuple[int, float]], list[tuple[int, str, str]]]:
    """Walk the tour; return the longest stall at a step change (ms), the longest freeze
    the monitor put down to guidemo's own code (ms, 0 if none), the five longest
    step-change stalls as (step, ms), and the own freezes as (ms, panel, where)."""
    from PySide6 import QtWidgets

    from guidemo.monitor import FREEZE_THRESHOLD_S

    tour = window.tour
    marker = window.findChild(QtWidgets.QWidget, "tourMarker")
    window.set_zoom(zoom)
    window.resize(*size)
    tour.start()
    tour.go(0)
    await asyncio.sleep(SET_UP_S)  # the zoom and size are the bench's set-up, not the tour's
    probe = LagProbe(qt=True)
    changes: list[tuple[float, float, int]] = []  # (from, to, step): the tour's own moments
    unobserved: list[int] = []  # steps whose observation never came
    started = time.perf_counter()
    probe.start()
    try:
        count = min(steps or len(tour.steps), len(tour.steps))
        for index in range(count):
            began = time.perf_counter()  # the page change (Next) has just happened
            target = tour.target()
            if target is not None:
                await wait_for(marker.isVisible, 5, f"the marker of step {index + 1}")
            await asyncio.sleep(SHOWN_S)  # the new page is drawn; then the learner clicks
            changes.append((began, time.perf_counter(), index))
            if target is not None:
                await wait_for(target.isEnabled, STEP_TIMEOUT_S, f"step {index + 1} usable")
                if isinstance(target, QtWidgets.QAbstractButton):
                    target.click()
            try:
                await wait_for(tour.observed, STEP_TIMEOUT_S, f"step {index + 1} observed")
            except TimeoutError:  # e.g. stock qasync records no pause for a nested exec()
                unobserved.append(index + 1)
            observed = time.perf_counter()  # the takeaway is drawn now
            await asyncio.sleep(SHOWN_S)
            changes.append((observed, time.perf_counter(), index))
            if index + 1 < count:
                tour.next()
        await asyncio.sleep(SHOWN_S)
    finally:
        # Each wait less the time a busy machine kept the loop's thread from a CPU.
        waits = probe.cpu_waits_ms
        lags = [lag - wait for lag, wait in zip(probe.stop(), waits, strict=True)]
        fired = list(probe.fired_at)
        tour.stop()
        window.set_zoom(1.0)
    stats = window.monitor.stats()
    lessons = [  # the learner's code froze or paused the loop: not a stall of ours
        (e.started, e.started + e.duration_s)
        for e in [*stats.freezes, *stats.pauses]
        if e.started >= started and not getattr(e, "own", False)
    ]
    stalls = []
    for at, lag in zip(fired, lags, strict=False):
        held_from = at - lag / 1000  # the loop was held from then until the probe ran
        if any(held_from <= end and begin <= at for begin, end in lessons):
            continue
        step = next((i for begin, end, i in changes if held_from <= end and begin <= at), None)
        if step is not None:
            stalls.append((step + 1, round(lag, 1)))
    stalls.sort(key=lambda item: item[1], reverse=True)
    own = [  # less the time a busy machine kept the GUI thread waiting for a CPU
        (round(f.working_s * 1000), f.panel, f.where)
        for f in stats.freezes
        if f.own and f.started >= started and f.working_s > FREEZE_THRESHOLD_S
    ]
    worst_own = max((ms for ms, _, _ in own), default=0)
    own += [(0, "step never observed", str(step)) for step in unobserved]
    return (stalls[0][1] if stalls else 0.0), worst_own, stalls[:5], own


def _offscreen_screen(width: int, height: int) -> str:
    """Qt's offscreen platform with a screen of this size (its default is 800x800)."""
    screen = {"name": "bench", "x": 0, "y": 0, "width": width, "height": height}
    config = Path(tempfile.mkdtemp(prefix="guidemo-bench-screen-")) / "screen.json"
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"
