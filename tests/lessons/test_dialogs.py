"""Lesson `dialogs`: `await ask(dialog)` answers without nesting a loop, cancelling it
closes the dialog, and the two exec() ways do what their docstrings say, on both loops.

No window: a plain parent widget on the session's loop. Dialogs are answered by finding
them and calling accept()/reject(), from a task or a Qt timer; never a nested loop here.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets

from guidemo.lessons.dialogs import (
    CallbackTicker,
    ask,
    ask_blocking,
    ask_in_slot,
    ask_open_file,
    ask_question,
    ask_text,
    tick,
)
from tests.helpers import TEST_LOOP_KIND, wait_until

pytestmark = pytest.mark.timeout(60)
PERIOD_S = 0.01
OPEN_S = 1.0
Accepted = QtWidgets.QDialog.DialogCode.Accepted
Rejected = QtWidgets.QDialog.DialogCode.Rejected


@pytest.fixture
def parent(qapp: QtWidgets.QApplication) -> Iterator[QtWidgets.QWidget]:
    widget = QtWidgets.QWidget()
    widget.resize(400, 300)
    widget.show()
    yield widget
    widget.close()
    widget.deleteLater()


def open_dialog(parent: QtWidgets.QWidget, kind: type = QtWidgets.QDialog) -> Any:
    """The visible dialog of `kind` under `parent`, or None."""
    shown = [d for d in parent.findChildren(kind) if d.isVisible()]
    return shown[0] if shown else None


async def answer(
    parent: QtWidgets.QWidget, act: Callable[[Any], object], after_s: float = 0.0, kind=None
) -> None:
    """From a task: wait for the dialog, keep it open `after_s`, then answer it."""
    dialog = await wait_until(lambda: open_dialog(parent, kind or QtWidgets.QDialog), 10, "dialog")
    if after_s:
        await asyncio.sleep(after_s)
    act(dialog)


def noting(modality: list[Any], act: Callable[[Any], object]) -> Callable[[Any], object]:
    """`act`, after noting the dialog's modality while it is open."""
    return lambda dialog: (modality.append(dialog.windowModality()), act(dialog))


class QtAnswerer(QtCore.QObject):
    """From a Qt timer (which also fires inside a nested Qt loop): accept the first visible
    dialog under `parent` once it has been open `after_s`."""

    def __init__(self, parent: QtWidgets.QWidget, after_s: float) -> None:
        super().__init__(parent)
        self.parent_widget, self.after_s = parent, after_s
        self.seen_at: float | None = None
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.timer.start(5)

    def poll(self) -> None:
        dialog = open_dialog(self.parent_widget)
        now = QtCore.QDateTime.currentMSecsSinceEpoch() / 1000
        if dialog is None:
            return
        if self.seen_at is None:
            self.seen_at = now
        elif now - self.seen_at >= self.after_s:
            self.timer.stop()
            dialog.accept()


class Counts:
    """A task ticker and a callback ticker from the lesson, counting."""

    def __init__(self) -> None:
        self.task = self.callbacks = 0
        self.ticker_task = asyncio.get_running_loop().create_task(
            tick(PERIOD_S, self._task_tick), name="test: ticker"
        )
        self.callback_ticker = CallbackTicker(PERIOD_S, self._callback_tick)

    def _task_tick(self) -> None:
        self.task += 1

    def _callback_tick(self) -> None:
        self.callbacks += 1

    async def stop(self) -> None:
        self.callback_ticker.stop()
        self.ticker_task.cancel()
        await asyncio.gather(self.ticker_task, return_exceptions=True)


@pytest.mark.no_outside_load  # counts 10 ms ticks: 59 in 1 s beside a second suite
def test_ask_returns_the_answer_and_the_loop_keeps_running(run, parent):
    async def scenario() -> list[tuple[int, int, float]]:
        counts = Counts()
        await wait_until(lambda: counts.task > 5, 5, "ticker going")
        results = []
        for act in (QtWidgets.QDialog.accept, QtWidgets.QDialog.reject):
            dialog = QtWidgets.QDialog(parent)
            modality: list[QtCore.Qt.WindowModality] = []
            answering = asyncio.create_task(answer(parent, noting(modality, act), OPEN_S))
            before, started = counts.task, asyncio.get_running_loop().time()
            result = await ask(dialog)
            took = asyncio.get_running_loop().time() - started
            await answering
            assert modality == [QtCore.Qt.WindowModality.WindowModal]  # open(), not exec()
            assert not dialog.isVisible()
            results.append((result, counts.task - before, took))
            dialog.deleteLater()
        await counts.stop()
        return results

    (accepted, ticks, took), (rejected, *_) = run(scenario())
    assert accepted == Accepted and rejected == Rejected
    assert ticks >= 0.8 * took / PERIOD_S, f"{ticks} ticks in {took:.2f} s"


