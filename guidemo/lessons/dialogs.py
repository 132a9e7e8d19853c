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
    dialog.open()
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
    await ask(box)
    clicked = box.standardButton(box.clickedButton()) if box.clickedButton() else Button.No
    box.deleteLater()
    return clicked


async def ask_text(parent: QtWidgets.QWidget, title: str, label: str, text: str = "") -> str | None:
    """A line of text, or None if the user cancelled."""
    dialog = QtWidgets.QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    accepted = await ask(dialog) == QtWidgets.QDialog.DialogCode.Accepted
    value = dialog.textValue()
    dialog.deleteLater()
    return value if accepted else None


async def ask_open_file(parent: QtWidgets.QWidget, title: str, directory: str = "") -> str | None:
    """A file to open, or None if the user cancelled."""
    dialog = QtWidgets.QFileDialog(parent, title, directory)
    dialog.setFileMode(QtWidgets.QFileDialog.FileMode.ExistingFile)
    dialog.setOption(QtWidgets.QFileDialog.Option.DontUseNativeDialog)  # same on every desktop
    accepted = await ask(dialog) == QtWidgets.QDialog.DialogCode.Accepted
    files = dialog.selectedFiles()
    dialog.deleteLater()
    return files[0] if accepted and files else None


async def ask_blocking(dialog: QtWidgets.QDialog) -> int:
    """The wrong way: exec() nests a Qt event loop inside this coroutine's step."""
    return dialog.exec()


def ask_in_slot(dialog: QtWidgets.QDialog) -> int:
    """exec() in a plain Qt slot (a click handler, not a coroutine).

    On guidemo's loop this is fine: no asyncio turn is running, so the nested Qt loop
    drives asyncio's turns just as the main one does, and every task keeps going.
    """
    return dialog.exec()
