"""Lost tasks and lost errors: what happens to a task nobody keeps or nobody awaits.

The loop holds its tasks only weakly. A task that waits on something only it can reach,
with no reference kept anywhere, is garbage: the collector destroys it mid-wait and asyncio
reports "Task was destroyed but it is pending!". A task that fails with nobody awaiting
it reports "Task exception was never retrieved" when it is collected. Both reports go to
the loop's exception handler, which `caught_loop_reports` borrows for the lesson's own
tasks (named with LESSON_PREFIX), so they are shown, not logged as the app's errors.

A kept reference (a set, or a TaskGroup) prevents both. No Qt here.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LESSON_PREFIX = "lost-tasks lesson: "  # the names of the tasks the lessons lose on purpose
Say = Callable[[str], None]


def is_lesson_report(context: dict[str, Any]) -> bool:
    """Is this loop report about one of the lesson's own tasks?"""
    task = context.get("task") or context.get("future")
    return isinstance(task, asyncio.Task) and task.get_name().startswith(LESSON_PREFIX)


@contextmanager
def caught_loop_reports() -> Iterator[list[str]]:
    """While in the block, the loop's reports about lesson tasks go to a list; every
    other report goes on to the loop's handler as before."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    caught: list[str] = []

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if is_lesson_report(context):
            error = context.get("exception")
            caught.append(context["message"] + (f" ({error!r})" if error else ""))
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        yield caught
    finally:
        loop.set_exception_handler(previous)


async def wait_for_a_signal(say: Say) -> None:
    """Waits on an Event that only it knows: nothing else can ever wake it."""
    signal = asyncio.Event()
    try:
        await signal.wait()
    except BaseException as stop:  # GeneratorExit if collected, CancelledError if cancelled
        say(f"wait_for_a_signal stopped by {type(stop).__name__}; its cleanup runs")
        raise


async def lose_a_task(say: Say) -> list[str]:
    """A task with no reference kept is collected while it waits."""
    with caught_loop_reports() as caught:
        asyncio.create_task(wait_for_a_signal(say), name=LESSON_PREFIX + "lost")  # noqa: RUF006
        await asyncio.sleep(0)  # it starts, and waits on its event
        gc.collect()  # the collector finds it unreachable and destroys it
    return caught


async def keep_the_task(say: Say) -> list[str]:
    """The same task, kept in a set: it survives the collector, and we can cancel it."""
    kept: set[asyncio.Task[None]] = set()
    with caught_loop_reports() as caught:
        task = asyncio.create_task(wait_for_a_signal(say), name=LESSON_PREFIX + "kept")
        kept.add(task)
        await asyncio.sleep(0)
        gc.collect()
        say(f"after gc.collect(): {task.get_name()} still pending: {not task.done()}")
        task.cancel()
        await asyncio.wait(kept)
    return caught


async def fail_at_once() -> None:
    """Fails; only whoever awaits its task would hear of it."""
    raise ValueError("nobody heard this")


async def never_retrieve(say: Say) -> list[str]:
    """A failed task nobody awaited: its error is reported only when it is collected."""
    with caught_loop_reports() as caught:
        task = asyncio.create_task(fail_at_once(), name=LESSON_PREFIX + "failed")
        await asyncio.wait([task])  # it has failed; wait() does not look at the error
        say(f"{task.get_name()} done: {task.done()}; nothing said so far")
        del task  # the last reference: nobody can ask for its exception now
        gc.collect()
    return caught


async def fail_in_a_group(say: Say) -> list[str]:
    """A TaskGroup keeps its tasks and awaits them: the error reaches us, nothing is lost."""
    with caught_loop_reports() as caught:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(fail_at_once(), name=LESSON_PREFIX + "in a group")
        except* ValueError as errors:
            say(f"the TaskGroup raised it here: {errors.exceptions[0]!r}")
        gc.collect()
    return caught
