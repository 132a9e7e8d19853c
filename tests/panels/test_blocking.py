"""Panel `blocking`: a real freeze is seen and named; offloaded ways keep the loop live."""

from __future__ import annotations

import inspect
import time

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons import blocking, jobs, qthread
from guidemo.panels.blocking import BlockingPanel
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(90)


def controls(panel: BlockingPanel) -> dict[str, QtWidgets.QWidget]:
    names = ["durationSpin", "workKind", "resultLabel", "historyTable"]
    names += ["blockButton", "executorButton", "qthreadButton", "processButton", "cancelButton"]
    found = {name: panel.findChild(QtWidgets.QWidget, name) for name in names}
    assert all(found.values()), [name for name, widget in found.items() if widget is None]
    return found


def job_done(panel: BlockingPanel) -> bool:
    return panel.findChild(QtWidgets.QPushButton, "executorButton").isEnabled()


def post_click(widget: QtWidgets.QWidget) -> None:
    """Queue a press and release, as the window system does during a freeze."""
    pos = QtCore.QPointF(widget.rect().center())
    left = QtCore.Qt.MouseButton.LeftButton
    for kind, buttons in (
        (QtCore.QEvent.Type.MouseButtonPress, left),
        (QtCore.QEvent.Type.MouseButtonRelease, QtCore.Qt.MouseButton.NoButton),
    ):
        event = QtGui.QMouseEvent(
            kind, pos, widget.mapToGlobal(pos), left, buttons, QtCore.Qt.KeyboardModifier.NoModifier
        )
        QtWidgets.QApplication.postEvent(widget, event)


def test_block_button_freezes_and_the_monitor_names_the_function(window, run):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(1.0)
    ui["workKind"].setCurrentText("sleep")
    before = len(window.monitor.freezes)

    async def scenario() -> None:
        started = time.perf_counter()
        ui["blockButton"].click()  # returns only when the job is done: the loop was frozen
        assert time.perf_counter() - started >= 0.95
        await wait_until(lambda: len(window.monitor.freezes) > before, what="freeze record")
        await wait_until(lambda: "UI frozen" in ui["resultLabel"].text(), what="result")

    run(scenario())
    freeze = window.monitor.freezes[-1]
    assert 0.9 <= freeze.duration_s <= 1.15, freeze
    assert freeze.where.startswith("slow_sleep() (jobs.py:"), freeze.where
    assert window.monitor.stats().max_ms > 900
    hud_text = window.findChild(QtWidgets.QLabel, "freezeLabel").text()
    assert "UI frozen" in hud_text and "slow_sleep()" in hud_text
    assert f"{freeze.duration_s:.2f} s" in hud_text
    assert ui["executorButton"].isEnabled()


def test_clicks_queued_during_the_freeze_are_ignored_and_counted(window, run):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(0.3)
    ui["workKind"].setCurrentText("sleep")
    rows_before = ui["historyTable"].rowCount()

    async def scenario() -> None:
        post_click(ui["executorButton"])  # delivered only once the blocking handler returns
        ui["blockButton"].click()
        await wait_until(lambda: "UI frozen" in ui["resultLabel"].text(), what="result")

    run(scenario())
    text = ui["resultLabel"].text()
    assert "1 click made while the window was frozen was ignored" in text, text
    assert ui["historyTable"].rowCount() == rows_before + 1, "the queued click started nothing"
    assert job_done(panel)


def test_block_button_with_cpu_job_names_busy_cpu(window, run):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(0.5)
    ui["workKind"].setCurrentText("cpu")
    before = len(window.monitor.freezes)

    async def scenario() -> None:
        ui["blockButton"].click()
        await wait_until(lambda: len(window.monitor.freezes) > before, what="freeze record")

    run(scenario())
    assert window.monitor.freezes[-1].where.startswith("busy_cpu() (jobs.py:")


@pytest.mark.parametrize("button", ["executorButton", "qthreadButton", "processButton"])
def test_offloaded_ways_keep_the_loop_live(window, run, button):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(1.0)
    ui["workKind"].setCurrentText("sleep")
    freezes_before = len(window.monitor.freezes)

    async def scenario() -> float:
        started = time.perf_counter()
        ui[button].click()
        assert not ui[button].isEnabled(), "a running job disables the run buttons"
        assert ui["cancelButton"].isEnabled()
        await wait_until(lambda: job_done(panel), timeout=20, what="job end")
        return started

    started = run(scenario())
    stats = window.monitor.stats_since(started)
    assert stats.max_ms < 100, stats
    assert stats.samples >= 10, "the probe kept running during the job"
    assert len(window.monitor.freezes) == freezes_before
    text = ui["resultLabel"].text()
    assert "slept 1.0" in text and "UI live" in text, text
    assert ui["historyTable"].rowCount() >= 1


def test_compare_runs_cpu_job_in_thread_then_process(window, run):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(0.5)

    async def scenario() -> None:
        panel.findChild(QtWidgets.QPushButton, "compareButton").click()
        await wait_until(lambda: ui["historyTable"].rowCount() >= 2 and job_done(panel), 30)

    run(scenario())
    table = ui["historyTable"]
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert [rows[1][0], rows[0][0]] == ["run_in_executor", "process"]
    assert all(row[1] == "cpu" and "M loops" in row[5] for row in rows), rows
    assert float(rows[0][3]) < 100, "a process never holds the GUI thread's GIL"


@pytest.mark.parametrize("button", ["executorButton", "qthreadButton", "processButton"])
def test_cancel_stops_a_long_job_quickly(window, run, button):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(20.0)
    ui["workKind"].setCurrentText("sleep")

    async def scenario() -> float:
        ui[button].click()
        await wait_until(lambda: panel.tasks, what="job task")
        # In flight: the small tasks beside the job have run a few times.
        await wait_until(lambda: panel.ticker.blockCount() >= 4, what="ticker lines")
        started = time.perf_counter()
        ui["cancelButton"].click()
        await wait_until(lambda: job_done(panel), timeout=5, what="cancelled job end")
        return time.perf_counter() - started

    assert run(scenario()) < 2.0
    assert "cancelled" in ui["resultLabel"].text()
    expected = "terminated" if button == "processButton" else "cannot kill a thread"
    assert expected in ui["resultLabel"].text()


def test_second_click_while_running_starts_nothing(window, run):
    panel = window.show_panel("blocking")
    ui = controls(panel)
    ui["durationSpin"].setValue(0.5)

    async def scenario() -> None:
        ui["executorButton"].click()
        panel.start_job("run_in_executor")  # even a programmatic second start is refused
        panel.start_job("QThread")
        await wait_until(lambda: job_done(panel), timeout=10)

    rows_before = ui["historyTable"].rowCount()
    run(scenario())
    assert ui["historyTable"].rowCount() == rows_before + 1


def test_source_view_shows_the_real_functions(window):
    panel = window.show_panel("blocking")
    source = panel.findChild(QtWidgets.QTextBrowser, "sourceView").toPlainText()
    shown = (
        blocking.run_in_executor,
        blocking.run_in_process,
        qthread.JobThread,
        qthread.run_in_qthread,
        jobs.slow_sleep,
    )
    for function in shown:
        first_line = inspect.getsource(function).splitlines()[0].strip()
        assert first_line in source
    assert "jobs.py:" in source and "blocking.py:" in source, "file names shown are the lessons'"
