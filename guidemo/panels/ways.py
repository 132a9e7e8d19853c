"""The runner of the panels that compare ways: one run at a time, with a Cancel.

The blocking, http, gather, limits and downloader panels each run one way (or several in a
row) of doing the same job, and compare them. `WaysRunner` is the part they share: it
starts the run as a task of the panel, refuses a second start while one runs, keeps the run
buttons off and Cancel on while it runs (and the settings off, so every way of one click
runs with the same settings), cancels, frees the buttons at the end, and writes the
verdict in the panel's summary. What differs between the panels is a parameter:

- `stop`: what Cancel does. By default the run's task is cancelled (`cancel_task`); the
  downloader first notes when (its summary says how long the workers took to end),
  blocking first raises its threads' cancel flag and terminates its worker process; http
  leaves it to its run (async: the task is cancelled; threads: the pool drops its queued
  requests and the running ones finish). It returns False when there was nothing left
  to cancel (Cancel then stays on).
- `cancellable` (of `start` and `hold`): False where no click on Cancel could ever be
  delivered, because the run freezes the GUI thread (blocking's click handler, http's
  sync way): Cancel stays off rather than looking pressable.
- `ends_with_task`: False where the run is over later than its task (http frees the
  buttons once every row is drawn and the clicks queued by a freeze are dropped); the
  panel then calls `release()`.
- `on_running`: what else a panel shows while it runs (a busy bar, fields that count only
  in one mode).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets.kit import label

CANCEL = "cancelButton"  # the objectName of every such panel's Cancel button
Cell = str | tuple[str, str | None]  # a results cell's text, or its text and colour


class Spawner(Protocol):
    """A panel: it keeps the tasks it starts, and cancels them when it shuts down."""

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...


class ComparesWays:
    """A panel that runs its ways with a `WaysRunner`, as the tour sees it."""

    runner: WaysRunner

    def busy(self) -> bool:
        """A run is going: the tour waits for its verdict before it reads the summary."""
        return self.runner.busy()


class WaysRunner:
    """Runs one way (or several in a row) at a time; owns the buttons' enabled state."""

    def __init__(
        self,
        host: Spawner,
        buttons: Mapping[str, QtWidgets.QPushButton],
        settings: Sequence[QtWidgets.QWidget] = (),
        summary: QtWidgets.QLabel | None = None,
        stop: Callable[[], bool] | None = None,
        on_running: Callable[[bool], None] | None = None,
        ends_with_task: bool = True,
    ) -> None:
        self.host = host
        self.buttons = buttons  # the run buttons and Cancel (objectName CANCEL), by name
        self.settings = settings  # fixed while a run goes
        self.summary = summary
        self.task: asyncio.Task[Any] | None = None
        self._stop = stop or self.cancel_task
        self._on_running = on_running
        self._ends_with_task = ends_with_task
        self._running = False
        self.buttons[CANCEL].clicked.connect(self.cancel)
        self.release()

    def busy(self) -> bool:
        """A run is going (the tour waits for its result before reading the summary)."""
        return self._running

    def start(
        self, name: str, run: Callable[[], Coroutine[Any, Any, Any]], cancellable: bool = True
    ) -> asyncio.Task[Any] | None:
        """Start `run()` as the panel's task named `name`, unless a run is going (then
        nothing happens and None is returned: one run at a time)."""
        if self._running:
            return None
        self.hold(cancellable)
        # Its end is heard by a done callback, not a wrapping coroutine: the task
        # inspector then shows the panel's own coroutine as the run's outermost frame.
        self.task = self.host.spawn(run(), name)
        self.task.add_done_callback(self._ended)
        return self.task

    def hold(self, cancellable: bool = True) -> None:
        """Show a run as going: the run buttons and settings off, Cancel on if it can help."""
        self._running = True
        self._show(cancellable)

    def cancel(self) -> None:
        """Cancel's slot: stop the run (see `stop`); Cancel is off once it has asked."""
        if self._running and self._stop():
            self.buttons[CANCEL].setEnabled(False)

    def cancel_task(self) -> bool:
        """Cancel the run's task (`stop`'s default); False if there is none to cancel."""
        return self.task is not None and self.task.cancel()

    def release(self) -> None:
        """The run is over: the run buttons and settings on again, Cancel off."""
        self._running = False
        self._show(cancellable=False)

    def say(self, text: str) -> None:
        """Write the run's state or verdict in the panel's summary."""
        if self.summary is not None:
            self.summary.setText(text)

    def _ended(self, task: asyncio.Task[Any]) -> None:
        if task is self.task:
            self.task = None
            if self._ends_with_task:
                self.release()

    def _show(self, cancellable: bool) -> None:
        running = self._running
        for name, button in self.buttons.items():
            button.setEnabled(running and cancellable if name == CANCEL else not running)
        for setting in self.settings:
            setting.setEnabled(not running)
        if self._on_running is not None:
            self._on_running(running)


def summary_label(text: str, name: str, tip: str, min_height: int = 36) -> QtWidgets.QLabel:
    """The run's summary, top-aligned and at least `min_height` tall: the table under it
    does not jump as the text goes from one line ("running…") to two (the verdict)."""
    summary = label(text, name, tip, rich=True)
    summary.setMinimumHeight(min_height)
    summary.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
    return summary


def add_run_row(
    table: QtWidgets.QTableWidget,
    cells: Sequence[Cell],
    keep: int,
    fit: bool = True,
    tips: bool = False,
) -> None:
    """Insert a run as the top row of its results table (newest first); rows beyond `keep`
    drop off. `fit`: resize the columns to the new texts (not where the header already
    does); `tips`: each cell's text as its tooltip too (cells too long to show whole)."""
    table.insertRow(0)
    for at, cell in enumerate(cells):
        text, color = (cell, None) if isinstance(cell, str) else cell
        item = QtWidgets.QTableWidgetItem(text)
        if tips:
            item.setToolTip(text)
        if color:
            item.setForeground(QtGui.QColor(color))
        table.setItem(0, at, item)
    while table.rowCount() > keep:
        table.removeRow(table.rowCount() - 1)
    if fit:
        table.resizeColumnsToContents()
