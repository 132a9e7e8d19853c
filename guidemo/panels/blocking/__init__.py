"""Panel `blocking`: the same slow job run four ways, and what each does to the UI.

The four ways are lesson code (`guidemo.lessons.blocking`, `guidemo.lessons.qthread`);
this module builds the controls, runs one way at a time, and reports the lag it caused;
`runs.py` keeps the history and draws the thread-vs-process verdict.
"""

from __future__ import annotations

import asyncio
import threading
import time
from multiprocessing.pool import Pool
from typing import Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.blocking import (
    busy_ui,
    run_in_click_handler,
    run_in_executor,
    run_in_process,
    small_task,
    start_process_pool,
)
from guidemo.lessons.jobs import JOBS, Job, busy_cpu, slow_sleep
from guidemo.lessons.qthread import JobThread, run_in_qthread
from guidemo.monitor import LagStats
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.blocking.runs import (
    COMPARE_SECONDS,
    FROZEN_MS,
    RunRecord,
    add_to_history,
    cancelled_outcome,
    describe,
    history_table,
    verdict_html,
)
from guidemo.panels.ways import ComparesWays, WaysRunner, summary_label
from guidemo.widgets import palette
from guidemo.widgets.freeze_guard import INPUT_DRAIN_MS, QueuedClicks, ignored_clicks_text
from guidemo.widgets.kit import column, dspin, hsplit, label, log_view, make_button, named, row

WAYS = {"run_in_executor": "in a thread", "process": "in a process"}


