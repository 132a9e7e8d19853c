"""Calling a coroutine function runs none of its body: it only builds a coroutine object.

Drop that object without awaiting it and Python warns "coroutine ... was never
awaited". Await it and the loop runs the body to its return value.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import time
import warnings


async def ping_server(ip: int) -> str:
    """A coroutine function: calling it only builds a coroutine object, nothing here runs."""
    await asyncio.sleep(0.1)
    return f"pong from {ip}"


def call_without_await() -> tuple[str, str, list[str]]:
    """Call ping_server but never await what it returns, and catch the warning that causes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coro = ping_server(5)  # no await: we get a coroutine object, not "pong"
        shown, state = repr(coro), inspect.getcoroutinestate(coro)
        del coro  # dropped without ever running ...
        gc.collect()  # ... so Python warns as it destroys it
    return shown, state, [f"{w.category.__name__}: {w.message}" for w in caught]


async def await_properly() -> tuple[str, float]:
    """The right way: await the coroutine, so the loop runs it to its return value."""
    started = time.perf_counter()
    result = await ping_server(5)
    return result, time.perf_counter() - started
