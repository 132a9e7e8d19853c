"""The dialog every way opens (objectName `demoDialog`), and what it measures.

It notes the panel's counters when it is shown and when it finishes, and shows, live, a Qt
timer of its own beside the asyncio ticks: Qt keeps running in every way of opening it;
whether asyncio does is the lesson.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels.dialogs.tries import Counters
from guidemo.widgets import palette
from guidemo.widgets.kit import column, label, named
from guidemo.widgets.palette import colored

REFRESH_MS = 100


class DemoDialog(QtWidgets.QDialog):
    """A small modal dialog that counts what runs while it is open."""

    def __init__(
        self,
        parent: QtWidgets.QWidget,
        way: str,
        snapshot: Callable[[], Counters],
        period_s: float,
        close_after_s: float = 0.0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("demoDialog")
        self.setWindowTitle(f"A modal dialog, opened by {way}")
        self.snapshot, self.period_s = snapshot, period_s
        self.opened: Counters | None = None  # when it was shown
        self.closed: Counters | None = None  # when it finished
        self.answer = ""
        self.finished.connect(self._on_finished)  # first, before ask() connects its own

        text = label(
            f"Opened by <b>{way}</b>. Watch the tickers and the download behind this "
            "dialog, then close it: the panel lists what ran meanwhile.",
            "demoDialogText",
            "What this dialog is for",
            rich=True,
        )
        self.live = label("", "demoDialogLive", "What ran since this dialog opened", rich=True)
        self.live.setMinimumWidth(420)
        buttons = named(
            QtWidgets.QDialogButtonBox(
                QtWidgets.QDialogButtonBox.StandardButton.Ok
                | QtWidgets.QDialogButtonBox.StandardButton.Cancel
            ),
            "demoDialogButtons",
            "OK accepts, Cancel rejects: either closes the dialog",
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column(text, self.live, buttons, top=None, into=self)

        self._qt_ticks = 0
        self._refresh_timer = QtCore.QTimer(self)  # Qt's own timer: it runs in every case
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)
        self._close_timer = QtCore.QTimer(self)
        self._close_timer.setSingleShot(True)
        self._close_timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._close_timer.timeout.connect(self._close_by_itself)
        self._close_after_ms = round(close_after_s * 1000)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self.opened is None:  # open() and exec() both show it before they return/block
            self.opened = self.snapshot()
            self._refresh_timer.start()
            if self._close_after_ms:
                self._close_timer.start(self._close_after_ms)
            self._place()
            self._refresh()

    def _place(self) -> None:
        """Over the right-hand side of the window, so the tickers on the left stay visible."""
        parent = self.parentWidget()
        window = parent.window() if parent is not None else None
        if window is None or not window.isVisible():
            return
        corner = window.mapToGlobal(QtCore.QPoint(window.width(), 0))
        self.move(corner.x() - self.width() - 40, corner.y() + 140)

    def _close_by_itself(self) -> None:
        self.answer = "closed by itself"
        self.accept()

    def _on_finished(self, result: int) -> None:
        self.closed = self.snapshot()
        self._refresh_timer.stop()
        self._close_timer.stop()
        if not self.answer:
            accepted = result == QtWidgets.QDialog.DialogCode.Accepted
            self.answer = "OK" if accepted else "Cancel"

    def _refresh(self) -> None:
        if self.opened is None:
            return
        self._qt_ticks += 1
        now = self.snapshot()
        seconds = now.at - self.opened.at
        expected = seconds / self.period_s
        ticks = now.task_ticks - self.opened.task_ticks
        callbacks = now.callback_ticks - self.opened.callback_ticks
        kb = (now.nbytes - self.opened.nbytes) / 1000
        color = palette.GOOD if ticks >= 0.5 * expected else palette.BAD
        left = ""
        if self._close_timer.isActive():
            left = f" (closes by itself in {self._close_timer.remainingTime() / 1000:.1f} s)"
        self.live.setText(
            f"Open for {seconds:.1f} s{left}.<br>"
            f"Qt timer in this dialog: {self._qt_ticks} ticks: Qt keeps running.<br>"
            f"asyncio task ticks since it opened: "
            f"{colored(f'{ticks} of ~{expected:.0f}', color, bold=True)}<br>"
            f"call_later ticks: {callbacks} &nbsp; downloaded: {kb:.1f} kB"
        )