class BlockingPanel(ComparesWays, Panel):
    slug = "blocking"
    title = "Blocking vs offloaded"
    sources = (
        run_in_click_handler,
        run_in_executor,
        JobThread,
        run_in_qthread,
        start_process_pool,
        run_in_process,
        slow_sleep,
        busy_cpu,
        small_task,
        busy_ui,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "blockButton": run_in_click_handler,
        "executorButton": run_in_executor,
        "qthreadButton": run_in_qthread,
        "processButton": run_in_process,
        "compareButton": busy_ui,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._pool: Pool | None = None
        self._startup_s = 0.0  # how long starting the worker process took in this run
        self._cancel = threading.Event()
        self._ticker_tasks: list[asyncio.Task[Any]] = []  # cancelled by shutdown()
        self._threads: list[JobThread] = []  # kept until they end: Qt aborts if one is freed
        self.comparison: dict[str, RunRecord] = {}  # the last Compare: way -> its run
        controls = self.build_controls()
        self._queued_clicks = QueuedClicks(controls)
        self.set_controls(controls)

    def build_controls(self) -> QtWidgets.QWidget:
        self.duration_spin = dspin("durationSpin", 0.1, 30.0, 2.0, "How long the job runs")
        self.work_kind = named(
            QtWidgets.QComboBox(),
            "workKind",
            "sleep: waits without using the CPU (like I/O). cpu: a pure-Python busy loop",
        )
        self.work_kind.addItems(list(JOBS))

        buttons = {
            "blockButton": (
                "Run in the click handler",
                "Runs the job directly in the handler: the whole UI freezes, and Cancel "
                "cannot help",
                self.run_blocking,
            ),
            "executorButton": (
                "await run_in_executor",
                "Runs the job in a thread pool and awaits it",
                lambda: self.start_job("run_in_executor"),
            ),
            "qthreadButton": (
                "QThread + signal",
                "Runs the job in a QThread that reports back through a signal",
                lambda: self.start_job("QThread"),
            ),
            "processButton": (
                "Process pool",
                "Runs the job in a separate process (no shared GIL); the first run also "
                "starts that process",
                lambda: self.start_job("process"),
            ),
            "compareButton": (
                "Compare cpu: thread vs process",
                f"Runs the cpu job (at least {COMPARE_SECONDS:g} s) in a thread, then in a "
                "process, each beside a busy UI (a 1 ms ticker), and shows both side by side",
                self.start_compare,
            ),
            "cancelButton": (
                "Cancel",
                "Stops the running job where that is possible, and says when it is not",
                None,  # the runner's own Cancel
            ),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {
            name: make_button(text, name, tip, slot, role="danger" if name == "blockButton" else "")
            for name, (text, tip, slot) in buttons.items()
        }

        self.result_label = summary_label(
            "Pick a job and a way to run it.",
            "resultLabel",
            "The last run: result, wall time, and the worst UI lag during it",
            min_height=48,
        )
        self.compare_label = label(
            "", "compareLabel", "The last Compare: thread and process side by side", rich=True
        )
        self.compare_label.setVisible(False)  # until the first Compare
        self.progress = named(
            QtWidgets.QProgressBar(),
            "busyBar",
            "Animated by the event loop: it stops moving when the loop is blocked",
        )
        self.progress.setRange(0, 1)
        self.progress.setTextVisible(False)
        self.history = history_table()
        self.ticker = log_view(
            "tickerLog",
            "Four small asyncio tasks that run only when the event loop is free",
            "Four small asyncio tasks write the time here whenever the loop lets them",
            max_lines=300,
        )
        self.ticker.setMinimumHeight(160)

        form = row("Job:", self.work_kind, "Duration:", self.duration_spin)
        grid = QtWidgets.QGridLayout()
        for index, name in enumerate(buttons):
            grid.addWidget(self.buttons[name], index // 3, index % 3)
        lists = hsplit(self.history, self.ticker)
        lists.setStretchFactor(0, 3)
        lists.setStretchFactor(1, 2)
        self.runner = WaysRunner(
            self,
            self.buttons,
            (self.work_kind, self.duration_spin),
            self.result_label,
            stop=self._stop,
            on_running=lambda running: self.progress.setRange(0, 0 if running else 1),
        )  # the progress bar: (0, 0) = busy animation
        items = (self.progress, self.result_label, self.compare_label, (lists, 1))
        return column(form, grid, *items)

    # --- the small tasks: ticking from the panel's first showing until shutdown ------------
    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        # On the loop's next turn: the panel may be shown before the loop runs at all.
        QtCore.QTimer.singleShot(0, self, self._start_ticker)

    def _start_ticker(self) -> None:
        if self.shut_down:  # the start was deferred, and the window closed meanwhile
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        if not self._ticker_tasks:
            self._ticker_tasks = [
                self.spawn(small_task(n, self._tick), f"small task {n}") for n in range(1, 5)
            ]

    def _tick(self, line: str) -> None:
        """Append a small task's line; follow the end unless the reader scrolled up."""
        bar = self.ticker.verticalScrollBar()
        following = bar.value() >= bar.maximum() - bar.pageStep()  # a resize moves it a bit
        self.ticker.appendPlainText(line)
        if following:
            bar.setValue(bar.maximum())

    # --- running -----------------------------------------------------------------------
    def job(self) -> tuple[str, Job, float]:
        kind = self.work_kind.currentText()
        return kind, JOBS[kind], self.duration_spin.value()

    def run_blocking(self) -> None:
        """The bad way, on purpose: the click handler itself does the work."""
        kind, job, seconds = self.job()
        self.runner.hold(cancellable=False)  # nothing can interrupt a click handler
        self.runner.say(f"Running {kind} for {seconds:g} s in the click handler…")
        started = time.perf_counter()
        result = run_in_click_handler(job, seconds)
        wall = time.perf_counter() - started
        outcome = describe(kind, result)

        def finish(ignored_clicks: int) -> None:  # the lag probe has seen the freeze by now
            self._report(RunRecord("click handler", kind, wall, self._lag(started), outcome))
            if ignored_clicks:
                self.result_label.setText(
                    f"{self.result_label.text()} {ignored_clicks_text(ignored_clicks)}."
                )
            self.runner.release()

        # Clicks made during the freeze are delivered now: keep the buttons off a moment
        # longer so they do not start the freeze all over again.
        self._queued_clicks.hold(finish)

    def start_job(self, way: str) -> None:
        """One job at a time: the run buttons are disabled until it ends."""
        self.runner.start(f"{way} job", lambda: self._run_job(way))

    def start_compare(self) -> None:
        self.runner.start("compare thread vs process", self._compare)

    def _stop(self) -> bool:
        """Ask the job to stop: threads check a flag, a process can be terminated."""
        self._cancel.set()
        if self._pool is not None and self.runner.task is not None:
            self._pool.terminate()  # a process can be killed outright
            self._pool = None
        return self.runner.cancel_task()

    async def _compare(self) -> None:
        """The cpu job in a thread, then in a process, each beside a busy UI."""
        self.work_kind.setCurrentText("cpu")
        seconds = max(self.duration_spin.value(), COMPARE_SECONDS)
        runs: dict[str, RunRecord] = {}
        self.runner.say("Starting the worker process first (not timed)…")
        self._cancel = threading.Event()
        startup = await self._start_pool()
        for way, where in WAYS.items():
            ticks: list[float] = []
            ticker = self.spawn(busy_ui(ticks), f"compare: busy UI beside the job {where}")
            try:
                run = await self._run_job(way, seconds)
            finally:
                ticker.cancel()
            run.ui_ticks_per_s = len(ticks) / run.wall_s
            runs[way] = run
            if self._cancel.is_set():
                return
        self.comparison = runs
        thread, process = runs["run_in_executor"], runs["process"]
        self.compare_label.setText(verdict_html(thread, process, startup))
        self.compare_label.setVisible(True)

    async def _run_job(self, way: str, seconds: float | None = None) -> RunRecord:
        kind, job, chosen = self.job()
        seconds = chosen if seconds is None else seconds
        self._cancel = threading.Event()
        self._startup_s = 0.0
        self.runner.say(f"Running {kind} for {seconds:g} s via {way}… the UI stays live.")
        started = time.perf_counter()
        run = RunRecord(way, kind, 0.0, self._lag(started), "?")
        try:
            run.result = await self._offload(way, job, seconds)
            run.outcome = describe(kind, run.result)
            if self._cancel.is_set():
                run.outcome = f"cancelled: the job saw its cancel flag and stopped ({run.outcome})"
            if self._startup_s:
                run.outcome += (
                    f"; includes {self._startup_s:.2f} s starting the worker process (first "
                    "run only)"
                )
        except asyncio.CancelledError:
            run.outcome = cancelled_outcome(way)
            raise
        finally:
            run.wall_s, run.lag = time.perf_counter() - started, self._lag(started)
            self._report(run)
        return run

    async def _start_pool(self) -> float:
        """Start the worker process if it is not running; return how long that took now."""
        if self._pool is not None:
            return 0.0
        started = time.perf_counter()
        self._pool = start_process_pool()
        await run_in_process(self._pool, slow_sleep, 0.0)  # it is up once it has answered
        return time.perf_counter() - started

    async def _offload(self, way: str, job: Job, seconds: float) -> Any:
        if way == "run_in_executor":
            return await run_in_executor(self.context.executor, job, seconds, self._cancel)
        if way == "QThread":
            self._threads = [thread for thread in self._threads if thread.isRunning()]
            self._threads.append(JobThread(job, seconds, self._cancel))
            return await run_in_qthread(self._threads[-1])
        self._startup_s = await self._start_pool()
        assert self._pool is not None
        return await run_in_process(self._pool, job, seconds)

    def _lag(self, started: float) -> LagStats:
        return self.context.monitor.stats_since(started)

    def _report(self, run: RunRecord) -> None:
        lag = run.lag.max_ms
        verdict = "UI frozen" if lag > FROZEN_MS else "UI live"
        color = palette.BAD if lag > FROZEN_MS else palette.GOOD
        self.runner.say(
            f"<b>{run.way}</b> ({run.kind}): {run.outcome}. Wall time <b>{run.wall_s:.2f} s"
            f"</b>; worst UI lag <b style='color:{color}'>{lag:.0f} ms</b> ({verdict}), "
            f"p99 {run.lag.p99_ms:.1f} ms."
        )
        add_to_history(self.history, run)

    async def shutdown(self) -> None:
        self._cancel.set()  # first, so threads stop while their tasks are cancelled
        await super().shutdown()

    async def stop_work(self) -> None:
        for thread in self._threads:
            thread.wait()
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    async def screenshot_demo(self) -> None:
        self.duration_spin.setValue(1.0)
        self.work_kind.setCurrentText("sleep")
        self.start_job("run_in_executor")
        while self.runner.busy():
            await asyncio.sleep(0.05)
        self.start_compare()
        while self.runner.busy():
            await asyncio.sleep(0.05)
        self.work_kind.setCurrentText("sleep")
        self.run_blocking()  # last, so the small tasks' log ends with the gap it made
        await asyncio.sleep(INPUT_DRAIN_MS / 1000 + 0.1)
