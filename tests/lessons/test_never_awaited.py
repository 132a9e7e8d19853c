"""Lesson `never_awaited`: calling a coroutine function is not running it."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import pytest

from guidemo.lessons.never_awaited import await_properly, call_without_await

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.never_awaited; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_calling_without_await_builds_an_object_and_python_warns() -> None:
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        shown, state, caught = call_without_await()
    assert re.fullmatch(r"<coroutine object ping_server at 0x[0-9a-f]+>", shown), shown
    assert state == "CORO_CREATED"
    assert caught == ["RuntimeWarning: coroutine 'ping_server' was never awaited"]
    assert leaked == [], "the lesson catches its own warning"


def test_awaiting_runs_the_body_to_its_return_value(run) -> None:
    result, took = run(await_properly())
    assert result == "pong from 5"
    assert 0.09 <= took < 2.0
