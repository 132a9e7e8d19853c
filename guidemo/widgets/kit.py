"""Small constructors for the controls every panel builds: named, with a tooltip.

Every control a test or the tour may use has an objectName and a tooltip; these helpers
make that the only way to build one, so no panel forgets either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6 import QtCore, QtGui, QtWidgets

W = TypeVar("W", bound=QtWidgets.QWidget)
ROLE_MARKS = {"danger": "⚠ ", "good": "✓ "}  # the deliberately bad way, the right one


def named(widget: W, name: str, tip: str) -> W:
    """Give `widget` its objectName and tooltip (also its accessible description), and
    return it. Its accessible name comes from its text or label (`access.fill_names`)."""
    widget.setObjectName(name)
    widget.setToolTip(tip)
    widget.setAccessibleDescription(tip)
    return widget


def make_button(
    text: str,
    name: str,
    tip: str,
    slot: Callable[[], Any] | None = None,
    role: str = "",
) -> QtWidgets.QPushButton:
    """A push button; `role` "danger" or "good" colours it (see palette.style_sheet) and
    marks it with a glyph, so the difference does not rest on colour alone."""
    button = named(QtWidgets.QPushButton(f"{ROLE_MARKS.get(role, '')}{text}"), name, tip)
    if role:
        button.setProperty("role", role)
    if slot is not None:
        button.clicked.connect(slot)
    return button


def label(text: str, name: str, tip: str, rich: bool = False) -> QtWidgets.QLabel:
    """A word-wrapped label for results and summaries."""
    widget = named(QtWidgets.QLabel(text), name, tip)
    widget.setWordWrap(True)
    if rich:
        widget.setTextFormat(QtCore.Qt.TextFormat.RichText)
    return widget


class SteadyBox(QtWidgets.QWidget):
    """Holds a label whose text changes while the window idles (a live number).

    A QLabel asks its parent layout to lay out again on every setText, and that request
    climbs to the window: every word-wrapped text on the page is measured again. This box
    has no layout, so the request stops here: it measures its one label, and asks for a
    new layout only when the label needs another number of lines (at least `lines`).
    """

    def __init__(self, child: QtWidgets.QLabel, lines: int) -> None:
        super().__init__()
        self.child = child
        child.setParent(self)
        child.setAutoFillBackground(True)  # opaque: nothing beneath it is repainted
        self._least = child.fontMetrics().lineSpacing() * lines + 6
        self.setFixedHeight(self._least)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.LayoutRequest:  # the label's text changed
            self._fit()
        return super().event(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self.child.setGeometry(self.rect())
        self._fit()
        super().resizeEvent(event)

    def _fit(self) -> None:
        if self.width() <= 0:
            return
        need = max(self._least, self.child.heightForWidth(self.width()))
        if need != self.height():
            self.setFixedHeight(need)


class FitLabel(QtWidgets.QLabel):
    """A word-wrapped label that claims the height its text needs at its width.

    A panel's scroll area claims no height-for-width (see panels.base), so a layout
    gives a wrapped label the height of *some* width; in a narrower column its last
    line was cut off. Measuring again on each resize keeps every line.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        least = self.minimumHeight()
        self.setMinimumHeight(0)  # else heightForWidth() answers at least the old minimum
        need = self.heightForWidth(self.width())
        self.setMinimumHeight(need if need > 0 else least)


def spin(name: str, lo: int, hi: int, value: int, tip: str, suffix: str = "") -> QtWidgets.QSpinBox:
    """An integer spin box whose tooltip states its range."""
    box = named(QtWidgets.QSpinBox(), name, f"{tip} ({lo:,} to {hi:,}{suffix})")
    box.setRange(lo, hi)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def dspin(
    name: str,
    lo: float,
    hi: float,
    value: float,
    tip: str,
    suffix: str = " s",
    decimals: int = 2,
    step: float | None = None,
) -> QtWidgets.QDoubleSpinBox:
    """A decimal spin box whose tooltip states its range."""
    box = named(QtWidgets.QDoubleSpinBox(), name, f"{tip} ({lo:g} to {hi:g}{suffix})")
    box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step if step is not None else (0.05 if hi <= 5 else 0.5))
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def check(text: str, name: str, tip: str, checked: bool = False) -> QtWidgets.QCheckBox:
    box = named(QtWidgets.QCheckBox(text), name, tip)
    box.setChecked(checked)
    return box


def line_edit(name: str, tip: str, text: str = "", placeholder: str = "") -> QtWidgets.QLineEdit:
    edit = named(QtWidgets.QLineEdit(text), name, tip)
    edit.setPlaceholderText(placeholder)
    return edit


def table(name: str, headers: Sequence[str], tip: str) -> QtWidgets.QTableWidget:
    """A read-only results table: no row numbers, last column stretched."""
    widget = named(QtWidgets.QTableWidget(0, len(headers)), name, tip)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.verticalHeader().setVisible(False)
    widget.horizontalHeader().setStretchLastSection(True)
    widget.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    return widget


def ways_table(
    name: str, ways: Sequence[str], headers: Sequence[str], tip: str, font_height: int
) -> QtWidgets.QTableWidget:
    """A read-only table with one row per way, as tall as its rows: the first column takes
    the room left, the others fit their numbers; every cell shows "—" until measured."""
    widget = named(QtWidgets.QTableWidget(len(ways), len(headers)), name, tip)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.verticalHeader().setVisible(False)
    widget.verticalHeader().setDefaultSectionSize(font_height + 6)
    widget.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    header = widget.horizontalHeader()
    header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(headers)):
        header.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    for at, way in enumerate(ways):
        set_row(widget, at, [way] + ["—"] * (len(headers) - 1))
    rows_height = sum(widget.rowHeight(at) for at in range(len(ways)))
    widget.setFixedHeight(header.sizeHint().height() + rows_height + 4)
    return widget


def set_row(table: QtWidgets.QTableWidget, at: int, texts: Sequence[str]) -> None:
    """Fill row `at`: the first cell as a name, the others centred."""
    for column, text in enumerate(texts):
        item = QtWidgets.QTableWidgetItem(text)
        if column:
            item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        table.setItem(at, column, item)


def log_view(
    name: str, tip: str, placeholder: str = "", max_lines: int = 500
) -> QtWidgets.QPlainTextEdit:
    """A read-only, bounded log: old lines drop off the top."""
    view = named(QtWidgets.QPlainTextEdit(), name, tip)
    view.setReadOnly(True)
    view.setMaximumBlockCount(max_lines)
    view.setPlaceholderText(placeholder)
    return view


def row(*items: QtWidgets.QWidget | str | None, stretch: bool = True) -> QtWidgets.QHBoxLayout:
    """A horizontal row: widgets, plain strings as labels (of the widget after them: its
    buddy, which a screen reader names it by), None as a stretch."""
    layout = QtWidgets.QHBoxLayout()
    text: QtWidgets.QLabel | None = None
    for item in items:
        if item is None:
            layout.addStretch(1)
        elif isinstance(item, str):
            text = QtWidgets.QLabel(item)
            layout.addWidget(text)
            continue
        else:
            layout.addWidget(item)
            if text is not None:
                text.setBuddy(item)
        text = None
    if stretch and None not in items:
        layout.addStretch(1)
    return layout
