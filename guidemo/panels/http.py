"""Panel `http`: the same downloads three ways (aiohttp, one by one, a thread pool), live."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import urllib.parse
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.net import MAX_URLS, FetchResult, fetch, fetch_blocking, read_url_lines
from guidemo.panels.base import Panel, PanelContext

WAYS = ("sync", "threads", "async")  # the waterfall's bands, top to bottom
FRAME_S = 0.016  # widgets are updated at most once per frame (~60 Hz)
FRAME_BUDGET_S = 0.004  # and each update spends at most a quarter of a frame
TIMELINE_EVERY_S = 0.1  # the waterfall is redrawn at most 10 times a second
INPUT_DRAIN_MS = 250  # clicks queued during a freeze arrive right after it: ignore them
Job = tuple[int, str]  # (row of the results table, URL)


# --- the news scenario: the lecture's get_news, against the demo server ------------------
def sources_url(server: str, count: int, latency: float) -> str:
    return f"{server}/api/news/sources?count={count}&latency={latency:g}"


def articles_url(server: str, source: str, latency: float) -> str:
    return f"{server}/api/news/articles?source={urllib.parse.quote(source)}&latency={latency:g}"


def expect_sources(data: Any) -> str:
    """'' if `data` is a list of sources ({"sources": [{"id": ...}, ...]}), else what is wrong."""
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list):
        return 'no "sources" list in it'
    if not all(
        isinstance(source, dict) and isinstance(source.get("id"), str) for source in sources
    ):
        return 'a source without an "id"'
    return ""


def expect_articles(data: Any) -> str:
    """'' if `data` is one source's articles ({"articles": [{...}, ...]}), else what is wrong."""
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        return 'no "articles" list in it'
    if not all(isinstance(article, dict) for article in articles):
        return "an article that is not an object"
    return ""


def count_word(word: str, articles: list[dict]) -> int:
    """How often `word` is in the titles and descriptions: any case, whole words only."""
    wanted = word.lower()
    texts = (f"{a.get('title') or ''} {a.get('description') or ''}" for a in articles)
    return sum(re.findall(r"\w+", text.lower()).count(wanted) for text in texts)


@dataclass
class NewsCount:
    word: str
    count: int
    sources: int  # sources listed
    failed: int  # sources whose articles could not be read
    list_error: str = ""  # why the list of sources itself failed, if it did


def tally(word: str, sources: FetchResult, articles: Sequence[FetchResult | None]) -> NewsCount:
    """Add the word up over every source that answered; the others are counted as failed."""
    good = [result for result in articles if result is not None and result.ok]
    count = sum(count_word(word, result.data["articles"]) for result in good)
    return NewsCount(word, count, len(articles), len(articles) - len(good), sources.error)


def source_ids(sources: FetchResult) -> list[str]:
    return [source["id"] for source in sources.data["sources"]] if sources.ok else []


# --- where every way reports, from any thread ---------------------------------------------
class Board:
    """Rows planned, started and finished, reported by any thread.

    Reporting only appends to a deque (safe from any thread); the GUI thread drains it
    at most once a frame. That is both the hand-over to the GUI thread and the throttle:
    a thousand answers in one frame cost one table update, not a thousand.
    """

    def __init__(self) -> None:
        self.events: deque[tuple[str, int, Any]] = deque()
        self._rows = 0
        self._lock = threading.Lock()

    def plan(self, urls: Sequence[str]) -> list[Job]:
        """New rows for these URLs; returns (row, url) pairs to fetch."""
        with self._lock:
            first, self._rows = self._rows, self._rows + len(urls)
            self.events.append(("plan", first, list(urls)))
        return list(zip(range(first, first + len(urls)), urls, strict=True))

    def start(self, row: int) -> None:
        self.events.append(("start", row, time.perf_counter()))

    def finish(self, row: int, result: FetchResult) -> None:
        self.events.append(("done", row, result))


# --- the three ways, as a learner would write them ----------------------------------------
def fetch_all_sync(jobs: Iterable[Job], board: Board, **options: Any) -> list[FetchResult]:
    """One request after another in the calling thread: each waits for the one before."""
    results = []
    for row, url in jobs:
        board.start(row)
        results.append(fetch_blocking(url, **options))
        board.finish(row, results[-1])
    return results


