"""Panel `gather`: the four ways' times, and which tasks survive when one of them fails."""

from __future__ import annotations

import asyncio

import pytest
from PySide6 import QtWidgets

from guidemo.panels.gather import GatherPanel
from guidemo.widgets.lanes import LaneChart
from tests.helpers import TEST_LOOP_KIND, button, wait_until, widget

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("gather")]
STEP = 0.1
COLUMNS = ["way", "step", "caller_s", "all_s", "A", "B", "C", "got"]


def idle(panel: GatherPanel) -> bool:
    return button(panel, "gatherButton").isEnabled()


def row(panel: GatherPanel, index: int = 0) -> dict[str, str]:
    table = widget(panel, QtWidgets.QTableWidget, "gatherResults")
    return {key: table.item(index, c).text() for c, key in enumerate(COLUMNS)}


def setup(window, fail: bool = False, return_exceptions: bool = False) -> GatherPanel:
    panel = window.show_panel("gather")
    widget(panel, QtWidgets.QDoubleSpinBox, "stepSpin").setValue(STEP)
    widget(panel, QtWidgets.QCheckBox, "failingTaskCheck").setChecked(fail)
    widget(panel, QtWidgets.QCheckBox, "returnExceptionsCheck").setChecked(return_exceptions)
    return panel


def run_way(run, panel: GatherPanel, name: str, timeout: float = 10) -> dict[str, str]:
    table = widget(panel, QtWidgets.QTableWidget, "gatherResults")
    rows_before = table.rowCount()

    async def scenario() -> None:
        button(panel, name).click()
        assert not idle(panel) and button(panel, "cancelButton").isEnabled()
        await wait_until(lambda: idle(panel), timeout, f"{name} run to end")

    run(scenario())
    assert table.rowCount() == rows_before + 1
    return row(panel)


def steps(seconds: str) -> float:
    return float(seconds) / STEP


def sequential_then_gathered(window, run) -> tuple[GatherPanel, dict[str, str], dict[str, str]]:
    panel = setup(window)
    sequential = run_way(run, panel, "sequentialButton")
    gathered = run_way(run, panel, "gatherButton")
    assert sequential["way"] == "sequential" and gathered["way"] == "gather"
    for result in (sequential, gathered):
        assert result["got"] == "returned [2, 6, 24]"
        assert result["A"].startswith("= 2 at") and result["C"].startswith("= 24 at")
    # Nine steps one by one, four at once (C's): never fewer.
    assert steps(sequential["all_s"]) >= 8.5 and steps(gathered["all_s"]) >= 3.8
    return panel, sequential, gathered


# A busy machine stretches every step (20.8 for the nine beside a second suite, where at
# most 15 were allowed), and the ratio too when a stall falls in one run only (the gather's
# four took 2.92 s beside a second suite, the nine 0.95 s): the lanes below show the
# overlap on any machine.
@pytest.mark.needs_quiet
def test_gather_runs_the_nine_steps_in_about_four(window, run):
    _, sequential, gathered = sequential_then_gathered(window, run)
    # A gather that ran them one by one would be 1.
    assert float(sequential["all_s"]) / float(gathered["all_s"]) > 1.6, (sequential, gathered)


def test_gather_starts_every_step_at_once_and_one_by_one_waits(window, run):
    panel, _, _ = sequential_then_gathered(window, run)
    summary = widget(panel, QtWidgets.QLabel, "gatherSummary").text()
    assert "sequential" in summary and "gather" in summary and "faster" in summary

    # The lanes show the overlap: in gather, C's steps start before A has finished;
    # one by one, B only starts after A's result.
    chart = widget(panel, LaneChart, "gatherLanes")
    assert chart.lane_names() == [
        f"{way} · {lane}" for way in ("sequential", "gather") for lane in ("caller", "A", "B", "C")
    ]

    def first_step(lane: str) -> float:
        return next(e.at for e in chart.lane(lane).events if e.kind == "step")

    def result_at(lane: str) -> float:
        return next(e.at for e in chart.lane(lane).events if e.kind == "result")

    assert first_step("gather · C") < result_at("gather · A")
    assert first_step("sequential · B") >= result_at("sequential · A")
    assert first_step("sequential · C") >= result_at("sequential · B")
    for lane, count in (("A", 2), ("B", 3), ("C", 4)):
        events = [e.kind for e in chart.lane(f"gather · {lane}").events]
        assert events == ["step"] * count + ["result"], (lane, events)


@pytest.mark.needs_quiet
def test_as_completed_hands_each_result_over_when_ready(window, run):
    panel = setup(window)
    result = run_way(run, panel, "asCompletedButton")
    assert result["got"] == "returned [2, 6, 24]"
    chart = widget(panel, LaneChart, "gatherLanes")
    got = [(e.label, e.at) for e in chart.lane("as_completed · caller").events if e.kind == "step"]
    assert [label for label, _ in got] == ["got 2", "got 6", "got 24"]
    # the caller holds the first result after ~2 steps, long before the last one (~4)
    assert got[0][1] / STEP < 3.5 and got[2][1] / STEP >= 3.8


