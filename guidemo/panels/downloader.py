"""Panel `downloader`: the lecture's exercise (a pool of workers and a queue), three ways.

The code the buttons run is the lesson `guidemo.lessons.downloader`. Workers report every
job they take and finish; thread workers hand those reports to the loop's thread with
`call_soon_threadsafe` (`on_loop_thread`), so `_show` always runs on the GUI thread and
draws the lanes. The queue's length is read ten times a second while a run goes.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass, field
from typing import ClassVar

import aiohttp
from PySide6 import QtCore, QtWidgets

from guidemo.lessons.downloader import (
    Event,
    PoolOfThreads,
    TasksAndQueue,
    ThreadsAndQueue,
    news_jobs,
    on_loop_thread,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.ways import Cell, ComparesWays, WaysRunner, add_run_row, summary_label
from guidemo.widgets import palette
from guidemo.widgets.kit import (
    FlowRow,
    column,
    dspin,
    make_button,
    named,
    spin,
    table,
    vsplit,
)
from guidemo.widgets.lanes import EVENT_KINDS, LaneChart
from guidemo.widgets.palette import colored

WORD = "async"  # the word every way counts in the articles: the totals must agree
REFRESH_MS = 100
KEEP_ROWS = 30
Downloader = ThreadsAndQueue | TasksAndQueue | PoolOfThreads
WAYS = {  # key: (button objectName, button text, tooltip, how the table names it)
    "threads": (
        "threadQueueButton",
        "queue.Queue + threads",
        "The exercise as set: a queue.Queue of jobs and N threads, each ending at its STOP",
        "queue.Queue + threads",
    ),
    "tasks": (
        "asyncQueueButton",
        "asyncio.Queue + tasks",
        "The same shape on the event loop: an asyncio.Queue and N worker tasks",
        "asyncio.Queue + tasks",
    ),
    "pool": (
        "poolButton",
        "concurrent.futures",
        "A ThreadPoolExecutor of N threads keeps the queue for us: submit every job",
        "ThreadPoolExecutor",
    ),
}
COLUMNS = ["way", "workers", "jobs", "done", "failed", "taken out", "total (s)", "jobs/s"]
COLUMNS += [f"'{WORD}' found"]


@dataclass
class DownloadRun:
    """One way's run as the GUI thread sees it, from the workers' events."""

    way: str
    workers: int
    jobs: int
    latency: float
    started: float = field(default_factory=time.perf_counter)
    took: int = 0
    done: int = 0
    failed: int = 0
    words: int = 0
    ended: float | None = None
    cancelled_at: float | None = None
    first_error: str = ""

    @property
    def wall(self) -> float:
        return (self.ended or time.perf_counter()) - self.started


class DownloaderPanel(ComparesWays, Panel):
    slug = "downloader"
    title = "Downloader: a pool of workers and a queue"
    sources = (
        ThreadsAndQueue,
        on_loop_thread,
        TasksAndQueue,
        PoolOfThreads,
        news_jobs,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "threadQueueButton": ThreadsAndQueue,
        "asyncQueueButton": TasksAndQueue,
        "poolButton": PoolOfThreads,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._run: DownloadRun | None = None
        self._downloader: Downloader | None = None
        self._latest: dict[str, DownloadRun] = {}  # the last finished run of each way
        self.news_server = context.server_url  # where the news is (tests change it)
        self.set_controls(self._build_controls())
        self._refresh = QtCore.QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._show_queue)

    def _build_controls(self) -> QtWidgets.QWidget:
        self.sources_spin = spin(
            "sourcesSpin", 1, 200, 40, "How many news sources: one job (articles page) each"
        )
        self.latency_spin = dspin(
            "downloadLatencySpin", 0.0, 3.0, 0.2, "How long the demo server waits before answering"
        )
        self.workers_spin = spin(
            "workersSpin", 1, 32, 4, "How many workers (threads or tasks) take jobs off the queue"
        )
        options = FlowRow()
        for text, widget in (
            ("Sources", self.sources_spin),
            ("Latency", self.latency_spin),
            ("Workers", self.workers_spin),
        ):
            caption = QtWidgets.QLabel(text)
            caption.setBuddy(widget)
            options.add((caption, widget))

        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for way, (name, text, tip, _) in WAYS.items():
            self.buttons[name] = make_button(text, name, tip)
            self.buttons[name].clicked.connect(lambda _=False, w=way: self.start([w]))
        self.buttons["allDownloadsButton"] = make_button(
            "All three", "allDownloadsButton", "Run the three ways one after another", self.run_all
        )
        self.buttons["cancelButton"] = make_button(
            "Cancel",
            "cancelButton",
            "Take every job still queued out of the queue; the workers then end (a thread "
            "finishes the download it is on, a task stops at once)",
            role="danger",
        )
        buttons = FlowRow(*self.buttons.values())

        self.queue_bar = named(
            QtWidgets.QProgressBar(),
            "queueBar",
            "Jobs waiting in the queue right now (read from the queue ten times a second)",
        )
        self.queue_bar.setFormat("%v of %m jobs waiting in the queue")
        self.queue_bar.setRange(0, 1)
        self.queue_bar.setValue(0)
        self.summary = summary_label(
            "Pick a way. Each worker takes the next job off the queue as soon as it is free.",
            "downloaderSummary",
            "The run as it goes (waiting, downloading, done) and, at the end, how it went",
        )
        self.lanes = LaneChart("workerLanes", min_span_s=0.5)
        self.lanes.setToolTip("One lane per worker: a bar for each job it downloads")
        self.lanes.legend.setText(_legend())
        self.table = table(
            "downloaderTable",
            COLUMNS,
            "Every run, newest first. total: from queueing the jobs to the last worker ending; "
            "taken out: jobs Cancel took out of the queue",
        )
        self.table.setMinimumHeight(100)
        split = vsplit(self.lanes, self.table, sizes=(180, 130))
        self.runner = WaysRunner(
            self,
            self.buttons,
            (self.sources_spin, self.latency_spin, self.workers_spin),
            self.summary,
            stop=self._stop,
        )
        return column(options, buttons, self.queue_bar, self.summary, (split, 1))

    # --- running ---------------------------------------------------------------------------
    def start(self, ways: list[str]) -> None:
        """One run at a time: the run buttons are disabled until it ends."""
        self.runner.start(" + ".join(ways), lambda: self._run_ways(ways))

    def run_all(self) -> None:
        self.start(list(WAYS))

    def _stop(self) -> bool:
        """Cancel the run's task: the lesson's cancel path drains the queue (a thread
        finishes the download it is on); remember when, for the summary."""
        if self._run is not None and self._run.cancelled_at is None:
            self._run.cancelled_at = time.perf_counter()
        return self.runner.cancel_task()

    async def _run_ways(self, ways: list[str]) -> None:
        try:
            async with aiohttp.ClientSession() as session:
                for way in ways:
                    if not await self._run_one(way, session):
                        break
        finally:
            self._refresh.stop()
            self._run = None  # the downloader stays, for stop_work()

    async def _run_one(self, way: str, session: aiohttp.ClientSession) -> bool:
        """Step one (the list of sources), then the jobs through the queue; False if there
        was nothing to download."""
        latency = round(self.latency_spin.value(), 3)
        try:
            jobs = await news_jobs(session, self.news_server, self.sources_spin.value(), latency)
        except RuntimeError as exc:
            self.runner.say(colored(f"{WAYS[way][3]}: {exc}", palette.BAD))
            return False
        run = DownloadRun(way, self.workers_spin.value(), len(jobs), latency)
        downloader = self._make(way, run, session)
        self._run, self._downloader = run, downloader
        self._start_lanes(run)
        self.queue_bar.setRange(0, max(1, len(jobs)))
        self._refresh.start()
        try:
            await downloader.run(jobs)
        finally:
            run.ended = time.perf_counter()
            self._refresh.stop()
            self._show_queue()
            self._finish(run)
        return True

    def _make(self, way: str, run: DownloadRun, session: aiohttp.ClientSession) -> Downloader:
        show = functools.partial(self._show, run)  # always called on the GUI thread
        if way == "tasks":
            return TasksAndQueue(session, run.workers, WORD, show)
        report = on_loop_thread(asyncio.get_running_loop(), show)
        if way == "threads":
            return ThreadsAndQueue(run.workers, WORD, report)
        return PoolOfThreads(run.workers, WORD, report)

    # --- showing it --------------------------------------------------------------------------
    def _start_lanes(self, run: DownloadRun) -> None:
        self.lanes.reset(run.started)
        if run.way != "pool":  # a pool starts its threads as it needs them: lanes then
            prefix = "thread" if run.way == "threads" else "task"
            for n in range(1, run.workers + 1):
                self.lanes.add_lane(f"{prefix} {n}")

    def _show(self, run: DownloadRun, event: Event) -> None:
        """A worker's event, on the GUI thread: count it and draw it on the worker's lane."""
        if run is not self._run:
            return  # a late event of a run that is over
        if event.kind == "took":
            run.took += 1
            self.lanes.open_bar(event.worker, "awaiting", at=event.at)
        elif event.kind == "done" and event.result is not None:
            run.done += 1
            run.words += event.words
            ok = event.result.ok
            if not ok:
                run.failed += 1
                run.first_error = run.first_error or event.result.error
            label = f"job {event.job.number if event.job else '?'}"
            self.lanes.finish(event.worker, "result" if ok else "exception", label, at=event.at)
        elif event.kind == "stopped":
            self.lanes.add_event(event.worker, "step", "STOP", at=event.at)

    def _show_queue(self) -> None:
        run, downloader = self._run, self._downloader
        if run is None or downloader is None:
            return
        waiting = downloader.waiting()
        self.queue_bar.setValue(waiting)
        self.summary.setText(
            f"<b>{WAYS[run.way][3]}</b>: {waiting} waiting in the queue · "
            f"{run.took - run.done} downloading · {run.done} done · {run.failed} failed · "
            f"{run.wall:.1f} s"
        )

    def _finish(self, run: DownloadRun) -> None:
        for name in self.lanes.lane_names():  # a task cancelled mid-download
            if self.lanes.lane(name).open_segment() is not None:
                self.lanes.finish(name, "cancelled", "cancelled")
        self.lanes.redraw()
        if run.cancelled_at is None:
            self._latest[run.way] = run
        self.runner.say(_summary(run, self._latest))
        self._add_row(run)

    def _add_row(self, run: DownloadRun) -> None:
        way = WAYS[run.way][3] + (" (cancelled)" if run.cancelled_at else "")
        cells: list[Cell] = [
            way,
            str(run.workers),
            str(run.jobs),
            str(run.done),
            (str(run.failed), palette.BAD if run.failed else None),
            str(run.jobs - run.took),
            f"{run.wall:.2f}",
            f"{run.done / run.wall:.1f}" if run.wall > 0 else "-",
            str(run.words),
        ]
        add_run_row(self.table, cells, KEEP_ROWS)

    # --- shutdown and the README screenshot ----------------------------------------------------
    async def stop_work(self) -> None:
        """Threads cannot be cancelled like tasks: drain their queue and wait for them (a
        second cancel, say Cancel and then quit, may have stopped the run waiting)."""
        downloader = self._downloader
        if isinstance(downloader, ThreadsAndQueue):
            downloader.cancel()
            await asyncio.to_thread(downloader.join)
        elif isinstance(downloader, PoolOfThreads):
            downloader.pool.shutdown(wait=False, cancel_futures=True)
            await asyncio.to_thread(downloader.pool.shutdown)

    async def screenshot_demo(self) -> None:
        self.sources_spin.setValue(20)
        self.latency_spin.setValue(0.1)
        self.workers_spin.setValue(5)
        self.start(["tasks", "pool", "threads"])  # threads last: their STOPs in the picture
        while self.runner.busy():
            await asyncio.sleep(0.05)


def _summary(run: DownloadRun, latest: dict[str, DownloadRun]) -> str:
    name = f"<b>{WAYS[run.way][3]}</b>"
    found = f"'{WORD}' found {run.words} times"
    if run.cancelled_at is None:
        text = (
            f"{name}: {run.done} jobs by {run.workers} workers in {run.wall:.2f} s "
            f"({run.done / max(run.wall, 1e-9):.1f} jobs/s); {found}."
        )
    else:
        ended = (run.ended or time.perf_counter()) - run.cancelled_at
        inflight = "were cancelled at their await" if run.way == "tasks" else "finished"
        text = (
            f"{name} cancelled: {run.jobs - run.took} jobs taken out of the queue, none left; "
            f"the downloads in progress {inflight}, and every worker had ended "
            f"{ended:.2f} s after the click. {run.done} jobs done; {found}."
        )
    if run.failed:
        text += " " + colored(f"{run.failed} failed, e.g. {run.first_error}", palette.BAD)
    elif run.cancelled_at is None:
        text += " " + colored("No job failed.", palette.GOOD)
    same = [
        f"{WAYS[other.way][3]} {other.wall:.2f} s"
        for other in latest.values()
        if other.way != run.way
        and (other.jobs, other.workers, other.latency) == (run.jobs, run.workers, run.latency)
    ]
    if same:
        text += " Same jobs and workers: " + "; ".join(same) + "."
    return text


def _legend() -> str:
    """The lanes' legend in this panel's words (a bar is a download, not an await)."""
    bar = palette.css(palette.shade(palette.SKY_BLUE))  # the lanes' "awaiting" bars
    parts = [f"<span style='color:{bar}'>&#9644;</span>&nbsp;downloading a job"]
    for kind, text in (("result", "done"), ("exception", "failed"), ("cancelled", "cancelled")):
        glyph = {"result": "&#9679;", "exception": "&#10005;", "cancelled": "&#9632;"}[kind]
        color = palette.css(palette.shade(EVENT_KINDS[kind][1] or palette.BLUE))
        parts.append(f"<span style='color:{color}'>{glyph}</span>&nbsp;{text}")
    parts.append(f"<b>&#9474;</b>&nbsp;took its STOP {colored('(not in a pool)', palette.MUTED)}")
    return "<small>" + " &nbsp; ".join(parts) + "</small>"
