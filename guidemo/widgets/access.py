"""What a screen reader hears: names and descriptions for every control, and announcements.

Controls get their accessible name from what a sighted learner reads (the button's text,
the label beside a field) and their description from the tooltip, in one pass over a
panel once it is built (`fill_names`). Self-drawn widgets (heartbeat, plots, lanes)
describe what they show with `describe`, at most once a second and only when the words
change; a freeze and a tour takeaway are spoken with `announce`. `FocusRing` shows where
Tab went.
"""

from __future__ import annotations

import contextlib
import re

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import palette

_TAG = re.compile(r"<[^>]+>")
DIRECT = QtCore.Qt.FindChildOption.FindDirectChildrenOnly


def plain(text: str) -> str:
    """Rich text as words: tags dropped, entities and whitespace tidied."""
    words = _TAG.sub(" ", text).replace("&nbsp;", " ").replace("&amp;", "&")
    return " ".join(words.replace("&lt;", "<").replace("&gt;", ">").split())


def _buddies(root: QtWidgets.QWidget) -> dict[QtWidgets.QWidget, str]:
    """Each field's label: its buddy, else the plain label just before it in its layout."""
    found: dict[QtWidgets.QWidget, str] = {}
    for label in root.findChildren(QtWidgets.QLabel):
        buddy = label.buddy()
        if buddy is not None and label.text():
            found[buddy] = plain(label.text()).rstrip(":")
    for layout in root.findChildren(QtWidgets.QLayout):
        # The layout's widgets in order, by indexOf(): itemAt() would hand Python wrappers
        # of the layout's own items, which Qt deletes behind PySide's back (a stale wrapper
        # of that type was later returned for a new object at the same address).
        owner = layout.parentWidget()
        siblings = owner.findChildren(QtWidgets.QWidget, options=DIRECT) if owner else []
        placed = sorted((w for w in siblings if layout.indexOf(w) >= 0), key=layout.indexOf)
        before: QtWidgets.QWidget | None = None
        for widget in placed:
            if isinstance(before, QtWidgets.QLabel) and not isinstance(widget, QtWidgets.QLabel):
                text = plain(before.text()).rstrip(":= ")
                if text and widget not in found:
                    found[widget] = text
            before = widget
    return found


def _own_text(widget: QtWidgets.QWidget) -> str:
    if isinstance(widget, QtWidgets.QAbstractButton):
        return plain(widget.text()).replace("&", "")
    if isinstance(widget, QtWidgets.QLineEdit | QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
        return widget.placeholderText()
    if isinstance(widget, QtWidgets.QGroupBox):
        return widget.title()
    return ""


def fill_names(root: QtWidgets.QWidget) -> None:
    """Give every named widget under `root` an accessible name and description (once:
    what is set already stays), and let Tab leave every text box and table (no focus
    trap)."""
    buddies = _buddies(root)
    for widget in [root, *root.findChildren(QtWidgets.QWidget)]:
        if isinstance(widget, QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
            widget.setTabChangesFocus(True)  # Tab moves on, as everywhere else
        elif isinstance(widget, QtWidgets.QAbstractItemView):
            widget.setTabKeyNavigation(False)  # arrows move between cells, Tab moves on
        if not widget.objectName() or widget.objectName().startswith("qt_"):
            continue
        tip = plain(widget.toolTip())
        if not widget.accessibleName():
            name = _own_text(widget) or buddies.get(widget, "")
            if not name and isinstance(widget, QtWidgets.QLabel):
                continue  # a label's accessible name is its text (Qt's own)
            first = tip.split(". ")[0].split(": ")[0]
            widget.setAccessibleName(name or first or widget.objectName())
        if tip and not widget.accessibleDescription():
            widget.setAccessibleDescription(tip)


def describe(widget: QtWidgets.QWidget, name: str, description: str) -> None:
    """Say what a self-drawn widget shows now (only a change reaches the reader)."""
    if widget.accessibleName() != name:
        widget.setAccessibleName(name)
    if widget.accessibleDescription() != description:
        widget.setAccessibleDescription(description)


def announce(widget: QtWidgets.QWidget, text: str) -> None:
    """Have a screen reader speak `text` now (a live-region announcement from `widget`);
    nothing is done unless an assistive technology listens."""
    if QtGui.QAccessible.isActive():
        event = QtGui.QAccessibleAnnouncementEvent(widget, text)
        QtGui.QAccessible.updateAccessibility(event)


_TARGET_CHANGES = (
    QtCore.QEvent.Type.Move,
    QtCore.QEvent.Type.Resize,
    QtCore.QEvent.Type.Show,
    QtCore.QEvent.Type.Hide,
)


class FocusRing(QtWidgets.QWidget):
    """A ring around the focused button: Fusion marks a focused button only faintly, and
    a keyboard user must see where Tab went. It sits beside the button (same parent), so
    it scrolls with it, and lets every click through."""

    MARGIN = 3

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._target: QtWidgets.QWidget | None = None
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.hide()
        app = QtWidgets.QApplication.instance()
        assert isinstance(app, QtWidgets.QApplication)
        app.focusChanged.connect(self._follow)

    def _follow(self, _old: QtWidgets.QWidget | None, new: QtWidgets.QWidget | None) -> None:
        button = new if isinstance(new, QtWidgets.QAbstractButton) else None
        parent = button.parentWidget() if button is not None else None
        if self._target is not None:
            with contextlib.suppress(RuntimeError):  # the old one may be deleted already
                self._target.removeEventFilter(self)
            self._target = None
        if button is None or parent is None or button.window() is not self._window:
            self.hide()
            return
        self._target = button
        button.installEventFilter(self)  # it may move (a layout, a zoom) or hide after this
        if self.parentWidget() is not parent:
            self.setParent(parent)
        self._place()

    def _place(self) -> None:
        button = self._target
        if button is None or not button.isVisible():
            self.hide()
            return
        margin = self.MARGIN
        self.setGeometry(button.geometry().adjusted(-margin, -margin, margin, margin))
        self.show()
        self.raise_()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self._target and event.type() in _TARGET_CHANGES:
            if event.type() == QtCore.QEvent.Type.Hide:
                self.hide()  # touch nothing else: the button may be on its way out
            else:
                self._place()
        return False

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            painter.setPen(QtGui.QPen(QtGui.QColor(palette.CURRENT.focus), 2))
            painter.drawRoundedRect(QtCore.QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)
        finally:
            painter.end()
