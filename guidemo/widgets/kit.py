"""Small constructors for the controls every panel builds: named, with a tooltip.

Every control a test or the tour may use has an objectName and a tooltip; these helpers
make that the only way to build one, so no panel forgets either.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import palette

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
    """A push button; `role` "danger" or "good" colours it (see colour_by_role) and marks
    it with a glyph, so the difference does not rest on colour alone."""
    button = named(QtWidgets.QPushButton(f"{ROLE_MARKS.get(role, '')}{text}"), name, tip)
    if role:
        colour_by_role(button, role)
    if slot is not None:
        button.clicked.connect(slot)
    return button


def colour_by_role(button: QtWidgets.QPushButton, role: str) -> None:
    """Colour `button` by its role: "danger" in the theme's bad colour (the deliberately
    bad way), "good" in its good one (the right one); grey and not bold when disabled, so
    it never looks pressable then.

    Its palette and font weight, not a style sheet: a widget under a style sheet does not
    follow the window's font, so a zoom had to restyle the whole window (0.3-0.6 s).
    """
    button.setProperty("role", role)
    recolour_role(button)
    if button.findChild(_RoleWeight) is None:
        _RoleWeight(button)


def recolour_role(button: QtWidgets.QPushButton) -> None:
    """Give a role button the colours of the theme in force (again, after a switch)."""
    theme = palette.CURRENT
    colors = button.palette()
    color = QtGui.QColor(theme.good if button.property("role") == "good" else theme.bad)
    for group in (QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorGroup.Inactive):
        colors.setColor(group, QtGui.QPalette.ColorRole.ButtonText, color)
    colors.setColor(
        QtGui.QPalette.ColorGroup.Disabled,
        QtGui.QPalette.ColorRole.ButtonText,
        QtGui.QColor(theme.disabled_text),
    )
    button.setPalette(colors)


class _RoleWeight(QtCore.QObject):
    """Keeps a role button bold while enabled, normal while disabled."""

    def __init__(self, button: QtWidgets.QPushButton) -> None:
        super().__init__(button)
        self._button = button
        button.installEventFilter(self)
        self._weigh()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.EnabledChange:
            self._weigh()
        return False

    def _weigh(self) -> None:
        font = QtGui.QFont()  # the weight only: its size follows the window's zoom
        bold = self._button.isEnabled()
        font.setWeight(QtGui.QFont.Weight.DemiBold if bold else QtGui.QFont.Weight.Normal)
        self._button.setFont(font)


class ThemedFrame(QtWidgets.QFrame):
    """A frame filled with one of the theme's backgrounds, by name ("late_background"):
    its palette, not a style sheet, so what is in it follows the zoom without a restyle;
    `apply_theme()` (called on a theme switch) fills it again."""

    def __init__(self, background: str) -> None:
        super().__init__()
        self._background = background
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.apply_theme()

    def apply_theme(self) -> None:
        colors = self.palette()
        color = QtGui.QColor(getattr(palette.CURRENT, self._background))
        colors.setColor(QtGui.QPalette.ColorRole.Window, color)
        self.setPalette(colors)


def label(text: str, name: str, tip: str, rich: bool = False) -> QtWidgets.QLabel:
    """A word-wrapped label for results and summaries, as tall as its text needs (FitLabel:
    a results text drawn over the table under it was the alternative)."""
    widget = named(FitLabel(text), name, tip)
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
        fit_after_layout(self, self._fit)
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

    def setText(self, text: str) -> None:
        """A new text may need another number of lines at the same width."""
        if text != self.text():
            super().setText(text)
            if self.width() > 0:
                self._fit()

    def hasHeightForWidth(self) -> bool:
        """No: its minimum height is the answer. A layout holding a height-for-width
        item gives every item that height instead of its minimum, and a table or chart
        beside it got less than its minimum (and a text drawn over it)."""
        return False

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        fit_after_layout(self, self._fit)

    def _fit(self) -> None:
        least = self.minimumHeight()
        self.setMinimumHeight(0)  # else heightForWidth() answers at least the old minimum
        need = self.heightForWidth(self.width())
        self.setMinimumHeight(need if need > 0 else least)
        if self.minimumHeight() != least:
            tell_layouts_later(self)


_FIT_PENDING: weakref.WeakSet[QtWidgets.QWidget] = weakref.WeakSet()


def fit_after_layout(widget: QtWidgets.QWidget, fit: Callable[[], None]) -> None:
    """Call `fit` (which changes `widget`'s size limits) once the layout pass that resized
    it is over, once however many resizes come first. Changed inside a resizeEvent, a
    limit changed the layout Qt was placing its items with: at zoom 1.5 the start page
    segfaulted in the next label's heightForWidth()."""
    if widget in _FIT_PENDING:
        return
    _FIT_PENDING.add(widget)

    def fit_now() -> None:
        _FIT_PENDING.discard(widget)
        fit()

    QtCore.QTimer.singleShot(0, widget, fit_now)


def tell_layouts_later(widget: QtWidgets.QWidget) -> None:
    """Tell the layouts above `widget` its size changed, once the current layout pass is
    over: a change made during one (in a resizeEvent) is not passed up, and the parent
    kept the old height, drawing the next widget over this one."""
    QtCore.QTimer.singleShot(0, widget, widget.updateGeometry)


FlowItem = QtWidgets.QWidget | str | tuple[QtWidgets.QWidget | str, ...] | None


class FlowRow(QtWidgets.QWidget):
    """A row of controls that wraps onto another line where the column is too narrow.

    A panel's controls share a column with the source view; a plain row of buttons wider
    than that column made the whole panel scroll sideways. This row needs only its widest
    item's width and claims the height its lines need at its width (like FitLabel).
    Items: widgets, strings (labels), tuples (kept together on one line, e.g. a label and
    its spin box); None is ignored (rows end with free room anyway). A widget that
    expands (a line edit, a slider) takes the room left on its line.
    """

    def __init__(self, *items: FlowItem, spacing: int = 6) -> None:
        super().__init__()
        self.spacing = spacing
        self.items: list[QtWidgets.QWidget] = []
        for item in items:
            self.add(item)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed
        )

    def add(self, item: FlowItem) -> None:
        if item is None:
            return
        if isinstance(item, tuple):
            group = QtWidgets.QWidget()
            layout = QtWidgets.QHBoxLayout(group)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(4)
            for part in item:
                layout.addWidget(QtWidgets.QLabel(part) if isinstance(part, str) else part)
            widget = group
        elif isinstance(item, str):
            widget = QtWidgets.QLabel(item)
        else:
            widget = item
        widget.setParent(self)
        widget.installEventFilter(self)  # shown or hidden: lay out the lines again
        self.items.append(widget)
        self._relayout()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in (QtCore.QEvent.Type.Show, QtCore.QEvent.Type.Hide):
            self._relayout()
        return False

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.LayoutRequest:  # an item's size hint changed
            self._relayout()
        return super().event(event)

    def _shown(self) -> list[QtWidgets.QWidget]:
        return [item for item in self.items if not item.isHidden()]

    def sizeHint(self) -> QtCore.QSize:
        hints = [_hint(item) for item in self._shown()]
        width = sum(h.width() for h in hints) + self.spacing * max(0, len(hints) - 1)
        return QtCore.QSize(width, max(self.minimumHeight(), *(h.height() for h in hints), 0))

    def minimumSizeHint(self) -> QtCore.QSize:
        widest = max((_hint(item).width() for item in self._shown()), default=0)
        return QtCore.QSize(widest, self.minimumHeight())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        height = self._place(max(self.width(), self.minimumSizeHint().width()))
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
            tell_layouts_later(self)

    def _place(self, width: int) -> int:
        """Put the items in lines `width` wide; the height they take."""
        lines: list[list[QtWidgets.QWidget]] = [[]]
        used = 0
        for item in self._shown():
            need = _hint(item).width()
            if lines[-1] and used + self.spacing + need > width:
                lines.append([])
                used = 0
            used += need + (self.spacing if len(lines[-1]) else 0)
            lines[-1].append(item)
        top = 0
        for line in lines:
            if not line:
                continue
            height = max(_hint(item).height() for item in line)
            room = width - sum(_hint(i).width() for i in line)
            room -= self.spacing * (len(line) - 1)
            growing = [i for i in line if _expands(i)]
            x = 0
            for item in line:
                hint = _hint(item)
                extra = room // len(growing) if item in growing else 0
                item_height = height if _expands(item, vertical=True) else hint.height()
                item.setGeometry(
                    x, top + (height - item_height) // 2, hint.width() + extra, item_height
                )
                x += hint.width() + extra + self.spacing
            top += height + self.spacing
        return max(0, top - self.spacing)


