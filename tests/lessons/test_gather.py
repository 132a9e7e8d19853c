"""Lesson `gather`: the factorials awaited four ways, and what each does when one fails."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from guidemo.lessons.gather import (
    Jobs,
    factorial,
    sequentially,
    with_as_completed,
    with_gather,
    with_task_group,
)
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]
STEP = 0.02
CLEAN: Jobs = [("A", 2, None), ("B", 3, None), ("C", 4, None)]
B_FAILS: Jobs = [("A", 2, None), ("B", 3, 2), ("C", 4, None)]


class Reports(list[tuple[str, str, str]]):
    """What the factorials showed, as (lane, kind, text)."""

    def __call__(self, lane: str, kind: str, text: str) -> None:
        self.append((lane, kind, text))

    def ends(self) -> dict[str, str]:
        return {lane: kind for lane, kind, _ in self if kind != "step" and lane != "caller"}


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.gather; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_factorial_reports_each_step_and_its_result(run) -> None:
    shown = Reports()
    assert run(factorial("C", 4, STEP, shown)) == 24
    assert shown == [("C", "step", f"step {i} of 4") for i in range(1, 5)] + [
        ("C", "result", "factorial(4) = 24")
    ]


def test_all_four_ways_return_the_results_in_job_order(run) -> None:
    for way in (sequentially, with_gather, with_as_completed, with_task_group):
        assert run(way(CLEAN, STEP, Reports())) == [2, 6, 24], way.__name__


def test_one_by_one_a_failure_means_c_never_starts(run) -> None:
    shown = Reports()
    with pytest.raises(ValueError, match="B broke at step 2"):
        run(sequentially(B_FAILS, STEP, shown))
    assert shown.ends() == {"A": "result", "B": "exception"}


def test_gather_raises_at_once_but_leaves_the_others_running(run) -> None:
    shown = Reports()

    async def scenario() -> dict[str, str]:
        with pytest.raises(ValueError):
            await with_gather(B_FAILS, STEP, shown)
        running_on = shown.ends()
        await wait_until(lambda: len(shown.ends()) == 3, 5, "A and C to end on their own")
        return running_on

    at_raise = run(scenario())
    assert "C" not in at_raise, "gather raised before C was done"
    assert shown.ends() == {"A": "result", "B": "exception", "C": "result"}


def test_gather_with_return_exceptions_lists_the_error_in_place(run) -> None:
    results = run(with_gather(B_FAILS, STEP, Reports(), return_exceptions=True))
    assert results[0] == 2 and results[2] == 24
    assert isinstance(results[1], ValueError)


def test_as_completed_hands_over_each_result_as_it_is_ready(run) -> None:
    shown = Reports()
    run(with_as_completed(CLEAN, STEP, shown))
    assert [text for lane, _, text in shown if lane == "caller"] == ["got 2", "got 6", "got 24"]
    caller_first = [entry[0] for entry in shown].index("caller")
    assert ("C", "result", "factorial(4) = 24") in shown[caller_first:], "got A's before C ended"


def test_task_group_cancels_the_siblings_when_one_fails(run) -> None:
    shown = Reports()

    async def scenario() -> None:
        try:
            await with_task_group(B_FAILS, STEP, shown)
        except* ValueError as group:
            assert [str(e) for e in group.exceptions] == ["B broke at step 2"]
        else:
            raise AssertionError("the TaskGroup did not raise")
        await asyncio.sleep(0)

    run(scenario())
    assert shown.ends() == {"A": "cancelled", "B": "exception", "C": "cancelled"}


def test_the_concurrent_ways_name_each_task_after_its_job(run) -> None:
    """A task list (or a traceback) says "factorial B", not "Task-178"."""
    for way in (with_gather, with_as_completed, with_task_group):
        names: set[str] = set()

        def show(lane: str, kind: str, text: str, names: set[str] = names) -> None:
            task = asyncio.current_task()
            if lane != "caller" and task is not None:
                names.add(task.get_name())

        run(way(CLEAN, STEP, show))
        assert names == {"factorial A", "factorial B", "factorial C"}, way.__name__
