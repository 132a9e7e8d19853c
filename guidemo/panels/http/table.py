"""The http panel's results table: one row per request of a `Run`, drawn a batch at a time."""

from __future__ import annotations

import functools
import time

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels.http.run import CANCELLED, FAILED, OK, RUNNING, Run
from guidemo.widgets import palette
from guidemo.widgets.delegates import ElideRight

NEW_ROWS_PER_FRAME = 500  # never all 10,000 rows at once
ROW_HEIGHT = 20
ROWS_SEEN = 10  # the table asks for room for this many rows
Role = QtCore.Qt.ItemDataRole
RIGHT = int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)


@functools.cache
def row_colors(theme_name: str) -> tuple[QtGui.QColor, QtGui.QColor, QtGui.QColor]:
    """A row's text colour in a theme: answered, failed, pending or cancelled."""
    theme = palette.THEMES[theme_name]
    return QtGui.QColor(theme.text), QtGui.QColor(theme.bad), QtGui.QColor(theme.muted)


class ResultsTable(QtWidgets.QTableWidget):
    """URL, status, bytes, ms and error of every request; a row changes as its request does."""

    def __init__(self) -> None:
        super().__init__(0, 5)
        self.setObjectName("resultsTable")
        self.setToolTip("One row per request, updated the moment its answer is in")
        self.setHorizontalHeaderLabels(["URL", "status", "bytes", "ms", "error"])
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.verticalHeader().setMinimumWidth(34)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        for column, width in enumerate([290, 62, 78, 56]):
            self.setColumnWidth(column, width)
        self.horizontalHeader().setStretchLastSection(True)
        self.setItemDelegateForColumn(4, ElideRight(self))

    def sizeHint(self) -> QtCore.QSize:
        """Room for ROWS_SEEN rows: asked for, and kept, even in a scrolling panel."""
        frame = 2 * self.frameWidth()
        height = self.horizontalHeader().sizeHint().height() + ROWS_SEEN * ROW_HEIGHT + frame
        return QtCore.QSize(super().sizeHint().width(), height)

    def minimumSizeHint(self) -> QtCore.QSize:
        return self.sizeHint()

    def draw(self, run: Run, deadline: float) -> None:
        """Until `deadline` (a perf_counter() time): new rows first, then changed ones."""
        self.setUpdatesEnabled(False)
        try:
            shown = self.rowCount()
            if shown < run.rows:
                batch = min(run.rows - shown, NEW_ROWS_PER_FRAME)
                self.setRowCount(shown + batch)
                for index in range(shown, shown + batch):
                    self._draw_row(index, run, new=True)
                    run.dirty.pop(index, None)
                    if time.perf_counter() > deadline:
                        self.setRowCount(index + 1)
                        break
            limit = self.rowCount()
            for index in list(run.dirty):
                if time.perf_counter() > deadline:
                    break
                if index < limit:
                    del run.dirty[index]
                    self._draw_row(index, run)
        finally:
            self.setUpdatesEnabled(True)

    def _draw_row(self, index: int, run: Run, new: bool = False) -> None:
        """Write one row through the model: Qt keeps the cells, so 10,000 rows add no
        Python objects for the garbage collector to walk through (its pauses are lag)."""
        url, state, result = run.urls[index], run.states[index], run.results[index]
        if state in (OK, FAILED) and result is not None:
            status = str(result.status) if result.status is not None else "—"
            nbytes = f"{result.nbytes:,}" if result.started else ""
            ms = f"{result.ms:,.0f}" if result.started else ""
            cells = [url, status, nbytes, ms, result.error]
            color = row_colors(palette.CURRENT.name)[1 if result.error else 0]
        elif state == CANCELLED:
            sent = run.starts[index] > 0
            reason = "cancelled while in flight" if sent else "cancelled before it started"
            cells = [url, "cancelled", "", "", reason]
            color = row_colors(palette.CURRENT.name)[2]
        else:
            cells = [url, "running…" if state == RUNNING else "queued", "", "", ""]
            color = row_colors(palette.CURRENT.name)[2]
        model = self.model()
        for column, text in enumerate(cells):
            cell = model.index(index, column)
            model.setData(cell, text, Role.DisplayRole)
            if column in (1, 4):
                model.setData(cell, color, Role.ForegroundRole)
            if column == 4:
                model.setData(cell, text, Role.ToolTipRole)
            elif new and column in (2, 3):
                model.setData(cell, RIGHT, Role.TextAlignmentRole)