def _hint(widget: QtWidgets.QWidget) -> QtCore.QSize:
    """The size a layout would give `widget`: its hint within its minimum and maximum."""
    return widget.sizeHint().expandedTo(widget.minimumSize()).boundedTo(widget.maximumSize())


def _expands(widget: QtWidgets.QWidget, vertical: bool = False) -> bool:
    policy = widget.sizePolicy()
    direction = policy.verticalPolicy() if vertical else policy.horizontalPolicy()
    return direction in (
        QtWidgets.QSizePolicy.Policy.Expanding,
        QtWidgets.QSizePolicy.Policy.MinimumExpanding,
    )


def flow(*items: FlowItem) -> FlowRow:
    """A row of controls that wraps when the column is narrow (see FlowRow)."""
    return FlowRow(*items)


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


def keep_rows(table: QtWidgets.QTableView, rows: int = 5) -> None:
    """Never let `table` shrink below its header and `rows` rows: a table one row tall
    (a short window, a tour band) shows no result at all."""
    row_height = table.verticalHeader().defaultSectionSize()
    header = table.horizontalHeader().sizeHint().height()
    bar = table.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
    table.setMinimumHeight(header + rows * row_height + bar + 2 * table.frameWidth())


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


RowItem = QtWidgets.QWidget | str | tuple[QtWidgets.QWidget, int] | None


