"""Lesson `blocking`: the click-handler way holds the thread; the executor and process
ways keep the loop running. Plain asyncio, no Qt."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from guidemo.lessons.blocking import (
    busy_ui,
    run_in_click_handler,
    run_in_executor,
    run_in_process,
    small_task,
    start_process_pool,
)
from guidemo.lessons.jobs import busy_cpu, slow_sleep

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]


async def ticks_while(job: asyncio.Future[object] | asyncio.Task[object]) -> int:
    """How many 10 ms ticks the loop ran while `job` was pending."""
    ticks = 0
    while not job.done():
        await asyncio.sleep(0.01)
        ticks += 1
    return ticks


def test_run_in_click_handler_returns_only_when_done():
    started = time.perf_counter()
    assert run_in_click_handler(slow_sleep, 0.2) >= 0.19
    assert time.perf_counter() - started >= 0.19


@pytest.mark.no_outside_load  # counts 10 ms ticks: 3 in 0.5 s beside a second suite
def test_run_in_executor_keeps_the_loop_free():
    async def scenario() -> tuple[float, int]:
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = asyncio.ensure_future(run_in_executor(pool, slow_sleep, 0.5, threading.Event()))
            ticks = await ticks_while(job)
            return await job, ticks

    slept, ticks = asyncio.run(scenario())
    assert slept >= 0.49
    assert ticks >= 10, "the loop ran other work meanwhile"


def test_run_in_executor_job_stops_on_its_cancel_flag():
    async def scenario() -> float:
        cancel = threading.Event()
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = asyncio.ensure_future(run_in_executor(pool, slow_sleep, 20.0, cancel))
            await asyncio.sleep(0.1)
            cancel.set()
            return await asyncio.wait_for(job, 5)

    assert asyncio.run(scenario()) < 5


def test_run_in_process_returns_the_result_and_its_errors():
    async def scenario() -> tuple[int, int]:
        with multiprocessing.get_context("spawn").Pool(processes=1) as pool:
            job = asyncio.ensure_future(run_in_process(pool, busy_cpu, 0.3))
            ticks = await ticks_while(job)
            with pytest.raises(ValueError, match="math domain error"):
                await run_in_process(pool, math.sqrt, -1.0)
            return await job, ticks

    loops, ticks = asyncio.run(scenario())
    assert loops > 0
    # About 40 quiet; 10 ms ticks beside a second suite: 3 in 0.5 s. A loop held by the job
    # ticks once at most.
    assert ticks >= 2, "the loop ran other work meanwhile"


def test_small_task_writes_the_clock_time_and_says_when_it_woke_late():
    lines: list[str] = []
    logged: list[float] = []  # when each line came

    def log(line: str) -> None:
        logged.append(time.perf_counter())
        lines.append(line)

    async def scenario() -> tuple[float, int]:
        task = asyncio.ensure_future(small_task(1, log))
        while len(lines) < 2:
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        time.sleep(0.8)  # block the loop, as a click handler would
        blocked = time.perf_counter() - started
        before = len(lines)
        while len(lines) == before:
            await asyncio.sleep(0.01)
        task.cancel()
        return blocked, before

    blocked, after = asyncio.run(asyncio.wait_for(scenario(), 10))  # lines[after]: the late one
    clock = r"\d\d:\d\d:\d\d\.\d{3}"
    # Each wake is late by 0.1 s at most quiet; beside a second suite even the first may be.
    assert re.fullmatch(clock + r"  task 1 ran(, \d+\.\d\d s late)?", lines[0]), lines[0]
    late = re.fullmatch(clock + r"  task 1 ran, (\d+\.\d\d) s late", lines[after])
    assert late, lines[after]
    # Its sleep (0.1-0.6 s) began before the block and ended during it: late by the rest of
    # the block at least (0.2 s or more). At most: the time since the line before, less the
    # shortest sleep (quiet, the whole line was at most 1.0 s late; beside a second suite
    # the 0.8 s block alone can last 2.5 s). 0.01 s: the line rounds to 0.01 s.
    since_before = logged[after] - logged[after - 1]
    assert blocked - 0.6 - 0.01 <= float(late[1]) <= since_before - 0.1 + 0.01, (
        lines[after - 1 :],
        blocked,
        since_before,
    )
    assert float(late[1]) >= 0.2, lines[after]


@pytest.mark.no_outside_load  # counts 1 ms ticks: 5 in 0.5 s beside a second suite
def test_busy_ui_ticks_about_every_millisecond():
    ticks: list[float] = []

    async def scenario() -> None:
        task = asyncio.ensure_future(busy_ui(ticks))
        await asyncio.sleep(0.5)
        task.cancel()

    asyncio.run(scenario())
    assert 50 <= len(ticks) <= 600, len(ticks)  # at most one per ms, many when the loop is free


def test_a_started_pool_answers_at_once_the_first_job_waits_for_it():
    async def scenario() -> tuple[float, float]:
        pool = start_process_pool()
        try:
            started = time.perf_counter()
            await run_in_process(pool, slow_sleep, 0.0)
            first = time.perf_counter() - started
            started = time.perf_counter()
            await run_in_process(pool, slow_sleep, 0.0)
            return first, time.perf_counter() - started
        finally:
            pool.terminate()
            pool.join()

    first, second = asyncio.run(scenario())
    assert first > second, (first, second)  # the first one waited for Python to start


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.blocking; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
