"""Item delegates for item views (tables, lists)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class ElideRight(QtWidgets.QStyledItemDelegate):
    """Cut a cell's text at its end ("…" on the right), whatever the view's elide mode:
    for a column of sentences that should keep their start (URLs keep both ends)."""

    def initStyleOption(
        self,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = QtCore.Qt.TextElideMode.ElideRight
