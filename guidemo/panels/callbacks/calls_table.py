"""The table of scheduled calls: one row per call, in the order they were scheduled.

Its cost per click stays flat however long the session: the columns have fixed widths
(measuring every row to fit them made a click cost 190 ms at 400 rows), a row is found
by bisecting the call numbers shown, and the log it draws is bounded.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.scheduling import ScheduledCall
from guidemo.panels.callbacks.call_log import (
    COLUMNS,
    ERROR_COLUMN,
    LATE_MS,
    NUMBER_COLUMNS,
    row_cells,
)
from guidemo.widgets import kit, palette

# The widest text each column usually holds: its width is set from these once (the thread
# column takes the room left).
WIDEST = ["999", "call_soon_threadsafe", "999.9999", "999.9999", "+999.99 EARLY", "99"]
WIDEST += ["", "cancelled"]  # the rare "RAN AFTER cancel()" is elided, whole in its tooltip
THREAD_COLUMN = 6
RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter


class CallsTable(QtWidgets.QTableWidget):
    """objectName `callbacksTable`: every call scheduled, with when it asked and when it ran."""

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        kit.named(
            self,
            "callbacksTable",
            "Every scheduled callback: the loop.time() asked for, when it really ran, the error "
            f"(late +, early -; over {LATE_MS} ms late: shaded), the order it ran in, the thread "
            "that asked (→ the one it ran in), and its state. The newest calls are kept",
        )
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(THREAD_COLUMN, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        metrics = self.fontMetrics()
        for column, (title, widest) in enumerate(zip(COLUMNS, WIDEST, strict=True)):
            width = max(metrics.horizontalAdvance(title), metrics.horizontalAdvance(widest))
            self.setColumnWidth(column, width + 16)
        self._numbers: list[int] = []  # the call number of each row, ascending

    def row_of(self, number: int) -> int | None:
        row = bisect.bisect_left(self._numbers, number)
        return row if row < len(self._numbers) and self._numbers[row] == number else None

    def number_at(self, row: int) -> int:
        return self._numbers[row] if 0 <= row < len(self._numbers) else -1

    def add(self, call: ScheduledCall, t0: float) -> None:
        """A row for `call` at the bottom (call numbers only grow)."""
        row = len(self._numbers)
        self._numbers.append(call.number)
        self.insertRow(row)
        self.show_call(call, t0)
        self.scrollToBottom()

    def show_call(self, call: ScheduledCall, t0: float) -> None:
        """Draw `call`'s row anew (if it still has one)."""
        row = self.row_of(call.number)
        if row is None:
            return
        early = call.error_ms < 0  # False while it has not run (nan)
        late = call.error_ms > LATE_MS
        for column, text in enumerate(row_cells(call, t0)):
            item = QtWidgets.QTableWidgetItem(text)
            if column >= THREAD_COLUMN:
                item.setToolTip(text)
            if column in NUMBER_COLUMNS:
                item.setTextAlignment(RIGHT)
            if early and column == ERROR_COLUMN:
                item.setForeground(QtGui.QColor(palette.BAD))
            if late:
                item.setBackground(QtGui.QColor(palette.LATE_BACKGROUND))
            if call.state == "cancelled":
                item.setForeground(QtGui.QColor(palette.MUTED))
            self.setItem(row, column, item)

    def remove(self, calls: Iterable[ScheduledCall]) -> None:
        """Take the rows of `calls` out."""
        for call in calls:
            row = self.row_of(call.number)
            if row is not None:
                self.removeRow(row)
                del self._numbers[row]

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self._numbers.clear()
