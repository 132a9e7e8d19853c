"""The lab's code editor: Python highlighted in the source view's colours (the theme's),
line numbers, auto-indent, Tab = 4 spaces, Ctrl+Enter runs, and a mark on the line of an
error. Tab does not trap a keyboard user: walked into by Tab, the editor lets the next Tab
move on until something is typed; Esc lets the next Tab move on too."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import palette
from guidemo.widgets.source_view import code_style

INDENT = "    "


class PythonHighlighter(QtGui.QSyntaxHighlighter):
    """Pygments' tokens, line by line, in the source view's style of the theme in force (a
    string spanning lines is coloured line by line: good enough for short lab code)."""

    def __init__(self, document: QtGui.QTextDocument) -> None:
        super().__init__(document)
        from pygments.lexers import PythonLexer

        self._lexer = PythonLexer(stripnl=False, ensurenl=False)
        self._style = code_style(palette.CURRENT.name)
        self._formats: dict[object, QtGui.QTextCharFormat] = {}

    def apply_theme(self) -> None:
        """The theme's code colours, for the text already there too."""
        self._style = code_style(palette.CURRENT.name)
        self._formats.clear()
        self.rehighlight()

    def _format(self, token: Any) -> QtGui.QTextCharFormat:
        found = self._formats.get(token)
        if found is None:
            found = QtGui.QTextCharFormat()
            style = self._style.style_for_token(token)
            if style["color"]:
                found.setForeground(QtGui.QColor("#" + style["color"]))
            if style["bold"]:
                found.setFontWeight(QtGui.QFont.Weight.Bold)
            if style["italic"]:
                found.setFontItalic(True)
            self._formats[token] = found
        return found

    def highlightBlock(self, text: str) -> None:
        at = 0
        for token, value in self._lexer.get_tokens(text):
            self.setFormat(at, len(value), self._format(token))
            at += len(value)


class _LineNumbers(QtWidgets.QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self.editor.numbers_width(), 0)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        self.editor.paint_numbers(event)


