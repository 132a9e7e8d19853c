"""Lesson `giving_up_control`: only a coroutine that awaits lets others run meanwhile."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from guidemo.lessons.giving_up_control import greedy_worker, polite_worker

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.giving_up_control; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


async def ticks_while(worker, seconds: float) -> tuple[int, float, int, float]:
    """(slices the worker did, seconds it gave the loop, times a 0-delay ticker ran meanwhile,
    seconds the worker took)."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    counting = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    ticks = 0
    started = time.perf_counter()
    slices, given = await worker(seconds)
    took = time.perf_counter() - started
    during = ticks
    counting.cancel()
    return slices, given, during, took


def test_the_greedy_worker_lets_nothing_else_run(run) -> None:
    slices, given, ticks, _ = run(ticks_while(greedy_worker, 0.2))
    assert slices > 0 and ticks == 0 and given == 0.0


def test_the_polite_worker_gives_the_loop_a_turn_after_each_slice(run) -> None:
    slices, given, ticks, took = run(ticks_while(polite_worker, 0.2))
    assert slices > 0 and ticks >= slices // 2
    # Part of its own run, not the whole: quiet, under the 0.2 s it works for; on a busy
    # machine each yield can last as long as the thread waits for a CPU, so it is held
    # against the time the worker took (the slices' work is the rest).
    assert 0 < given < took, ("it measures the time it gave away: the cost of yielding", took)
