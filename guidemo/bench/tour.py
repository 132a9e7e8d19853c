"""The guided tour walked as a class would: how long guidemo's own code held the loop.

A class sees every stall of the window. The lessons freeze it on purpose (the greedy
coroutine, the click handler that sleeps, a thread holding the GIL); everything else is
guidemo's own: changing page, laying out, drawing charts and source views. This walks the
tour in a real MainWindow, pressing only each step's marked control, with a probe timer
due every 10 ms (LagProbe); a sample's lag is how long the loop was held. Samples inside a
lesson's own demonstration (a freeze or a pause the monitor records as the learner's code,
the GIL comparison) are left out; the longest of the others is the row (target <= 50 ms).
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
DEMONSTRATIONS = {"compareButton"}  # a pure-Python thread beside the UI: its lag is the lesson
STEP_TIMEOUT_S = 60.0
SET_UP_S = 1.0


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
    async with main_window() as window:
        for key, (width, height, zoom) in SCREENS.items():
            worst, stalls = await walk(window, (width, height), zoom, steps)
            metrics[f"own_stall_{key}_ms"] = worst
            samples[f"stalls_{key}"] = stalls
    return {"metrics": metrics, "samples": samples}


async def walk(
    window: Any, size: tuple[int, int], zoom: float, steps: int
) -> tuple[float, list[tuple[int, float]]]:
    """Walk the tour; return the longest own stall (ms) and the five longest (step, ms)."""
    from PySide6 import QtWidgets

    tour = window.tour
    marker = window.findChild(QtWidgets.QWidget, "tourMarker")
    window.set_zoom(zoom)
    window.resize(*size)
    tour.start()
    tour.go(0)
    await asyncio.sleep(SET_UP_S)  # the zoom and size are the bench's set-up, not the tour's
    probe = LagProbe(qt=True)
    excluded: list[tuple[float, float]] = []  # lessons' own demonstrations
    step_of: list[tuple[float, int]] = []  # (when a step began, its index)
    started = time.perf_counter()
    probe.start()
    try:
        for index in range(min(steps or len(tour.steps), len(tour.steps))):
            step_of.append((time.perf_counter(), index))
            target = tour.target()
            began = time.perf_counter()
            if target is not None:
                await wait_for(marker.isVisible, 5, f"the marker of step {index + 1}")
                await wait_for(target.isEnabled, STEP_TIMEOUT_S, f"step {index + 1} usable")
                if isinstance(target, QtWidgets.QAbstractButton):
                    target.click()
            await wait_for(tour.observed, STEP_TIMEOUT_S, f"step {index + 1} observed")
            if target is not None and target.objectName() in DEMONSTRATIONS:
                excluded.append((began, time.perf_counter()))
            await asyncio.sleep(0.2)  # the takeaway is drawn
            tour.next()
        await asyncio.sleep(0.2)
    finally:
        lags, fired = list(probe.stop()), list(probe.fired_at)
        tour.stop()
        window.set_zoom(1.0)
    stats = window.monitor.stats()
    for event in [*stats.freezes, *stats.pauses]:
        if event.started >= started and not getattr(event, "own", False):
            excluded.append((event.started, event.started + event.duration_s + 0.05))
    own = []
    for at, lag in zip(fired, lags, strict=False):
        held_from = at - lag / 1000
        if any(begin <= at and held_from <= end for begin, end in excluded):
            continue
        step = max((i for when, i in step_of if when <= at), default=0)
        own.append((step + 1, round(lag, 1)))
    own.sort(key=lambda item: item[1], reverse=True)
    return (own[0][1] if own else 0.0), own[:5]


def _offscreen_screen(width: int, height: int) -> str:
    """Qt's offscreen platform with a screen of this size (its default is 800x800)."""
    screen = {"name": "bench", "x": 0, "y": 0, "width": width, "height": height}
    config = Path(tempfile.mkdtemp(prefix="guidemo-bench-screen-")) / "screen.json"
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"
