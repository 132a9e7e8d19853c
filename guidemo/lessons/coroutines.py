"""Many coroutines on one loop: each runs until it awaits, then another gets its turn.

`say_lots` is one coroutine printing and sleeping. `display_date` runs as several
instances at once, started with `asyncio.ensure_future` or `loop.create_task`, and a
plain function scheduled with `loop.call_later` cancels whatever still runs at the end.
"""

from __future__ import annotations

import asyncio
import datetime
import random
from collections.abc import Callable

Say = Callable[[str, str], None]  # say(who, text): where the coroutines report their lines
MAX_PAUSE_S = 2.0  # display_date pauses a random 0..2 s between lines


async def say_lots(count: int, say: Say, pause_s: float = 0.5) -> None:
    """One coroutine on its own: a line, then a sleep; while it sleeps the loop is free."""
    for number in range(1, count + 1):
        say("say_lots", f"line {number} of {count}")
        await asyncio.sleep(pause_s)
    say("say_lots", "done")


async def display_date(number: int, run_for_s: float, say: Say) -> None:
    """One of many instances: tell the time, pause a random while, until `run_for_s` is up."""
    who = f"display_date({number})"
    loop = asyncio.get_running_loop()
    end_time = loop.time() + run_for_s
    while True:
        say(who, "the time is " + datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3])
        if loop.time() >= end_time:
            say(who, "all done")
            break
        await asyncio.sleep(random.uniform(0, MAX_PAUSE_S))  # the others run meanwhile


def start_instances(count: int, run_for_s: float, say: Say) -> list[asyncio.Task[None]]:
    """Schedule `count` instances: odd ones with ensure_future, even ones with create_task."""
    loop = asyncio.get_running_loop()
    tasks = []
    for number in range(1, count + 1):
        if number % 2:
            task = asyncio.ensure_future(display_date(number, run_for_s, say))
        else:
            task = loop.create_task(display_date(number, run_for_s, say))
        task.set_name(f"display_date {number}")  # task lists show this, not "Task-178"
        tasks.append(task)
    return tasks  # none has run a line yet: they start once this function gives the loop back


def schedule_shutdown(delay_s: float, tasks: list[asyncio.Task[None]], say: Say) -> asyncio.Handle:
    """Ask the loop to call stop_all in `delay_s` seconds; returns the handle (to cancel it)."""
    return asyncio.get_running_loop().call_later(delay_s, stop_all, tasks, say)


def stop_all(tasks: list[asyncio.Task[None]], say: Say) -> None:
    """A plain function the loop calls back: cancel every instance that is still running."""
    say("shutdown", "shutdown called")
    unfinished = [task for task in tasks if not task.done()]
    for task in unfinished:
        task.cancel()  # the task gets CancelledError at its next await
    say("shutdown", f"cancelled {len(unfinished)} unfinished instance(s)")
