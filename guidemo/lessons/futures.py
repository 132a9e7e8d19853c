"""Futures: a box for a result that arrives later, and the two kinds Python has.

An `asyncio.Future` is filled by code on the loop and wakes its callbacks and waiters
from the loop; a `concurrent.futures.Future` is filled by a pool thread and runs its
callbacks in that thread. `asyncio.wrap_future` joins the two. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from guidemo.lessons.jobs import slow_sleep

Log = Callable[[str], None]
P = ParamSpec("P")
T = TypeVar("T")


# --- asyncio.Future ----------------------------------------------------------------------
def outcome(future: asyncio.Future[Any] | concurrent.futures.Future[Any]) -> str:
    """What a done future holds: a result, an exception, or that it was cancelled."""
    if future.cancelled():
        return "cancelled"
    if future.exception() is not None:
        return f"exception {future.exception()!r}"
    return f"result {future.result()!r}"


def report_when_done(number: int, log: Log) -> Callable[[asyncio.Future[Any]], None]:
    """Build the n-th done-callback: the loop calls it with the future once that is done."""

    def on_done(future: asyncio.Future[Any]) -> None:
        log(f"callback #{number} ran: {outcome(future)}")

    return on_done


async def wait_for_it(number: int, future: asyncio.Future[Any], log: Log) -> None:
    """A coroutine awaiting the future: it is parked, costing nothing, until it is resolved."""
    log(f"waiter #{number}: await fut … (suspended)")
    try:
        value = await future
    except asyncio.CancelledError:
        log(f"waiter #{number}: resumed by CancelledError")
        raise
    except Exception as error:
        log(f"waiter #{number}: resumed, await raised {error!r}")
    else:
        log(f"waiter #{number}: resumed with {value!r}")


# --- concurrent.futures.Future, and joining it to the loop ----------------------------------
def slow_square(x: int, seconds: float, cancel: threading.Event) -> tuple[int, str]:
    """Runs in a pool thread: wait `seconds` (stoppable), then return x*x and the thread's name."""
    slow_sleep(seconds, cancel)
    return x * x, threading.current_thread().name


class QueueFull(RuntimeError):
    """BoundedThreadPool.submit says no: as many jobs as allowed are already waiting."""


class BoundedThreadPool(ThreadPoolExecutor):
    """A thread pool that says no when its queue is full (submit from one thread only).

    ThreadPoolExecutor's own queue has no limit: after a burst of submits, every later
    job, and anyone blocked on its result(), waits behind all of them.
    """

    def __init__(self, threads: int, max_waiting: int, name: str) -> None:
        super().__init__(max_workers=threads, thread_name_prefix=name)
        self.threads, self.max_waiting = threads, max_waiting
        self.unfinished: list[concurrent.futures.Future[Any]] = []  # oldest first

    def submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        self.unfinished = [job for job in self.unfinished if not job.done()]
        if len(self.unfinished) >= self.threads + self.max_waiting:
            raise QueueFull(
                f"{self.threads} jobs running and {self.max_waiting} waiting, the limit"
            )
        job = super().submit(fn, *args, **kwargs)
        self.unfinished.append(job)
        return job


def submit_job(
    executor: Executor, x: int, seconds: float, cancel: threading.Event, log: Log
) -> concurrent.futures.Future[tuple[int, str]]:
    """executor.submit returns a concurrent.futures.Future at once; the job runs in a thread."""
    loop = asyncio.get_running_loop()

    def on_done(job: concurrent.futures.Future[Any]) -> None:  # runs in the worker thread!
        where = threading.current_thread().name
        if not loop.is_closed():
            loop.call_soon_threadsafe(log, f"job done-callback ran in thread {where!r}")

    job = executor.submit(slow_square, x, seconds, cancel)
    job.add_done_callback(on_done)
    return job


async def await_job(job: concurrent.futures.Future[tuple[int, str]]) -> tuple[int, str]:
    """wrap_future makes an asyncio Future that follows the thread's one: await it, loop free."""
    return await asyncio.wrap_future(job)


def block_on_job(job: concurrent.futures.Future[tuple[int, str]]) -> tuple[int, str]:
    """job.result() waits in the calling thread: called from a click handler, the UI freezes."""
    return job.result()