async def fetch_all_async(
    session: aiohttp.ClientSession, jobs: list[Job], limit: int, board: Board, **options: Any
) -> list[FetchResult]:
    """All requests at once, at most `limit` in flight: `limit` worker tasks share one
    to-do list, and each takes the next URL as soon as its last one is answered."""
    todo = iter(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)

    async def worker() -> None:
        for index, (row, url) in todo:
            board.start(row)
            results[index] = await fetch(session, url, **options)
            board.finish(row, results[index])

    async with asyncio.TaskGroup() as workers:  # cancel the run: every worker is cancelled
        for _ in range(min(limit, len(jobs))):
            workers.create_task(worker())
    return results


async def fetch_all_threads(
    pool: ThreadPoolExecutor, jobs: list[Job], board: Board, **options: Any
) -> list[FetchResult | None]:
    """Every request handed to a thread pool (its size is the limit); await them all.

    A thread cannot be interrupted: cancelling drops the requests still queued, the ones
    already running finish (None stands for a dropped one).
    """

    def one(row: int, url: str) -> FetchResult:  # runs in a pool thread
        board.start(row)
        result = fetch_blocking(url, **options)
        board.finish(row, result)
        return result

    futures = [asyncio.wrap_future(pool.submit(one, row, url)) for row, url in jobs]
    results = await asyncio.gather(*futures, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            raise result  # a bug, not a network problem: fetch_blocking reports those
    return [result if isinstance(result, FetchResult) else None for result in results]


def get_news_sync(
    server: str, word: str, count: int, latency: float, board: Board, **options: Any
) -> NewsCount:
    """The lecture's get_news, sync: the sources, then each source's articles in turn."""
    jobs = board.plan([sources_url(server, count, latency)])
    [sources] = fetch_all_sync(jobs, board, expect=expect_sources, **options)
    jobs = board.plan([articles_url(server, source, latency) for source in source_ids(sources)])
    return tally(word, sources, fetch_all_sync(jobs, board, expect=expect_articles, **options))


async def get_news_async(
    session: aiohttp.ClientSession,
    server: str,
    word: str,
    count: int,
    latency: float,
    limit: int,
    board: Board,
    **options: Any,
) -> NewsCount:
    """The lecture's get_news, async: the sources, then all their articles concurrently."""
    jobs = board.plan([sources_url(server, count, latency)])
    [sources] = await fetch_all_async(session, jobs, 1, board, expect=expect_sources, **options)
    jobs = board.plan([articles_url(server, source, latency) for source in source_ids(sources)])
    articles = await fetch_all_async(session, jobs, limit, board, expect=expect_articles, **options)
    return tally(word, sources, articles)


async def get_news_threads(
    pool: ThreadPoolExecutor,
    server: str,
    word: str,
    count: int,
    latency: float,
    board: Board,
    **options: Any,
) -> NewsCount:
    """The threaded downloader exercise: the same two steps, on a thread pool."""
    jobs = board.plan([sources_url(server, count, latency)])
    [sources] = await fetch_all_threads(pool, jobs, board, expect=expect_sources, **options)
    jobs = board.plan([articles_url(server, source, latency) for source in source_ids(sources)])
    articles = await fetch_all_threads(pool, jobs, board, expect=expect_articles, **options)
    return tally(word, sources, articles)


# --- what the panel keeps about a run -----------------------------------------------------
# A row's state, one byte per row (10,000 rows: no Python object each, see _draw_row).
QUEUED, RUNNING, OK, FAILED, CANCELLED = range(5)


@dataclass
class Run:
    way: str
    key: tuple[Any, ...]  # the request set: runs with the same key can be compared
    scenario: bool
    word: str
    board: Board = field(default_factory=Board)
    t0: float = field(default_factory=time.perf_counter)
    urls: list[str] = field(default_factory=list)  # one per row
    results: list[FetchResult | None] = field(default_factory=list)
    states: bytearray = field(default_factory=bytearray)  # QUEUED, RUNNING, OK, ...
    starts: array = field(default_factory=lambda: array("d"))  # perf_counter(); 0: never
    ends: array = field(default_factory=lambda: array("d"))
    dirty: dict[int, None] = field(default_factory=dict)  # rows to redraw, in order
    expected: int = 0  # how many rows the progress bar counts to
    done: int = 0
    failed: int = 0
    word_so_far: int = 0
    wall: float = 0.0
    ended: bool = False  # the run's task is over (rows may still be drawing)
    cancelled: bool = False
    cancel_note: str = ""
    news: NewsCount | None = None
    notes: list[str] = field(default_factory=list)  # about the URL list: cap, blank lines
    text: str = ""  # own URLs: the URL box, as pasted
    task: asyncio.Task[Any] | None = None
    pool: ThreadPoolExecutor | None = None

    @property
    def requests(self) -> int:
        return sum(1 for started in self.starts if started)

    @property
    def rows(self) -> int:
        return len(self.urls)


@dataclass
class RunRecord:
    """The last finished run of one way, for the speed-up and the waterfall."""

    key: tuple[Any, ...]
    wall: float
    requests: int
    complete: bool


# --- the waterfall ---------------------------------------------------------------------------
BAR_COLORS = {
    "sync": (200, 55, 60),
    "threads": (226, 140, 30),
    "async": (35, 140, 80),
}
Role = QtCore.Qt.ItemDataRole
RIGHT = int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
OK_TEXT, FAILED_TEXT, PENDING_TEXT = (QtGui.QColor(c) for c in ("#202020", "#b00020", "#777777"))
FAILED_COLOR = (70, 70, 70)
CANCELLED_COLOR = (190, 190, 190)


class Waterfall(pg.PlotWidget):
    """One bar per request, from its start to its end; one band per way (its last run).

    Bars are drawn by one BarGraphItem per way and kind, so 10,000 requests are still
    one cheap drawRects call each.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("timeline")
        self.setToolTip(
            "Waterfall: one bar per request from start to end, for the last run of each way. "
            "Stairs = one after another; a block of overlapping bars = concurrent. "
            "Grey: failed; light grey: cancelled"
        )
        self.setBackground("w")
        self.hideButtons()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.setMinimumHeight(140)
        plot = self.getPlotItem()
        plot.invertY(True)
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setLabel(
            "bottom",
            "seconds since the run started &nbsp;·&nbsp; dark grey: failed, light grey: "
            "cancelled, pale: still running",
        )
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen((40, 40, 40))
            plot.getAxis(axis).setPen((120, 120, 120))
        plot.getAxis("left").setWidth(96)
        self.bars: dict[tuple[str, str], pg.BarGraphItem] = {}
        for way in WAYS:
            light = tuple(int(c + (255 - c) * 0.55) for c in BAR_COLORS[way])
            for kind, color in (
                ("ok", BAR_COLORS[way]),
                ("running", light),
                ("failed", FAILED_COLOR),
                ("cancelled", CANCELLED_COLOR),
            ):
                bar = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[], brush=color, pen=None)
                plot.addItem(bar)
                self.bars[way, kind] = bar
        self.spans: dict[str, tuple[int, float]] = {}  # way -> (bars, seconds) shown
        self._hint = pg.TextItem("Run a way: its requests appear here", color=(110, 110, 110))
        plot.addItem(self._hint)
        self._hint.setPos(0, 0)
        self.setYRange(0, len(WAYS) * 1.25, padding=0.02)
        self._relabel()

    def show_run(self, way: str, run: Run, now: float) -> None:
        """Draw `way`'s band: a bar for every request of `run` that was sent."""
        states = np.frombuffer(bytes(run.states), dtype=np.uint8)
        starts, ends = np.array(run.starts) - run.t0, np.array(run.ends) - run.t0
        ends = np.where(states == RUNNING, now - run.t0, ends)  # still growing
        ends = np.maximum(ends, starts + 0.001)  # a failure at once is still a visible bar
        count = max(1, len(states))
        tops = WAYS.index(way) * 1.25 + np.arange(len(states)) / count
        sent = np.array(run.starts) > 0
        shown = 0
        for state, kind in ((OK, "ok"), (RUNNING, "running"), (FAILED, "failed")):
            chosen = sent & (states == state)
            self.bars[way, kind].setOpts(
                x0=starts[chosen], x1=ends[chosen], y0=tops[chosen], height=0.85 / count
            )
            shown += int(chosen.sum())
        chosen = sent & (states == CANCELLED)
        self.bars[way, "cancelled"].setOpts(
            x0=starts[chosen], x1=ends[chosen], y0=tops[chosen], height=0.85 / count
        )
        shown += int(chosen.sum())
        self.spans[way] = (shown, float(ends[sent].max()) if shown else 0.0)
        self._hint.setVisible(False)
        self._relabel()

    def _relabel(self) -> None:
        ticks = []
        for index, way in enumerate(WAYS):
            shown = self.spans.get(way)
            label = f"{way}  {shown[1]:.2f} s" if shown and shown[0] else f"{way}  —"
            ticks.append((index * 1.25 + 0.5, label))
        self.getPlotItem().getAxis("left").setTicks([ticks, []])
        longest = max((span for _, span in self.spans.values()), default=1.0)
        self.setXRange(0, max(longest, 0.1), padding=0.02)


class ElideRight(QtWidgets.QStyledItemDelegate):
    """The error column keeps the start of its sentence (URLs keep both ends)."""

    def initStyleOption(self, option: QtWidgets.QStyleOptionViewItem, index: Any) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = QtCore.Qt.TextElideMode.ElideRight


# --- the panel ------------------------------------------------------------------------------
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
        self._records: dict[str, RunRecord] = {}
        self._closing = False
        self._last_timeline = 0.0
        self.set_controls(self.build_controls())
        self.news_server = self.context.server_url  # the scenario's server (tests change it)
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setInterval(round(FRAME_S * 1000))
        self._flush_timer.timeout.connect(self._flush)

    # --- widgets ------------------------------------------------------------------------
    def build_controls(self) -> QtWidgets.QWidget:
        self.url_edit = QtWidgets.QPlainTextEdit(objectName="urlEdit")
        self.url_edit.setPlaceholderText(
            "Empty: the news scenario (a list of sources, then each source's articles).\n"
            "Or your own URLs, one per line (http and https only)."
        )
        self.url_edit.setToolTip(
            "One URL per line, http:// or https:// only; spaces are stripped and empty lines "
            f"skipped; at most {MAX_URLS:,} are requested. Leave it empty for the news scenario"
        )
        self.url_edit.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.url_edit.setFixedHeight(52)
        self.url_edit.textChanged.connect(self._mode_changed)
        self.examples = QtWidgets.QComboBox(objectName="examplesCombo")
        self.examples.addItems(
            [
                "Examples…",
                "the news scenario (empty box)",
                "every kind of fault",
                "1,000 quick downloads",
                f"{MAX_URLS + 500:,} URLs (over the cap)",
            ]
        )
        self.examples.setToolTip("Fill the URL box with a ready-made list to try")
        self.examples.activated.connect(self._fill_example)

        self.count_spin = self._spin(
            "countSpin", 1, 200, 10, "How many news sources (requests = 1 + sources)"
        )
        self.latency_spin = self._dspin(
            "latencySpin", 0.0, 5.0, 0.2, " s", "How long the demo server waits before each answer"
        )
        self.concurrency_spin = self._spin(
            "concurrencySpin",
            1,
            500,
            20,
            "At most this many requests in flight (async and threads)",
        )
        self.timeout_spin = self._dspin(
            "timeoutSpin", 0.2, 120.0, 5.0, " s", "A request that takes longer than this fails"
        )
        self.size_cap_spin = self._dspin(
            "sizeCapSpin", 0.01, 500.0, 5.0, " MB", "Stop reading a body that grows beyond this"
        )
        self.word_edit = QtWidgets.QLineEdit("async", objectName="wordEdit")
        self.word_edit.setToolTip("The word to count in every article's title and description")
        self.word_edit.setMaximumWidth(110)

        buttons = {
            "asyncButton": (
                "async (aiohttp)",
                "One ClientSession, all requests concurrent up to the limit, on the GUI "
                "thread's event loop",
            ),
            "syncButton": (
                "sync, one by one",
                "The same requests one after another with a blocking client, in the GUI "
                "thread: the window freezes",
            ),
            "threadsButton": (
                "thread pool",
                "The same requests on a pool of threads, as many as the limit",
            ),
            "cancelButton": (
                "Cancel",
                "Async: stops at once. Threads: drops the queued requests; running ones finish",
            ),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip) in buttons.items():
            button = QtWidgets.QPushButton(text, objectName=name)
            button.setToolTip(tip)
            self.buttons[name] = button
        self.buttons["asyncButton"].setStyleSheet("color: #1b7f3b; font-weight: 600;")
        self.buttons["syncButton"].setStyleSheet("color: #b00020; font-weight: 600;")
        self.buttons["cancelButton"].setEnabled(False)
        self.buttons["asyncButton"].clicked.connect(lambda: self.start_run("async"))
        self.buttons["syncButton"].clicked.connect(lambda: self.start_run("sync"))
        self.buttons["threadsButton"].clicked.connect(lambda: self.start_run("threads"))
        self.buttons["cancelButton"].clicked.connect(self.cancel_run)

        self.progress = QtWidgets.QProgressBar(objectName="progressBar")
        self.progress.setToolTip("Requests answered (or failed) out of all requests of the run")
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        self.summary = QtWidgets.QLabel(
            "Pick a way to run the requests. Try sync, then async, and compare.",
            objectName="summaryLabel",
        )
        self.summary.setToolTip("The run: requests, failures, time, the word count, the speed-up")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.summary.setMinimumHeight(36)
        self.summary.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)

        self.table = QtWidgets.QTableWidget(0, 5, objectName="resultsTable")
        self.table.setHorizontalHeaderLabels(["URL", "status", "bytes", "ms", "error"])
        self.table.setToolTip("One row per request, updated the moment its answer is in")
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.verticalHeader().setMinimumWidth(34)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        for column, width in enumerate([290, 62, 78, 56]):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.table.setItemDelegateForColumn(4, ElideRight(self.table))
        self.timeline = Waterfall()

        form = QtWidgets.QGridLayout()
        form.setHorizontalSpacing(6)
        fields = [
            ("Sources", self.count_spin),
            ("Latency", self.latency_spin),
            ("Word", self.word_edit),
            ("Concurrency", self.concurrency_spin),
            ("Timeout", self.timeout_spin),
            ("Size cap", self.size_cap_spin),
        ]
        self.scenario_labels = []
        for index, (text, widget) in enumerate(fields):
            label = QtWidgets.QLabel(text)
            label.setBuddy(widget)
            if index < 3:
                self.scenario_labels.append(label)
            form.addWidget(label, index // 3, (index % 3) * 2)
            form.addWidget(widget, index // 3, (index % 3) * 2 + 1)
        form.setColumnStretch(6, 1)
        form.addWidget(self.examples, 0, 7)
        row = QtWidgets.QHBoxLayout()
        for name in buttons:
            row.addWidget(self.buttons[name])
        results = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        results.addWidget(self.table)
        results.addWidget(self.timeline)
        results.setStretchFactor(0, 3)
        results.setStretchFactor(1, 2)
        results.setSizes([150, 190])
        results.setChildrenCollapsible(False)

        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.url_edit)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(results, 1)
        return controls

    @staticmethod
    def _spin(name: str, lo: int, hi: int, value: int, tip: str) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox(objectName=name)
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setToolTip(f"{tip} ({lo} to {hi})")
        return spin

    @staticmethod
    def _dspin(
        name: str, lo: float, hi: float, value: float, suffix: str, tip: str
    ) -> QtWidgets.QDoubleSpinBox:
        spin = QtWidgets.QDoubleSpinBox(objectName=name)
        spin.setRange(lo, hi)
        spin.setDecimals(2)
        spin.setSingleStep(0.05 if hi <= 5 else 1.0)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(f"{tip} ({lo:g} to {hi:g}{suffix})")
        return spin

    def _mode_changed(self) -> None:
        scenario = self.url_edit.document().isEmpty()
        for widget in [self.count_spin, self.latency_spin, self.word_edit, *self.scenario_labels]:
            widget.setEnabled(scenario and self._run is None)

    def _fill_example(self, index: int) -> None:
        server = self.context.server_url
        if index == 1:
            self.url_edit.clear()
        elif index == 2:
            self.url_edit.setPlainText("\n".join(fault_examples(server)))
        elif index == 3:
            self.url_edit.setPlainText(
                "\n".join(f"{server}/api/data?size=2000&latency=0.05&n={n}" for n in range(1000))
            )
        elif index == 4:
            self.url_edit.setPlainText(
                "\n".join(f"{server}/api/data?size=100&n={n}" for n in range(MAX_URLS + 500))
            )
        self.examples.setCurrentIndex(0)

    # --- starting and stopping ---------------------------------------------------------------
    def start_run(self, way: str) -> None:
        """One run at a time: the buttons stay disabled until every row is drawn."""
        if self._run is not None or self._closing:
            return
        run = self._plan_run(way)
        if run is None:
            return
        self._run = run
        self.table.setRowCount(0)
        self.progress.setMaximum(max(1, run.expected))
        self.progress.setValue(0)
        self._set_running(True)
        self._flush_timer.start()
        run.task = self.spawn(self._execute(run), f"{way} run")
        run.task.add_done_callback(lambda _: self._ended(run))  # even if cancelled unstarted

    def _ended(self, run: Run) -> None:
        if not run.ended:
            run.wall, run.ended = time.perf_counter() - run.t0, True

    def _plan_run(self, way: str) -> Run | None:
        """Read the inputs into a Run; say what is wrong (and return None) if they are bad."""
        text = self.url_edit.toPlainText()
        if not text.strip():
            if text:  # only spaces and newlines: the box looks empty, treat it so
                self.url_edit.clear()
            word = self.word_edit.text().strip()
            if not re.fullmatch(r"\w+", word):
                self._say_error("Type one word to count (letters or digits, no spaces).")
                return None
            count, latency = self.count_spin.value(), round(self.latency_spin.value(), 3)
            run = Run(way, ("news", self.news_server, count, latency), True, word)
            run.expected = 1 + count
            return run
        run = Run(way, ("urls",), False, "")
        run.text = text  # read in _execute, in a thread: 10,000 lines take a while
        return run

    async def _read_urls(self, run: Run) -> list[Job]:
        """The pasted lines as rows; a bad line is answered at once, without a request."""
        lines = await asyncio.to_thread(read_url_lines, run.text)  # CPU work: off the GUI thread
        urls = tuple(url for url, error in lines.entries if not error)
        run.key = ("urls", hash(urls), len(urls))
        run.expected = len(lines.entries)
        if lines.beyond_cap:
            run.notes.append(
                f"<span style='color:#b00020'>{lines.beyond_cap:,} more "
                f"{plural(lines.beyond_cap, 'line')} beyond the cap of {MAX_URLS:,} "
                "not requested.</span>"
            )
        if lines.blank:
            run.notes.append(f"{lines.blank:,} empty {plural(lines.blank, 'line')} skipped.")
        jobs = run.board.plan([url for url, _ in lines.entries])
        good = []
        for (row, url), (_, error) in zip(jobs, lines.entries, strict=True):
            if error:
                run.board.finish(row, FetchResult(url, error=error, problem="bad-url"))
            else:
                good.append((row, url))
        return good

    def cancel_run(self) -> None:
        """Async: cancel the task (all workers stop at once). Threads: drop queued requests."""
        run = self._run
        if run is None or run.ended or run.cancelled:
            return
        run.cancelled = True
        if run.way == "threads" and run.pool is not None:
            running = run.states.count(RUNNING)
            run.pool.shutdown(wait=False, cancel_futures=True)
            run.cancel_note = (
                f"queued requests dropped; {running} already running in threads were left to "
                "finish (Python cannot stop a thread)"
            )
            self.summary.setText(f"<b>threads</b>: cancelling… {run.cancel_note}.")
        elif run.task is not None:
            run.cancel_note = "every request still in flight was cancelled at once"
            run.task.cancel()
        self.buttons["cancelButton"].setEnabled(False)

    async def _execute(self, run: Run) -> None:
        options = {
            "timeout": self.timeout_spin.value(),
            "max_bytes": int(self.size_cap_spin.value() * 1_000_000),
        }
        limit = self.concurrency_spin.value()
        try:
            jobs = [] if run.scenario else await self._read_urls(run)
            if run.way == "sync":
                self.summary.setText(self._sync_warning(run))
                await asyncio.sleep(0.05)  # let that message paint: the next line blocks
                run.t0 = time.perf_counter()  # time the requests, not the pause
                if run.scenario:
                    run.news = get_news_sync(
                        self.news_server, *self._news_args(run), run.board, **options
                    )
                else:
                    fetch_all_sync(jobs, run.board, **options)
            elif run.way == "async":
                connector = aiohttp.TCPConnector(limit=limit)
                async with aiohttp.ClientSession(connector=connector) as session:
                    if run.scenario:
                        run.news = await get_news_async(
                            session,
                            self.news_server,
                            *self._news_args(run),
                            limit,
                            run.board,
                            **options,
                        )
                    else:
                        await fetch_all_async(session, jobs, limit, run.board, **options)
            else:
                run.pool = ThreadPoolExecutor(limit, thread_name_prefix="http-thread")
                try:
                    if run.scenario:
                        run.news = await get_news_threads(
                            run.pool, self.news_server, *self._news_args(run), run.board, **options
                        )
                    else:
                        await fetch_all_threads(run.pool, jobs, run.board, **options)
                except RuntimeError:  # cancelled between the steps: the pool takes no more
                    if not run.cancelled:
                        raise
                finally:
                    run.pool.shutdown(wait=False, cancel_futures=True)
        except asyncio.CancelledError:
            run.cancelled = True
            raise
        finally:
            self._ended(run)  # the frame timer draws what is left, then calls _finish

    def _news_args(self, run: Run) -> tuple[str, int, float]:
        return run.word, run.key[2], run.key[3]

    def _sync_warning(self, run: Run) -> str:
        requests = 1 + run.key[2] if run.scenario else run.key[2]
        seconds = requests * run.key[3] if run.scenario else 0.0  # the server's latency
        guess = f" for about {seconds:.1f} s" if seconds >= 0.1 else ""
        return (
            f"<b style='color:#b00020'>sync</b>: {requests:,} requests one after another "
            f"in the GUI thread. <b>The window freezes{guess}</b>: nothing is drawn, clicks "
            "wait (even Cancel). That is the point; watch the HUD when it comes back."
        )

    # --- from the board to the widgets, once a frame -------------------------------------------
    def _flush(self) -> None:
        """Once a frame: collect what the board got, then update the widgets for at most
        FRAME_BUDGET_S, either the waterfall (10 times a second) or a batch of rows."""
        run = self._run
        if run is None:
            self._flush_timer.stop()
            return
        self._drain(run)
        now = time.perf_counter()
        if now - self._last_timeline >= TIMELINE_EVERY_S:
            self._last_timeline = now
            self.timeline.show_run(run.way, run, now)
            if not run.ended and run.way != "sync":  # sync: keep its warning on screen
                self.summary.setText(self._progress_text(run, now))
        else:
            self._draw_rows(run, now + FRAME_BUDGET_S)
        self.progress.setMaximum(max(1, run.expected, run.rows))
        self.progress.setValue(run.done)
        if run.ended and not run.dirty and self.table.rowCount() == run.rows:
            self.timeline.show_run(run.way, run, time.perf_counter())
            self._finish(run)

    def _draw_rows(self, run: Run, deadline: float) -> None:
        """New rows first (a batch, never all 10,000 at once), then changed ones."""
        table = self.table
        table.setUpdatesEnabled(False)
        try:
            shown = table.rowCount()
            if shown < run.rows:
                batch = min(run.rows - shown, 500)
                table.setRowCount(shown + batch)
                for index in range(shown, shown + batch):
                    self._draw_row(index, run, new=True)
                    run.dirty.pop(index, None)
                    if time.perf_counter() > deadline:
                        table.setRowCount(index + 1)
                        break
            limit = table.rowCount()
            for index in list(run.dirty):
                if time.perf_counter() > deadline:
                    break
                if index < limit:
                    del run.dirty[index]
                    self._draw_row(index, run)
        finally:
            table.setUpdatesEnabled(True)

    def _drain(self, run: Run) -> None:
        """Apply what the ways reported since the last frame to the rows (cheap: no widgets)."""
        events = run.board.events
        while events:
            kind, row, payload = events.popleft()
            if kind == "plan":
                run.urls.extend(payload)
                run.results.extend([None] * len(payload))
                run.states.extend(bytes(len(payload)))
                run.starts.frombytes(bytes(8 * len(payload)))
                run.ends.frombytes(bytes(8 * len(payload)))
                run.expected = max(run.expected, run.rows)
                continue
            if kind == "start":
                run.states[row], run.starts[row] = RUNNING, payload
            elif run.states[row] != CANCELLED:
                run.results[row], run.done = payload, run.done + 1
                run.states[row] = OK if payload.ok else FAILED
                run.starts[row], run.ends[row] = payload.started, payload.ended
                if not payload.ok:
                    run.failed += 1
                elif run.scenario and row > 0:
                    run.word_so_far += count_word(run.word, payload.data["articles"])
            run.dirty[row] = None
        if run.ended:  # whatever never got an answer was cancelled
            now = time.perf_counter()
            for index, state in enumerate(run.states):
                if state in (QUEUED, RUNNING):
                    run.states[index], run.ends[index] = CANCELLED, now
                    run.dirty[index] = None

    def _draw_row(self, index: int, run: Run, new: bool = False) -> None:
        """Write one row through the table's model: Qt keeps the cells, so 10,000 rows add
        no Python objects for the garbage collector to walk through (its pauses are lag)."""
        url, state, result = run.urls[index], run.states[index], run.results[index]
        if state in (OK, FAILED) and result is not None:
            status = str(result.status) if result.status is not None else "—"
            nbytes = f"{result.nbytes:,}" if result.started else ""
            ms = f"{result.ms:,.0f}" if result.started else ""
            cells = [url, status, nbytes, ms, result.error]
            color = FAILED_TEXT if result.error else OK_TEXT
        elif state == CANCELLED:
            sent = run.starts[index] > 0
            reason = "cancelled while in flight" if sent else "cancelled before it started"
            cells = [url, "cancelled", "", "", reason]
            color = PENDING_TEXT
        else:
            cells = [url, "running…" if state == RUNNING else "queued", "", "", ""]
            color = PENDING_TEXT
        model = self.table.model()
        for column, text in enumerate(cells):
            cell = model.index(index, column)
            model.setData(cell, text, Role.DisplayRole)
            if column in (1, 4):
                model.setData(cell, color, Role.ForegroundRole)
            if column == 4:
                model.setData(cell, text, Role.ToolTipRole)
            elif new and column in (2, 3):
                model.setData(cell, RIGHT, Role.TextAlignmentRole)

    def _progress_text(self, run: Run, now: float) -> str:
        text = (
            f"<b>{run.way}</b>: {run.done:,} of {max(run.expected, run.rows):,} answered"
            f", {run.failed:,} failed, {now - run.t0:.1f} s so far…"
        )
        if run.scenario:
            text += f" “{run.word}” counted {run.word_so_far:,} times so far."
        if run.cancelled and run.cancel_note:
            text += f"<br>Cancelling: {run.cancel_note}."
        return " ".join([text, *run.notes])

    def _finish(self, run: Run) -> None:
        """Every row is drawn: write the summary, remember the run, free the buttons."""
        self._flush_timer.stop()
        complete = not run.cancelled
        self._records[run.way] = RunRecord(run.key, run.wall, run.requests, complete)
        if run.way == "sync":
            # Clicks made during the freeze are delivered now: keep the buttons off a moment
            # longer so that they do not start another run. By then the lag probe has also
            # run again and measured the freeze, for the summary.
            self.summary.setText(f"<b>sync</b>: done in {run.wall:.2f} s; the window is back.")
            QtCore.QTimer.singleShot(INPUT_DRAIN_MS, lambda: self._release(run))
        else:
            self._release(run)

    def _release(self, run: Run) -> None:
        if self._run is run:
            self.summary.setText(self._summary_text(run))
            self._run = None
            self._set_running(False)

    def _summary_text(self, run: Run) -> str:
        sent = run.requests
        rejected = sum(
            1 for result in run.results if result is not None and result.problem == "bad-url"
        )
        cancelled, ok, failed = (run.states.count(state) for state in (CANCELLED, OK, FAILED))
        parts = [
            f"<b>{run.way}</b>: {sent:,} {plural(sent, 'request')} in <b>{run.wall:.2f} s</b>: "
            f"<span style='color:#1b7f3b'>{ok:,} ok</span>, "
            f"<span style='color:{'#b00020' if failed else '#1b7f3b'}'>{failed:,} failed</span>"
        ]
        if rejected:
            parts[0] += f" ({rejected:,} bad {plural(rejected, 'line')} rejected without a request)"
        if cancelled:
            parts[0] += f", {cancelled:,} cancelled"
        parts[0] += "."
        if run.cancelled:
            parts.append(f"<b>Cancelled</b>: {run.cancel_note or 'stopped'}.")
        if run.scenario and run.news is not None:
            news = run.news
            if news.list_error:
                parts.append(f"The list of sources failed ({news.list_error}): nothing to count.")
            else:
                parts.append(
                    f"“{news.word}” appears <b>{news.count:,}</b> times in {news.sources:,} "
                    f"{plural(news.sources, 'source')} ({news.failed:,} failed)."
                )
        parts.extend(run.notes)
        parts.append(self._speedups())
        stats = self.context.monitor.stats_since(run.t0)
        if stats.max_ms > 100:
            parts.append(
                f"UI: <b style='color:#b00020'>frozen</b>, worst lag {stats.max_ms:,.0f} ms."
            )
        else:
            parts.append(
                f"UI: <span style='color:#1b7f3b'>live</span>, worst lag {stats.max_ms:.0f} ms, "
                f"p99 {stats.p99_ms:.0f} ms."
            )
        return " ".join(part for part in parts if part)

    def _speedups(self) -> str:
        sync = self._records.get("sync")
        if sync is None or not sync.complete:
            return ""
        found = []
        for way in ("async", "threads"):
            other = self._records.get(way)
            if other is not None and other.complete and other.key == sync.key and other.wall > 0:
                found.append(
                    f"{way} is <b>{sync.wall / other.wall:.1f}× faster</b> than sync "
                    f"({other.wall:.2f} s vs {sync.wall:.2f} s)"
                )
        return ("Same requests: " + "; ".join(found) + ".") if found else ""

    def _say_error(self, text: str) -> None:
        self.summary.setText(f"<span style='color:#b00020'>{text}</span>")

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


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def fault_examples(server: str) -> list[str]:
    """One URL for every kind of trouble the panel handles, and two good ones."""
    return [
        f"{server}/api/json?items=3",
        f"   {server}/api/data?size=500   ",
        "",
        "example.com/no-scheme",
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://[::1/broken",
        "http://no-such-host.invalid/",
        "http://127.0.0.1:1/",
        f"{server}/api/data?latency=20",
        f"{server}/api/status/404",
        f"{server}/api/status/503",
        f"{server}/api/fault/reset",
        f"{server}/api/fault/bad-utf8",
        f"{server}/api/fault/not-json",
        f"{server}/api/fault/huge",
        f"{server}/api/fault/redirect-loop",
    ]
