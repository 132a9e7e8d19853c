"""Point at code in a `SourceView`: mark the line running now, or scroll to a function.

Both work on the view's rendered document instead of rendering it again: re-rendering the
highlighted source costs 20-90 ms of the loop's time, too much ten times a second.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable

from PySide6 import QtGui

from guidemo.widgets import palette
from guidemo.widgets.source_view import SourceView

_LINE_NUMBER = re.compile(r"\s*(\d+)")  # the inline line number a SourceView line starts with


@functools.cache
def source_line(obj: Callable[..., object], fragment: str) -> int:
    """The file line number of the first line of `obj`'s source containing `fragment`."""
    lines, first = inspect.getsourcelines(obj)
    for offset, text in enumerate(lines):
        if fragment in text:
            return first + offset
    raise LookupError(f"{fragment!r} not in the source of {obj!r}")


def _definition(view: SourceView, obj: object) -> QtGui.QTextCursor:
    """Where `view` shows the `def` (or `class`) line of `obj`; null if it does not."""
    name = getattr(obj, "__name__", "")
    return view.document().find(f"class {name}" if inspect.isclass(obj) else f"def {name}(")


def scroll_to_definition(view: SourceView, obj: object) -> None:
    """Scroll `view` so that the `def` (or `class`) line of `obj` is near its top, and to
    the left edge (the view does not wrap lines: it scrolls sideways)."""
    cursor = _definition(view, obj)
    if not cursor.isNull():
        bar = view.verticalScrollBar()
        bar.setValue(bar.value() + view.cursorRect(cursor).top() - 30)
        view.horizontalScrollBar().setValue(0)


def shows_definition(view: SourceView, obj: object) -> bool:
    """Is the `def` (or `class`) line of `obj` inside the visible part of `view`?"""
    cursor = _definition(view, obj)
    return not cursor.isNull() and view.viewport().rect().contains(view.cursorRect(cursor))


class LineMarker:
    """Gives one file line of a `SourceView` the highlight background, and moves it.

    Only the background of two lines changes per `mark()`: the one marked before, and the
    new one. The view's text is never rendered again for it.
    """

    def __init__(self, view: SourceView) -> None:
        self._view = view
        # The marked block, its own format, and the view's render it belongs to: once the
        # text is replaced, an old QTextBlock points into the new text (writing through it
        # corrupted the document: a segfault when a tab change re-rendered before clear()).
        self._marked: tuple[QtGui.QTextBlock, QtGui.QTextBlockFormat, int] | None = None
        self._line_blocks: dict[int, int] = {}  # file line number -> block number
        self._mapped = -1  # the view's render that _line_blocks maps

    def mark(self, line_number: int, follow: bool = False) -> None:
        """Highlight file line `line_number` (and unmark the previous one).

        With `follow`, scroll it into the middle of the view if it is out of sight.
        """
        self.clear()
        block = self._block(line_number)
        if block is None:
            return
        self._marked = (block, block.blockFormat(), self._view.renders)
        marked = QtGui.QTextBlockFormat(block.blockFormat())
        marked.setBackground(QtGui.QColor(palette.HIGHLIGHT))
        QtGui.QTextCursor(block).setBlockFormat(marked)
        if follow:
            view = self._view
            rect, viewport = view.cursorRect(QtGui.QTextCursor(block)), view.viewport().rect()
            if not viewport.contains(rect):
                bar = view.verticalScrollBar()
                bar.setValue(bar.value() + rect.center().y() - viewport.height() // 2)

    def clear(self) -> None:
        """Give the marked line its own background back."""
        if self._marked is not None:
            block, original, render = self._marked
            if render == self._view.renders and block.isValid():
                QtGui.QTextCursor(block).setBlockFormat(original)
            self._marked = None

    def _block(self, line_number: int) -> QtGui.QTextBlock | None:
        """The text block of the view that shows file line `line_number`."""
        document = self._view.document()
        if self._mapped != self._view.renders:  # rendered anew: map it again
            self._mapped, self._line_blocks = self._view.renders, {}
            block = document.begin()
            while block.isValid():
                digits = _LINE_NUMBER.match(block.text())
                if digits:
                    self._line_blocks.setdefault(int(digits.group(1)), block.blockNumber())
                block = block.next()
        number = self._line_blocks.get(line_number)
        return None if number is None else document.findBlockByNumber(number)
