"""Callbacks: asking asyncio's loop to call a plain function soon, later, at a time, or from
a thread, and what one slow callback does to the others; then the same two-request job
written with await, to set beside callback style.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

REQUEST_LATENCY_S = 0.25  # the demo server waits this long before each answer


# --- scheduling plain functions -----------------------------------------------------------
@dataclass
class ScheduledCall:
    """One row of the table: what was asked for, and what happened."""

    number: int
    kind: str  # call_soon, call_later, call_at, call_soon_threadsafe
    asked_for: float = math.nan  # loop.time() it should run at
    ran_at: float = math.nan  # loop.time() it did run at
    from_thread: str = ""
    ran_in: str = ""
    handle: asyncio.Handle | None = None
    state: str = "pending"
    order: int = 0  # 1 for the first call that ran, 2 for the next...

    @property
    def error_ms(self) -> float:
        """How late it ran (early is negative)."""
        return (self.ran_at - self.asked_for) * 1000


Loop = asyncio.AbstractEventLoop
Done = Callable[[ScheduledCall], None]  # the caller's: e.g. shows the row


def callback(call: ScheduledCall, loop: Loop, done: Done) -> None:
    """What the loop calls: a plain function. It notes when it ran."""
    call.ran_at = loop.time()
    call.ran_in = threading.current_thread().name
    done(call)


def schedule_soon(
    loop: Loop,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_soon: run it as soon as the loop gets to it, in turn."""
    call.asked_for = loop.time()
    return loop.call_soon(callback, call, loop, done)


def schedule_later(
    loop: Loop,
    delay: float,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_later: run it `delay` seconds from now."""
    call.asked_for = loop.time() + delay
    return loop.call_later(delay, callback, call, loop, done)


def schedule_at(
    loop: Loop,
    delay: float,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_at: run it at a moment on the loop's own clock."""
    when = loop.time() + delay  # absolute: seconds on loop.time()
    call.asked_for = when
    return loop.call_at(when, callback, call, loop, done)


def busy_callback(call: ScheduledCall, loop: Loop, done: Done, seconds: float) -> None:
    """A callback that keeps the loop busy: nothing else runs until it returns."""
    callback(call, loop, done)  # note when it ran, like any other
    time.sleep(seconds)  # blocks the loop's thread: every call due meanwhile waits


def schedule_busy(
    loop: Loop,
    seconds: float,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_soon a slow callback: calls due while it runs come late."""
    call.asked_for = loop.time()
    return loop.call_soon(busy_callback, call, loop, done, seconds)


def schedule_from_thread(
    loop: Loop,
    delay: float,
    call: ScheduledCall,
    done: Done,
    stop: threading.Event,
) -> threading.Thread:
    """call_soon_threadsafe: a worker thread hands the loop a callback.

    Only the loop's own thread may use call_soon. The threadsafe one
    may be called from any thread, and it also wakes the loop up.
    """

    def worker() -> None:  # runs in the new thread
        if stop.wait(delay):  # its own work (cut short if we quit)
            return
        call.from_thread = threading.current_thread().name
        call.asked_for = loop.time()
        loop.call_soon_threadsafe(callback, call, loop, done)

    name = f"worker-{call.number}"
    thread = threading.Thread(target=worker, name=name)
    thread.start()
    return thread


# --- the same job with await (callback style: guidemo.lessons.qt_callbacks) ---------------
def json_url(base_url: str, items: int) -> str:
    """The demo server's JSON list of `items` items, answered after a short wait."""
    return f"{base_url}/api/json?items={items}&latency={REQUEST_LATENCY_S}"


def summarize(first: dict, second: dict) -> str:
    """The job's answer: both item counts, and the second's id sum."""
    ids = [item["id"] for item in second["items"]]
    counts = f"{len(first['items'])} items, then {len(ids)} items"
    return f"{counts}, ids summing to {sum(ids)}"


async def fetch_twice_with_await(
    session: aiohttp.ClientSession,
    base_url: str,
) -> str:
    """The same job with await: top to bottom; errors are exceptions."""
    async with session.get(json_url(base_url, 3)) as response:
        response.raise_for_status()
        first = await response.json()
    count = 2 * len(first["items"])
    async with session.get(json_url(base_url, count)) as response:
        response.raise_for_status()
        second = await response.json()
    return summarize(first, second)
