"""Lesson `task_inspection`: a task's state, and the chain of awaits it is parked in.
Plain asyncio, no Qt."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import subprocess
import sys
import time

import pytest

from guidemo.lessons.task_inspection import (
    awaiting_chain,
    example_reader,
    example_sleeper,
    example_waiter,
    one_slow_step,
    task_state,
)

pytestmark = pytest.mark.no_qt


def test_task_state_names_each_stage():
    async def scenario() -> dict[str, str]:
        me = asyncio.current_task()
        assert me is not None
        sleeper = asyncio.create_task(example_sleeper())
        await asyncio.sleep(0)
        states = {"me": task_state(me), "sleeper": task_state(sleeper)}
        sleeper.cancel()
        states["cancel asked"] = task_state(sleeper)
        with contextlib.suppress(asyncio.CancelledError):
            await sleeper
        states["cancel done"] = task_state(sleeper)
        quick = asyncio.create_task(asyncio.sleep(0))
        await quick
        states["returned"] = task_state(quick)
        return states

    assert asyncio.run(scenario()) == {
        "me": "running (it is the one looking)",
        "sleeper": "pending",
        "cancel asked": "cancelling",
        "cancel done": "cancelled",
        "returned": "finished",
    }


def test_awaiting_chain_follows_the_awaits_down_to_the_future():
    async def wait_for(task: asyncio.Task[None]) -> None:
        await task

    async def scenario() -> dict[str, list[tuple[str, str]]]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        sleeper = asyncio.create_task(example_sleeper())
        tasks = {
            "sleeper": sleeper,
            "waiter": asyncio.create_task(example_waiter(asyncio.Event())),
            "reader": asyncio.create_task(example_reader(queue)),
            "on a task": asyncio.create_task(wait_for(sleeper)),
        }
        chains = {"not started": awaiting_chain(sleeper)}
        await asyncio.sleep(0)
        chains |= {name: awaiting_chain(task) for name, task in tasks.items()}
        me = asyncio.current_task()
        assert me is not None
        chains["me"] = awaiting_chain(me)
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        return chains

    chains = asyncio.run(scenario())
    names = {key: [name for name, _ in chain] for key, chain in chains.items()}
    assert names["not started"] == ["example_sleeper", "not started yet"]
    assert names["sleeper"] == ["example_sleeper", "sleep", "Future"]
    assert names["waiter"] == ["example_waiter", "wait", "Future"]
    assert names["reader"] == ["example_reader", "get", "Future"]
    assert names["on a task"][0] == "wait_for" and names["on a task"][-1].startswith("task ")
    assert chains["me"] == [("scenario", "running")]
    assert chains["sleeper"][0][1].startswith("task_inspection.py:")


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.task_inspection; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_example_tasks_end_by_themselves():
    async def scenario() -> float:
        started = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(
                example_sleeper(1.0),
                example_waiter(asyncio.Event(), 0.05),
                example_reader(asyncio.Queue(), 0.05),
            ),
            timeout=5,
        )
        return time.perf_counter() - started

    assert 0.9 <= asyncio.run(scenario()) < 3.0


def test_one_slow_step_holds_the_loop_in_one_step():
    async def scenario() -> float:
        ticks: list[float] = []

        async def ticker() -> None:
            while True:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.01)

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        await one_slow_step(0.2)
        await asyncio.sleep(0.05)
        tick.cancel()
        return max(b - a for a, b in itertools.pairwise(ticks))

    assert asyncio.run(scenario()) >= 0.19, "the ticker waited for the whole step"
