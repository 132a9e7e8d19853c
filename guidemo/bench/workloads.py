"""The registry of workloads (`--only` names), and running one of them in this process.

A workload is one small function `work(loop_kind, params) -> Result` (async unless it
starts processes of its own); its module says what it measures and why that way.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from guidemo.bench.app import cold_start, freeze, websocket
from guidemo.bench.http import http_accounting, http_latency, http_panel, http_saturation
from guidemo.bench.loops import callbacks, timers
from guidemo.bench.measure import LOOPS, QT_LOOPS, Params, Result
from guidemo.bench.processes import new_loop
from guidemo.bench.tour import tour_walk

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
    "http_accounting": Workload(
        http_accounting,
        LOOPS,
        quick={"requests": 500, "concurrency": 100, "rounds": 2},
        full={"requests": 2000, "concurrency": 100, "rounds": 10},
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
    "tour": Workload(
        tour_walk,
        QT_LOOPS,
        quick={"steps": 2},
        full={"steps": 0},  # all of them
        timeout_s=400,
    ),
}


def run_workload(loop_kind: str, name: str, params: Params) -> Result:
    """Run one workload on a fresh loop of `loop_kind` (or directly, if it is not async)."""
    outcome = WORKLOADS[name].work(loop_kind, params)
    if isinstance(outcome, dict):  # not async: it has done its work already
        return outcome
    loop = new_loop(loop_kind)
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        result: Result = runner.run(outcome)
    result["qt_loaded"] = "PySide6.QtCore" in sys.modules
    return result
