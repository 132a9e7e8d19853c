"""No deferred call outlives its widget: close and delete the window right after each
panel's main action, then watch for 2 s. Nothing may raise (pytest-qt fails the test on
an exception in a Qt slot) and nothing may be logged at WARNING or above."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from PySide6 import QtCore, QtWidgets

from guidemo.app import MainWindow
from guidemo.panels.base import Panel

# The main action of each panel: the buttons a learner presses first (their values small).
ACTIONS: dict[str, tuple[dict[str, float], list[str]]] = {
    "blocking": ({"durationSpin": 0.3}, ["blockButton", "executorButton"]),
    "event-loop": ({"realSlowSpin": 200}, ["slowEventButton", "realPostButton"]),
    "callbacks": ({}, ["allKindsButton", "callbackStyleButton"]),
    "coroutines": ({}, ["sayLotsButton", "startInstancesButton"]),
    "futures": ({}, ["newFutureButton", "awaitFutureButton", "threadFutureButton"]),
    "dialogs": ({}, ["awaitDialogButton"]),
    "scripts": ({}, ["runScriptButton"]),
    "gather": ({"stepSpin": 0.2}, ["runAllButton"]),
    "http": ({"countSpin": 3, "latencySpin": 0.05}, ["syncButton", "asyncButton"]),
    "limits": ({}, ["allWaysButton"]),
    "downloader": ({}, ["allDownloadsButton"]),
    "websocket": ({}, ["connectButton", "pollButton"]),
    "lab": ({}, ["labRunButton"]),
    "tasks": ({}, ["demoTasksButton", "familyButton"]),
    "cancellation": ({}, ["shieldButton"]),
    "backpressure": ({}, ["unboundedThreadQueueButton"]),
    "races": ({}, ["raceButton"]),
    "hidden-blocking": ({"blockingSecondsSpin": 0.2}, ["toThreadButton"]),
    "async-iteration": ({"downloadSizeSpin": 50}, ["dropGeneratorButton"]),
    "selector": ({}, ["openConnectionsButton", "ownLoopButton"]),
}
WATCH_S = 2.0


def preset(panel: QtWidgets.QWidget, values: dict[str, float]) -> None:
    for name, value in values.items():
        spin = panel.findChild(QtWidgets.QAbstractSpinBox, name)
        assert spin is not None, name
        spin.setValue(value)  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("slug", list(ACTIONS))
def test_closing_right_after_the_main_action_leaves_nothing_behind(run, server, caplog, slug):
    values, buttons = ACTIONS[slug]

    async def scenario() -> None:
        window = MainWindow(server.url, server=server, lazy=True)  # builds the panel shown
        window.remember_state = False
        window.show()
        panel = window.show_panel(slug)
        preset(panel, values)
        for name in buttons:
            button = panel.findChild(QtWidgets.QPushButton, name)
            assert button is not None, name
            if button.isEnabled():
                button.click()
            await asyncio.sleep(0)  # one turn: what the click started is under way
        window.close()
        await window.shutdown()
        window.deleteLater()
        # Whatever was deferred (timers, queued signals, call_later) comes due now.
        await asyncio.sleep(WATCH_S)
        QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)

    with caplog.at_level(logging.WARNING):
        run(scenario(), timeout=45)
    problems = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.WARNING and not record.name.startswith("guidemo.qt")
    ]
    assert problems == []


@pytest.mark.timeout(60)
def test_a_quit_before_the_background_build_starts_no_thread_after_it(run, server):
    """Ctrl+C in the app's first second: the background build's timer was already set, and
    used to start the warm-up imports after the shutdown, while Python was exiting."""

    async def scenario() -> tuple[MainWindow, list[str]]:
        window = MainWindow(server.url, server=server, lazy=True)
        window.remember_state = False
        window.show()
        window.build_remaining(delay_ms=50)
        window.close()
        await window.shutdown()
        await asyncio.sleep(0.3)  # the timer's moment has passed: nothing may start now
        return window, [thread.name for thread in threading.enumerate()]

    window, threads = run(scenario())
    window.deleteLater()
    assert "guidemo: warm-up imports" not in threads
    widgets = [window.stack.widget(index) for index in range(window.stack.count())]
    built = [widget for widget in widgets if isinstance(widget, Panel)]
    assert len(built) == 1, "only the first panel: nothing was built after the shutdown"