def test_task_group_clean_run(window, run):
    panel = setup(window)
    result = run_way(run, panel, "taskGroupButton")
    assert result["way"] == "TaskGroup" and result["got"] == "returned [2, 6, 24]"
    assert steps(result["all_s"]) >= 3.8  # C's four steps
    # At once, not one by one: C's first step before A's result. (Its length in steps is
    # no measure of that on a busy machine: 9.4 steps for these 4 beside a second suite.)
    chart = widget(panel, LaneChart, "gatherLanes")
    c_first = next(e.at for e in chart.lane("TaskGroup · C").events if e.kind == "step")
    a_result = next(e.at for e in chart.lane("TaskGroup · A").events if e.kind == "result")
    assert c_first < a_result


def test_gather_failure_does_not_cancel_the_siblings(window, run):
    panel = setup(window, fail=True)
    result = run_way(run, panel, "gatherButton")
    assert result["got"] == "raised ValueError('B broke at step 2')"
    # gather raises as soon as B fails (at step 2), well before C's 4 steps end: compared
    # within the run, as a busy machine stretches every step alike.
    assert steps(result["all_s"]) - steps(result["caller_s"]) >= 1.0, result
    # ... but A and C keep running to the end: their results exist, nobody received them
    assert result["A"].startswith("= 2 at") and result["C"].startswith("= 24 at"), result
    assert result["B"].startswith("ValueError at")
    assert steps(result["all_s"]) >= 3.8, "C still ran its 4 steps after gather raised"
    chart = widget(panel, LaneChart, "gatherLanes")
    assert [e.kind for e in chart.lane("gather · C").events][-1] == "result"
    summary = widget(panel, QtWidgets.QLabel, "gatherSummary").text()
    assert "still running at that moment: <b>A, C</b>, which went on: A = 2 at" in summary


def test_gather_return_exceptions_waits_and_lists_the_error(window, run):
    panel = setup(window, fail=True, return_exceptions=True)
    result = run_way(run, panel, "gatherButton")
    assert result["way"] == "gather(return_exceptions)"
    assert result["got"] == "returned [2, ValueError('B broke at step 2'), 24]"
    assert steps(result["caller_s"]) >= 3.8
    assert result["A"].startswith("= 2") and result["C"].startswith("= 24")


def test_task_group_failure_cancels_the_siblings(window, run):
    panel = setup(window, fail=True)
    result = run_way(run, panel, "taskGroupButton")
    assert result["got"] == "raised ExceptionGroup[ValueError('B broke at step 2')]", result
    assert result["A"].startswith("cancelled at") and result["C"].startswith("cancelled at")
    assert result["B"].startswith("ValueError at")
    # B fails after 2 steps, C would take 4: the group cancelled C right after B failed,
    # during its second step. Counted in C's own steps, not in seconds (2.0-2.2 steps' time
    # quiet, 2.6 beside a second suite): the cancel comes through call_soon callbacks, which
    # guidemo's loop (asyncio's order) runs before C's next 0.1 s timer, however late. Stock
    # qasync's callbacks are Qt timers stamped when asked: a stall may let C's fire first.
    chart = widget(panel, LaneChart, "gatherLanes")
    c_events = [e.kind for e in chart.lane("TaskGroup · C").events]
    assert c_events[-1] == "cancelled" and "result" not in c_events, c_events
    most = 2 if TEST_LOOP_KIND == "guidemo" else 3
    assert c_events.count("step") <= most, ("the group cancelled C when B failed", c_events)
    summary = widget(panel, QtWidgets.QLabel, "gatherSummary").text()
    assert "still running at that moment: <b>none</b>" in summary


def test_sequential_failure_never_starts_c(window, run):
    panel = setup(window, fail=True)
    result = run_way(run, panel, "sequentialButton")
    assert result["got"] == "raised ValueError('B broke at step 2')"
    assert result["A"].startswith("= 2") and result["B"].startswith("ValueError")
    assert result["C"] == "never started"
    chart = widget(panel, LaneChart, "gatherLanes")
    assert chart.lane("sequential · C").events == []


def test_as_completed_failure_leaves_the_others_running(window, run):
    panel = setup(window, fail=True)
    result = run_way(run, panel, "asCompletedButton")
    assert result["got"] == "raised ValueError('B broke at step 2')"
    assert result["A"].startswith("= 2") and result["C"].startswith("= 24")


