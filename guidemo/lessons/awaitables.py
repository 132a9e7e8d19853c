"""Awaitables: what `await` accepts, and what happens with anything else.

`await x` works when `x` has an `__await__` method that returns an iterator: coroutines,
Futures and Tasks have one, and so can any class of your own. Everything else (a number,
None, a function that was not called) raises TypeError at the `await`. Nothing here
imports Qt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator
from typing import Any

Log = Callable[[str], None]


class Countdown:
    """An object you can await: `await Countdown(3, 0.5, print)` counts 3, 2, 1, then returns."""

    def __init__(self, start: int, pause: float, log: Log) -> None:
        self.start, self.pause, self.log = start, pause, log

    def __await__(self) -> Generator[Any, None, str]:
        # `await` calls this and runs the iterator it returns. Each time it yields (here,
        # inside asyncio.sleep) the task is suspended and the loop runs other work.
        for n in range(self.start, 0, -1):
            self.log(f"countdown: {n}")
            yield from asyncio.sleep(self.pause).__await__()
        return "liftoff"


async def await_it(thing: Any) -> Any:
    """Await whatever it is given: fine for an awaitable, TypeError for anything else."""
    return await thing


# Things that are not awaitable, and how a program ends up holding one.
NOT_AWAITABLE: dict[str, Callable[[], Any]] = {
    "42": lambda: 42,  # a plain value
    "time.sleep(0)": lambda: time.sleep(0),  # a blocking function returns None
    "asyncio.sleep": lambda: asyncio.sleep,  # a coroutine function, not called
    "[1, 2, 3]": lambda: [1, 2, 3],  # iterable is not the same as awaitable
}
