"""Taking turns is voluntary: a coroutine that never awaits holds the loop until it ends.

Both workers do the same slices of work. The greedy one never awaits, so no other task,
timer or window event runs meanwhile; the polite one awaits `asyncio.sleep(0)` after each
slice, which lets everything that is ready run before it goes on: the time it gives away
is the price of a live window.
"""

from __future__ import annotations

import asyncio
import time

WORK_SLICE = 40_000  # one slice of work: sum(range(WORK_SLICE)), ~0.5 ms


async def greedy_worker(seconds: float) -> tuple[int, float]:
    """Works for `seconds` without a single await: no other task or event runs meanwhile."""
    slices = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sum(range(WORK_SLICE))  # one slice of work
        slices += 1
    return slices, 0.0  # slices done, and seconds given to the loop: none


async def polite_worker(seconds: float) -> tuple[int, float]:
    """The same work, but `await asyncio.sleep(0)` after each slice gives the loop a turn."""
    slices, given = 0, 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sum(range(WORK_SLICE))  # one slice of work
        slices += 1
        paused = time.perf_counter()
        await asyncio.sleep(0)  # give up control: everything that is ready runs now
        given += time.perf_counter() - paused  # the price: time not spent working
    return slices, given
