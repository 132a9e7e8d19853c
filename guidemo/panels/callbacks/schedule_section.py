"""The scheduling section: buttons that ask the loop to call a plain function, and a table
of when each call was asked for and when it really ran."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.scheduling import (
    ScheduledCall,
    schedule_at,
    schedule_from_thread,
    schedule_later,
    schedule_soon,
)
from guidemo.loop import loop_name
from guidemo.panels.callbacks.call_log import (
    COLUMNS,
    ERROR_COLUMN,
    NUMBER_COLUMNS,
    CallLog,
    cancellable,
    row_cells,
)
from guidemo.widgets import kit
from guidemo.widgets.kit import make_button
from guidemo.widgets.palette import BAD, MUTED
from guidemo.widgets.source_marks import scroll_to_definition
from guidemo.widgets.source_view import SourceView

KINDS = {  # button -> what it schedules
    "callSoonButton": "call_soon",
    "callLaterButton": "call_later",
    "callAtButton": "call_at",
    "threadsafeButton": "call_soon_threadsafe",
}
SOURCES: dict[str, Callable[..., object]] = {  # what each kind runs, to scroll the source to
    "call_soon": schedule_soon,
    "call_later": schedule_later,
    "call_at": schedule_at,
    "call_soon_threadsafe": schedule_from_thread,
}
LOOP_NOTES = {
    "guidemo": "guidemo's loop: a timer is never early, only (a little) late.",
    "qasync": "stock qasync: its Qt timers can fire up to ~50 ms early.",
}


class ScheduleSection(QtWidgets.QGroupBox):
    """Schedules callbacks of each kind on the running loop and shows how each went."""

    def __init__(self, source_view: SourceView) -> None:
        super().__init__("Ask the loop to call a plain function")
        self.log = CallLog()
        self._source_view = source_view
        self._rows: dict[int, int] = {}  # call number -> table row
        self._stop_threads = threading.Event()
        self._threads: list[threading.Thread] = []
        self._build()

    def _build(self) -> None:
        self.delay_spin = kit.spin(
            "delaySpin",
            0,
            10_000,
            500,
            "Delay for call_later and call_at, and how long the worker thread works before "
            "call_soon_threadsafe (call_soon has none)",
            suffix=" ms",
        )
        self.delay_spin.setSingleStep(100)
        tips = {
            "callSoonButton": "Run the callback as soon as the loop gets to it",
            "callLaterButton": "Run the callback after the delay",
            "callAtButton": "Run the callback at loop.time() + delay",
            "threadsafeButton": (
                "A worker thread works for the delay, then hands the loop the callback"
            ),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, kind in KINDS.items():
            button = make_button(kind, name, tips[name])
            button.setStyleSheet("font-family: monospace;")
            button.clicked.connect(lambda _=False, k=kind: self.schedule(k))
            self.buttons[name] = button
        self.buttons["allKindsButton"] = make_button(
            "All kinds at once",
            "allKindsButton",
            "call_later(delay), call_at(now + delay/2), call_soon, a thread's "
            "call_soon_threadsafe and call_soon again, in that order: see the order they run",
            slot=self.schedule_all_kinds,
        )
        self.buttons["cancelHandleButton"] = make_button(
            "Cancel a pending handle",
            "cancelHandleButton",
            "handle.cancel() on the selected pending call, or else the newest one",
            slot=self.cancel_handle,
        )
        self.buttons["cancelHandleButton"].setEnabled(False)
        self.buttons["clearCallsButton"] = make_button(
            "Clear", "clearCallsButton", "Clear the table (pending calls still run)", self._clear
        )

        self.table = kit.table(
            "callbacksTable",
            COLUMNS,
            "Every scheduled callback: the loop.time() asked for, when it really ran, the error "
            "(late +, early -), the order it ran in, its threads, and its state",
        )
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.summary = kit.label(
            "",
            "callbacksSummaryLabel",
            "What the measured errors say, and which loop this is",
            True,
        )
        self._summarize()

        kind_buttons = [self.buttons[name] for name in KINDS]
        other = ("allKindsButton", "cancelHandleButton", "clearCallsButton")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(kit.row("Delay:", self.delay_spin, *kind_buttons, stretch=False))
        layout.addLayout(kit.row(*(self.buttons[name] for name in other)))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    # --- scheduling ----------------------------------------------------------------------------
    def schedule(self, kind: str, delay_s: float | None = None) -> ScheduledCall:
        """Schedule one callback of `kind` and add its row."""
        loop = asyncio.get_running_loop()
        delay = self.delay_spin.value() / 1000 if delay_s is None else delay_s
        call = self.log.new_call(kind, loop.time())
        done = self._ran
        if kind == "call_soon":
            call.handle = schedule_soon(loop, call, done)
        elif kind == "call_later":
            call.handle = schedule_later(loop, delay, call, done)
        elif kind == "call_at":
            call.handle = schedule_at(loop, delay, call, done)
        else:
            call.state = "thread working"
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            self._threads.append(schedule_from_thread(loop, delay, call, done, self._stop_threads))
        self._add_row(call)
        scroll_to_definition(self._source_view, SOURCES[kind])
        return call

    def schedule_all_kinds(self) -> None:
        delay = self.delay_spin.value() / 1000
        self.schedule("call_later", delay)
        self.schedule("call_at", delay / 2)
        self.schedule("call_soon")
        self.schedule("call_soon_threadsafe", 0.0)
        self.schedule("call_soon")

    def cancel_handle(self) -> None:
        """Cancel the selected pending call, or else the newest pending one."""
        pending = self.log.cancellable()
        selected = {self._number_at(index.row()) for index in self.table.selectedIndexes()}
        chosen = [call for call in pending if call.number in selected] or pending[-1:]
        for call in chosen:
            self.log.cancel(call)
            self._update_row(call)
        self._summarize()

    def _ran(self, call: ScheduledCall) -> None:
        """`done` of every callback: runs in the loop's thread, right after it noted the time."""
        self.log.ran(call)
        self._update_row(call)
        self._summarize()

    def stop(self) -> None:
        """Tell worker threads to stop waiting, and cancel every pending handle."""
        self._stop_threads.set()
        for call in self.log.cancellable():
            self.log.cancel(call)

    def join_threads(self, timeout: float = 1.0) -> None:
        for thread in self._threads:
            thread.join(timeout=timeout)

    # --- the table -----------------------------------------------------------------------------
    def _number_at(self, row: int) -> int:
        item = self.table.item(row, 0)
        return int(item.text()) if item is not None else -1

    def _add_row(self, call: ScheduledCall) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._rows[call.number] = row
        self._update_row(call)
        self.table.scrollToBottom()

    def _update_row(self, call: ScheduledCall) -> None:
        row = self._rows.get(call.number)
        if row is None:
            return
        early = call.error_ms < 0  # False while it has not run (nan)
        for column, text in enumerate(row_cells(call, self.log.t0 or 0.0)):
            item = QtWidgets.QTableWidgetItem(text)
            if column in NUMBER_COLUMNS:
                item.setTextAlignment(
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
                )
            if early and column == ERROR_COLUMN:
                item.setForeground(QtGui.QColor(BAD))
            if call.state == "cancelled":
                item.setForeground(QtGui.QColor(MUTED))
            self.table.setItem(row, column, item)
        self.buttons["cancelHandleButton"].setEnabled(any(map(cancellable, self.log.calls)))

    def _summarize(self) -> None:
        try:
            kind = loop_name(asyncio.get_running_loop())
        except RuntimeError:
            kind = "?"
        note = LOOP_NOTES.get(kind, "")
        errors = self.log.errors_ms()
        if not errors:
            text = f"Loop: <b>{kind}</b>. {note} Schedule something: each call is a row."
        else:
            early = [error for error in errors if error < 0]
            text = (
                f"{len(errors)} ran; error from <b>{min(errors):+.2f}</b> to "
                f"<b>{max(errors):+.2f} ms</b>"
            )
            if early:
                text += f", <b style='color:{BAD}'>{len(early)} EARLY</b>"
            cancelled = self.log.cancelled_count()
            text += f"; {cancelled} cancelled (never ran). Loop: <b>{kind}</b>. {note}"
        self.summary.setText(text)

    def _clear(self) -> None:
        """Forget the calls that are over; pending ones keep their rows."""
        self.log.forget_finished()
        self.table.setRowCount(0)
        self._rows.clear()
        for call in self.log.calls:
            self._add_row(call)
        self._summarize()
