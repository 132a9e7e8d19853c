"""Panel `blocking`: the same slow job run four ways, and what each does to the UI.

The four ways are lesson code (`guidemo.lessons.blocking`, `guidemo.lessons.qthread`);
this module builds the controls, runs one way at a time, and reports the lag it caused.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from multiprocessing.pool import Pool
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.lessons.blocking import (
    run_in_click_handler,
    run_in_executor,
    run_in_process,
    small_task,
)
from guidemo.lessons.jobs import JOBS, Job, busy_cpu, slow_sleep
from guidemo.lessons.qthread import JobThread, run_in_qthread
from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.freeze_guard import INPUT_DRAIN_MS, QueuedClicks, ignored_clicks_text
from guidemo.widgets.kit import dspin, label, log_view, make_button, named, row, table
from guidemo.widgets.palette import BAD, GOOD


class BlockingPanel(Panel):
    slug = "blocking"
    title = "Blocking vs offloaded"
    sources = (
        run_in_click_handler,
        run_in_executor,
        JobThread,
        run_in_qthread,
        run_in_process,
        slow_sleep,
        busy_cpu,
        small_task,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._pool: Pool | None = None
        self._cancel = threading.Event()
        self._job_task: asyncio.Task[Any] | None = None
        self._ticker_tasks: list[asyncio.Task[Any]] = []
        self._threads: list[JobThread] = []  # kept until they end: Qt aborts if one is freed
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
                "Runs the job directly in the handler: the whole UI freezes",
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
                "Runs the job in a separate process (no shared GIL)",
                lambda: self.start_job("process"),
            ),
            "compareButton": (
                "Compare cpu: thread vs process",
                "Runs the cpu job in a thread, then in a process, and lists both",
                self.start_compare,
            ),
            "cancelButton": (
                "Cancel",
                "Stops the running job where that is possible, and says when it is not",
                self.cancel_job,
            ),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {
            name: make_button(text, name, tip, slot, role="danger" if name == "blockButton" else "")
            for name, (text, tip, slot) in buttons.items()
        }
        self.buttons["cancelButton"].setEnabled(False)

        self.result_label = label(
            "Pick a job and a way to run it.",
            "resultLabel",
            "The last run: result, wall time, and the worst UI lag during it",
            rich=True,
        )
        self.result_label.setMinimumHeight(48)
        self.progress = named(
            QtWidgets.QProgressBar(),
            "busyBar",
            "Animated by the event loop: it stops moving when the loop is blocked",
        )
        self.progress.setRange(0, 1)
        self.progress.setTextVisible(False)
        self.history = table(
            "historyTable",
            ["way", "job", "wall s", "max lag ms", "p99 lag ms", "outcome"],
            "Every run so far, newest first: compare the ways side by side",
        )
        self.ticker = log_view(
            "tickerLog",
            "Small tasks that only run when the event loop is free",
            "Four small asyncio tasks write here while a job runs",
            max_lines=300,
        )

        form = row("Job:", self.work_kind, "Duration:", self.duration_spin)
        grid = QtWidgets.QGridLayout()
        for index, name in enumerate(buttons):
            grid.addWidget(self.buttons[name], index // 3, index % 3)
        lists = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        lists.addWidget(self.history)
        lists.addWidget(self.ticker)
        lists.setStretchFactor(0, 3)
        lists.setStretchFactor(1, 2)

        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addWidget(lists, 1)
        return controls

    # --- running -----------------------------------------------------------------------
    def job(self) -> tuple[str, Job, float]:
        kind = self.work_kind.currentText()
        return kind, JOBS[kind], self.duration_spin.value()

    def run_blocking(self) -> None:
        """The bad way, on purpose: the click handler itself does the work."""
        kind, job, seconds = self.job()
        self._set_running(True)
        self.result_label.setText(f"Running {kind} for {seconds:g} s in the click handler…")
        started = time.perf_counter()
        result = run_in_click_handler(job, seconds)
        wall = time.perf_counter() - started
        outcome = self._describe(kind, result)

        def finish(ignored_clicks: int) -> None:  # the lag probe has seen the freeze by now
            self._report("click handler", kind, wall, started, outcome)
            if ignored_clicks:
                self.result_label.setText(
                    f"{self.result_label.text()} {ignored_clicks_text(ignored_clicks)}."
                )
            self._set_running(False)

        # Clicks made during the freeze are delivered now: keep the buttons off a moment
        # longer so they do not start the freeze all over again.
        self._queued_clicks.hold(finish)

    def start_job(self, way: str) -> None:
        """One job at a time: the run buttons are disabled until it ends."""
        if self._job_task is None:
            self._set_running(True)
            self._job_task = self.spawn(self._run_job(way), f"{way} job")

    def start_compare(self) -> None:
        if self._job_task is None:
            self._set_running(True)
            self._job_task = self.spawn(self._compare(), "compare thread vs process")

    def cancel_job(self) -> None:
        """Ask the job to stop: threads check a flag, a process can be terminated."""
        self._cancel.set()
        if self._pool is not None and self._job_task is not None:
            self._pool.terminate()  # a process can be killed outright
            self._pool = None
        if self._job_task is not None:
            self._job_task.cancel()

    async def _compare(self) -> None:
        self.work_kind.setCurrentText("cpu")
        try:
            await self._run_job("run_in_executor", keep_task=True)
            if not self._cancel.is_set():
                await self._run_job("process", keep_task=True)
        finally:
            self._job_task = None

    async def _run_job(self, way: str, keep_task: bool = False) -> None:
        kind, job, seconds = self.job()
        self._cancel = threading.Event()
        self._set_running(True)
        self.result_label.setText(f"Running {kind} for {seconds:g} s via {way}… the UI stays live.")
        started = time.perf_counter()
        outcome = "?"
        try:
            result = await self._offload(way, job, seconds)
            outcome = self._describe(kind, result)
            if self._cancel.is_set():
                outcome = f"cancelled: the job saw its cancel flag and stopped ({outcome})"
        except asyncio.CancelledError:
            outcome = self._cancelled_outcome(way)
            raise
        finally:
            self._report(way, kind, time.perf_counter() - started, started, outcome)
            self._set_running(False)
            if not keep_task:
                self._job_task = None

    async def _offload(self, way: str, job: Job, seconds: float) -> Any:
        if way == "run_in_executor":
            return await run_in_executor(self.context.executor, job, seconds, self._cancel)
        if way == "QThread":
            self._threads = [thread for thread in self._threads if thread.isRunning()]
            self._threads.append(JobThread(job, seconds, self._cancel))
            return await run_in_qthread(self._threads[-1])
        if self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(processes=1)
        return await run_in_process(self._pool, job, seconds)

    def _cancelled_outcome(self, way: str) -> str:
        if way == "process":
            return "cancelled: the worker process was terminated"
        return (
            "cancelled: asked the thread to stop (Python cannot kill a thread; this job "
            "checks a flag, a plain time.sleep would run to its end)"
        )

    @staticmethod
    def _describe(kind: str, result: Any) -> str:
        if kind == "sleep":
            return f"slept {result:.2f} s"
        return f"{result / 1e6:.1f} M loops"

    def _report(self, way: str, kind: str, wall: float, started: float, outcome: str) -> None:
        stats = self.context.monitor.stats_since(started)
        lag = stats.max_ms
        verdict = "UI frozen" if lag > 100 else "UI live"
        color = BAD if lag > 100 else GOOD
        self.result_label.setText(
            f"<b>{way}</b> ({kind}): {outcome}. Wall time <b>{wall:.2f} s</b>; worst UI lag "
            f"<b style='color:{color}'>{lag:.0f} ms</b> ({verdict}), p99 {stats.p99_ms:.1f} ms."
        )
        self.history.insertRow(0)
        cells = [way, kind, f"{wall:.2f}", f"{lag:.0f}", f"{stats.p99_ms:.1f}", outcome]
        for column, text in enumerate(cells):
            self.history.setItem(0, column, QtWidgets.QTableWidgetItem(text))
        self.history.resizeColumnsToContents()

    def _set_running(self, running: bool) -> None:
        for name, button in self.buttons.items():
            button.setEnabled(running if name == "cancelButton" else not running)
        self.progress.setRange(0, 0 if running else 1)  # (0, 0) = busy animation
        if running and not self._ticker_tasks:
            self._start_ticker()
        elif not running:
            self._stop_ticker()

    def _start_ticker(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self.ticker.clear()
        self._ticker_tasks = [
            self.spawn(small_task(n, self.ticker.appendPlainText), f"small task {n}")
            for n in range(1, 5)
        ]

    def _stop_ticker(self) -> None:
        for task in self._ticker_tasks:
            task.cancel()
        self._ticker_tasks = []

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
        self.run_blocking()
        await asyncio.sleep(INPUT_DRAIN_MS / 1000 + 0.1)
        self.start_job("run_in_executor")
        while self._job_task is not None:
            await asyncio.sleep(0.05)
        self.duration_spin.setValue(1.0)
        self.start_compare()
        while self._job_task is not None:
            await asyncio.sleep(0.05)
