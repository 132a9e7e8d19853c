"""Lesson `cancellation`: where CancelledError lands, what cleanup runs, how it goes wrong."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from guidemo.lessons import cancellation as lesson
from guidemo.lessons.cancellation import (
    Cancelling,
    CleanedUp,
    Ended,
    Event,
    Landed,
    Stepped,
    Swallowed,
)

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt, pytest.mark.fast]


def line_of(function: object, text: str) -> int:
    """The file line of `function`'s source line containing `text`."""
    lines, first = inspect.getsourcelines(function)  # type: ignore[arg-type]
    return first + next(at for at, line in enumerate(lines) if text in line)


def scenario(run, lesson_function, *args: object) -> list[Event]:
    events: list[Event] = []
    run(lesson_function(events.append, *args))
    return events


def of(events: list[Event], kind: type, task: str) -> list:
    return [e for e in events if isinstance(e, kind) and e.task == task]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.cancellation; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cancel_lands_at_the_await_and_both_cleanups_run(run) -> None:
    events = scenario(run, lesson.cancel_a_task, 0.3)
    [landed] = of(events, Landed, "worker")
    assert landed.line == line_of(lesson.worker, "await asyncio.sleep(STEP_S)")
    assert [c.what for c in of(events, CleanedUp, "worker")] == ["async with exit", "finally"]
    [cancelling], [end] = of(events, Cancelling, "worker"), of(events, Ended, "worker")
    assert end.how == "cancelled" and end.at >= cancelling.at
    # The task ends on the loop's next turns, with no further step: told by the events, not
    # by the time (under 0.15 s quiet; the panel's equivalent took 0.28-0.58 s beside a
    # second suite). A cancel that waited for the sleep to end would show one more step.
    after = events[events.index(cancelling) :]
    assert not [e for e in after if isinstance(e, Stepped)], after


def test_timeout_and_wait_for_raise_timeout_error_after_the_cleanup(run) -> None:
    for function in (lesson.time_out, lesson.wait_for_it):
        events = scenario(run, function, 0.3)
        kinds = [type(e).__name__ for e in events if type(e).__name__ != "Stepped"]
        assert kinds == ["CleanedUp", "Landed", "CleanedUp", "Ended"], function
        assert events[-1].how == "TimeoutError"  # type: ignore[union-attr]


def test_timeout_undoes_its_own_cancel(run) -> None:
    events = scenario(run, lesson.time_out, 0.3)
    assert of(events, Ended, "worker")[-1].note == "cancelling() back to 0"


def test_a_failing_child_cancels_its_siblings(run) -> None:
    events = scenario(run, lesson.group_with_a_failure, 0.3)
    for child in ("child A", "child B"):
        assert of(events, Ended, child)[0].how == "cancelled"
        assert len(of(events, CleanedUp, child)) == 2
    assert "ValueError" in of(events, Ended, "failing child")[0].how
    assert of(events, Ended, "group")[0].how == "ExceptionGroup"


def test_shield_keeps_the_inner_work_going_but_the_outer_await_is_cancelled(run) -> None:
    events = scenario(run, lesson.shield_the_inner, 0.3)
    [cancelling] = of(events, Cancelling, "outer")
    [outer_landed] = of(events, Landed, "outer")
    assert outer_landed.line == line_of(lesson.wait_shielded, "await asyncio.shield(inner)")
    [outer_end] = of(events, Ended, "outer")
    [inner_end] = of(events, Ended, "inner (shielded)")
    assert outer_end.how == "cancelled", "the outer await was not cancelled"
    assert inner_end.how == "finished", "the shielded task was not cancelled"
    # The outer ends on the loop's next turns, long before the inner's last steps: told by
    # the events, not by the time (under 0.15 s quiet; 0.28-0.58 s for the panel's
    # equivalent beside a second suite). The inner may take one step in between (its timer
    # and the cancel can be due on the same turn), not two.
    between = events[events.index(cancelling) : events.index(outer_end)]
    assert len(of(between, Stepped, "inner (shielded)")) <= 1, between
    assert events.index(outer_end) < events.index(inner_end)
    assert not of(events, Landed, "inner (shielded)")
    assert inner_end.at - cancelling.at > lesson.STEP_S  # it went on working after the cancel


def test_a_swallowed_cancel_lets_the_task_run_to_its_end(run) -> None:
    events = scenario(run, lesson.swallow_the_cancel, 0.3)
    [cancelling] = of(events, Cancelling, "cancel()")
    [end] = of(events, Ended, "cancel()")
    assert of(events, Swallowed, "cancel()"), "the CancelledError was caught and dropped"
    assert end.how == "finished"
    assert end.at - cancelling.at > 4 * lesson.STEP_S, "cancel() did not stop it"
    [timed] = of(events, Ended, "under timeout()")
    assert timed.how == "finished" and "no TimeoutError" in timed.note


def test_without_uncancel_timeout_mistakes_its_own_cancel(run) -> None:
    events = scenario(run, lesson.skip_a_step, 0.2)
    assert of(events, Swallowed, "forgets uncancel()") and of(events, Swallowed, "calls uncancel()")
    assert of(events, Ended, "forgets uncancel()")[0].how == "CancelledError"
    assert of(events, Ended, "calls uncancel()")[0].how == "TimeoutError"
