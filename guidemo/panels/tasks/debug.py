"""The `tasks` panel's debug-mode row: asyncio's slow-callback warnings, shown in the panel."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from guidemo.lessons.debug_mode import capture_debug_warnings, schedule_slow_callback
from guidemo.lessons.handler_trace import TraceBar
from guidemo.widgets.kit import check, log_view, make_button, row, spin

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


class DebugSection(QtWidgets.QWidget):
    """Debug mode on and off, its threshold, a deliberately slow callback, and the log.

    Each "Executing ... took N seconds" warning also becomes a bar in `slow_bars`, for
    the trace's lower lane; `on_slow_bar` is called after one is added.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        slow_bars: deque[TraceBar],
        on_slow_bar: Callable[[], None],
    ) -> None:
        super().__init__()
        self.loop, self.slow_bars, self.on_slow_bar = loop, slow_bars, on_slow_bar
        self._restore_debug: Callable[[], None] | None = None
        self.log_handler = PanelLogHandler()
        self.log_handler.bridge.record.connect(self._on_log_record)

        self.debug_check = check(
            "asyncio debug mode",
            "debugModeCheck",
            "loop.set_debug(True): the loop times each callback and warns about slow ones; "
            "the warnings appear below instead of on stderr",
        )
        self.debug_check.toggled.connect(self.set_debug_mode)
        self.threshold_spin = spin(
            "slowThresholdSpin",
            10,
            2000,
            50,
            "loop.slow_callback_duration: warn about callbacks slower",
            " ms",
        )
        self.threshold_spin.setSingleStep(10)
        self.threshold_spin.valueChanged.connect(self._threshold_changed)
        self.slow_button = make_button(
            f"Run a {SLOW_CALLBACK_S:g} s callback",
            "slowCallbackButton",
            f"loop.call_soon() a callback that blocks for {SLOW_CALLBACK_S:g} s",
            self.run_slow_callback,
        )
        self.slow_log = log_view(
            "slowCallbackLog",
            "What the asyncio logger said while debug mode was on",
            "Turn on debug mode: asyncio's warnings about slow callbacks appear here",
            max_lines=200,
        )

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(
            row(self.debug_check, "warn above", self.threshold_spin, self.slow_button, None)
        )
        layout.addWidget(self.slow_log, 1)

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

    def _threshold_changed(self, value_ms: int) -> None:
        if self._restore_debug is not None:
            self.loop.slow_callback_duration = value_ms / 1000

    def run_slow_callback(self) -> None:
        schedule_slow_callback(self.loop, SLOW_CALLBACK_S)

    def _on_log_record(self, record: logging.LogRecord) -> None:
        self._log_line(record.getMessage(), record.created)
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
