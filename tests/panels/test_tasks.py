"""Panel `tasks`: the live task table (and cancelling from it), the trace of GUI-thread
handlers, and asyncio's debug mode shown in the panel instead of on stderr."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import re
import statistics
import time

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.task_inspection import one_slow_step
from guidemo.loop import loop_name
from guidemo.panels.tasks import TasksPanel
from guidemo.panels.tasks.table import TableSection
from guidemo.task_accounting import stats_of
from guidemo.widgets.trace_timeline import TraceTimeline
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("tasks", "blocking")]


def table_rows(panel: TasksPanel) -> dict[str, list[str]]:
    """{task: [state, age, awaiting, busy ms]}"""
    table = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
    return {
        table.item(row, 0).text(): [table.item(row, c).text() for c in (1, 2, 3, 5)]
        for row in range(table.rowCount())
        if table.item(row, 0) is not None
    }


def row_texts(table: QtWidgets.QTableWidget, row: int) -> dict[str, str]:
    """{column title: text} of one row."""
    titles = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    return {title: table.item(row, c).text() for c, title in enumerate(titles)}


def row_of(panel: TasksPanel, name: str, table_name: str = "tasksTable") -> dict[str, str]:
    """The newest row of task `name`: {column title: text}."""
    table = panel.findChild(QtWidgets.QTableWidget, table_name)
    for row in reversed(range(table.rowCount())):
        if table.item(row, 0) is not None and table.item(row, 0).text() == name:
            return row_texts(table, row)
    raise AssertionError(f"no row {name!r} in {table_name}")


def finished_row(panel: TasksPanel, task: asyncio.Task[object]) -> dict[str, str] | None:
    """The finished table's row of `task` itself, once it is there. The accounting is the
    loop's and the tests share one loop, so the table also lists the tasks that earlier
    tests on this worker ran, some of them under the same name."""
    stats = stats_of(task)
    table = panel.finished.cells
    return next(
        (row_texts(table.widget, r) for r in range(len(table)) if table.key_at(r) is stats), None
    )


def number(text: str) -> float:
    return float(text.lstrip("≥ ").replace(",", ""))


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
        state, _age, awaiting, _busy = table_rows(panel)[name]
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
        assert not any(state == "running" for state, *_ in rows.values())
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
        age = table_rows(panel)["tasks: hidden meanwhile"][1]
        assert not age.startswith("≥ ") and float(age) >= 0.5, "accounted: exact, from creation"

    run(scenario())


def test_ages_of_tasks_not_accounted_are_lower_bounds(window, run):
    async def scenario() -> None:
        panel = window.show_panel("tasks")
        window.show_panel("blocking")
        panel.accounting.disable()
        try:
            panel.spawn(asyncio.Event().wait(), "plain meanwhile")
        finally:
            panel.accounting.enable()
        window.show_panel("tasks")
        assert table_rows(panel)["tasks: plain meanwhile"][1].startswith("≥ ")
        assert row_of(panel, "tasks: plain meanwhile")["steps"] == "—"

    run(scenario())


# Handler times in wall time: a repaint took 627 ms beside a second suite.
@pytest.mark.no_outside_load
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
    # A 0.2 s blocking sleep: never less; quiet 0.20-0.21 s, but beside a second suite a
    # 0.3 s sleep took 2.5 s (the thread waits for a CPU after it).
    assert 0.19 <= took < 5.0, line
    assert any(bar.lane == 1 and 0.19 <= bar.duration < 5.0 for bar in panel.slow_bars)
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


def source_line(function: object, text: str) -> int:
    """The line number of the first line of `function` containing `text`."""
    lines, first = inspect.getsourcelines(function)  # type: ignore[arg-type]
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_a_slow_task_step_is_named_by_task_and_line_without_debug_mode(window, run):
    panel: TasksPanel = window.show_panel("tasks")
    log = panel.findChild(QtWidgets.QPlainTextEdit, "slowCallbackLog")
    assert not window.loop.get_debug()
    line = source_line(one_slow_step, "await asyncio.sleep(0)") + 2  # the second await
    where = f"one_slow_step (task_inspection.py:{line})"
    name = "tasks: one slow step"

    async def scenario() -> None:
        panel.findChild(QtWidgets.QPushButton, "slowStepButton").click()
        await wait_until(lambda: f"task {name!r} step took" in log.toPlainText(), what="log")
        panel.findChild(QtWidgets.QTabWidget, "tasksTabs").setCurrentIndex(1)
        finished = "finishedTasksTable"
        await wait_until(lambda: any(
            panel.findChild(QtWidgets.QTableWidget, finished).item(r, 0).text() == name
            for r in range(panel.findChild(QtWidgets.QTableWidget, finished).rowCount())
        ), what="the finished row")  # fmt: skip

    run(scenario())
    entry = next(x for x in log.toPlainText().splitlines() if f"task {name!r}" in x)
    took = re.search(r"step took (\d+) ms at (.*)$", entry)
    # 0.2 s of blocking: quiet 200-210 ms; a busy machine's CPU waits can add seconds.
    assert took is not None and 190 <= int(took.group(1)) < 5000, entry
    assert took.group(2) == where
    assert not window.loop.get_debug(), "no debug mode needed"
    row = row_of(panel, name, "finishedTasksTable")
    assert row["outcome"] == "finished"
    assert number(row["busy ms"]) >= 190 and number(row["slowest ms"]) >= 190, row
    assert row["slowest step at"] == where
    assert row["created at"].startswith("run_slow_step (debug.py:"), row
    assert row["steps"] == "3"
    assert any(bar.lane == 1 and bar.duration >= 0.19 for bar in panel.slow_bars)


def test_the_finished_table_names_the_canceller_and_the_creation_site(window, run):
    panel: TasksPanel = window.show_panel("tasks")
    name = "tasks: example sleeper"

    async def scenario() -> dict[str, str]:
        panel.findChild(QtWidgets.QPushButton, "demoTasksButton").click()
        await wait_until(lambda: table_rows(panel).get(name, [""])[0] == "pending")
        sleeper = next(task for task in panel.table.examples if task.get_name() == name)
        select_task(panel, name)
        click_for_real(panel.findChild(QtWidgets.QPushButton, "cancelTaskButton"))
        await wait_until(lambda: table_rows(panel)[name][0] == "cancelled", what="cancelled")
        state = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
        tip = next(
            state.item(r, 1).toolTip()
            for r in range(state.rowCount())
            if state.item(r, 0).text() == name
        )
        assert tip.startswith("cancelled by cancel_selected (table.py:"), tip
        panel.findChild(QtWidgets.QTabWidget, "tasksTabs").setCurrentIndex(1)
        return await wait_until(lambda: finished_row(panel, sleeper), what="its finished row")

    row = run(scenario())
    cancel_line = source_line(TableSection.cancel_selected, "task.cancel(")
    assert row["outcome"] == "cancelled"
    assert row["cancelled by"] == (
        f"cancel_selected (table.py:{cancel_line}), outside any task (a Qt handler or a callback)"
    )
    spawn_line = source_line(TableSection.start_examples, "example_sleeper()")
    assert row["created at"] == f"start_examples (table.py:{spawn_line})"


def test_columns_sort_numerically_and_the_sort_survives_refreshes(window, run):
    panel: TasksPanel = window.show_panel("tasks")
    table = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
    busy_column = 5
    assert table.horizontalHeaderItem(busy_column).text() == "busy ms"

    async def busy_then_wait(seconds: float) -> None:
        await asyncio.sleep(0)
        time.sleep(seconds)  # busy in one step
        await asyncio.Event().wait()

    async def scenario() -> None:
        for index, seconds in enumerate((0.012, 0.12, 0.03)):
            panel.spawn(busy_then_wait(seconds), f"busy {index}")
        await wait_until(lambda: all(
            number(table_rows(panel).get(f"tasks: busy {i}", ["", "", "", "0"])[3]) > 10
            for i in range(3)
        ), what="busy rows")  # fmt: skip
        table.sortByColumn(busy_column, QtCore.Qt.SortOrder.DescendingOrder)
        started = window.monitor.stats().samples
        await wait_until(lambda: window.monitor.stats().samples >= started + 6, what="refreshes")

    run(scenario())
    column = [table.item(r, busy_column).text() for r in range(table.rowCount())]
    values = [number(text) for text in column if text != "—"]
    assert values == sorted(values, reverse=True), column
    assert table.item(0, 0).text() == "tasks: busy 1", "120 ms is the busiest"
    assert values[0] >= 120


def test_refresh_stays_cheap_with_600_tasks(window, run):
    """Issue 17: one refresh cost 4.1 s at 601 tasks; it must stay far below its 250 ms."""
    panel: TasksPanel = window.show_panel("tasks")
    window.resize(1600, 1000)
    event = asyncio.Event()

    def cpu_of_refresh() -> float:
        """CPU time of the GUI thread for one refresh: what other processes do on this
        machine does not count (wall time is `panel.table.last_refresh_s`)."""
        started = time.thread_time()
        panel.refresh()
        return time.thread_time() - started

    async def scenario() -> tuple[float, list[float]]:
        tasks = [panel.spawn(event.wait(), f"load {n}") for n in range(600)]
        await asyncio.sleep(0.05)
        first = cpu_of_refresh()
        costs = []
        for _ in range(5):
            await asyncio.sleep(0.05)
            costs.append(cpu_of_refresh())
        assert panel.findChild(QtWidgets.QTableWidget, "tasksTable").rowCount() >= 600
        event.set()
        await asyncio.gather(*tasks)
        return first, costs

    first, costs = run(scenario())
    assert first < 2.0, f"adding 600 rows took {first:.3f} s"
    assert statistics.median(costs) < 0.1, costs


def test_the_table_shows_at_least_8_rows_at_1600_by_1000(window, run):
    window.resize(1600, 1000)
    panel: TasksPanel = window.show_panel("tasks")

    async def scenario() -> None:
        await wait_until(lambda: panel.isVisible(), what="shown")
        await asyncio.sleep(0.1)

    run(scenario())
    table = panel.findChild(QtWidgets.QTableWidget, "tasksTable")
    rows = table.viewport().height() / table.verticalHeader().defaultSectionSize()
    assert rows >= 8, rows


@pytest.mark.parametrize("point_size", [9, 14, 20])
def test_the_trace_axis_never_overlaps_its_lanes(qapp, point_size: int):
    timeline = TraceTimeline(["lane one", "lane two"], 10.0)
    font = timeline.font()
    font.setPointSize(point_size)
    timeline.setFont(font)
    timeline.resize(600, timeline.minimumSizeHint().height())
    lanes, axis = timeline.layout_rects()
    assert axis.bottom() <= timeline.height()
    for title, lane in lanes:
        assert title.bottom() <= lane.top() and lane.bottom() <= axis.top(), (title, lane, axis)
        assert lane.height() >= 10
    for (_, upper), (lower_title, _) in itertools.pairwise(lanes):
        assert upper.bottom() <= lower_title.top()


def test_the_awaited_by_tree_shows_a_family_and_a_cycle_that_can_be_ended(window, run):
    panel: TasksPanel = window.show_panel("tasks")
    tree = panel.findChild(QtWidgets.QTreeWidget, "awaitTree")
    cycle_button = panel.findChild(QtWidgets.QPushButton, "cycleButton")
    end_button = panel.findChild(QtWidgets.QPushButton, "endCycleButton")

    def texts() -> list[str]:
        found: list[str] = []

        def visit(item: QtWidgets.QTreeWidgetItem, depth: int) -> None:
            found.append("  " * depth + item.text(0) + " | " + item.text(2))
            for index in range(item.childCount()):
                visit(item.child(index), depth + 1)

        for index in range(tree.topLevelItemCount()):
            visit(tree.topLevelItem(index), 0)
        return found

    async def scenario() -> None:
        panel.findChild(QtWidgets.QTabWidget, "tasksTabs").setCurrentIndex(2)
        panel.findChild(QtWidgets.QPushButton, "familyButton").click()
        cycle_button.click()
        assert not cycle_button.isEnabled() and end_button.isEnabled()
        await wait_until(lambda: any("↻" in line for line in texts()), what="the cycle")
        grandchild = "    task 'family: grandchild 1'  (+ 1 future) | gather"
        await wait_until(lambda: grandchild in texts(), what="the family")
        lines = texts()
        assert "task 'tasks: cycle: A' | " in lines
        assert "  task 'tasks: cycle: B' | asyncio.wait" in lines
        cycle = next(line for line in lines if "↻" in line)
        assert cycle == "    ↻ task 'tasks: cycle: A' (cycle) | asyncio.wait", cycle
        assert "  task 'family: gathering child' | TaskGroup" in lines
        assert "cycle(s)" in panel.findChild(QtWidgets.QLabel, "awaitTreeLabel").text()
        end_button.click()
        await wait_until(lambda: not any("↻" in line for line in texts()), what="cycle gone")
        assert cycle_button.isEnabled() and not end_button.isEnabled()
        names = {task.get_name(): task for task in panel.tasks}
        assert "tasks: cycle: A" not in names and "tasks: cycle: B" not in names, "both ended"
        panel.await_tree.family.cancel()

    run(scenario())


def test_example_tasks_are_bounded_to_three(window, run):
    panel: TasksPanel = window.show_panel("tasks")
    button = panel.findChild(QtWidgets.QPushButton, "demoTasksButton")

    async def scenario() -> None:
        for _ in range(3):
            button.click()
            await asyncio.sleep(0.05)
        examples = [t for t in panel.tasks if "example" in t.get_name() and not t.done()]
        assert len(examples) == 3, examples
        for task in examples:
            task.cancel()

    run(scenario())


def test_every_column_title_fits_at_zoom_one_and_a_half(window, run):
    """The tables' widths were fixed in pixels: at zoom 1.5 "busy ms" read "usy m"."""
    panel = window.show_panel("tasks")

    async def widths_at(zoom: float) -> list[tuple[str, int, int]]:
        window.set_zoom(zoom)
        await asyncio.sleep(0)  # the FontChange events are sent at once; one turn to be sure
        cut = []
        for table in panel.findChildren(QtWidgets.QTableWidget):
            header = table.horizontalHeader()
            metrics = header.fontMetrics()
            for index in range(table.columnCount()):
                item = table.horizontalHeaderItem(index)
                title = item.text() if item is not None else ""
                if header.sectionSize(index) < metrics.horizontalAdvance(title):
                    cut.append((title, header.sectionSize(index), zoom))
        return cut

    try:
        assert run(widths_at(1.5)) == []
    finally:
        window.set_zoom(1.0)
