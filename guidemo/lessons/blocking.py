"""One slow job, run four ways: in the click handler, in a thread pool, in a process.

(The fourth way, a QThread, is Qt's own: see `guidemo.lessons.qthread`.) Nothing here
imports Qt; the jobs themselves are in `guidemo.lessons.jobs`.
"""

from __future__ import annotations

import asyncio
import datetime
import multiprocessing
import random
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from multiprocessing.pool import Pool
from typing import Any

from guidemo.lessons.jobs import Job


def run_in_click_handler(job: Job, seconds: float) -> Any:
    """Call the job right here, in the GUI thread: nothing else runs until it returns."""
    return job(seconds)


async def run_in_executor(
    executor: Executor, job: Job, seconds: float, cancel: threading.Event
) -> Any:
    """Hand the job to a thread pool and await it: the loop stays free meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, job, seconds, cancel)


def start_process_pool() -> Pool:
    """One worker process, started fresh ("spawn"): before its first job it must boot a
    new Python and import the job's module, so the first run also pays for that.

    A terminal's Ctrl+C reaches every process of the app, this worker too: it ignores
    it (else it prints a KeyboardInterrupt traceback); the app stops it when it stops."""
    return multiprocessing.get_context("spawn").Pool(
        processes=1, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)
    )


async def run_in_process(pool: Pool, job: Job, seconds: float) -> Any:
    """Run the job in another process: no shared GIL, so even pure-Python work can't lag the UI."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()

    def deliver(setter: Callable[[Any], None], value: Any) -> None:  # runs in the GUI thread
        if not result.done():
            setter(value)

    # The pool calls back from its own thread: hop onto the loop thread-safely.
    pool.apply_async(
        job,
        (seconds,),
        callback=lambda value: loop.call_soon_threadsafe(deliver, result.set_result, value),
        error_callback=lambda exc: loop.call_soon_threadsafe(deliver, result.set_exception, exc),
    )
    return await result


async def small_task(number: int, log: Callable[[str], None]) -> None:
    """A little task that wakes now and then, like the lecture's async_executor: it can run
    only while the loop is free, so a blocked loop shows as a gap in its clock times."""
    while True:
        pause = random.uniform(0.1, 0.6)
        asked_at = time.perf_counter()
        await asyncio.sleep(pause)
        late = time.perf_counter() - asked_at - pause
        clock = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
        note = f", {late:.2f} s late" if late >= 0.1 else ""  # the loop was busy elsewhere
        log(f"{clock}  task {number} ran{note}")


async def busy_ui(ticks: list[float], period: float = 0.001) -> None:
    """Stand-in for a busy UI (an animation, many small tasks): wake every `period` s and
    note the time. Each wake-up needs the GIL back, so a CPU-bound thread slows it down."""
    while True:
        await asyncio.sleep(period)
        ticks.append(time.perf_counter())
