"""Panel `http`: the same downloads three ways (aiohttp, one by one, a thread pool), live.

The code the buttons run is the lesson `guidemo.lessons.news` (with the GETs of
`guidemo.net`); a run's bookkeeping and the sentences about it are in `run`, the
widgets in `controls` and `table`. This module wires them: it starts and cancels
runs, and draws a run's rows, progress and waterfall, at most once a frame.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from PySide6 import QtCore, QtWidgets

from guidemo.lessons.news import (
    Board,
    count_word,
    fetch_all_async,
    fetch_all_sync,
    fetch_all_threads,
    get_news_async,
    get_news_sync,
    get_news_threads,
)
from guidemo.net import aio, blocking_get, fetch, fetch_blocking
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.http.controls import HttpControls
from guidemo.panels.http.examples import example_text
from guidemo.panels.http.execute import execute
from guidemo.panels.http.run import ASK_ABOVE_S, WAYS, Run, RunRecord, record_of, settings_text
from guidemo.panels.http.texts import declined_text, progress_text, summary_text
from guidemo.panels.ways import ComparesWays, WaysRunner
from guidemo.widgets import palette, waterfall
from guidemo.widgets.freeze_guard import QueuedClicks, ignored_clicks_text
from guidemo.widgets.palette import colored

FRAME_S = 0.016  # widgets are updated at most once per frame (~60 Hz)
FRAME_BUDGET_S = 0.004  # and each update spends at most a quarter of a frame
TIMELINE_EVERY_S = 0.1  # the waterfall is redrawn at most 10 times a second

# A row's waterfall bar, by its state (QUEUED, RUNNING, OK, FAILED, CANCELLED).
BAR_OF_STATE = np.array(
    [waterfall.NO_BAR, waterfall.RUNNING, waterfall.DONE, waterfall.FAILED, waterfall.CANCELLED],
    dtype=np.uint8,
)


class HttpPanel(ComparesWays, Panel):
    slug = "http"
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "ask_above_s": ASK_ABOVE_S,
        "frame_ms": FRAME_S * 1000,
    }
    title = "Many downloads: async vs sync vs threads"
    sources = (
        get_news_async,
        fetch_all_async,
        fetch,
        aio.download,
        get_news_sync,
        fetch_all_sync,
        fetch_blocking,
        blocking_get.download,
        get_news_threads,
        fetch_all_threads,
        Board,
        count_word,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "asyncButton": get_news_async,
        "syncButton": get_news_sync,
        "threadsButton": get_news_threads,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._run: Run | None = None
        self._records: dict[str, RunRecord] = {}  # the last finished run of each way
        self._closing = False
        self._last_timeline = 0.0
        self._table_fresh = False  # the table was emptied for this run's rows
        self._answer: asyncio.Future[bool] | None = None  # the freeze question, if asked
        self._all_drawn = False  # every row of the run is on screen
        self._input_held = False  # clicks queued during a sync freeze are being dropped
        self._ignored_clicks = 0
        self.news_server = context.server_url  # the scenario's server (tests change it)
        self.ui = HttpControls()
        self.set_controls(self.ui)
        ui = self.ui
        self.runner = WaysRunner(
            self,
            ui.buttons,
            (ui.url_edit, ui.examples, ui.concurrency_spin, ui.timeout_spin, ui.size_cap_spin),
            ui.summary,
            stop=self._stop,
            on_running=lambda running: ui.show_mode(idle=not running),
            ends_with_task=False,  # over once every row is drawn: see _release
        )
        column = self.explanation.parentWidget()
        if isinstance(column, QtWidgets.QSplitter):  # the table and the chart get the room
            column.setSizes([150, 640])
        self.ui.url_edit.textChanged.connect(self._mode_changed)
        self.ui.examples.activated.connect(self._fill_example)
        self.ui.buttons["asyncButton"].clicked.connect(lambda: self.start_run("async"))
        self.ui.buttons["syncButton"].clicked.connect(lambda: self.start_run("sync"))
        self.ui.buttons["threadsButton"].clicked.connect(lambda: self.start_run("threads"))
        self.ui.confirm_yes.clicked.connect(lambda: self._answered(True))
        self.ui.confirm_no.clicked.connect(lambda: self._answered(False))
        self._queued_clicks = QueuedClicks(self)
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setInterval(round(FRAME_S * 1000))
        self._flush_timer.timeout.connect(self._flush)

    def _mode_changed(self) -> None:
        self.ui.show_mode(idle=not self.runner.busy())
        self.ui.wrap_long_lines()

    def _fill_example(self, index: int) -> None:
        text = example_text(index, self.context.server_url)
        if text is not None:
            self.ui.url_edit.setPlainText(text)
        self.ui.examples.setCurrentIndex(0)

    # --- starting and stopping ---------------------------------------------------------------
    def start_run(self, way: str) -> None:
        """One run at a time: the buttons stay disabled until every row is drawn."""
        if self.runner.busy() or self._closing:
            return
        run = self._plan_run(way)
        if run is None:
            return
        self._run, self._all_drawn, self._ignored_clicks = run, False, 0
        self._table_fresh = False  # emptied when the first rows come: a declined run keeps it
        self.ui.progress.setFormat("%v / %m answered")
        self.ui.progress.setMaximum(max(1, run.expected))
        self.ui.progress.setValue(0)
        self._flush_timer.start()
        # sync freezes the window: nothing could deliver a click on Cancel
        task = self.runner.start(f"{way} run", lambda: self._execute(run), way != "sync")
        assert task is not None  # no run was going
        run.task = task
        task.add_done_callback(lambda _: run.end())  # even if cancelled unstarted

    def _plan_run(self, way: str) -> Run | None:
        """Read the inputs into a Run; say what is wrong (and return None) if they are bad."""
        limit = self.ui.concurrency_spin.value()
        options: dict[str, Any] = {
            "timeout": self.ui.timeout_spin.value(),
            "max_bytes": int(self.ui.size_cap_spin.value() * 1_000_000),
        }
        text = self.ui.url_edit.toPlainText()
        if text.strip():  # read in the run, in a thread: 10,000 lines take a while
            return Run.for_urls(way, text, limit, options, self.context.server_url)
        if text:  # only spaces and newlines: the box looks empty, treat it so
            self.ui.url_edit.clear()
        word = self.ui.word_edit.text().strip()
        if not re.fullmatch(r"\w+", word):
            self.runner.say(
                colored("Type one word to count (letters or digits, no spaces).", palette.BAD)
            )
            return None
        count, latency = self.ui.count_spin.value(), round(self.ui.latency_spin.value(), 3)
        return Run.for_news(way, self.news_server, word, count, latency, limit, options)

    async def _execute(self, run: Run) -> None:
        try:
            await execute(run, self.runner.say, self._confirm, self._records)
        finally:
            if run.way == "sync" and not run.declined and not self._closing:
                # The GUI thread is free again, and the clicks made during the freeze are
                # delivered now: hold the buttons off until they are, so that none of them
                # starts another run (the frame timer draws the rows meanwhile).
                self._input_held = True
                self._queued_clicks.hold(lambda clicks: self._input_drained(run, clicks))

    async def _confirm(self, question: str) -> bool:
        """Ask in the panel (no nested dialog loop) and wait for the answer."""
        self._answer = asyncio.get_running_loop().create_future()
        self.ui.ask(question)
        try:
            return await self._answer
        finally:
            self._answer = None
            self.ui.confirm.hide()

    def _answered(self, yes: bool) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(yes)

    def _stop(self) -> bool:
        """Async: cancel the task (all workers stop at once). Threads: drop queued requests."""
        run = self._run
        if run is None or not run.cancel():
            return False
        if run.pool is not None:  # threads: the running ones finish first
            self.runner.say(f"<b>threads</b>: cancelling… {run.cancel_note}.")
        return True

    # --- from the board to the widgets, once a frame -------------------------------------------
    def _flush(self) -> None:
        """Once a frame: collect what the board got, then update the widgets for at most
        FRAME_BUDGET_S: either the waterfall, progress bar and summary together (10 times
        a second), or a batch of rows."""
        run = self._run
        if run is None:
            self._flush_timer.stop()
            return
        run.apply_board()
        if run.rows and not self._table_fresh:
            self.ui.table.setRowCount(0)
            self._table_fresh = True
        now = time.perf_counter()
        if now - self._last_timeline >= TIMELINE_EVERY_S:
            self._last_timeline = now
            self._show_bars(run, now)
            self._show_progress(run, now)
        else:
            self.ui.table.draw(run, now + FRAME_BUDGET_S)
        shown = self.ui.table.rowCount() if self._table_fresh else 0  # a declined run: none
        if run.ended and not run.dirty and shown == run.rows:
            now = time.perf_counter()
            self._show_bars(run, now)
            self._show_progress(run, now)
            self._finish(run)

    def _show_progress(self, run: Run, now: float) -> None:
        """The progress bar and the sentence under it, from the same numbers at once."""
        self.ui.progress.setMaximum(max(1, run.total))
        self.ui.progress.setValue(run.done)
        if run.way != "sync" and run.rows:  # sync: keep its warning
            # Ended, with rows still to draw: the final numbers, at the run's own end.
            self.runner.say(progress_text(run, run.t0 + run.wall if run.ended else now))

    def _show_bars(self, run: Run, now: float) -> None:
        if not run.rows:  # nothing planned yet, or a sync run not confirmed
            return
        starts, ends, states = run.bars(now)
        bars = BAR_OF_STATE[states]
        self.ui.timeline.show_band(run.way, starts, ends, bars, settings_text(run))
        self._mark_bands(record_of(run, measured=False))

    def _mark_bands(self, latest: RunRecord) -> None:
        """Fade the bands of runs whose inputs differ from the latest run's."""
        for way in WAYS:
            record = self._records.get(way)
            if way == latest.way:
                self.ui.timeline.mark(way, faded=False)
            elif record is not None:
                self.ui.timeline.mark(way, faded=not record.same_inputs(latest))

    # --- the end of a run ---------------------------------------------------------------------
    def _finish(self, run: Run) -> None:
        """Every row is drawn: remember the run, then free the buttons (see _release)."""
        self._flush_timer.stop()
        if run.rows:  # a declined sync run leaves the earlier runs as they were
            self._records[run.way] = record_of(run)
            self._mark_bands(self._records[run.way])
        self._all_drawn = True
        if self._input_held:
            self.runner.say(f"<b>sync</b>: done in {run.wall:.2f} s; the window is back.")
        self._release(run)

    def _input_drained(self, run: Run, clicks: int) -> None:
        self._input_held, self._ignored_clicks = False, clicks
        self._release(run)

    def _release(self, run: Run) -> None:
        """Write the summary and free the buttons, once every row is drawn and the clicks
        queued during a freeze are dropped. By then the lag probe has run again and
        measured the freeze, for the summary."""
        if self._run is not run or not self._all_drawn or self._input_held:
            return
        if run.declined:
            text = declined_text()
        else:
            text = summary_text(run, self._records, self.context.monitor.stats_since(run.t0))
        ignored = ignored_clicks_text(self._ignored_clicks)
        self.runner.say(f"{text} {ignored}." if ignored else text)
        self._run = None
        self.runner.release()

    # --- shutdown and the README screenshot -----------------------------------------------------
    async def shutdown(self) -> None:
        self._closing = True
        run = self._run
        if run is not None and run.pool is not None:
            run.pool.shutdown(wait=False, cancel_futures=True)
        await super().shutdown()
        self._flush_timer.stop()

    async def screenshot_demo(self) -> None:
        self.ui.url_edit.clear()
        self.ui.count_spin.setValue(10)
        self.ui.latency_spin.setValue(0.15)
        self.ui.concurrency_spin.setValue(20)
        for way in ("sync", "threads", "async"):
            self.start_run(way)
            while self.runner.busy():
                await asyncio.sleep(0.05)