def row(*items: RowItem, stretch: bool = True) -> QtWidgets.QHBoxLayout:
    """A horizontal row: widgets, plain strings as labels (of the widget after them: its
    buddy, which a screen reader names it by), None as a stretch, `(widget, stretch)` a
    widget that takes that share of the spare width (else the row ends with a stretch,
    unless `stretch` is False)."""
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
            widget, share = item if isinstance(item, tuple) else (item, 0)
            layout.addWidget(widget, share)
            if text is not None:
                text.setBuddy(widget)
        text = None
    if stretch and not any(item is None or isinstance(item, tuple) for item in items):
        layout.addStretch(1)  # the spare width goes to the end, unless an item claims it
    return layout


Item = QtWidgets.QWidget | QtWidgets.QLayout | tuple[QtWidgets.QWidget, int] | None


def column(
    *items: Item, top: int | None = 4, into: QtWidgets.QWidget | None = None
) -> QtWidgets.QWidget:
    """A vertical stack of widgets and layouts, no side margins (a panel's or section's body).

    `(widget, stretch)` gives a widget a stretch factor (the one that takes the spare
    height: a table, a chart, a splitter); None adds a stretch. `top` None keeps the
    style's margins all round (a box's or tab's body). `into`: stack them in that widget
    (a section itself) instead of a new one.
    """
    body = QtWidgets.QWidget() if into is None else into
    layout = QtWidgets.QVBoxLayout(body)
    if top is not None:
        layout.setContentsMargins(0, top, 0, 0)
    for item in items:
        if item is None:
            layout.addStretch(1)
        elif isinstance(item, tuple):
            layout.addWidget(item[0], item[1])
        elif isinstance(item, QtWidgets.QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    return body


def vsplit(
    *widgets: QtWidgets.QWidget, sizes: Sequence[int] = (), stretches: Sequence[int] = ()
) -> QtWidgets.QSplitter:
    """Widgets one above the other, the learner dragging the line between them; none can be
    collapsed away. `sizes` are the first heights (shares, in pixels); `stretches` how
    they share height the splitter gains or loses."""
    return _split(QtCore.Qt.Orientation.Vertical, widgets, sizes, stretches)


def hsplit(
    *widgets: QtWidgets.QWidget, sizes: Sequence[int] = (), stretches: Sequence[int] = ()
) -> QtWidgets.QSplitter:
    """Widgets side by side, like `vsplit`."""
    return _split(QtCore.Qt.Orientation.Horizontal, widgets, sizes, stretches)


def _split(
    orientation: QtCore.Qt.Orientation,
    widgets: Sequence[QtWidgets.QWidget],
    sizes: Sequence[int],
    stretches: Sequence[int],
) -> QtWidgets.QSplitter:
    splitter = QtWidgets.QSplitter(orientation)
    for widget in widgets:
        splitter.addWidget(widget)
    for index, stretch in enumerate(stretches):
        splitter.setStretchFactor(index, stretch)
    splitter.setChildrenCollapsible(False)
    if sizes:
        splitter.setSizes(list(sizes))
    return splitter


def form(*rows: tuple[str, QtWidgets.QWidget | QtWidgets.QLayout]) -> QtWidgets.QFormLayout:
    """Labelled settings, one per line: each label is its field's buddy (a screen reader
    names the field by it, and Alt+<letter> after an & in the label focuses it)."""
    layout = QtWidgets.QFormLayout()
    layout.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    for text, field in rows:
        layout.addRow(text, field)
    return layout
