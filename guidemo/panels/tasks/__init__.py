"""Panel `tasks`: what is the event loop doing right now? Its tasks and what each one
awaits, a trace of the handlers the GUI thread ran, and asyncio's own debug mode.

Three sections, one module each (`table`, `trace`, `debug`); the code they show is the
lessons `task_inspection`, `handler_trace` and `debug_mode`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.debug_mode import capture_debug_warnings, schedule_slow_callback
from guidemo.lessons.handler_trace import HandlerTracer, TraceBar
from guidemo.lessons.task_inspection import (
    awaiting_chain,
    example_reader,
    example_sleeper,
    example_waiter,
    task_state,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.tasks.debug import DebugSection
from guidemo.panels.tasks.table import TaskTable
from guidemo.panels.tasks.trace import TraceSection

REFRESH_MS = 250  # the table and the timeline, 4 times a second, only while visible


class TasksPanel(Panel):
    slug = "tasks"
    title = "Tasks, trace and debug mode"
    sources = (
        task_state,
        awaiting_chain,
        HandlerTracer,
        capture_debug_warnings,
        schedule_slow_callback,
        example_sleeper,
        example_waiter,
        example_reader,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.loop = asyncio.get_running_loop()
        self.tracer = HandlerTracer(self.loop)
        self.slow_bars: deque[TraceBar] = deque(maxlen=200)  # from debug mode, for the trace
        self.table = TaskTable(self.loop, self.spawn)
        self.trace = TraceSection(self.tracer, self.slow_bars)
        self.debug = DebugSection(
            self.loop, self.slow_bars, lambda: self.trace.redraw(time.perf_counter())
        )
        self.log_handler = self.debug.log_handler

        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.trace, 2)
        layout.addWidget(self.debug, 1)
        self.set_controls(controls)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        now = time.perf_counter()
        self.table.refresh(now)
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
        self.tracer.stop()
        self.debug.restore()

    async def screenshot_demo(self) -> None:
        self.table.start_examples()
        self.trace.trace_check.setChecked(True)
        self.debug.debug_check.setChecked(True)
        await asyncio.sleep(1.0)
        self.debug.run_slow_callback()
        await asyncio.sleep(1.5)
