"""Lesson `awaitables`: an object with __await__ can be awaited (and cancelled) like a
coroutine; anything else raises TypeError at the await. Plain asyncio, no Qt."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import time

import pytest

from guidemo.lessons.awaitables import NOT_AWAITABLE, Countdown, await_it

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def test_countdown_counts_down_then_returns_while_the_loop_runs():
    lines: list[str] = []
    ticks_at: list[int] = []  # the ticks so far, as each line came

    async def scenario() -> tuple[str, int, float]:
        ticks = 0

        def log(line: str) -> None:
            lines.append(line)
            ticks_at.append(ticks)

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beside = asyncio.ensure_future(ticker())
        started = time.perf_counter()
        value = await Countdown(3, 0.1, log)
        took = time.perf_counter() - started
        beside.cancel()
        return value, ticks, took

    value, ticks, took = asyncio.run(scenario())
    assert value == "liftoff"
    assert lines == ["countdown: 3", "countdown: 2", "countdown: 1"]
    assert 0.29 <= took < 5.0  # 2.6 s beside a second suite; never early
    # Other tasks ran between the counts: about 10 ticks of 10 ms each quiet, far fewer on a
    # busy machine (3 in 0.5 s beside a second suite), none with the loop held. A tick due
    # before the next count comes first, as timers fire in deadline order: after each of
    # the later counts one is (the first needs the ticker started within 90 ms).
    assert ticks_at[1] < ticks_at[2] < ticks, (ticks_at, ticks)


def test_countdown_is_awaitable_but_not_a_coroutine():
    countdown = Countdown(1, 0.0, print)
    assert inspect.isawaitable(countdown)
    assert not asyncio.iscoroutine(countdown)
    assert asyncio.run(await_it(countdown)) == "liftoff"


def test_a_countdown_awaited_by_a_task_can_be_cancelled():
    lines: list[str] = []

    async def scenario() -> None:
        task = asyncio.ensure_future(await_it(Countdown(50, 0.05, lines.append)))
        while len(lines) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(scenario(), 5))
    assert 2 <= len(lines) < 50


@pytest.mark.parametrize("name", list(NOT_AWAITABLE))
def test_awaiting_something_else_raises_type_error(name):
    thing = NOT_AWAITABLE[name]()
    assert not inspect.isawaitable(thing)
    kind = type(thing).__name__
    with pytest.raises(TypeError, match=f"^object {kind} can't be used in 'await' expression$"):
        asyncio.run(await_it(thing))


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.awaitables; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
