"""Blocking inside `async def`: the code looks asynchronous, but one call holds the loop.

A coroutine gives the loop a turn only at an `await` that really waits. `time.sleep`, a
blocking HTTP client and a pure-Python loop never await, so while they run the loop, every
other task and the whole window stand still. Each of the three bugs has its fixes beside
it: hand the call to a thread (`asyncio.to_thread`), use the async API instead, or run
pure-Python work in another process. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import aiohttp

from guidemo.net import FetchResult, fetch, fetch_blocking


def slow_url(server_url: str, seconds: float) -> str:
    """A demo-server URL that answers after `seconds` (the server waits without blocking)."""
    return f"{server_url}/api/data?size=1000&latency={seconds:g}"


def count_for(seconds: float) -> int:
    """Pure-Python work for about `seconds`: it never awaits and holds the GIL."""
    deadline = time.perf_counter() + seconds
    counted = 0
    while time.perf_counter() < deadline:
        counted += 1
    return counted


# --- the bug: a blocking call inside async def -------------------------------------------
async def sleep_in_coroutine(seconds: float) -> None:
    """The bug: time.sleep blocks the thread, and the loop runs on that thread."""
    time.sleep(seconds)  # no await: nothing else runs meanwhile


async def blocking_client_in_coroutine(url: str) -> FetchResult:
    """The bug: a blocking HTTP client waits for the network on the loop's thread."""
    return fetch_blocking(url)  # no await: the loop waits with it


async def cpu_loop_in_coroutine(seconds: float) -> int:
    """The bug: pure-Python work has no await in it, so it keeps the loop until it ends."""
    return count_for(seconds)


# --- fix 1, for any blocking call: a worker thread --------------------------------------
async def in_a_thread(blocking_call: Callable[[Any], Any], argument: Any) -> Any:
    """The fix for any blocking call: run it in a worker thread and await the result.

    Fine for waiting (sleep, network); pure-Python work still shares the GIL with the
    loop's thread, so the window stays live but lags."""
    return await asyncio.to_thread(blocking_call, argument)


# --- fix 2, the async way for each ------------------------------------------------------
async def sleep_without_blocking(seconds: float) -> None:
    """The async way to wait: the loop runs everything else until the time is up."""
    await asyncio.sleep(seconds)


async def async_client(url: str) -> FetchResult:
    """The async HTTP client: `await` gives the loop back while the network is slow."""
    async with aiohttp.ClientSession() as session:
        return await fetch(session, url)


def start_worker_process() -> ProcessPoolExecutor:
    """One worker process, started fresh ("spawn"); it ignores a terminal's Ctrl+C (the
    app stops it when it stops)."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=signal.signal,
        initargs=(signal.SIGINT, signal.SIG_IGN),
    )


async def cpu_in_process(pool: ProcessPoolExecutor, seconds: float) -> int:
    """Pure-Python work in another process: its own GIL, so the loop does not even lag."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, count_for, seconds)
