"""The `tasks` panel's live table: asyncio.all_tasks() with where each task waits and where
its time went (per-task accounting), Cancel, and the example tasks."""

from __future__ import annotations

import asyncio
import time
from typing import cast

from PySide6 import QtCore

from guidemo.lessons.task_inspection import (
    EXAMPLE_S,
    awaiting_chain,
    example_reader,
    example_sleeper,
    example_waiter,
)
from guidemo.panels.section import Host, Section
from guidemo.panels.tasks.cell_table import CellTable
from guidemo.panels.tasks.task_rows import LIVE_COLUMNS, Task, TaskRows
from guidemo.task_accounting import TaskAccounting
from guidemo.widgets.kit import check, label, make_button, row

WIDTHS = (175, 75, 50, 250, 50, 60, 65, 70, 75, 190, 190)
PARKED_AFTER_MS = 300  # the examples have taken their first step by then
AWAITING, SHOW_AWAITING_AT = 3, 9  # shown after the numbers, so they fit on screen


class TableSection(Section):
    """One row per task of the loop, kept in place (and the selection with it) unless a
    column header is clicked to sort by it."""

    title = "Live tasks"

    def __init__(
        self, host: Host, loop: asyncio.AbstractEventLoop, accounting: TaskAccounting
    ) -> None:
        super().__init__(host)
        self.loop, self.accounting = loop, accounting
        self.rows = TaskRows()
        self.examples: list[Task] = []
        self.last_refresh_s = 0.0  # how long the last refresh took
        self._count_text = ""
        self._note = ""
        self._example_event = asyncio.Event()
        self._example_queue: asyncio.Queue[int] = asyncio.Queue()

        self.demo_button = make_button(
            "Start 3 example tasks",
            "demoTasksButton",
            "Starts a sleeper, an Event waiter and a Queue reader, to look at and cancel; "
            f"they end by themselves after {EXAMPLE_S:g} s, and a second click replaces them",
            self.start_examples,
        )
        self.cancel_button = make_button(
            "Cancel selected task",
            "cancelTaskButton",
            "Calls task.cancel() on the selected task(s): CancelledError is raised inside "
            "it at its next await",
            self.cancel_selected,
        )
        self.accounting_check = check(
            "Per-task accounting",
            "taskAccountingCheck",
            "Time every step of every task created while this is on (steps, busy, waited, "
            "idle, slowest step, creation site, canceller). Off: new tasks are plain "
            "asyncio tasks, and the accounted ones stop counting",
            checked=accounting.enabled,
        )
        self.accounting_check.toggled.connect(self.set_accounting)
        self.summary_label = label(
            "", "tasksSummaryLabel", "How many tasks the loop has, and what the last action did"
        )
        self.cells = CellTable(
            "tasksTable",
            LIVE_COLUMNS,
            "asyncio.all_tasks(), refreshed 4 times a second while this panel is visible. "
            "Select a row and press Cancel; click a column's header to sort by it (a third "
            "click: back to the order tasks came in). Hover a header for what it counts",
            WIDTHS,
        )
        self.table = self.cells.widget
        self.table.horizontalHeader().moveSection(AWAITING, SHOW_AWAITING_AT)

        buttons = row(self.demo_button, self.cancel_button, self.accounting_check, stretch=False)
        buttons.addWidget(self.summary_label, 1)
        self.lay_out(buttons, (self.table, 1), top=0)

    def refresh(self, now: float | None = None) -> None:
        """Bring the table up to date with asyncio.all_tasks(): rows added and removed,
        only the cells whose text changed rewritten; finished tasks stay a moment,
        greyed, then go (to the finished-tasks table)."""
        started = time.perf_counter()
        now = started if now is None else now
        live = asyncio.all_tasks(self.loop)
        removed, _added = self.rows.update(live, now)
        self.cells.begin()
        try:
            for task in removed:
                self.cells.remove(task)
            for task in self.rows.tasks:
                self.cells.show(task, self.rows.cells(task, now), grey=task.done())
        finally:
            self.cells.end()
        panel_tasks = sum(": " in task.get_name() for task in live)
        self._count_text = f"<b>{len(live)}</b> tasks in the loop, {panel_tasks} started by panels"
        self.set_summary(self._note)
        self.last_refresh_s = time.perf_counter() - started

    def drop_finished(self) -> None:
        for task in self.rows.drop_finished():
            self.cells.remove(task)

    def selected_tasks(self) -> list[Task]:
        return [cast(Task, key) for key in self.cells.selected_keys()]

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
        """Start the three example tasks, ending the previous three first: never more."""
        for task in self.examples:
            task.cancel()
        self.examples = [
            self.host.spawn(example_sleeper(), "example sleeper"),
            self.host.spawn(example_waiter(self._example_event), "example Event waiter"),
            self.host.spawn(example_reader(self._example_queue), "example Queue reader"),
        ]
        self.refresh()
        QtCore.QTimer.singleShot(PARKED_AFTER_MS, self, self._say_where_examples_wait)

    def _say_where_examples_wait(self) -> None:
        """Once the examples took their first step: where each one is parked."""
        parked = [
            f"{task.get_name().split(': ')[-1]} in {chain[-2][0]}()"
            for task in self.examples
            if not task.done() and len(chain := awaiting_chain(task)) >= 2
        ]
        if parked:
            self.set_summary(f"{len(parked)} examples parked, none running: " + "; ".join(parked))

    def set_accounting(self, on: bool) -> None:
        if on:
            self.accounting.enable()
            self.set_summary("Accounting on: tasks created from now on are accounted.")
        else:
            self.accounting.disable()
            self.set_summary("Accounting off: new tasks show —; the others stop counting (≥).")

    def set_summary(self, note: str) -> None:
        """The task count, then what the last action did."""
        self._note = note
        self.summary_label.setText(" · ".join(p for p in (self._count_text, note) if p))
