"""What is the event loop doing right now? Its tasks, and where each one waits.

Everything on the loop runs in one thread, taking turns, so code that looks at the tasks
always finds them parked at an `await` (except the one doing the looking). Following a
coroutine's `cr_await` from coroutine to coroutine shows where. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
from typing import Any

from guidemo.lessons.jobs import slow_sleep

EXAMPLE_S = 60.0  # the example tasks end by themselves after a minute


def task_state(task: asyncio.Task[Any]) -> str:
    """pending, cancelling, cancelled or finished. "running" only for the task doing the
    looking, if any: it runs in the loop's thread, so while it looks, all others wait."""
    if task.done():
        return "cancelled" if task.cancelled() else "finished"
    if task is asyncio.current_task(task.get_loop()):
        return "running (it is the one looking)"
    return "cancelling" if task.cancelling() else "pending"


def awaiting_chain(task: asyncio.Task[Any]) -> list[tuple[str, str]]:
    """Where a suspended task is stopped: each coroutine in the chain of awaits, from the
    task's own down to the innermost, then the future at the bottom that will wake it.

    Returns (name, "file:line") pairs. A coroutine's `cr_await` is what it is awaiting
    right now; following it from coroutine to coroutine is how a debugger finds the spot.
    """
    chain = []
    awaited: Any = task.get_coro()
    awaited = getattr(awaited, "__wrapped__", awaited)  # a tool may wrap it (guidemo does)
    if inspect.iscoroutine(awaited) and inspect.getcoroutinestate(awaited) == "CORO_CREATED":
        return [(awaited.cr_code.co_name, ""), ("not started yet", "")]
    while awaited is not None and hasattr(awaited, "cr_code"):
        if inspect.getcoroutinestate(awaited) != inspect.CORO_SUSPENDED:
            # Running (the task doing the looking): it awaits nothing yet. Python 3.11's
            # cr_await of a running coroutine reads a stale stack slot and crashed here.
            chain.append((awaited.cr_code.co_name, "running"))
            break
        code = awaited.cr_code
        chain.append(
            (code.co_name, f"{os.path.basename(code.co_filename)}:{awaited.cr_frame.f_lineno}")
        )
        awaited = awaited.cr_await
    # At the bottom a Future: its result is what the task waits for. asyncio keeps it in
    # the task's `_fut_waiter` (not public API, read only to show it here).
    waiter = getattr(task, "_fut_waiter", None)
    if isinstance(waiter, asyncio.Task):
        chain.append((f"task {waiter.get_name()!r}", ""))
    elif waiter is not None:
        chain.append((type(waiter).__name__, ""))
    return chain


async def example_sleeper(seconds: float = EXAMPLE_S) -> None:
    """Wakes up once a second, does nothing, sleeps again; for `seconds`."""
    for _ in range(round(seconds)):
        await asyncio.sleep(1.0)


async def example_waiter(event: asyncio.Event, seconds: float = EXAMPLE_S) -> None:
    """Waits for an event that nobody sets; gives up after `seconds`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


async def example_reader(queue: asyncio.Queue[int], seconds: float = EXAMPLE_S) -> None:
    """Takes items off a queue as they come (none ever do); gives up after `seconds`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                await queue.get()


async def one_slow_step(seconds: float) -> None:
    """Holds the loop for `seconds` in one step, between two awaits: every other task,
    and the window, waits meanwhile."""
    await asyncio.sleep(0)
    slow_sleep(seconds)  # blocking: no await in it
    await asyncio.sleep(0)
