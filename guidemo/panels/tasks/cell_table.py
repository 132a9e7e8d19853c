"""A sortable QTableWidget whose rows are kept by key and updated cell by cell.

Refreshing 600 rows four times a second must cost little: only cells whose text changed
are touched, sorting and painting are paused while they are, and no column is sized to
its contents (that would measure every row at every change).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels.tasks.task_rows import Cell
from guidemo.widgets import palette
from guidemo.widgets.kit import table

SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole
MIN_ROWS = 8  # issue 11: a table shows at least this many rows


class SortItem(QtWidgets.QTableWidgetItem):
    """A cell that sorts by its key (numbers as numbers), not by its text."""

    def __lt__(self, other: QtWidgets.QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(mine, str) != isinstance(theirs, str):
            return isinstance(mine, str) < isinstance(theirs, str)  # numbers first
        return bool(mine < theirs)


class HeadersFit(QtCore.QObject):
    """Widens a column whose title no longer fits once the font grows (the window's zoom:
    at 1.5 the fixed widths cut "busy ms" to "usy m")."""

    def __init__(self, header: QtWidgets.QHeaderView) -> None:
        super().__init__(header)
        header.installEventFilter(self)
        fit_titles(header)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.FontChange and isinstance(
            watched, QtWidgets.QHeaderView
        ):
            fit_titles(watched)
        return False


def fit_titles(header: QtWidgets.QHeaderView) -> None:
    """Each column at least as wide as its title, with room for the sort arrow."""
    metrics, model = header.fontMetrics(), header.model()
    if model is None:
        return
    for index in range(header.count()):
        title = str(model.headerData(index, QtCore.Qt.Orientation.Horizontal) or "")
        needed = metrics.horizontalAdvance(title) + 4 * metrics.averageCharWidth()
        if header.sectionSize(index) < needed:
            header.resizeSection(index, needed)


class CellTable:
    """Rows of a table widget, one per key, kept in place until removed; clicking a
    header sorts by that column (a third click goes back to the order rows came in)."""

    def __init__(
        self, name: str, columns: Sequence[tuple[str, str]], tip: str, widths: Sequence[int]
    ) -> None:
        self.widget = table(name, [title for title, _ in columns], tip)
        for index, (_, column_tip) in enumerate(columns):
            header_item = self.widget.horizontalHeaderItem(index)
            if header_item is not None:
                header_item.setToolTip(column_tip)
        header = self.widget.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        for index, width in enumerate(widths):
            header.resizeSection(index, width)
        self._headers_fit = HeadersFit(header)
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.widget.setSortingEnabled(True)
        row_height = self.widget.fontMetrics().height() + 6
        self.widget.verticalHeader().setDefaultSectionSize(row_height)
        self.widget.setWordWrap(False)
        scrollbar = self.widget.horizontalScrollBar().sizeHint().height()
        frame = 2 * self.widget.frameWidth()
        self.widget.setMinimumHeight(
            header.sizeHint().height() + MIN_ROWS * row_height + scrollbar + frame + 2
        )
        self._items: dict[Hashable, list[SortItem]] = {}
        self._texts: dict[Hashable, list[str]] = {}
        self._keys: dict[int, Hashable] = {}  # id(first item of a row) -> its key
        self._grey = QtGui.QColor(palette.MUTED)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def keys(self) -> set[Hashable]:
        return set(self._items)

    def key_at(self, row: int) -> Hashable | None:
        item = self.widget.item(row, 0)
        return None if item is None else self._keys.get(id(item))

    def selected_keys(self) -> list[Hashable]:
        rows = sorted({index.row() for index in self.widget.selectionModel().selectedRows()})
        return [key for key in (self.key_at(row) for row in rows) if key is not None]

    def begin(self) -> None:
        """Before changes: no sorting or painting until `end()`."""
        self.widget.setUpdatesEnabled(False)
        self.widget.setSortingEnabled(False)

    def end(self) -> None:
        self.widget.setSortingEnabled(True)  # sorts once, by the chosen column if any
        self.widget.setUpdatesEnabled(True)

    def remove(self, key: Hashable) -> None:
        items = self._items.pop(key, None)
        self._texts.pop(key, None)
        if items is not None:
            self._keys.pop(id(items[0]), None)
            self.widget.removeRow(items[0].row())

    def clear(self) -> None:
        self.widget.setRowCount(0)
        self._items.clear()
        self._texts.clear()
        self._keys.clear()

    def show(self, key: Hashable, cells: Sequence[Cell], grey: bool = False) -> None:
        """Add the row for `key` (at the end) or update its changed cells."""
        items = self._items.get(key)
        if items is None:
            row = self.widget.rowCount()
            self.widget.insertRow(row)
            items = [SortItem() for _ in cells]
            for column, item in enumerate(items):
                self.widget.setItem(row, column, item)
            self._items[key] = items
            self._texts[key] = [""] * len(cells)
            self._keys[id(items[0])] = key
        texts = self._texts[key]
        for column, cell in enumerate(cells):
            if texts[column] != cell.text:
                item = items[column]
                item.setText(cell.text)
                item.setData(SORT_ROLE, cell.key)
                if cell.tip or item.toolTip():
                    item.setToolTip(cell.tip)
                texts[column] = cell.text
        if grey and items[0].foreground().color() != self._grey:
            for item in items:
                item.setForeground(self._grey)
