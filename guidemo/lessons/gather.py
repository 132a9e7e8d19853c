"""Running a bunch of tasks: the lecture's factorials awaited four ways.

One after another the waits add up; with `gather`, `as_completed` or a `TaskGroup` they
overlap. They differ in when the caller gets results and in what happens to the other
tasks when one of them fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

Show = Callable[[str, str, str], None]  # show(lane, kind, text): how the code reports progress
Jobs = list[tuple[str, int, int | None]]  # (name, number, step it fails at, or None)


async def factorial(
    name: str, number: int, step_s: float, show: Show, fail_at: int | None = None
) -> int:
    """The lecture's factorial: one multiplication per step, each step waiting `step_s`."""
    result = 1
    try:
        for i in range(1, number + 1):
            if i == fail_at:
                raise ValueError(f"{name} broke at step {i}")
            show(name, "step", f"step {i} of {number}")
            await asyncio.sleep(step_s)  # the other tasks run while this one waits
            result *= i
    except asyncio.CancelledError:
        show(name, "cancelled", "cancelled while it waited")
        raise  # let it through: that is what ends the task as cancelled
    except Exception as error:
        show(name, "exception", repr(error))
        raise
    show(name, "result", f"factorial({number}) = {result}")
    return result


async def sequentially(jobs: Jobs, step_s: float, show: Show) -> list[int]:
    """Await one factorial after the other: each starts only when the one before is done."""
    results = []
    for name, number, fail_at in jobs:
        results.append(await factorial(name, number, step_s, show, fail_at))
    return results


def start_all(jobs: Jobs, step_s: float, show: Show) -> list[asyncio.Task[int]]:
    """Start one task per job, named after it: task lists and tracebacks say which is which."""
    return [
        asyncio.create_task(
            factorial(name, number, step_s, show, fail_at),
            name=f"factorial {name}",
        )
        for name, number, fail_at in jobs
    ]


async def with_gather(
    jobs: Jobs, step_s: float, show: Show, return_exceptions: bool = False
) -> list[Any]:
    """Run them all at once; the results come back in the order the jobs were passed in."""
    tasks = start_all(jobs, step_s, show)
    return await asyncio.gather(*tasks, return_exceptions=return_exceptions)


async def with_as_completed(jobs: Jobs, step_s: float, show: Show) -> list[int]:
    """Run them all at once; take each result the moment its factorial finishes."""
    results = []
    for next_done in asyncio.as_completed(start_all(jobs, step_s, show)):
        results.append(await next_done)
        show("caller", "step", f"got {results[-1]}")  # usable before the others are done
    return results


async def with_task_group(jobs: Jobs, step_s: float, show: Show) -> list[int]:
    """Run them in a TaskGroup: if one fails, the group cancels the rest and raises."""
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(
                factorial(name, number, step_s, show, fail_at),
                name=f"factorial {name}",
            )
            for name, number, fail_at in jobs
        ]
    return [task.result() for task in tasks]
