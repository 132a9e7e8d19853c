"""`async`/`await` without asyncio: async def is an API, and any loop can drive it.

A coroutine runs until it awaits something that yields; `coro.send(None)` runs it to its
next such await and hands back what it yielded. `run` below is a whole event loop in about
twenty lines: a queue of sleepers ordered by wake-up time, and `send(None)`.
"""

from __future__ import annotations

import asyncio
import heapq
import importlib.util
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

Say = Callable[[str], None]
B_SLOWER = 1.75  # B's steps are this much longer than A's (no two wake-ups at once)
Sleep = Callable[[float], Awaitable[Any]]


class Nap:
    """What our coroutines await: it yields itself to the loop, saying how long to sleep."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __await__(self) -> Generator[Nap, None, None]:
        yield self  # send(None) returns this to the loop; the coroutine is suspended here


def nap(seconds: float) -> Nap:
    """Our loop's sleep (asyncio.sleep's counterpart)."""
    return Nap(seconds)


def run(*coros: Coroutine[Nap, None, Any]) -> None:
    """The whole loop: resume whoever wakes first with send(None), until all have returned."""
    sleeping = [(time.monotonic(), number, coro) for number, coro in enumerate(coros)]
    heapq.heapify(sleeping)  # ordered by wake-up time (then by number: coroutines don't compare)
    while sleeping:
        wake_at, number, coro = heapq.heappop(sleeping)
        time.sleep(max(0.0, wake_at - time.monotonic()))  # nothing to do until then: wait
        try:
            request = coro.send(None)  # run it up to its next await
        except StopIteration:
            continue  # it returned: it leaves the loop
        heapq.heappush(sleeping, (time.monotonic() + request.seconds, number, coro))


async def countdown(name: str, count: int, pause_s: float, sleep: Sleep, say: Say) -> None:
    """The same program on any loop: only `sleep` says whose loop it is."""
    for left in range(count, 0, -1):
        say(f"{name}: {left}")
        await sleep(pause_s)
    say(f"{name}: lift-off")


def on_own_loop(say: Say, pause_s: float = 0.2) -> None:
    """Two countdowns taking turns on the loop above: no asyncio anywhere."""
    run(countdown("A", 3, pause_s, nap, say), countdown("B", 2, pause_s * B_SLOWER, nap, say))


def on_asyncio(say: Say, pause_s: float = 0.2) -> None:
    """The same coroutines on asyncio: its sleep, its loop."""

    async def main() -> None:
        await asyncio.gather(
            countdown("A", 3, pause_s, asyncio.sleep, say),
            countdown("B", 2, pause_s * B_SLOWER, asyncio.sleep, say),
        )

    asyncio.run(main())


def trio_installed() -> bool:
    """Trio is optional: the panel offers it only where it is installed."""
    return importlib.util.find_spec("trio") is not None


def on_trio(say: Say, pause_s: float = 0.2) -> None:
    """The same coroutines on Trio (only if it is installed: guidemo does not need it)."""
    import trio  # type: ignore[import-not-found, unused-ignore]

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(countdown, "A", 3, pause_s, trio.sleep, say)
            nursery.start_soon(countdown, "B", 2, pause_s * B_SLOWER, trio.sleep, say)

    trio.run(main)
