"""One slow job, run four ways: in the click handler, in a thread pool, in a process.

(The fourth way, a QThread, is Qt's own: see `guidemo.lessons.qthread`.) Nothing here
imports Qt; the jobs themselves are in `guidemo.lessons.jobs`.
"""

from __future__ import annotations

import asyncio
import random
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
    """A little task that runs every now and then, like the lecture's async_executor."""
    start = time.perf_counter()
    while True:
        log(f"small task {number} ran at +{time.perf_counter() - start:5.2f} s")
        await asyncio.sleep(random.uniform(0.1, 0.6))