@pytest.mark.needs_quiet
def test_cancel_stops_the_run_and_its_tasks(window, run):
    panel = setup(window)
    widget(panel, QtWidgets.QDoubleSpinBox, "stepSpin").setValue(2.0)
    chart = widget(panel, LaneChart, "gatherLanes")

    async def scenario() -> None:
        button(panel, "gatherButton").click()
        button(panel, "gatherButton").click()  # disabled: ignored
        panel.start(["gather"])  # even a direct second start is refused
        await wait_until(
            lambda: "gather · C" in chart.lane_names() and chart.lane("gather · C").events
        )
        button(panel, "cancelButton").click()
        await wait_until(lambda: idle(panel), 3, "cancelled run to end")

    table = widget(panel, QtWidgets.QTableWidget, "gatherResults")
    rows_before = table.rowCount()
    run(scenario())
    assert table.rowCount() == rows_before + 1
    result = row(panel)
    assert result["got"] == "cancelled (Cancel button)"
    assert all(result[name].startswith("cancelled at") for name in "ABC"), result
    # Cancelled together: each task notes its own moment, a repaint apart at most.
    moments = [float(result[name].split()[2]) for name in "ABC"]
    assert max(moments) - min(moments) < 0.05, result
    assert float(result["all_s"]) < 1.5


def test_run_all_keeps_the_four_ways_side_by_side_with_the_same_settings(window, run):
    panel = setup(window)
    table = widget(panel, QtWidgets.QTableWidget, "gatherResults")
    step = widget(panel, QtWidgets.QDoubleSpinBox, "stepSpin")
    chart = widget(panel, LaneChart, "gatherLanes")
    rows_before = table.rowCount()

    async def scenario() -> None:
        button(panel, "runAllButton").click()
        assert not step.isEnabled(), "the settings are fixed while the ways run"
        await wait_until(lambda: table.rowCount() == rows_before + 1, 10, "the first way")
        step.setValue(0.05)  # a script still can: the rest of the click's ways ignore it
        await wait_until(lambda: idle(panel) and table.rowCount() == rows_before + 4, 20)

    run(scenario())
    ways = [row(panel, i)["way"] for i in range(3, -1, -1)]
    assert ways == ["sequential", "gather", "as_completed", "TaskGroup"]
    assert {row(panel, i)["step"] for i in range(4)} == {f"{STEP:g}"}
    assert step.isEnabled()
    # Sequential against the rest is the point: all four runs keep their lanes.
    assert chart.lane_names() == [f"{way} · {lane}" for way in ways for lane in ("caller", *"ABC")]
    summary = widget(panel, QtWidgets.QLabel, "gatherSummary").text()
    assert f"9 steps of <b>{STEP:g} s</b>: sequential" in summary
    assert "faster than one by one: <b>gather</b>" in summary


def test_the_tasks_a_run_starts_are_named_after_their_jobs(window, run):
    panel = setup(window)
    chart = widget(panel, LaneChart, "gatherLanes")
    seen: set[str] = set()

    def factorial_tasks() -> set[str]:
        return {
            task.get_name() for task in asyncio.all_tasks() if "factorial" in repr(task.get_coro())
        }

    async def scenario() -> None:
        for name, way in (("gatherButton", "gather"), ("taskGroupButton", "TaskGroup")):
            button(panel, name).click()
            lane = f"{way} · C"
            await wait_until(
                lambda lane=lane: lane in chart.lane_names() and chart.lane(lane).events
            )
            seen.update(factorial_tasks())
            await wait_until(lambda: idle(panel), 10, f"{way} run to end")

    run(scenario())
    assert seen == {"gather: factorial A", "gather: factorial B", "gather: factorial C"}, seen


def test_cancel_stops_the_tasks_gather_left_running(window, run):
    panel = setup(window, fail=True)
    # B fails after one step, A ends after two: a 2 s step leaves 2 s to click Cancel in
    # between (with 0.5 s, a busy machine's click came after A had ended, at 1.8 s).
    step_s = 2.0
    widget(panel, QtWidgets.QDoubleSpinBox, "stepSpin").setValue(step_s)
    chart = widget(panel, LaneChart, "gatherLanes")

    async def scenario() -> None:
        button(panel, "gatherButton").click()
        # gather has raised B's error; A and C are still running on their own
        caller = "gather · caller"
        await wait_until(
            lambda: caller in chart.lane_names() and chart.lane(caller).events, 5, "gather raised"
        )
        assert not idle(panel), "the run waits for the tasks gather left running"
        button(panel, "cancelButton").click()
        await wait_until(lambda: idle(panel), 3, "leftovers cancelled")

    run(scenario())
    result = row(panel)
    assert result["got"] == "raised ValueError('B broke at step 2') (Cancel)"
    assert result["A"].startswith("cancelled at") and result["C"].startswith("cancelled at")
    assert float(result["all_s"]) < 2 * step_s, "ended before A would have"
