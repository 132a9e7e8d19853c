"""objectName `errorLog`: every unhandled exception, listed, with its traceback a click away."""

from __future__ import annotations

import time
import traceback

from PySide6 import QtCore, QtWidgets

TRACEBACK_ROLE = QtCore.Qt.ItemDataRole.UserRole


class ErrorLog(QtWidgets.QWidget):
    """A list of errors (newest last) and the selected one's traceback."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("errorLog")
        self.list.setToolTip(
            "Unhandled errors from handlers and tasks; select one for its traceback"
        )
        self.detail = QtWidgets.QPlainTextEdit()
        self.detail.setObjectName("errorDetail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(
            "No unhandled errors. The app keeps running when one happens."
        )
        self.detail.setToolTip("The traceback of the selected error")
        self.list.currentItemChanged.connect(self._show_detail)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 2)
        layout.addWidget(self.detail, 3)

    def report(self, error: BaseException, context: str) -> None:
        """Add an error to the list (the ErrorReporter has already logged it)."""
        text = "".join(traceback.format_exception(error))
        item = QtWidgets.QListWidgetItem(
            f"{time.strftime('%H:%M:%S')}  {type(error).__name__}: {error}  — in {context}"
        )
        item.setData(TRACEBACK_ROLE, text)
        item.setToolTip(text)
        self.list.addItem(item)
        self.list.setCurrentItem(item)

    def _show_detail(self, item: QtWidgets.QListWidgetItem | None) -> None:
        self.detail.setPlainText(item.data(TRACEBACK_ROLE) if item else "")
