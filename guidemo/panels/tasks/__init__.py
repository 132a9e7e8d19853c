"""Panel `tasks`: what is the event loop doing right now, and where did its time go? Its
tasks, each with what it awaits and its per-task accounting (steps, busy, waited, idle,
slowest step, creation site, canceller); the tasks that ended; who waits for whom; a
trace of the handlers the GUI thread ran; slow steps named by task and line, and
asyncio's own debug mode.

One module per section (`table`, `finished`, `await_tree`, `trace`, `debug`); the code
they show is the lessons `task_inspection`, `task_graph`, `handler_trace` and
`debug_mode`, and the accounting's step (guidemo.task_accounting).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import ClassVar

from PySide6 import QtCore, QtGui

from guidemo.lessons.debug_mode import capture_debug_warnings, schedule_slow_callback
from guidemo.lessons.handler_trace import HandlerTracer, TraceBar
from guidemo.lessons.task_graph import example_family, start_cycle, wait_for_partner, waits_for
from guidemo.lessons.task_inspection import (
    awaiting_chain,
    example_reader,
    example_sleeper,
    example_waiter,
    one_slow_step,
    task_state,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.section import SectionsPanel
from guidemo.panels.tasks.await_tree import AwaitTreeSection
from guidemo.panels.tasks.debug import DebugSection
from guidemo.panels.tasks.finished import FinishedSection
from guidemo.panels.tasks.table import TableSection
from guidemo.panels.tasks.trace import TraceSection
from guidemo.task_accounting import TaskAccounting, TaskStats, creation_helper
from guidemo.widgets.kit import column

REFRESH_MS = 250  # the visible tab and the timeline, 4 times a second, only while visible
creation_helper(Panel.spawn)  # a task a panel spawns was created where spawn() was called


class TasksPanel(SectionsPanel):
    slug = "tasks"
    title = "Tasks, trace and debug mode"
    sources = (
        task_state,
        awaiting_chain,
        TaskStats.__next__,
        waits_for,
        wait_for_partner,
        start_cycle,
        one_slow_step,
        HandlerTracer,
        capture_debug_warnings,
        schedule_slow_callback,
        example_sleeper,
        example_waiter,
        example_reader,
        example_family,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "familyButton": example_family,
        "cycleButton": start_cycle,
        "slowStepButton": one_slow_step,
        "slowCallbackButton": schedule_slow_callback,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.loop = asyncio.get_running_loop()
        self.accounting = context.accounting or TaskAccounting.of(self.loop)
        self.tracer = HandlerTracer(self.loop)
        self.slow_bars: deque[TraceBar] = deque(maxlen=200)  # slow steps and callbacks
        self.table = TableSection(self, self.loop, self.accounting)
        self.finished = FinishedSection(self, self.accounting)
        self.await_tree = AwaitTreeSection(self, self.loop)
        self.trace = TraceSection(self, self.tracer, self.slow_bars)
        self.debug = DebugSection(
            self,
            self.loop,
            self.accounting,
            self.slow_bars,
            lambda: self.trace.redraw(time.perf_counter()),
        )
        self.sections = [self.table, self.finished, self.await_tree, self.trace, self.debug]
        self.log_handler = self.debug.log_handler
        self.tabs = self.tabs_of(
            "tasksTabs",
            "The loop's tasks now, the tasks that ended, and who waits for whom",
            self.sections[:3],
        )
        self.tabs.currentChanged.connect(lambda _index: self.refresh())
        self.set_controls(column((self.tabs, 3), (self.trace, 2), (self.debug, 1)))
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        """Bring the visible tab, the slow steps and the timeline up to date."""
        now = time.perf_counter()
        current = self.tabs.currentWidget()
        if current is self.table:
            self.table.refresh(now)
        elif current is self.finished:
            self.finished.refresh(now)
        elif current is self.await_tree:
            self.await_tree.refresh()
        self.debug.poll()
        self.trace.redraw(now)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.table.rows.fresh_look = True  # tasks seen now may be older: ages are "at least"
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()  # nobody looks: no need to spend CPU on it
        self.table.drop_finished()  # and keep no finished task alive

    async def stop_work(self) -> None:
        self._timer.stop()
        await super().stop_work()

    async def screenshot_demo(self) -> None:
        self.table.start_examples()
        self.await_tree.start_family()
        self.trace.trace_check.setChecked(True)
        self.debug.debug_check.setChecked(True)
        await asyncio.sleep(0.5)
        self.debug.run_slow_step()  # named by task and line: the accounting
        await asyncio.sleep(1.0)
        self.debug.run_slow_callback()  # no task runs it: only debug mode sees it
        await asyncio.sleep(1.0)
