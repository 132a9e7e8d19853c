"""Lesson `lost_tasks`: a task nobody keeps is destroyed; an error nobody awaits is lost."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

from guidemo.lessons import lost_tasks as lesson

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt, pytest.mark.fast]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.lost_tasks; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_task_without_a_reference_is_destroyed_while_pending(run) -> None:
    said: list[str] = []
    caught = run(lesson.lose_a_task(said.append))
    assert caught == ["Task was destroyed but it is pending!"]
    assert said == ["wait_for_a_signal stopped by GeneratorExit; its cleanup runs"]


def test_a_kept_task_survives_the_collector(run) -> None:
    said: list[str] = []
    assert run(lesson.keep_the_task(said.append)) == []
    assert "still pending: True" in said[0]
    assert "CancelledError" in said[1]


def test_an_error_nobody_awaited_is_reported_when_collected(run) -> None:
    said: list[str] = []
    caught = run(lesson.never_retrieve(said.append))
    assert caught == ["Task exception was never retrieved (ValueError('nobody heard this'))"]


def test_a_task_group_hands_the_error_over(run) -> None:
    said: list[str] = []
    assert run(lesson.fail_in_a_group(said.append)) == []
    assert said == ["the TaskGroup raised it here: ValueError('nobody heard this')"]


def test_other_reports_still_reach_the_loops_handler(run) -> None:
    """Only the lesson's own tasks are caught: a real problem elsewhere is not hidden."""
    seen: list[dict[str, Any]] = []

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        loop.set_exception_handler(lambda loop, context: seen.append(context))
        try:
            with lesson.caught_loop_reports() as caught:
                loop.call_exception_handler({"message": "someone else's problem"})
            return caught
        finally:
            loop.set_exception_handler(previous)

    assert run(scenario()) == []
    assert [c["message"] for c in seen] == ["someone else's problem"]
