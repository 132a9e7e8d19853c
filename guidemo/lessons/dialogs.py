"""Modal dialogs from async code: `await ask(dialog)` instead of `dialog.exec()`.

`exec()` runs a second, nested Qt event loop until the dialog closes. Called from a
coroutine, that nested loop runs *inside* one step of an asyncio task: asyncio cannot
take its next turn until the step returns, so every other task stands still while the
dialog is open (qasync instead keeps running callbacks inside the nested loop, and a
task woken there fails with "Cannot enter into task ... while another task ... is being
executed"). `open()` shows the same modal dialog and returns at once; the coroutine then
awaits a future that the dialog's `finished` signal resolves. One loop, no nesting.

This lesson is about widgets, so unlike the others it imports QtWidgets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from PySide6 import QtWidgets


async def ask(dialog: QtWidgets.QDialog) -> int:
    """Show `dialog` modally with open() and wait for its result without blocking the loop.

    Cancelling the awaiting task closes the dialog.
    """
    answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_finished(result: int) -> None:
        if not answered.done():
            answered.set_result(result)

    dialog.finished.connect(on_finished)
    dialog.open()  # shows it (window-modal) and returns at once
    try:
        return await answered
    finally:
        dialog.finished.disconnect(on_finished)
        if dialog.isVisible():  # we were cancelled while it was open
            dialog.reject()


async def ask_question(
    parent: QtWidgets.QWidget, title: str, text: str
) -> QtWidgets.QMessageBox.StandardButton:
    """A Yes/No question; returns the button clicked (No when dismissed)."""
    Button = QtWidgets.QMessageBox.StandardButton
    box = QtWidgets.QMessageBox(
        QtWidgets.QMessageBox.Icon.Question, title, text, Button.Yes | Button.No, parent
    )
    box.setDefaultButton(Button.No)
    try:
        await ask(box)
        clicked = box.clickedButton()
        return box.standardButton(clicked) if clicked else Button.No
    finally:
        box.deleteLater()  # also when cancelled: the parent would keep it forever


async def ask_text(parent: QtWidgets.QWidget, title: str, label: str, text: str = "") -> str | None:
    """A line of text, or None if the user cancelled."""
    dialog = QtWidgets.QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    try:
        accepted = await ask(dialog) == QtWidgets.QDialog.DialogCode.Accepted
        return dialog.textValue() if accepted else None
    finally:
        dialog.deleteLater()


async def ask_open_file(parent: QtWidgets.QWidget, title: str, directory: str = "") -> str | None:
    """A file to open, or None if the user cancelled."""
    dialog = QtWidgets.QFileDialog(parent, title, directory)
    dialog.setFileMode(QtWidgets.QFileDialog.FileMode.ExistingFile)
    dialog.setOption(QtWidgets.QFileDialog.Option.DontUseNativeDialog)  # same on every desktop
    try:
        accepted = await ask(dialog) == QtWidgets.QDialog.DialogCode.Accepted
        files = dialog.selectedFiles()
        return files[0] if accepted and files else None
    finally:
        dialog.deleteLater()


async def ask_blocking(dialog: QtWidgets.QDialog) -> int:
    """The wrong way: exec() nests a Qt event loop inside this coroutine's step."""
    return dialog.exec()


def ask_in_slot(dialog: QtWidgets.QDialog) -> int:
    """exec() in a plain Qt slot (a click handler, not a coroutine).

    On guidemo's loop this is fine: Qt called the slot, no asyncio callback is running,
    so the nested Qt loop drives asyncio's turns just as the main one does and every
    task keeps going. The same call made from a coroutine (even via `button.click()`
    in a task) is the wrong way again.
    """
    return dialog.exec()


# --- the other work a dialog must not stop ------------------------------------------------

CATCH_UP_S = 0.1  # a tick late by less than this is made up at once; a longer stall is skipped


async def tick(period_s: float, on_tick: Callable[[], object]) -> None:
    """A task that needs the loop: one tick every `period_s` seconds, on a fixed schedule."""
    loop = asyncio.get_running_loop()
    due = loop.time()
    while True:
        due = max(due + period_s, loop.time() - CATCH_UP_S)
        await asyncio.sleep(due - loop.time())
        on_tick()


class CallbackTicker:
    """The same ticks as plain loop callbacks (call_at): no task involved."""

    def __init__(self, period_s: float, on_tick: Callable[[], object]) -> None:
        self.loop = asyncio.get_running_loop()
        self.period_s, self.on_tick = period_s, on_tick
        self.due = self.loop.time()
        self.handle = self.loop.call_at(self.due, self.tick)

    def tick(self) -> None:
        self.on_tick()
        self.due = max(self.due + self.period_s, self.loop.time() - CATCH_UP_S)
        self.handle = self.loop.call_at(self.due, self.tick)

    def stop(self) -> None:
        self.handle.cancel()


async def download(
    session: aiohttp.ClientSession, url: str, on_bytes: Callable[[int], object]
) -> int:
    """Stream `url`, reporting each piece as it arrives; returns the bytes received."""
    total = 0
    async with session.get(url) as response:
        response.raise_for_status()
        async for chunk in response.content.iter_any():
            total += len(chunk)
            on_bytes(len(chunk))
    return total
