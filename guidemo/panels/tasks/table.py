"""The `tasks` panel's table: asyncio.all_tasks(), where each task waits, and Cancel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6 import QtGui, QtWidgets

from guidemo.lessons.task_inspection import (
    awaiting_chain,
    example_reader,
    example_sleeper,
    example_waiter,
    task_state,
)
from guidemo.panels.tasks.task_rows import Task, TaskRows
from guidemo.widgets.kit import label, make_button, row, table
from guidemo.widgets.palette import MUTED

Spawn = Callable[[Coroutine[Any, Any, Any], str], Task]


class TaskTable(QtWidgets.QWidget):
    """One row per task of the loop, kept in place (and the selection with it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, spawn: Spawn) -> None:
        super().__init__()
        self.loop, self.spawn = loop, spawn
        self.rows = TaskRows()
        self._count_text = ""
        self._note = ""
        self._example_event = asyncio.Event()
        self._example_queue: asyncio.Queue[int] = asyncio.Queue()

        self.demo_button = make_button(
            "Start 3 example tasks",
            "demoTasksButton",
            "Starts a sleeper, an Event waiter and a Queue reader, to look at and cancel",
            self.start_examples,
        )
        self.cancel_button = make_button(
            "Cancel selected task",
            "cancelTaskButton",
            "Calls task.cancel() on the selected task(s): CancelledError is raised inside "
            "it at its next await",
            self.cancel_selected,
        )
        self.summary_label = label(
            "", "tasksSummaryLabel", "How many tasks the loop has, and what the last action did"
        )
        self.table = table(
            "tasksTable",
            ["task", "state", "age s", "awaiting (outer → inner)"],
            "asyncio.all_tasks(), refreshed 4 times a second while this panel is visible. "
            "Select a row and press Cancel. Age counts from when this panel first saw the "
            "task (≥: it already existed then)",
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 230)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = row(self.demo_button, self.cancel_button, stretch=False)
        buttons.addWidget(self.summary_label, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def refresh(self, now: float | None = None) -> None:
        """Bring the table up to date with asyncio.all_tasks(), keeping rows (and the
        selection) in place; finished tasks stay a moment, greyed, then go."""
        now = time.perf_counter() if now is None else now
        live = asyncio.all_tasks(self.loop)
        removed, added = self.rows.update(live, now)
        for index in removed:
            self.table.removeRow(index)
        for _ in range(added):
            self.table.insertRow(self.table.rowCount())
        for index, task in enumerate(self.rows.tasks):
            self._show_row(index, task, now)
        panel_tasks = sum(": " in task.get_name() for task in live)
        self._count_text = f"<b>{len(live)}</b> tasks in the loop, {panel_tasks} started by panels"
        self.set_summary(self._note)

    def drop_finished(self) -> None:
        for index in self.rows.drop_finished():
            self.table.removeRow(index)

    def _show_row(self, index: int, task: Task, now: float) -> None:
        age, uncertain = self.rows.age(task, now)
        chain = awaiting_chain(task) if not task.done() else []
        texts = [
            task.get_name(),
            task_state(task),
            f"{'≥ ' if uncertain else ''}{age:.1f}",
            " → ".join(name for name, _ in chain) or "—",
        ]
        tip = "\n".join(f"{name}  {where}" for name, where in chain)
        grey = QtGui.QColor(MUTED) if task.done() else None
        for column, text in enumerate(texts):
            item = self.table.item(index, column)
            if item is None:
                item = QtWidgets.QTableWidgetItem()
                self.table.setItem(index, column, item)
            if item.text() != text:
                item.setText(text)
            if column == 3 and item.toolTip() != tip:
                item.setToolTip(tip)
            if grey is not None:
                item.setForeground(grey)

    def selected_tasks(self) -> list[Task]:
        selected = {index.row() for index in self.table.selectionModel().selectedRows()}
        tasks = self.rows.tasks
        return [tasks[index] for index in sorted(selected) if index < len(tasks)]

    def cancel_selected(self) -> None:
        tasks = [task for task in self.selected_tasks() if not task.done()]
        if not tasks:
            self.set_summary("Select a task that is still pending first.")
            return
        for task in tasks:
            task.cancel("cancelled from the tasks panel")
        names = ", ".join(repr(task.get_name()) for task in tasks)
        self.set_summary(
            f"cancel() called on {names}: CancelledError is raised inside it at its await."
        )
        self.refresh()

    def start_examples(self) -> None:
        self.spawn(example_sleeper(), "example sleeper")
        self.spawn(example_waiter(self._example_event), "example Event waiter")
        self.spawn(example_reader(self._example_queue), "example Queue reader")
        self.refresh()

    def set_summary(self, note: str) -> None:
        """The task count, then what the last action did."""
        self._note = note
        self.summary_label.setText(" · ".join(p for p in (self._count_text, note) if p))
