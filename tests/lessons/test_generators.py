"""Lesson `generators`: coroutines by hand, and a toy task loop that takes turns."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guidemo.lessons.generators import fib, round_robin, step

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.generators; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_step_resumes_to_each_yield_then_returns_the_value() -> None:
    gen = fib(4)
    steps = [step(gen) for _ in range(5)]
    assert steps[:4] == [("yielded", 0), ("yielded", 1), ("yielded", 1), ("yielded", 2)]
    assert steps[4] == ("returned", 3)


def test_round_robin_takes_turns_and_collects_results_in_finishing_order(run) -> None:
    turns: list[tuple[str, str, list[str]]] = []
    coros = {f"fib({n})": fib(n) for n in (2, 5, 3)}
    results = run(round_robin(coros, lambda *turn: turns.append(turn), 0.0))
    assert [name for name, _, _ in turns[:6]] == ["fib(2)", "fib(5)", "fib(3)"] * 2
    assert len(turns) == (2 + 1) + (5 + 1) + (3 + 1)
    assert turns[0] == ("fib(2)", "yielded 0", ["fib(5)", "fib(3)", "fib(2)"])
    assert turns[-1] == ("fib(5)", "returned 5", [])
    assert list(results.items()) == [("fib(2)", 1), ("fib(3)", 2), ("fib(5)", 5)]
