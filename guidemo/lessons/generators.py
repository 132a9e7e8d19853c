"""Coroutines by hand: a generator is a function that pauses at each `yield`.

`send(None)` resumes it to its next `yield`; when it returns, `StopIteration` carries the
value. A task loop is only a queue of such paused functions, resumed one after another.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

Show = Callable[[str, str, list[str]], None]  # show(name, what happened, queue after the turn)


def fib(n: int) -> Generator[int, None, int]:
    """A generator used as a coroutine: each yield pauses it and hands control back."""
    a, b = 0, 1
    for _ in range(n):
        yield a  # paused here until someone calls send(None) again
        a, b = b, a + b
    return a  # becomes StopIteration.value


def step(coro: Generator[Any, None, Any]) -> tuple[str, Any]:
    """Resume a generator-based coroutine once: what a task does each time it runs."""
    try:
        return "yielded", coro.send(None)
    except StopIteration as stop:
        return "returned", stop.value


async def round_robin(
    coros: dict[str, Generator[Any, None, Any]], show: Show, pause_s: float
) -> dict[str, Any]:
    """A tiny task loop: run the first coroutine to its next yield, then put it at the back."""
    queue = deque(coros.items())
    results = {}
    while queue:
        name, coro = queue.popleft()
        try:
            value = coro.send(None)
        except StopIteration as stop:
            results[name] = stop.value  # finished: it leaves the queue
            show(name, f"returned {stop.value}", [n for n, _ in queue])
        else:
            queue.append((name, coro))  # paused: to the back of the line
            show(name, f"yielded {value}", [n for n, _ in queue])
        await asyncio.sleep(pause_s)  # not part of the toy loop: slows it down for your eyes
    return results
