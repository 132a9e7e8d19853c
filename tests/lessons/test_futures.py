"""Lesson `futures`: what a Future holds, the order callbacks and waiters wake in, and a
pool thread's Future awaited or blocked on. Plain asyncio, no Qt."""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from guidemo.lessons.futures import (
    BoundedThreadPool,
    QueueFull,
    await_job,
    block_on_job,
    outcome,
    report_when_done,
    slow_square,
    submit_job,
    wait_for_it,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]


def test_outcome_names_what_a_done_future_holds():
    done: concurrent.futures.Future[int] = concurrent.futures.Future()
    done.set_result(7)
    failed: concurrent.futures.Future[int] = concurrent.futures.Future()
    failed.set_exception(ValueError("no"))
    cancelled: concurrent.futures.Future[int] = concurrent.futures.Future()
    cancelled.cancel()
    assert outcome(done) == "result 7"
    assert outcome(failed) == "exception ValueError('no')"
    assert outcome(cancelled) == "cancelled"


def test_set_result_returns_first_then_callbacks_in_order_then_waiters():
    log: list[str] = []

    async def scenario() -> None:
        fut = asyncio.get_running_loop().create_future()
        fut.add_done_callback(report_when_done(1, log.append))
        fut.add_done_callback(report_when_done(2, log.append))
        waiter = asyncio.ensure_future(wait_for_it(1, fut, log.append))
        await asyncio.sleep(0)  # the waiter runs up to its await
        fut.set_result(42)
        log.append("set_result returned")
        await waiter

    asyncio.run(scenario())
    assert log == [
        "waiter #1: await fut … (suspended)",
        "set_result returned",
        "callback #1 ran: result 42",
        "callback #2 ran: result 42",
        "waiter #1: resumed with 42",
    ]


def test_waiters_see_exceptions_and_cancellation():
    log: list[str] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        failing, cancelled = loop.create_future(), loop.create_future()
        first = asyncio.ensure_future(wait_for_it(1, failing, log.append))
        second = asyncio.ensure_future(wait_for_it(2, cancelled, log.append))
        await asyncio.sleep(0)
        failing.set_exception(ValueError("no"))
        cancelled.cancel()
        await first
        with pytest.raises(asyncio.CancelledError):
            await second

    asyncio.run(scenario())
    assert "waiter #1: resumed, await raised ValueError('no')" in log
    assert "waiter #2: resumed by CancelledError" in log


def test_slow_square_runs_in_the_calling_thread_and_stops_on_its_flag():
    cancel = threading.Event()
    cancel.set()
    started = time.perf_counter()
    assert slow_square(3, 10.0, cancel) == (9, threading.current_thread().name)
    assert time.perf_counter() - started < 1.0


def test_submit_job_calls_back_from_the_worker_thread_and_await_job_keeps_the_loop_free():
    log: list[str] = []

    async def scenario() -> tuple[tuple[int, str], int]:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lesson-worker") as pool:
            job = submit_job(pool, 4, 0.3, threading.Event(), log.append)
            awaiting = asyncio.ensure_future(await_job(job))
            ticks = 0
            while not awaiting.done():
                await asyncio.sleep(0.01)
                ticks += 1
            await asyncio.sleep(0.05)  # the done-callback's hop back to the loop
            return await awaiting, ticks

    (square, thread_name), ticks = asyncio.run(scenario())
    assert square == 16 and thread_name.startswith("lesson-worker")
    # About 30 ticks in the job's 0.3 s on a quiet machine, 7 beside a second suite; a loop
    # held by the wait would tick once, after it.
    assert ticks >= 3, "the loop ran other work while it awaited the thread"
    assert len(log) == 1 and "lesson-worker" in log[0], log


def test_block_on_job_waits_in_the_calling_thread():
    async def scenario() -> float:
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = submit_job(pool, 2, 0.3, threading.Event(), lambda _: None)
            started = time.perf_counter()
            assert block_on_job(job)[0] == 4
            return time.perf_counter() - started

    assert asyncio.run(scenario()) >= 0.25


def test_bounded_pool_refuses_a_job_when_its_queue_is_full():
    cancel = threading.Event()
    pool = BoundedThreadPool(threads=2, max_waiting=3, name="bounded-test")
    try:
        jobs = [pool.submit(slow_square, n, 10.0, cancel) for n in range(5)]  # 2 run, 3 wait
        with pytest.raises(QueueFull, match="2 jobs running and 3 waiting, the limit"):
            pool.submit(slow_square, 5, 10.0, cancel)
        assert jobs[-1].cancel(), "a waiting job can still be cancelled"
        again = pool.submit(slow_square, 6, 0.0, cancel)  # room again
        cancel.set()
        assert again.result(timeout=5) == (36, again.result()[1])
        assert again.result()[1].startswith("bounded-test")
    finally:
        cancel.set()
        pool.shutdown(wait=True, cancel_futures=True)


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.futures; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
