"""A read-only log fed many lines at a time, each in its own colour."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtGui, QtWidgets


class ColoredLog(QtWidgets.QPlainTextEdit):
    """A bounded, fixed-width log: old lines drop off the top, and no line is longer than
    `max_chars`, so neither the count nor the size of the text can grow without limit.
    Long lines wrap, so an error row is read whole, not cut off at the right edge.

    `append_lines` adds a whole batch in one edit, so a stream of hundreds of lines a
    second costs one layout pass per batch, not one per line.
    """

    def __init__(
        self, max_lines: int, max_chars: int = 300, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.max_lines, self.max_chars = max_lines, max_chars
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultFont(
            QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        )

    def append_lines(self, lines: Iterable[tuple[str, str | None]]) -> None:
        """Append (text, colour) lines, colour a name like "#b00020" or None for plain;
        keeps the view at the bottom if it was there."""
        batch = list(lines)[-self.max_lines :]  # older ones would drop off anyway
        if not batch:
            return
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QtGui.QTextCursor(self.document())
        cursor.movePosition(QtGui.QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        plain = QtGui.QTextCharFormat()
        for text, color in batch:
            if not self.document().isEmpty():
                cursor.insertBlock()
            fmt = plain
            if color is not None:
                fmt = QtGui.QTextCharFormat()
                fmt.setForeground(QtGui.QColor(color))
            cursor.insertText(text[: self.max_chars], fmt)
        cursor.endEditBlock()
        if at_bottom:
            bar.setValue(bar.maximum())
