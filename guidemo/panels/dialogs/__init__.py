"""Panel `dialogs`: a modal dialog opened three ways, and what each does to asyncio.

The ways are lesson code (`guidemo.lessons.dialogs`); the work that must keep running is
`background.BackgroundSection`; the dialog is `demo_dialog.DemoDialog`; the numbers of each
try are `tries.Try`. On stock qasync the wrong way's refused task wake-ups are caught by
`refused.RefusedWakeups` and shown as rows.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.dialogs import (
    CallbackTicker,
    ask,
    ask_blocking,
    ask_in_slot,
    ask_open_file,
    ask_question,
    ask_text,
    download,
    tick,
)
from guidemo.panels.base import PanelContext
from guidemo.panels.dialogs.background import PERIOD_S, BackgroundSection
from guidemo.panels.dialogs.demo_dialog import DemoDialog
from guidemo.panels.dialogs.refused import RefusedWakeups
from guidemo.panels.dialogs.tries import COLUMNS, WAYS, Try, short_refusal
from guidemo.panels.section import SectionsPanel, boxed
from guidemo.widgets import kit, palette
from guidemo.widgets.kit import dspin, label, make_button, row, table

BUTTONS = {  # objectName: (way, text, tooltip, role)
    "execDialogButton": (
        "exec",
        "dialog.exec() in a coroutine",
        "The wrong way: a nested Qt loop inside a task's step holds every asyncio task",
        "danger",
    ),
    "awaitDialogButton": (
        "await",
        "await ask(dialog)",
        "The right way: open() the dialog and await a future its finished signal resolves",
        "good",
    ),
    "slotDialogButton": (
        "slot",
        "exec() in a plain Qt slot",
        "exec() in a click handler that Qt calls, outside any asyncio callback",
        "",
    ),
}
TABLE_MIN_HEIGHT = 160


class DialogsPanel(SectionsPanel):
    slug = "dialogs"
    title = "Modal dialogs from async code"
    sources = (
        ask,
        ask_blocking,
        ask_in_slot,
        ask_question,
        ask_text,
        ask_open_file,
        tick,
        CallbackTicker,
        download,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "execDialogButton": ask_blocking,
        "awaitDialogButton": ask,
        "slotDialogButton": ask_in_slot,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.tries: list[Try] = []
        self.busy = False
        self._dialog: DemoDialog | None = None
        self.background = BackgroundSection(self)
        self.sections = [self.background]
        self.close_after = dspin(
            "autoCloseSpin",
            0.0,
            30.0,
            3.0,
            "The dialog closes by itself after this long; 0 = it waits for you",
            step=0.5,
        )
        self.close_after.setSpecialValueText("never (you close it)")
        self.buttons = {
            name: make_button(text, name, tip, self._slot_for(way), role=role)
            for name, (way, text, tip, role) in BUTTONS.items()
        }
        self.summary = label(
            "Open the dialog one of three ways and watch the ticks and the download.",
            "dialogSummary",
            "What the last try did to the asyncio loop",
            rich=True,
        )
        self.summary.setMinimumHeight(48)
        self.table = table(
            "dialogTries",
            COLUMNS,
            "Every try, newest first: how long the dialog was open and what asyncio did "
            "meanwhile; on qasync, the task wake-ups it refused",
        )
        self.table.setMinimumHeight(TABLE_MIN_HEIGHT)
        self.table.setWordWrap(True)

        self.set_controls(
            kit.column(
                boxed(self.background),
                row("The dialog closes by itself after", self.close_after),
                row(*self.buttons.values()),
                self.summary,
                (self.table, 1),
            )
        )

    # --- the three ways ------------------------------------------------------------------
    def _slot_for(self, way: str) -> Callable[[], None]:
        return self.slot_try if way == "slot" else functools.partial(self.start_try, way)

    def start_try(self, way: str) -> None:
        """The two coroutine ways (exec, await): one try at a time, in its own task."""
        if not self.busy:
            self._set_busy(True)
            self.spawn(self._try(way), WAYS[way])

    def slot_try(self) -> None:
        """exec() right here in the click handler; the numbers are recorded by a task."""
        if self.busy:
            return
        self._set_busy(True)
        started = time.perf_counter()
        dialog = self._new_dialog("slot")
        ask_in_slot(dialog)
        self.spawn(self._record(self._finish(dialog, "slot"), started, []), "record slot try")

    async def _try(self, way: str) -> None:
        started = time.perf_counter()
        dialog = self._new_dialog(way)
        refused: list[str] = []
        try:
            if way == "exec":
                with RefusedWakeups(asyncio.get_running_loop()) as catcher:
                    await ask_blocking(dialog)
                refused = catcher.messages
            else:
                await ask(dialog)
        except BaseException:  # cancelled: ask() has closed the dialog
            self._finish(dialog, way)
            self._set_busy(False)
            raise
        await self._record(self._finish(dialog, way), started, refused)

    def _new_dialog(self, way: str) -> DemoDialog:
        self._dialog = DemoDialog(
            self, WAYS[way], self.background.counters, PERIOD_S, self.close_after.value()
        )
        return self._dialog

    def _finish(self, dialog: DemoDialog, way: str) -> Try | None:
        """Take the dialog's numbers and let it go."""
        self._dialog = None
        opened, closed, answer = dialog.opened, dialog.closed, dialog.answer
        dialog.deleteLater()
        if opened is None or closed is None:
            return None
        return Try(way, PERIOD_S, opened, closed, answer, loop_kind=self.context.loop_kind)

    async def _record(self, done: Try | None, started: float, refused: list[str]) -> None:
        # guidemo's loop reports a pause when the turn that held it ends: one step later.
        await asyncio.sleep(0)
        self._set_busy(False)
        if done is None:
            return
        done.refused = refused
        done.pauses = [
            (pause.duration_s, pause.where)
            for pause in self.context.monitor.pauses
            if pause.started >= started
        ]
        self.tries.append(done)
        self._show(done)

    def _show(self, done: Try) -> None:
        self.summary.setText(done.summary_html())
        for message in reversed(done.refused):
            self.table.insertRow(0)
            cells = ["↳ qasync", "", "", "", "", "", short_refusal(message)]
            for column, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setForeground(
                    QtGui.QColor(palette.BAD if column == len(cells) - 1 else palette.MUTED)
                )
                item.setToolTip(message)
                self.table.setItem(0, column, item)
        self.table.insertRow(0)
        for column, text in enumerate(done.cells()):
            item = QtWidgets.QTableWidgetItem(text)
            if column in (3, 5):
                item.setForeground(QtGui.QColor(done.color()))
            if column == len(COLUMNS) - 1:
                item.setToolTip(text)
            self.table.setItem(0, column, item)
        for column in range(len(COLUMNS) - 1):  # the last one stretches and wraps
            self.table.resizeColumnToContents(column)
        self.table.resizeRowsToContents()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in self.buttons.values():
            button.setEnabled(not busy)
        self.close_after.setEnabled(not busy)

    # --- life ----------------------------------------------------------------------------
    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.background.start()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        super().hideEvent(event)
        if not self.busy:  # a modal dialog's window may hide the panel for a moment
            self.background.halt()

    async def shutdown(self) -> None:
        """Close a dialog still open (a slot's nested loop must end too), then the rest."""
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.reject()
        self.background.halt()
        await super().shutdown()

    async def screenshot_demo(self) -> None:
        self.close_after.setValue(1.0)
        self.background.start()
        await asyncio.sleep(0.5)  # the tickers and the download get going
        for way in ("exec", "await"):
            self.start_try(way)
            while self.busy:
                await asyncio.sleep(0.05)
        count = len(self.tries)
        # Clicked from Qt, as a person's click comes: from this coroutine, the slot's
        # exec() would run inside an asyncio callback, which is the wrong way again.
        button = self.buttons["slotDialogButton"]
        QtCore.QTimer.singleShot(0, button, button.click)
        while len(self.tries) == count:
            await asyncio.sleep(0.05)