class CodeEditor(QtWidgets.QPlainTextEdit):
    """objectName `labEditor`. `runRequested` on Ctrl+Enter."""

    runRequested = QtCore.Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("labEditor")
        self.setToolTip(
            "Your code: the body of an async def, so top-level await works. Ready names: "
            "asyncio, time, aiohttp, server, say(...), button(...), label(...). Ctrl+Enter runs; "
            "Tab indents (Esc, then Tab, moves on)"
        )
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.tab_moves_on = False  # Tab leaves the editor (walked into by Tab, or after Esc)
        self.highlighter = PythonHighlighter(self.document())
        self._numbers = _LineNumbers(self)
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._update_numbers)
        self._update_margin()
        self.error_at: tuple[int, int] | None = None  # (line, column) marked, 1-based

    def apply_theme(self) -> None:
        """Code, line numbers and the error mark in the theme in force."""
        self.highlighter.apply_theme()
        self.setExtraSelections(self._error_selections())
        self._numbers.update()

    # --- line numbers -------------------------------------------------------------------
    def numbers_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _update_margin(self) -> None:
        self.setViewportMargins(self.numbers_width(), 0, 0, 0)

    def _update_numbers(self, rect: QtCore.QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        rect = self.contentsRect()
        self._numbers.setGeometry(rect.left(), rect.top(), self.numbers_width(), rect.height())

    def paint_numbers(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self._numbers)
        theme = palette.CURRENT
        painter.fillRect(event.rect(), QtGui.QColor(theme.alternate_base))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            number = block.blockNumber() + 1
            bad = self.error_at is not None and self.error_at[0] == number
            painter.setPen(QtGui.QColor(theme.bad if bad else theme.muted))
            painter.drawText(
                0, top, self._numbers.width() - 4, height,
                int(QtCore.Qt.AlignmentFlag.AlignRight), str(number),
            )  # fmt: skip
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()

    # --- keys ---------------------------------------------------------------------------
    def focusInEvent(self, event: QtGui.QFocusEvent) -> None:
        reason, reasons = event.reason(), QtCore.Qt.FocusReason
        if reason in (reasons.TabFocusReason, reasons.BacktabFocusReason):
            self.tab_moves_on = True  # passing through: Tab goes on to the next control
        elif reason in (reasons.MouseFocusReason, reasons.OtherFocusReason):
            self.tab_moves_on = False
        super().focusInEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Qt asks this on Tab before the key reaches keyPressEvent: False keeps the key
        here (to indent), unless Tab is to move on."""
        if not self.tab_moves_on:
            return False
        return QtWidgets.QAbstractScrollArea.focusNextPrevChild(self, next)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & QtCore.Qt.KeyboardModifier.ControlModifier)
        if key == QtCore.Qt.Key.Key_Escape:
            self.tab_moves_on = True
        elif event.text():
            self.tab_moves_on = False  # writing code: Tab indents again
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter) and ctrl:
            self.runRequested.emit()
            return
        if key == QtCore.Qt.Key.Key_Tab and not mods:
            self.insertPlainText(INDENT)
            return
        if key == QtCore.Qt.Key.Key_Home and not ctrl:  # to the code, then to the margin
            cursor = self.textCursor()
            text = cursor.block().text()
            first = len(text) - len(text.lstrip(" "))
            target = 0 if cursor.positionInBlock() == first else first
            mode = QtGui.QTextCursor.MoveMode.MoveAnchor
            if mods & QtCore.Qt.KeyboardModifier.ShiftModifier:
                mode = QtGui.QTextCursor.MoveMode.KeepAnchor
            cursor.setPosition(cursor.block().position() + target, mode)
            self.setTextCursor(cursor)
            return
        if key == QtCore.Qt.Key.Key_Backtab:
            self._dedent()
            return
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            line = self.textCursor().block().text()[: self.textCursor().positionInBlock()]
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += INDENT
            self.textCursor().insertText("\n" + indent)
            self.ensureCursorVisible()
            return
        super().keyPressEvent(event)

    def _dedent(self) -> None:
        cursor = self.textCursor()
        cursor.movePosition(QtGui.QTextCursor.MoveOperation.StartOfBlock)
        text = cursor.block().text()
        remove = len(text) - len(text.lstrip(" "))
        for _ in range(min(4, remove)):
            cursor.deleteChar()

    # --- errors -------------------------------------------------------------------------
    def mark_error(self, line: int | None, column: int = 1) -> None:
        """Mark line `line` (1-based; None clears) and put the cursor at `column`."""
        self.error_at = None if line is None else (line, max(1, column))
        selections = self._error_selections()
        if selections:
            here = QtGui.QTextCursor(self.document())
            here.setPosition(selections[-1].cursor.selectionStart())
            self.setTextCursor(here)
        self.setExtraSelections(selections)
        self._numbers.update()

    def _error_selections(self) -> list[QtWidgets.QTextEdit.ExtraSelection]:
        """The marked line (the theme's "late" background) and the spot (bad on base)."""
        if self.error_at is None:
            return []
        line, column = self.error_at
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return []
        theme = palette.CURRENT
        whole = QtWidgets.QTextEdit.ExtraSelection()
        line_format = QtGui.QTextCharFormat()
        line_format.setBackground(QtGui.QColor(theme.late_background))
        line_format.setProperty(QtGui.QTextFormat.Property.FullWidthSelection, True)
        whole.format = line_format
        whole.cursor = QtGui.QTextCursor(block)
        spot = QtWidgets.QTextEdit.ExtraSelection()
        cursor = QtGui.QTextCursor(block)
        cursor.setPosition(block.position() + min(column - 1, max(0, block.length() - 2)))
        cursor.movePosition(
            QtGui.QTextCursor.MoveOperation.Right, QtGui.QTextCursor.MoveMode.KeepAnchor
        )
        spot_format = QtGui.QTextCharFormat()
        spot_format.setBackground(QtGui.QColor(theme.bad))
        spot_format.setForeground(QtGui.QColor(theme.base))
        spot.format = spot_format
        spot.cursor = cursor
        return [whole, spot]
