"""The runner the five panels that compare ways share (`guidemo.panels.ways.WaysRunner`):
one run at a time, Cancel, the buttons' state and the verdict, in the real app."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from guidemo.panels.ways import CANCEL, WaysRunner
from tests.helpers import button, wait_until, widget

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("gather", "limits")]
WAYS_PANELS = ("blocking", "http", "gather", "limits", "downloader")


def run_buttons_on(runner: WaysRunner) -> bool:
    return all(b.isEnabled() for name, b in runner.buttons.items() if name != CANCEL)


def run_buttons_off(runner: WaysRunner) -> bool:
    return not any(b.isEnabled() for name, b in runner.buttons.items() if name != CANCEL)


@pytest.mark.parametrize("slug", WAYS_PANELS)
def test_every_ways_panel_runs_through_one_runner_and_starts_idle(window, slug):
    panel = window.show_panel(slug)
    runner = panel.runner
    assert isinstance(runner, WaysRunner) and not panel.busy()
    assert runner.buttons[CANCEL] is button(panel, CANCEL)
    assert run_buttons_on(runner) and not runner.buttons[CANCEL].isEnabled()
    assert all(setting.isEnabled() for setting in runner.settings)


def test_one_run_at_a_time_and_cancel_frees_the_buttons(window, run):
    panel = window.show_panel("gather")
    runner = panel.runner
    widget(panel, QtWidgets.QDoubleSpinBox, "stepSpin").setValue(1.0)  # four ways: 20 s
    second_runs: list[str] = []

    async def second() -> None:
        second_runs.append("ran")

    async def scenario() -> None:
        button(panel, "runAllButton").click()
        first = runner.task
        assert first is not None and panel.busy()  # the tour waits for the result
        assert run_buttons_off(runner) and runner.buttons[CANCEL].isEnabled()
        assert not any(setting.isEnabled() for setting in runner.settings)
        assert runner.start("a second run", second) is None, "a second start is refused"
        panel.start(["gather"])  # and so is the panel's own
        assert runner.task is first
        await wait_until(lambda: panel.gather_lanes.lane_names(), 10, "the first way's lanes")
        button(panel, CANCEL).click()
        assert not runner.buttons[CANCEL].isEnabled(), "Cancel is off once it has asked"
        await wait_until(lambda: not panel.busy(), 10, "the cancelled run to end")
        assert first.done() and runner.task is None

    run(scenario())
    assert second_runs == [], "the refused run's coroutine was never made"
    assert run_buttons_on(runner) and not runner.buttons[CANCEL].isEnabled()
    assert all(setting.isEnabled() for setting in runner.settings)
    table = widget(panel, QtWidgets.QTableWidget, "gatherResults")
    assert table.rowCount() == 1, "the first way was cancelled, and the others never ran"
    assert table.item(0, 7).text() == "cancelled (Cancel button)"
    assert "Latest, <b>sequential</b>" in runner.summary.text()


def test_the_summary_shows_the_runs_verdict(window, run):
    panel = window.show_panel("limits")
    runner = panel.runner
    widget(panel, QtWidgets.QSpinBox, "requestCountSpin").setValue(20)
    widget(panel, QtWidgets.QSpinBox, "limitRateSpin").setValue(100)
    widget(panel, QtWidgets.QDoubleSpinBox, "limitLatencySpin").setValue(0.0)
    summary = widget(panel, QtWidgets.QLabel, "limitsSummary")
    assert runner.summary is summary

    async def scenario() -> None:
        button(panel, "semaphoreButton").click()
        assert panel.busy()
        await wait_until(lambda: not panel.busy(), 20, "the run to end")

    run(scenario())
    text = summary.text()
    assert "<b>Semaphore (10 in flight)</b>: 20 requests, done in" in text, text
    assert "20 answered OK" in text, text
    assert run_buttons_on(runner)
