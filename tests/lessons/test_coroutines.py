"""Lesson `coroutines`: many coroutines take turns on one loop; stop_all cancels the rest."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from guidemo.lessons import coroutines
from guidemo.lessons.coroutines import say_lots, schedule_shutdown, start_instances

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.coroutines; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_say_lots_says_each_line_then_done(run) -> None:
    said: list[tuple[str, str]] = []
    run(say_lots(3, lambda who, text: said.append((who, text)), pause_s=0.01))
    assert said == [
        ("say_lots", "line 1 of 3"),
        ("say_lots", "line 2 of 3"),
        ("say_lots", "line 3 of 3"),
        ("say_lots", "done"),
    ]


def test_instances_start_only_once_the_caller_gives_the_loop_back(run, monkeypatch) -> None:
    monkeypatch.setattr(coroutines, "MAX_PAUSE_S", 0.02)
    said: list[tuple[str, str]] = []

    async def scenario() -> list[asyncio.Task[None]]:
        tasks = start_instances(3, 0.1, lambda who, text: said.append((who, text)))
        assert said == [], "creating a task runs none of its coroutine"
        await asyncio.gather(*tasks)
        return tasks

    tasks = run(scenario())
    assert all(task.done() and not task.cancelled() for task in tasks)
    firsts = [who for who, _ in said[:3]]
    assert firsts == ["display_date(1)", "display_date(2)", "display_date(3)"]
    assert {(f"display_date({n})", "all done") for n in (1, 2, 3)} <= set(said)


def test_the_scheduled_stop_all_cancels_what_still_runs(run) -> None:
    said: list[tuple[str, str]] = []

    def say(who: str, text: str) -> None:
        said.append((who, text))

    async def scenario() -> list[asyncio.Task[None]]:
        tasks = start_instances(2, 60.0, say)
        schedule_shutdown(0.05, tasks, say)
        await asyncio.gather(*tasks, return_exceptions=True)
        return tasks

    tasks = run(scenario())
    assert all(task.cancelled() for task in tasks)
    assert ("shutdown", "shutdown called") in said
    assert said[-1] == ("shutdown", "cancelled 2 unfinished instance(s)")


def test_a_cancelled_shutdown_never_runs(run) -> None:
    said: list[tuple[str, str]] = []

    async def scenario() -> None:
        handle = schedule_shutdown(0.01, [], lambda who, text: said.append((who, text)))
        handle.cancel()
        await asyncio.sleep(0.05)

    run(scenario())
    assert said == []


def test_the_instances_are_named_tasks(run) -> None:
    async def scenario() -> list[str]:
        tasks = start_instances(3, 60.0, lambda who, text: None)
        names = [task.get_name() for task in tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return names

    assert run(scenario()) == ["display_date 1", "display_date 2", "display_date 3"]