def test_cancelling_the_awaiting_task_closes_the_dialog_without_a_warning(run, parent):
    loop_errors: list[dict[str, Any]] = []

    async def scenario() -> asyncio.Task[int]:
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
        try:
            dialog = QtWidgets.QDialog(parent)
            finished: list[int] = []
            dialog.finished.connect(finished.append)
            asking = asyncio.create_task(ask(dialog), name="test: asking")
            await wait_until(dialog.isVisible, 5, "the dialog")
            asking.cancel()
            await asyncio.wait([asking])
            assert not dialog.isVisible(), "cancelling closed the dialog"
            assert finished == [Rejected]
            dialog.open()  # open and answer it again: ask() let go of its signal
            dialog.accept()
            assert finished == [Rejected, Accepted]
            dialog.deleteLater()
            await asyncio.sleep(0.05)  # anything scheduled by the cancellation has run
            return asking
        finally:
            loop.set_exception_handler(previous)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asking = run(scenario())
    assert asking.cancelled()
    assert loop_errors == [] and [str(w.message) for w in caught] == []


def test_question_text_and_file_variants(run, parent, tmp_path: Path):
    chosen = tmp_path / "notes.txt"
    chosen.write_text("hello")
    Button = QtWidgets.QMessageBox.StandardButton

    def click_yes(box: QtWidgets.QMessageBox) -> None:
        box.button(Button.Yes).click()

    def type_text(dialog: QtWidgets.QInputDialog) -> None:
        dialog.setTextValue("typed")
        dialog.accept()

    def pick_file(dialog: QtWidgets.QFileDialog) -> None:  # type the name, press OK
        dialog.findChild(QtWidgets.QLineEdit, "fileNameEdit").setText(chosen.name)
        dialog.accept()

    async def with_answer(coro: Any, act: Callable[[Any], object], kind: type) -> Any:
        answering = asyncio.create_task(answer(parent, act, kind=kind))
        result = await coro
        await answering
        return result

    async def scenario() -> list[Any]:
        reject = QtWidgets.QDialog.reject
        box, text, files = QtWidgets.QMessageBox, QtWidgets.QInputDialog, QtWidgets.QFileDialog
        return [
            await with_answer(ask_question(parent, "Q", "Sure?"), click_yes, box),
            await with_answer(ask_question(parent, "Q", "Sure?"), reject, box),
            await with_answer(ask_text(parent, "T", "Name:", "x"), type_text, text),
            await with_answer(ask_text(parent, "T", "Name:"), reject, text),
            await with_answer(ask_open_file(parent, "F", str(tmp_path)), pick_file, files),
            await with_answer(ask_open_file(parent, "F", str(tmp_path)), reject, files),
        ]

    results = run(scenario())
    assert results == [Button.Yes, Button.No, "typed", None, str(chosen), None]


def test_a_cancelled_variant_deletes_its_dialog(run, parent):
    async def scenario() -> list[str]:
        gone: list[str] = []
        asking = asyncio.create_task(ask_question(parent, "Q", "Sure?"))
        box = await wait_until(lambda: open_dialog(parent, QtWidgets.QMessageBox), 5, "box")
        box.destroyed.connect(lambda: gone.append("deleted"))
        asking.cancel()
        await asyncio.wait([asking])
        await wait_until(lambda: gone, 5, "the box deleted")
        return gone

    assert run(scenario()) == ["deleted"]


def test_exec_in_a_coroutine_holds_asyncio_or_on_qasync_runs_callbacks_inside(run, parent):
    """The wrong way, awaited directly, so no *other* task wakes meanwhile: on qasync a
    woken task would be refused for good (the panel's tests cover that case)."""

    async def scenario() -> tuple[int, int, float]:
        callbacks = 0

        def count() -> None:
            nonlocal callbacks
            callbacks += 1

        ticker = CallbackTicker(PERIOD_S, count)
        await wait_until(lambda: callbacks > 5, 5, "callbacks going")
        QtAnswerer(parent, OPEN_S)  # a Qt timer: tasks cannot answer this one
        dialog = QtWidgets.QDialog(parent)
        loop = asyncio.get_running_loop()
        before, started = callbacks, loop.time()
        result = await ask_blocking(dialog)
        during, took = callbacks - before, loop.time() - started
        ticker.stop()
        dialog.deleteLater()
        return result, during, took

    result, during, took = run(scenario())
    assert result == Accepted and took >= OPEN_S * 0.9
    if TEST_LOOP_KIND == "guidemo":
        assert during == 0, "asyncio ran nothing while exec() held its turn"
    else:
        assert during >= 0.8 * took / PERIOD_S, "qasync ran its callbacks in the nested loop"


@pytest.mark.no_outside_load  # counts 10 ms ticks: 77 in 1.12 s beside a second suite
def test_exec_in_a_plain_qt_slot_lets_every_task_run(run, parent):
    results: list[int] = []
    dialog = QtWidgets.QDialog(parent)

    def clicked() -> None:  # what a click handler is: Qt calls it, not asyncio
        results.append(ask_in_slot(dialog))

    async def scenario() -> tuple[int, float]:
        counts = Counts()
        await wait_until(lambda: counts.task > 5, 5, "ticker going")
        loop = asyncio.get_running_loop()
        before, started = counts.task, loop.time()
        QtCore.QTimer.singleShot(0, parent, clicked)
        await answer(parent, QtWidgets.QDialog.accept, OPEN_S)  # a task answers: tasks run
        await wait_until(lambda: results, 5, "the slot returned")
        ticks, took = counts.task - before, loop.time() - started
        await counts.stop()
        return ticks, took

    ticks, took = run(scenario())
    assert results == [Accepted]
    assert ticks >= 0.8 * took / PERIOD_S, f"{ticks} ticks in {took:.2f} s"
    dialog.deleteLater()
