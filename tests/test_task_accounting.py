"""Per-task accounting (guidemo.task_accounting): steps, busy, waiting to run, idle, the
slowest step and its line, the creation site and the canceller, on plain asyncio, on
guidemo's loop and on qasync, each a fresh loop."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6 import QtCore

from guidemo.lessons.task_inspection import awaiting_chain
from guidemo.loop import LOOP_KINDS, new_event_loop
from guidemo.task_accounting import KEEP_FINISHED, TaskAccounting, TaskStats, stats_of

pytestmark = [pytest.mark.timeout(60), pytest.mark.fast]
HERE = "test_task_accounting.py"


def line_of(marker: str) -> int:
    """The line of this file that ends with `# <marker>`."""
    with open(__file__, encoding="utf-8") as source:
        for number, text in enumerate(source, start=1):
            if text.rstrip().endswith(f"# {marker}"):
                return number
    raise AssertionError(marker)


@pytest.fixture(params=["asyncio", *LOOP_KINDS])
def loop(request: pytest.FixtureRequest, qapp: QtCore.QCoreApplication) -> Iterator[Any]:
    """A fresh loop of each kind, with its accounting on; closed afterwards."""
    loop = (
        asyncio.new_event_loop()
        if request.param == "asyncio"
        else new_event_loop(qapp, request.param)
    )
    accounting = TaskAccounting.of(loop)
    accounting.enable()
    yield loop
    accounting.disable()
    leftovers = asyncio.all_tasks(loop)
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def run(loop: asyncio.AbstractEventLoop, coro: Any) -> Any:
    return loop.run_until_complete(asyncio.wait_for(coro, 30))


def stats(task: asyncio.Task[Any]) -> TaskStats:
    found = stats_of(task)
    assert found is not None, task
    return found


async def blocks_once() -> None:
    await asyncio.sleep(0)
    time.sleep(0.2)  # blocking: the loop stands still
    await asyncio.sleep(0)  # blocks_once: the step ends here


def test_a_step_that_blocks_200_ms_is_busy_and_the_slowest_at_its_line(loop):
    async def scenario() -> asyncio.Task[None]:
        task = asyncio.create_task(blocks_once(), name="blocker")
        await task
        return task

    task = run(loop, scenario())
    found = stats(task)
    assert found.steps == 3
    assert 0.19 <= found.busy < 2.0  # a 200 ms sleep, late on a busy machine
    assert 0.19 <= found.slowest <= found.busy
    where = f"blocks_once ({HERE}:{line_of('blocks_once: the step ends here')})"
    assert found.slowest_at == where
    assert found.outcome == "finished" and found.ended is not None
    slow = TaskAccounting.of(loop).slow_steps[-1]
    assert slow.task == "blocker" and slow.where == where and slow.duration >= 0.19
    said = re.fullmatch(r"task 'blocker' step took (\d+) ms at (.+)", slow.describe())
    assert said and int(said[1]) >= 190 and said[2] == where, slow.describe()
    assert found in TaskAccounting.of(loop).finished


@pytest.mark.needs_quiet
def test_a_task_started_or_woken_while_the_loop_is_busy_waits_to_run(loop):
    async def scenario() -> tuple[asyncio.Task[None], asyncio.Task[Any]]:
        ready = asyncio.get_running_loop().create_future()
        woken = asyncio.create_task(wait_for(ready), name="woken")
        await asyncio.sleep(0.05)  # it is parked on `ready` now
        started = asyncio.create_task(asyncio.sleep(0), name="started while busy")
        ready.set_result(None)  # woken: ready to run, but this step goes on
        time.sleep(0.15)
        await asyncio.gather(started, woken)
        return started, woken

    async def wait_for(future: asyncio.Future[None]) -> None:
        await future

    started, woken = run(loop, scenario())
    for task in (started, woken):
        found = stats(task)
        assert 0.14 <= found.waiting < 1.0, (task, found.waiting)
        assert found.busy < 0.05
    assert stats(woken).idle() >= 0.04, "parked on its future: idle, not waiting"
    for task in (started, woken):
        found = stats(task)
        total = found.busy + found.waiting + found.idle()
        assert total == pytest.approx(found.lifetime(), abs=1e-6)


def test_creation_site_and_canceller_of_a_task_cancelled_by_another(loop):
    async def kill(victim: asyncio.Task[None]) -> None:
        await asyncio.sleep(0.01)
        victim.cancel()  # kill: the cancel

    async def scenario() -> asyncio.Task[None]:
        victim = asyncio.create_task(asyncio.sleep(10), name="victim")  # victim: created
        killer = asyncio.create_task(kill(victim), name="killer")
        await asyncio.gather(victim, killer, return_exceptions=True)
        return victim

    victim = run(loop, scenario())
    found = stats(victim)
    assert found.created_at == f"scenario ({HERE}:{line_of('victim: created')})"
    assert found.canceller == "killer"
    assert found.cancelled_at == f"kill ({HERE}:{line_of('kill: the cancel')})"
    assert found.cancelled_by == f"task 'killer' at {found.cancelled_at}"
    assert found.outcome == "cancelled" and victim.cancelled()


def test_cancelled_by_a_timeout_a_callback_or_a_task_it_awaited(loop):
    async def outer(inner: asyncio.Task[None]) -> None:
        await inner

    async def scenario() -> tuple[dict[str, asyncio.Task[Any]], str]:
        async def timed() -> None:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(10)

        tasks = {
            "timeout": asyncio.create_task(timed()),
            "callback": asyncio.create_task(asyncio.sleep(10)),
            "inner": asyncio.create_task(asyncio.sleep(10), name="inner"),
        }
        tasks["outer"] = asyncio.create_task(outer(tasks["inner"]), name="outer")
        await asyncio.sleep(0.001)
        asyncio.get_running_loop().call_soon(tasks["callback"].cancel)
        tasks["outer"].cancel()  # scenario: cancels outer
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        me = asyncio.current_task()
        assert me is not None
        return tasks, me.get_name()

    tasks, me = run(loop, scenario())
    found = {name: stats(task) for name, task in tasks.items()}
    assert found["timeout"].cancelled_by.startswith("asyncio's _on_timeout (timeouts.py:")
    assert found["callback"].cancelled_by == "a loop callback (call_soon, call_later)"
    line = line_of("scenario: cancels outer")
    assert found["outer"].cancelled_at == f"scenario ({HERE}:{line})"
    assert found["outer"].cancelled_by == f"task {me!r} at scenario ({HERE}:{line})"
    assert found["inner"].cancelled_by.startswith("passed on by task 'outer', which awaited it")
    assert found["timeout"].outcome == "failed: TimeoutError", "the timeout turned it into one"
    assert all(tasks[name].cancelled() for name in ("callback", "inner", "outer"))


def test_a_failing_step_is_located_at_the_line_that_raised(loop):
    async def fails() -> None:
        await asyncio.sleep(0)
        time.sleep(0.05)
        raise ValueError("no")  # fails: raised here

    async def scenario() -> asyncio.Task[None]:
        task = asyncio.create_task(fails())
        await asyncio.gather(task, return_exceptions=True)
        return task

    found = stats(run(loop, scenario()))
    assert found.outcome == "failed: ValueError"
    assert found.slowest_at == f"fails ({HERE}:{line_of('fails: raised here')})"


def test_switched_off_new_tasks_are_plain_and_the_others_partial(loop):
    accounting = TaskAccounting.of(loop)

    async def scenario() -> tuple[asyncio.Task[None], asyncio.Task[None]]:
        before = asyncio.create_task(asyncio.sleep(0.05))
        await asyncio.sleep(0)
        accounting.disable()
        after = asyncio.create_task(asyncio.sleep(0.01))
        await asyncio.gather(before, after)
        return before, after

    before, after = run(loop, scenario())
    assert stats_of(after) is None and type(after) is asyncio.Task
    assert stats(before).partial and stats(before).steps == 1, "counted only while on"
    assert loop.get_task_factory() is None
    assert "call_soon" not in vars(loop), "the loop's own call_soon again"
    accounting.enable()
    assert run(loop, asyncio.sleep(0, "again")) == "again"


def test_asyncio_sees_through_the_wrapper(loop):
    async def scenario() -> tuple[str, int, list[str], str]:
        task = asyncio.create_task(blocks_once(), name="seen")
        await asyncio.sleep(0)
        chain = [name for name, _ in awaiting_chain(task)]
        seen = repr(task), len(task.get_stack()), chain, asyncio.current_task().get_name()
        await task
        return seen

    text, depth, chain, _ = run(loop, scenario())
    assert "blocks_once() running at" in text and "AccountedTask" in text
    assert depth >= 1
    assert chain == ["blocks_once", "sleep"], chain


def test_the_finished_list_is_bounded(loop):
    async def scenario() -> None:
        await asyncio.gather(*(asyncio.create_task(asyncio.sleep(0)) for _ in range(80)))

    run(loop, scenario())
    accounting = TaskAccounting.of(loop)
    assert len(accounting.finished) == KEEP_FINISHED
    assert accounting.ended_count >= 80


def test_imports_without_qt():
    code = "import sys, guidemo.task_accounting; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
