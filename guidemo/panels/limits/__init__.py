"""Panel `limits`: why you throttle. 200 requests fired three ways at a rate-limited API.

The code the buttons run is the lesson `guidemo.lessons.limits`; each way's attempts and
numbers are a `WayRun` (`run`), drawn by `LimitsChart` (`chart`). This module wires them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Coroutine
from typing import Any, ClassVar

import aiohttp
from PySide6 import QtCore, QtWidgets

from guidemo.lessons.limits import (
    Attempt,
    TokenBucket,
    all_at_once,
    api_url,
    ask,
    backoff,
    open_session,
    paced,
    with_semaphore,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.limits.chart import LimitsChart
from guidemo.panels.limits.run import WAYS, WayRun, summary_text
from guidemo.panels.ways import Cell, ComparesWays, WaysRunner, add_run_row, summary_label
from guidemo.widgets import palette
from guidemo.widgets.kit import column, dspin, flow, make_button, spin, table, vsplit

REFRESH_MS = 100  # the chart and the live numbers, ten times a second while a way runs
KEEP_ROWS = 30
COLUMNS = ["way", "limit (/s)", "requests", "sent", "OK", "429s", "failed", "total (s)"]
COLUMNS += ["busiest 1 s (sent)"]
BUTTONS = {  # objectName: (way, text, tooltip, role)
    "unlimitedButton": (
        "gather",
        "gather, no limit",
        "Every request at once with asyncio.gather, as the lecture's NBA client did",
        "danger",
    ),
    "semaphoreButton": (
        "semaphore",
        "Semaphore",
        "At most 'In flight' requests at a time (asyncio.Semaphore); no retries",
        "",
    ),
    "tokenBucketButton": (
        "bucket",
        "token bucket + retry",
        "At most 'Pace' requests a second (a token bucket); a 429 waits Retry-After and "
        "tries again",
        "good",
    ),
}
_run_numbers = itertools.count(1)


class LimitsPanel(ComparesWays, Panel):
    slug = "limits"
    title = "Limits: why you throttle"
    sources = (ask, all_at_once, with_semaphore, TokenBucket, backoff, paced, api_url)
    button_lessons: ClassVar[dict[str, object]] = {
        "unlimitedButton": all_at_once,
        "semaphoreButton": with_semaphore,
        "tokenBucketButton": paced,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._current: WayRun | None = None
        self._latest: dict[str, WayRun] = {}  # the last finished run of each way
        self.api_server = context.server_url  # where /api/limited is (tests change it)
        self.set_controls(self._build_controls())
        self._refresh = QtCore.QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._show_progress)

    def _build_controls(self) -> QtWidgets.QWidget:
        self.count_spin = spin("requestCountSpin", 1, 1000, 200, "How many requests each way makes")
        self.rate_spin = spin(
            "limitRateSpin",
            1,
            500,
            50,
            "The server's limit: requests a second per client; as many at once after a pause",
            suffix=" /s",
        )
        self.latency_spin = dspin(
            "limitLatencySpin",
            0.0,
            2.0,
            0.1,
            "How long the server takes to answer an accepted request",
        )
        self.semaphore_spin = spin(
            "semaphoreSpin", 1, 200, 10, "Semaphore way: at most this many requests in flight"
        )
        self.pace_spin = spin(
            "paceSpin",
            1,
            1000,
            50,
            "Token bucket way: at most this many requests a second. Above the server's limit "
            "you get 429s, and the retries",
            suffix=" /s",
        )
        grid = QtWidgets.QGridLayout()
        fields = [
            ("Requests", self.count_spin),
            ("Server limit", self.rate_spin),
            ("Latency", self.latency_spin),
            ("In flight", self.semaphore_spin),
            ("Pace", self.pace_spin),
        ]
        for index, (text, widget) in enumerate(fields):
            caption = QtWidgets.QLabel(text)
            caption.setBuddy(widget)
            grid.addWidget(caption, index // 3, (index % 3) * 2)
            grid.addWidget(widget, index // 3, (index % 3) * 2 + 1)
        grid.setColumnStretch(6, 1)

        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (way, text, tip, role) in BUTTONS.items():
            self.buttons[name] = make_button(text, name, tip, role=role)
            self.buttons[name].clicked.connect(lambda _=False, w=way: self.start([w]))
        self.buttons["allWaysButton"] = make_button(
            "All three", "allWaysButton", "Run the three ways one after another", self.run_all
        )
        self.buttons["cancelButton"] = make_button(
            "Cancel",
            "cancelButton",
            "Stop the running way: requests in flight are cancelled",
        )

        self.summary = summary_label(
            "Fire the requests one way, then another, and compare the failures and times.",
            "limitsSummary",
            "The latest run in words, beside the other ways at the same limit",
            min_height=48,
        )
        self.chart = LimitsChart()
        self.table = table(
            "limitsTable",
            COLUMNS,
            "Every run, newest first. sent counts retries; 429s are refused answers; failed "
            "are requests that never got a 200",
        )
        self.table.setMinimumHeight(100)
        split = vsplit(self.chart, self.table, sizes=(210, 120))
        self.runner = WaysRunner(self, self.buttons, [w for _, w in fields], self.summary)
        return column(grid, flow(*self.buttons.values()), self.summary, (split, 1))

    # --- running ---------------------------------------------------------------------------
    def start(self, ways: list[str]) -> None:
        """One run at a time: the run buttons are disabled until it ends or is cancelled."""
        self.runner.start(" + ".join(ways), lambda: self._run_ways(ways))

    def run_all(self) -> None:
        self.start(list(WAYS))

    async def _run_ways(self, ways: list[str]) -> None:
        self._refresh.start()
        try:
            for way in ways:
                await self._run_one(way)
        finally:
            self._refresh.stop()
            self._current = None

    def _plan(self, way: str) -> tuple[WayRun, str]:
        rate = self.rate_spin.value()
        setting = {
            "semaphore": f"{self.semaphore_spin.value()} in flight",
            "bucket": f"{self.pace_spin.value()}/s",
        }.get(way, "")
        run = WayRun(way, self.count_spin.value(), rate, rate, setting)
        # A new client name each run: every run starts with a full quota of its own.
        client = f"guidemo-{os.getpid()}-{way}-{next(_run_numbers)}"
        url = api_url(self.api_server, rate, round(self.latency_spin.value(), 3), client)
        return run, url

    async def _run_one(self, way: str) -> None:
        run, url = self._plan(way)
        self._current = run
        try:
            async with open_session() as session:
                await self._way(way, session, url, run)
        except asyncio.CancelledError:
            run.end(cancelled=True)
            self._finish(run)
            raise
        run.end()
        self._finish(run)

    def _way(
        self, way: str, session: aiohttp.ClientSession, url: str, run: WayRun
    ) -> Coroutine[Any, Any, list[Attempt]]:
        if way == "gather":
            return all_at_once(session, url, run.count, run.record)
        if way == "semaphore":
            return with_semaphore(session, url, run.count, self.semaphore_spin.value(), run.record)
        bucket = TokenBucket(self.pace_spin.value())
        return paced(session, url, run.count, bucket, run.record)

    # --- showing it --------------------------------------------------------------------------
    def _show_progress(self) -> None:
        run = self._current
        if run is None:
            return
        self.chart.show_run(run)
        self.runner.say(
            f"<b>{run.name}</b>: {len(run.attempts)} answers so far, {run.ok} OK, "
            f"{run.refused} refused with 429, {run.wall:.1f} s…"
        )

    def _finish(self, run: WayRun) -> None:
        self.chart.show_run(run)
        if not run.cancelled:
            self._latest[run.way] = run
        self.runner.say(summary_text(run, self._latest))
        self._add_row(run)

    def _add_row(self, run: WayRun) -> None:
        cells: list[Cell] = [
            run.name + (" (cancelled)" if run.cancelled else ""),
            f"{run.rate:g}",
            str(run.count),
            str(len(run.attempts)),
            str(run.ok),
            str(run.refused),
            (str(run.failed), palette.BAD if run.failed else palette.GOOD),
            f"{run.wall:.2f}",
            str(run.busiest_second()),
        ]
        add_run_row(self.table, cells, KEEP_ROWS)

    async def screenshot_demo(self) -> None:
        self.count_spin.setValue(80)
        self.rate_spin.setValue(40)
        self.latency_spin.setValue(0.05)
        self.semaphore_spin.setValue(10)
        self.pace_spin.setValue(40)
        self.run_all()
        while self.runner.busy():
            await asyncio.sleep(0.05)
