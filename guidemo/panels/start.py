"""Panel `start`: the overview. The three approaches, where to find each, and references."""

from __future__ import annotations

import asyncio
import functools
import time

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.toy_loop import ToyEventLoop
from guidemo.monitor import PROBE_INTERVAL_S, WINDOW_S
from guidemo.panels import PANELS
from guidemo.panels.base import Panel, PanelContext, first_sentence
from guidemo.widgets.kit import FitLabel, SteadyBox, label, make_button

LIVE_EVERY_MS = 2000  # often enough to see it live, rarely enough to cost nothing idle


class StartPanel(Panel):
    explanation_lines = 16  # the overview is the point of this page
    slug = "start"
    title = "Start here: waiting for many things at once"
    sources = (ToyEventLoop.run_one, ToyEventLoop.post)

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        # The live line measures the loop from here on; None while guidemo itself is
        # still starting up (building panels is our work, not the loop being late).
        self._measured_from: float | None = time.perf_counter()
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        self.live = label(
            "",
            "liveLabel",
            "Measured now: how often the loop came back, how late, and how many tasks it has",
            rich=True,
        )
        tour = make_button(
            "Start the guided tour",
            "startTourButton",
            "A walk through the whole lecture, one control at a time (also: Tour, top right)",
            self.tourRequested.emit,
            role="good",
        )
        layout.addWidget(tour)
        # At least two lines; new numbers repaint the line, not the page (see SteadyBox).
        layout.addWidget(SteadyBox(self.live, lines=2))
        grid = QtWidgets.QGridLayout()
        grid.setColumnStretch(1, 1)
        for row, entry in enumerate(e for e in PANELS if e.slug != self.slug):
            button = make_button(
                entry.nav or entry.title,
                f"open-{entry.slug}",
                f"Open the panel: {entry.title}",
                functools.partial(self.panelRequested.emit, entry.slug),
            )
            summary = FitLabel(entry.blurb or first_sentence(entry.load().explained()))
            summary.setTextFormat(QtCore.Qt.TextFormat.MarkdownText)
            grid.addWidget(button, row, 0, QtCore.Qt.AlignmentFlag.AlignTop)
            grid.addWidget(summary, row, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.set_controls(controls)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(LIVE_EVERY_MS)
        self._timer.timeout.connect(self.refresh)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self.refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def starting_up(self) -> None:
        """guidemo builds its other panels now: the live line waits for `started_up()`."""
        self._measured_from = None
        self.refresh()

    def started_up(self) -> None:
        """Start-up is over: measure the loop from now on."""
        self._measured_from = time.perf_counter()
        self.refresh()

    def refresh(self) -> None:
        """The loop, measured now: it is running this very label."""
        if self._measured_from is None:
            self._set_live("Measuring this window's loop as soon as guidemo has started up…")
            return
        since = max(time.perf_counter() - WINDOW_S, self._measured_from)
        stats = self.context.monitor.stats_since(since)
        try:
            tasks = len(asyncio.all_tasks(asyncio.get_running_loop()))
        except RuntimeError:  # shown before the loop runs
            tasks = 0
        self._set_live(
            f"Right now this window's loop ran its {PROBE_INTERVAL_S * 1000:.0f} ms probe "
            f"<b>{stats.samples}</b> times "
            f"in the last {min(WINDOW_S, time.perf_counter() - since):.0f} s, "
            f"at worst <b>{stats.max_ms:.0f} ms</b> late (p99 "
            f"{stats.p99_ms:.1f} ms), and holds <b>{tasks}</b> asyncio tasks."
        )

    def _set_live(self, text: str) -> None:
        if text != self.live.text():
            self.live.setText(text)

    async def screenshot_demo(self) -> None:
        """Let the probe run a second, so the live line has something to say."""
        monitor = self.context.monitor
        for _ in range(40):
            if monitor.stats().samples >= 15:
                break
            await asyncio.sleep(0.05)
        self.refresh()
