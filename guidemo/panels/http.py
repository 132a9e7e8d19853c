"""Panel `http`: the same downloads three ways (aiohttp, one by one, a thread pool), live.

The code the buttons run is the lesson `guidemo.lessons.news` (with the GETs of
`guidemo.net`); a run's bookkeeping and the sentences about it are in `http_run`. This
module builds the widgets, starts and cancels runs, and draws a run's rows, progress and
waterfall, at most once a frame.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

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
from guidemo.net import MAX_URLS, fetch, fetch_blocking
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.http_run import (
    EXAMPLES,
    WAYS,
    Run,
    RunRecord,
    example_text,
    execute,
    progress_text,
    summary_text,
)
from guidemo.panels.http_table import ResultsTable
from guidemo.widgets import waterfall
from guidemo.widgets.freeze_guard import QueuedClicks, ignored_clicks_text
from guidemo.widgets.kit import dspin, label, line_edit, make_button, named, spin
from guidemo.widgets.palette import BAD, colored

FRAME_S = 0.016  # widgets are updated at most once per frame (~60 Hz)
FRAME_BUDGET_S = 0.004  # and each update spends at most a quarter of a frame
TIMELINE_EVERY_S = 0.1  # the waterfall is redrawn at most 10 times a second

BAR_COLORS = {"sync": (200, 55, 60), "threads": (226, 140, 30), "async": (35, 140, 80)}
# A row's waterfall bar, by its state (QUEUED, RUNNING, OK, FAILED, CANCELLED).
BAR_OF_STATE = np.array(
    [waterfall.NO_BAR, waterfall.RUNNING, waterfall.DONE, waterfall.FAILED, waterfall.CANCELLED],
    dtype=np.uint8,
)


class HttpPanel(Panel):
    slug = "http"
    title = "Many downloads: async vs sync vs threads"
    sources = (
        get_news_async,
        fetch_all_async,
        fetch,
        get_news_sync,
        fetch_all_sync,
        fetch_blocking,
        get_news_threads,
        fetch_all_threads,
        Board,
        count_word,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._run: Run | None = None
        self._records: dict[str, RunRecord] = {}  # the last finished run of each way
        self._closing = False
        self._last_timeline = 0.0
        self._all_drawn = False  # every row of the run is on screen
        self._input_held = False  # clicks queued during a sync freeze are being dropped
        self._ignored_clicks = 0
        self.news_server = context.server_url  # the scenario's server (tests change it)
        self.set_controls(self.build_controls())
        self._queued_clicks = QueuedClicks(self)
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setInterval(round(FRAME_S * 1000))
        self._flush_timer.timeout.connect(self._flush)

    # --- widgets ------------------------------------------------------------------------
    def build_controls(self) -> QtWidgets.QWidget:
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._build_url_box())
        layout.addLayout(self._build_form())
        layout.addLayout(self._build_buttons())
        self.progress = named(
            QtWidgets.QProgressBar(),
            "progressBar",
            "Requests answered (or failed) out of all requests of the run",
        )
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.summary = label(
            "Pick a way to run the requests. Try sync, then async, and compare.",
            "summaryLabel",
            "The run: requests, failures, time, the word count, the speed-up",
            rich=True,
        )
        self.summary.setMinimumHeight(36)
        self.summary.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.summary)
        layout.addWidget(self._build_results(), 1)
        return controls

    def _build_url_box(self) -> QtWidgets.QPlainTextEdit:
        self.url_edit = named(
            QtWidgets.QPlainTextEdit(),
            "urlEdit",
            "One URL per line, http:// or https:// only; spaces are stripped and empty lines "
            f"skipped; at most {MAX_URLS:,} are requested. Leave it empty for the news scenario",
        )
        self.url_edit.setPlaceholderText(
            "Empty: the news scenario (a list of sources, then each source's articles).\n"
            "Or your own URLs, one per line (http and https only)."
        )
        self.url_edit.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.url_edit.setFixedHeight(52)
        self.url_edit.textChanged.connect(self._mode_changed)
        return self.url_edit

    def _build_form(self) -> QtWidgets.QGridLayout:
        self.count_spin = spin(
            "countSpin", 1, 200, 10, "How many news sources (requests = 1 + sources)"
        )
        self.latency_spin = dspin(
            "latencySpin", 0.0, 5.0, 0.2, "How long the demo server waits before each answer"
        )
        self.concurrency_spin = spin(
            "concurrencySpin",
            1,
            500,
            20,
            "At most this many requests in flight (async and threads)",
        )
        self.timeout_spin = dspin(
            "timeoutSpin", 0.2, 120.0, 5.0, "A request that takes longer than this fails", step=1.0
        )
        self.size_cap_spin = dspin(
            "sizeCapSpin",
            0.01,
            500.0,
            5.0,
            "Stop reading a body that grows beyond this",
            suffix=" MB",
            step=1.0,
        )
        self.word_edit = line_edit(
            "wordEdit", "The word to count in every article's title and description", "async"
        )
        self.word_edit.setMaximumWidth(110)
        self.examples = named(
            QtWidgets.QComboBox(), "examplesCombo", "Fill the URL box with a ready-made list to try"
        )
        self.examples.addItems(EXAMPLES)
        self.examples.activated.connect(self._fill_example)

        form = QtWidgets.QGridLayout()
        form.setHorizontalSpacing(6)
        fields: list[tuple[str, QtWidgets.QWidget]] = [
            ("Sources", self.count_spin),
            ("Latency", self.latency_spin),
            ("Word", self.word_edit),
            ("Concurrency", self.concurrency_spin),
            ("Timeout", self.timeout_spin),
            ("Size cap", self.size_cap_spin),
        ]
        self.scenario_labels: list[QtWidgets.QLabel] = []
        for index, (text, widget) in enumerate(fields):
            caption = QtWidgets.QLabel(text)
            caption.setBuddy(widget)
            if index < 3:
                self.scenario_labels.append(caption)
            form.addWidget(caption, index // 3, (index % 3) * 2)
            form.addWidget(widget, index // 3, (index % 3) * 2 + 1)
        form.setColumnStretch(6, 1)
        form.addWidget(self.examples, 0, 7)
        return form

    def _build_buttons(self) -> QtWidgets.QHBoxLayout:
        self.buttons = {
            "asyncButton": make_button(
                "async (aiohttp)",
                "asyncButton",
                "One ClientSession, all requests concurrent up to the limit, on the GUI "
                "thread's event loop",
                lambda: self.start_run("async"),
                role="good",
            ),
            "syncButton": make_button(
                "sync, one by one",
                "syncButton",
                "The same requests one after another with a blocking client, in the GUI "
                "thread: the window freezes",
                lambda: self.start_run("sync"),
                role="danger",
            ),
            "threadsButton": make_button(
                "thread pool",
                "threadsButton",
                "The same requests on a pool of threads, as many as the limit",
                lambda: self.start_run("threads"),
            ),
            "cancelButton": make_button(
                "Cancel",
                "cancelButton",
                "Async: stops at once. Threads: drops the queued requests; running ones finish",
                self.cancel_run,
            ),
        }
        self.buttons["cancelButton"].setEnabled(False)
        row = QtWidgets.QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        return row

    def _build_results(self) -> QtWidgets.QSplitter:
        self.table = ResultsTable()
        self.timeline = named(
            waterfall.Waterfall(
                [(way, BAR_COLORS[way]) for way in WAYS],
                "seconds since the run started",
                "Run a way: its requests appear here",
            ),
            "timeline",
            "Waterfall: one bar per request from start to end, for the last run of each way. "
            "Stairs = one after another; a block of overlapping bars = concurrent. "
            "Grey: failed; light grey: cancelled",
        )
        results = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        results.addWidget(self.table)
        results.addWidget(self.timeline)
        results.setStretchFactor(0, 3)
        results.setStretchFactor(1, 2)
        results.setSizes([150, 190])
        results.setChildrenCollapsible(False)
        return results

    def _mode_changed(self) -> None:
        scenario = self.url_edit.document().isEmpty()
        for widget in [self.count_spin, self.latency_spin, self.word_edit, *self.scenario_labels]:
            widget.setEnabled(scenario and self._run is None)

    def _fill_example(self, index: int) -> None:
        text = example_text(index, self.context.server_url)
        if text is not None:
            self.url_edit.setPlainText(text)
        self.examples.setCurrentIndex(0)

    # --- starting and stopping ---------------------------------------------------------------
    def start_run(self, way: str) -> None:
        """One run at a time: the buttons stay disabled until every row is drawn."""
        if self._run is not None or self._closing:
            return
        run = self._plan_run(way)
        if run is None:
            return
        self._run, self._all_drawn, self._ignored_clicks = run, False, 0
        self.table.setRowCount(0)
        self.progress.setMaximum(max(1, run.expected))
        self.progress.setValue(0)
        self._set_running(True)
        self._flush_timer.start()
        run.task = self.spawn(self._execute(run), f"{way} run")
        run.task.add_done_callback(lambda _: run.end())  # even if cancelled unstarted

    def _plan_run(self, way: str) -> Run | None:
        """Read the inputs into a Run; say what is wrong (and return None) if they are bad."""
        limit = self.concurrency_spin.value()
        options: dict[str, Any] = {
            "timeout": self.timeout_spin.value(),
            "max_bytes": int(self.size_cap_spin.value() * 1_000_000),
        }
        text = self.url_edit.toPlainText()
        if text.strip():  # read in the run, in a thread: 10,000 lines take a while
            return Run.for_urls(way, text, limit, options)
        if text:  # only spaces and newlines: the box looks empty, treat it so
            self.url_edit.clear()
        word = self.word_edit.text().strip()
        if not re.fullmatch(r"\w+", word):
            self.summary.setText(
                colored("Type one word to count (letters or digits, no spaces).", BAD)
            )
            return None
        count, latency = self.count_spin.value(), round(self.latency_spin.value(), 3)
        return Run.for_news(way, self.news_server, word, count, latency, limit, options)

    async def _execute(self, run: Run) -> None:
        try:
            await execute(run, self.summary.setText)
        finally:
            if run.way == "sync" and not self._closing:
                # The GUI thread is free again, and the clicks made during the freeze are
                # delivered now: hold the buttons off until they are, so that none of them
                # starts another run (the frame timer draws the rows meanwhile).
                self._input_held = True
                self._queued_clicks.hold(lambda clicks: self._input_drained(run, clicks))

    def cancel_run(self) -> None:
        """Async: cancel the task (all workers stop at once). Threads: drop queued requests."""
        run = self._run
        if run is None or not run.cancel():
            return
        if run.pool is not None:  # threads: the running ones finish first
            self.summary.setText(f"<b>threads</b>: cancelling… {run.cancel_note}.")
        self.buttons["cancelButton"].setEnabled(False)

    # --- from the board to the widgets, once a frame -------------------------------------------
    def _flush(self) -> None:
        """Once a frame: collect what the board got, then update the widgets for at most
        FRAME_BUDGET_S, either the waterfall (10 times a second) or a batch of rows."""
        run = self._run
        if run is None:
            self._flush_timer.stop()
            return
        run.apply_board()
        now = time.perf_counter()
        if now - self._last_timeline >= TIMELINE_EVERY_S:
            self._last_timeline = now
            self._show_bars(run, now)
            if not run.ended and run.way != "sync":  # sync: keep its warning on screen
                self.summary.setText(progress_text(run, now))
        else:
            self.table.draw(run, now + FRAME_BUDGET_S)
        self.progress.setMaximum(max(1, run.expected, run.rows))
        self.progress.setValue(run.done)
        if run.ended and not run.dirty and self.table.rowCount() == run.rows:
            self._show_bars(run, time.perf_counter())
            self._finish(run)

    def _show_bars(self, run: Run, now: float) -> None:
        starts, ends, states = run.bars(now)
        self.timeline.show_band(run.way, starts, ends, BAR_OF_STATE[states])

    # --- the end of a run ---------------------------------------------------------------------
    def _finish(self, run: Run) -> None:
        """Every row is drawn: remember the run, then free the buttons (see _release)."""
        self._flush_timer.stop()
        self._records[run.way] = RunRecord(run.key, run.wall, run.requests, not run.cancelled)
        self._all_drawn = True
        if self._input_held:
            self.summary.setText(f"<b>sync</b>: done in {run.wall:.2f} s; the window is back.")
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
        text = summary_text(run, self._records, self.context.monitor.stats_since(run.t0))
        ignored = ignored_clicks_text(self._ignored_clicks)
        self.summary.setText(f"{text} {ignored}." if ignored else text)
        self._run = None
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        for name, button in self.buttons.items():
            button.setEnabled(running if name == "cancelButton" else not running)
        if running and self._run is not None and self._run.way == "sync":
            self.buttons["cancelButton"].setEnabled(False)  # nothing could deliver the click
        for widget in (self.url_edit, self.examples):
            widget.setEnabled(not running)
        self._mode_changed()

    # --- shutdown and the README screenshot -----------------------------------------------------
    async def shutdown(self) -> None:
        self._closing = True
        run = self._run
        if run is not None and run.pool is not None:
            run.pool.shutdown(wait=False, cancel_futures=True)
        await super().shutdown()
        self._flush_timer.stop()

    async def screenshot_demo(self) -> None:
        self.url_edit.clear()
        self.count_spin.setValue(10)
        self.latency_spin.setValue(0.15)
        self.concurrency_spin.setValue(20)
        for way in ("sync", "threads", "async"):
            self.start_run(way)
            while self._run is not None:
                await asyncio.sleep(0.05)
