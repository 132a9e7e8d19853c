"""Panel `tasks`: the live task table (and cancelling from it), the trace of GUI-thread
handlers, and asyncio's debug mode shown in the panel instead of on stderr."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.loop import loop_name
from guidemo.panels.tasks import TasksPanel
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(60)


def table_rows(panel: TasksPanel) -> dict[str, list[str]]:
    table = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
    return {
        table.item(row, 0).text(): [table.item(row, c).text() for c in range(1, 4)]
        for row in range(table.rowCount())
        if table.item(row, 0) is not None
    }


def select_task(panel: TasksPanel, name: str) -> None:
    table = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
    rows = [r for r in range(table.rowCount()) if table.item(r, 0).text() == name]
    assert rows, name
    table.selectRow(rows[0])


def click_for_real(widget: QtWidgets.QWidget) -> None:
    """Post a mouse press and release, as the window system does: Qt delivers them from
    its event loop, each as its own event (widget.click() would call the handler here)."""
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


def test_table_lists_a_task_of_another_panel_and_cancels_it(window, run):
    blocking = window.panels["blocking"]
    blocking.findChild(QtWidgets.QDoubleSpinBox, "durationSpin").setValue(2.0)
    blocking.findChild(QtWidgets.QComboBox, "workKind").setCurrentText("sleep")
    name = "blocking: run_in_executor job"

    async def scenario() -> None:
        window.show_panel("blocking")
        blocking.findChild(QtWidgets.QPushButton, "executorButton").click()
        panel = window.show_panel("tasks")
        await wait_until(
            lambda: "Future" in table_rows(panel).get(name, ["", "", ""])[2], what="job's row"
        )
        state, _age, awaiting = table_rows(panel)[name]
        assert state == "pending"
        assert awaiting.startswith("_run_job → _offload → run_in_executor"), awaiting
        assert awaiting.endswith("Future"), awaiting
        assert "blocking: small task 1" in table_rows(panel)  # its helpers are named too
        await wait_until(lambda: float(table_rows(panel)[name][1].lstrip("≥ ")) >= 0.4)
        select_task(panel, name)
        panel.findChild(QtWidgets.QPushButton, "cancelTaskButton").click()
        result = blocking.findChild(QtWidgets.QLabel, "resultLabel")
        await wait_until(lambda: "cancelled" in result.text(), 2, "the job saw its cancel")
        await wait_until(lambda: table_rows(panel)[name][0] == "cancelled", 2, "row state")
        assert (
            "cancel() called on 'blocking: run_in_executor job'"
            in panel.findChild(QtWidgets.QLabel, "tasksSummaryLabel").text()
        )
        await wait_until(lambda: name not in table_rows(panel), 6, "finished row to go")

    run(scenario())


def test_example_tasks_show_what_they_await(window, run):
    panel = window.show_panel("tasks")
    expected = {
        "tasks: example sleeper": "example_sleeper → sleep → Future",
        "tasks: example Event waiter": "example_waiter → wait → Future",
        "tasks: example Queue reader": "example_reader → get → Future",
    }

    async def scenario() -> None:
        panel.findChild(QtWidgets.QPushButton, "demoTasksButton").click()
        await wait_until(lambda: set(expected) <= set(table_rows(panel)), what="example rows")
        assert table_rows(panel)["tasks: example sleeper"][2] == "example_sleeper → not started yet"

        def awaiting_shown() -> bool:
            rows = table_rows(panel)
            return all(rows[name][2] == awaiting for name, awaiting in expected.items())

        await wait_until(awaiting_shown, what="what each example awaits")
        rows = table_rows(panel)
        assert all(rows[name][0] == "pending" for name in expected), rows
        assert not any(state == "running" for state, _, _ in rows.values())
        table = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
        table.clearSelection()
        for row in range(table.rowCount()):
            if table.item(row, 0).text() in expected:
                table.selectionModel().select(
                    table.model().index(row, 0),
                    QtCore.QItemSelectionModel.SelectionFlag.Select
                    | QtCore.QItemSelectionModel.SelectionFlag.Rows,
                )
        panel.findChild(QtWidgets.QPushButton, "cancelTaskButton").click()
        await wait_until(
            lambda: all(table_rows(panel)[n][0] == "cancelled" for n in expected), 2, "cancelled"
        )

    run(scenario())
    assert not panel.tasks, "the cancelled tasks ended"


def test_table_refreshes_only_while_visible(window, run):
    async def scenario() -> None:
        panel = window.show_panel("tasks")
        assert panel._timer.isActive()
        window.show_panel("blocking")
        assert not panel._timer.isActive()
        rows = panel.findChild(QtWidgets.QTableWidget, "tasksTable").rowCount()
        panel.spawn(asyncio.Event().wait(), "hidden meanwhile")
        await wait_until(lambda: window.monitor.stats().samples >= 20, what="some time")
        assert panel.findChild(QtWidgets.QTableWidget, "tasksTable").rowCount() == rows
        window.show_panel("tasks")
        assert "tasks: hidden meanwhile" in table_rows(panel)
        assert table_rows(panel)["tasks: hidden meanwhile"][1].startswith("≥ ")

    run(scenario())


def test_trace_records_a_blocking_click_handler_with_its_duration(window, run):
    panel: TasksPanel = window.panels["tasks"]
    blocking = window.panels["blocking"]
    blocking.findChild(QtWidgets.QDoubleSpinBox, "durationSpin").setValue(0.5)
    blocking.findChild(QtWidgets.QComboBox, "workKind").setCurrentText("sleep")
    trace_check = panel.findChild(QtWidgets.QCheckBox, "traceCheck")
    label = panel.findChild(QtWidgets.QLabel, "traceSummaryLabel")

    async def scenario() -> None:
        window.show_panel("tasks")
        trace_check.setChecked(True)
        window.show_panel("blocking")
        await wait_until(lambda: len(panel.tracer.bars) > 50, what="a comb of handlers")
        click_for_real(blocking.findChild(QtWidgets.QPushButton, "blockButton"))
        result = blocking.findChild(QtWidgets.QLabel, "resultLabel")
        await wait_until(lambda: "UI frozen" in result.text(), what="the blocking run")
        window.show_panel("tasks")
        await wait_until(lambda: "blockButton" in label.text(), what="the trace summary")

    run(scenario())
    longest = re.search(r"<b>(\d+) ms</b> ([^;<]*)", label.text())
    assert longest is not None, label.text()
    assert 450 <= int(longest.group(1)) <= 1000, label.text()
    assert longest.group(2).startswith("MouseButtonRelease → QPushButton 'blockButton'")
    bars = list(panel.tracer.bars)
    assert sum(bar.duration < 0.016 for bar in bars) > 50, "a healthy loop is a comb"
    assert [bar for bar in bars if bar.duration > 0.4] == [
        bar for bar in bars if "blockButton" in bar.label and bar.duration > 0.4
    ]
    if loop_name(window.loop) == "guidemo":  # its turns run in one Qt timer or notifier
        assert any(bar.label.endswith("→ asyncio turn") for bar in bars)

    async def turn_off() -> int:
        trace_check.setChecked(False)
        count = len(panel.tracer.bars)
        started = window.monitor.stats().samples
        await wait_until(lambda: window.monitor.stats().samples >= started + 10, what="time")
        return count

    count = run(turn_off())
    assert len(panel.tracer.bars) == count, "no filter left behind"
    assert "Tracing is off" in label.text()


def test_debug_mode_shows_slow_callbacks_in_the_panel_not_on_stderr(window, run, capfd):
    panel: TasksPanel = window.show_panel("tasks")
    log = panel.findChild(QtWidgets.QPlainTextEdit, "slowCallbackLog")
    debug_check = panel.findChild(QtWidgets.QCheckBox, "debugModeCheck")
    asyncio_logger = logging.getLogger("asyncio")
    propagate_before = asyncio_logger.propagate

    async def scenario() -> None:
        debug_check.setChecked(True)
        assert window.loop.get_debug() and window.loop.slow_callback_duration == 0.05
        panel.findChild(QtWidgets.QPushButton, "slowCallbackButton").click()
        await wait_until(lambda: "Executing <Handle slow_sleep(0.2)" in log.toPlainText())

    run(scenario())
    line = next(x for x in log.toPlainText().splitlines() if "Executing <Handle" in x)
    took = float(re.search(r"took ([\d.]+) seconds", line).group(1))
    assert 0.19 <= took < 1.0, line
    assert any(bar.lane == 1 and 0.19 <= bar.duration < 1.0 for bar in panel.slow_bars)
    debug_check.setChecked(False)
    assert not window.loop.get_debug()
    assert asyncio_logger.propagate == propagate_before
    assert panel.log_handler not in asyncio_logger.handlers
    assert "Executing" not in capfd.readouterr().err


def test_source_view_shows_the_lessons(window):
    panel = window.show_panel("tasks")
    source = panel.findChild(QtWidgets.QTextBrowser, "sourceView").toPlainText()
    for code in ("def task_state(", "def awaiting_chain(", "class HandlerTracer(", "def example_"):
        assert code in source, code
    for filename in ("task_inspection.py:", "handler_trace.py:", "debug_mode.py:"):
        assert filename in source, filename
