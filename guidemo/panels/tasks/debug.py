"""The `tasks` panel's slow steps: each one named by task and line (from the per-task
accounting, no debug mode needed), and asyncio's debug mode beside it, whose warnings
also catch slow plain callbacks (which belong to no task)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from PySide6 import QtCore

from guidemo.lessons.debug_mode import capture_debug_warnings, schedule_slow_callback
from guidemo.lessons.handler_trace import TraceBar
from guidemo.lessons.task_inspection import one_slow_step
from guidemo.panels.section import Host, Section
from guidemo.task_accounting import TaskAccounting
from guidemo.widgets.kit import check, flow, log_view, make_button, spin

SLOW_CALLBACK_S = 0.2


class LogRecords(QtCore.QObject):
    record = QtCore.Signal(object)  # a logging.LogRecord, delivered in the GUI thread


class PanelLogHandler(logging.Handler):
    """Hands log records to the GUI thread through a Qt signal (safe from any thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.bridge = LogRecords()

    def emit(self, record: logging.LogRecord) -> None:
        self.bridge.record.emit(record)


class DebugSection(Section):
    """Slow steps from the accounting, debug mode on and off, one threshold for both, a
    deliberately slow task step and a deliberately slow callback, and the log.

    Each slow step (and each "Executing ... took N seconds" warning) also becomes a bar
    in `slow_bars`, for the trace's lower lane; `on_slow_bar` is called after one is added.
    """

    title = "Slow steps and asyncio's debug mode"

    def __init__(
        self,
        host: Host,
        loop: asyncio.AbstractEventLoop,
        accounting: TaskAccounting,
        slow_bars: deque[TraceBar],
        on_slow_bar: Callable[[], None],
    ) -> None:
        super().__init__(host)
        self.loop, self.accounting = loop, accounting
        self.slow_bars, self.on_slow_bar = slow_bars, on_slow_bar
        self._restore_debug: Callable[[], None] | None = None
        self._slow_seen = 0  # accounting.slow_count already logged
        self.log_handler = PanelLogHandler()
        self.log_handler.bridge.record.connect(self._on_log_record)

        self.threshold_spin = spin(
            "slowThresholdSpin",
            10,
            2000,
            round(accounting.slow_step_s * 1000),
            "A task step or (in debug mode) a callback that holds the loop longer is slow",
            " ms",
        )
        self.threshold_spin.setSingleStep(10)
        self.threshold_spin.valueChanged.connect(self._threshold_changed)
        self.step_button = make_button(
            f"Run a {SLOW_CALLBACK_S:g} s task step",
            "slowStepButton",
            f"Start a task that blocks the loop for {SLOW_CALLBACK_S:g} s in one step: the "
            "accounting names the task and the line, debug mode or not",
            self.run_slow_step,
        )
        self.slow_button = make_button(
            f"Run a {SLOW_CALLBACK_S:g} s callback",
            "slowCallbackButton",
            f"loop.call_soon() a callback that blocks for {SLOW_CALLBACK_S:g} s: no task "
            "runs it, so only debug mode sees it",
            self.run_slow_callback,
        )
        self.debug_check = check(
            "asyncio debug mode",
            "debugModeCheck",
            "loop.set_debug(True): the loop times each callback and warns about slow ones; "
            "the warnings appear below instead of on stderr",
        )
        self.debug_check.toggled.connect(self.set_debug_mode)
        self.slow_log = log_view(
            "slowCallbackLog",
            "Slow task steps (from the per-task accounting) and what asyncio's logger said "
            "while debug mode was on",
            "Slow task steps appear here, named by task and line; turn on debug mode to "
            "see asyncio's own warnings too",
            max_lines=200,
        )
        self.slow_log.setMinimumHeight(5 * self.fontMetrics().height())

        self.lay_out(
            flow(
                ("slow above", self.threshold_spin),
                self.step_button,
                self.slow_button,
                self.debug_check,
            ),
            (self.slow_log, 1),
            top=0,
        )

    def poll(self) -> None:
        """Log the slow steps the accounting saw since the last look, as trace bars too."""
        new = self.accounting.slow_count - self._slow_seen
        if new <= 0:
            return
        self._slow_seen = self.accounting.slow_count
        steps = list(self.accounting.slow_steps)[-new:]
        for step in steps:
            self._log_line(step.describe(), step.wall)
            self.slow_bars.append(TraceBar(step.started, step.duration, step.describe(), 1))
        self.on_slow_bar()

    def run_slow_step(self) -> None:
        self.host.spawn(one_slow_step(SLOW_CALLBACK_S), "one slow step")

    def set_debug_mode(self, on: bool) -> None:
        if on and self._restore_debug is None:
            threshold = self.threshold_spin.value() / 1000
            self._restore_debug = capture_debug_warnings(self.loop, threshold, self.log_handler)
            self._log_line(f"debug mode on: callbacks slower than {threshold * 1000:.0f} ms warn")
        elif not on and self._restore_debug is not None:
            self.restore()
            self._log_line("debug mode off")

    def restore(self) -> None:
        """Put the loop's debug settings and the loggers back as they were."""
        if self._restore_debug is not None:
            self._restore_debug()
            self._restore_debug = None

    async def stop(self) -> None:
        self.restore()

    def _threshold_changed(self, value_ms: int) -> None:
        self.accounting.slow_step_s = value_ms / 1000
        if self._restore_debug is not None:
            self.loop.slow_callback_duration = value_ms / 1000

    def run_slow_callback(self) -> None:
        schedule_slow_callback(self.loop, SLOW_CALLBACK_S)

    def _on_log_record(self, record: logging.LogRecord) -> None:
        self._log_line(f"debug mode: {record.getMessage()}", record.created)
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg == "Executing %s took %.3f seconds" and len(args) == 2:
            took = args[1]
            if isinstance(took, int | float):
                ended = time.perf_counter() - (time.time() - record.created)
                self.slow_bars.append(TraceBar(ended - took, float(took), str(args[0]), 1))
                self.on_slow_bar()

    def _log_line(self, text: str, when: float | None = None) -> None:
        clock = time.strftime("%H:%M:%S", time.localtime(when))
        self.slow_log.appendPlainText(f"{clock}  {text}")
