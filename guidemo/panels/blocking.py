"""Panel `blocking`: the same slow job run four ways, and what each does to the UI."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from multiprocessing.pool import Pool
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import make_button
from guidemo.lessons.jobs import JOBS, busy_cpu, slow_sleep

Job = Callable[..., Any]
INPUT_DRAIN_MS = 250  # clicks queued during a freeze arrive right after it: ignore them


# --- the four ways, as a learner would write them -------------------------------------
def run_in_click_handler(job: Job, seconds: float) -> Any:
    """Call the job right here, in the GUI thread: nothing else runs until it returns."""
    return job(seconds)


async def run_in_executor(
    executor: Executor, job: Job, seconds: float, cancel: threading.Event
) -> Any:
    """Hand the job to a thread pool and await it: the loop stays free meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, job, seconds, cancel)


class JobThread(QtCore.QThread):
    """A QThread that runs one job and reports back through a signal."""

    finishedWith = QtCore.Signal(object)  # the job's result, delivered in the GUI thread

    def __init__(self, job: Job, seconds: float, cancel: threading.Event) -> None:
        super().__init__()
        self.job, self.seconds, self.cancel = job, seconds, cancel

    def run(self) -> None:  # runs in the new thread
        self.finishedWith.emit(self.job(self.seconds, self.cancel))


async def run_in_qthread(thread: JobThread) -> Any:
    """Start the QThread and await its signal: Qt delivers it in the GUI thread for us."""
    result: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    thread.finishedWith.connect(lambda value: result.done() or result.set_result(value))
    thread.start()
    return await result


async def run_in_process(pool: Pool, job: Job, seconds: float) -> Any:
    """Run the job in another process: no shared GIL, so even pure-Python work can't lag the UI."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()

    def deliver(setter: Callable[[Any], None], value: Any) -> None:  # runs in the GUI thread
        if not result.done():
            setter(value)

    # The pool calls back from its own thread: hop onto the loop thread-safely.
    pool.apply_async(
        job,
        (seconds,),
        callback=lambda value: loop.call_soon_threadsafe(deliver, result.set_result, value),
        error_callback=lambda exc: loop.call_soon_threadsafe(deliver, result.set_exception, exc),
    )
    return await result


async def small_task(number: int, log: Callable[[str], None]) -> None:
    """A little task that runs every now and then, like the lecture's async_executor."""
    start = time.perf_counter()
    while True:
        log(f"small task {number} ran at +{time.perf_counter() - start:5.2f} s")
        await asyncio.sleep(random.uniform(0.1, 0.6))


# --- the panel --------------------------------------------------------------------------
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
        self._threads: list[
            JobThread
        ] = []  # kept until they end: Qt aborts if one is freed running
        self.set_controls(self.build_controls())

    def build_controls(self) -> QtWidgets.QWidget:
        self.duration_spin = QtWidgets.QDoubleSpinBox(objectName="durationSpin")
        self.duration_spin.setRange(0.1, 30.0)
        self.duration_spin.setSingleStep(0.5)
        self.duration_spin.setValue(2.0)
        self.duration_spin.setSuffix(" s")
        self.duration_spin.setToolTip("How long the job runs (0.1 to 30 s)")
        self.work_kind = QtWidgets.QComboBox(objectName="workKind")
        self.work_kind.addItems(list(JOBS))
        self.work_kind.setToolTip(
            "sleep: waits without using the CPU (like I/O). cpu: a pure-Python busy loop"
        )

        buttons = {
            "blockButton": (
                "Run in the click handler",
                "Runs the job directly in the handler: the whole UI freezes",
            ),
            "executorButton": (
                "await run_in_executor",
                "Runs the job in a thread pool and awaits it",
            ),
            "qthreadButton": (
                "QThread + signal",
                "Runs the job in a QThread that reports back through a signal",
            ),
            "processButton": ("Process pool", "Runs the job in a separate process (no shared GIL)"),
            "compareButton": (
                "Compare cpu: thread vs process",
                "Runs the cpu job in a thread, then in a process, and lists both",
            ),
            "cancelButton": (
                "Cancel",
                "Stops the running job where that is possible, and says when it is not",
            ),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip) in buttons.items():
            self.buttons[name] = make_button(text, name, tip)
        self.buttons["blockButton"].setStyleSheet("color: #b00020; font-weight: 600;")
        self.buttons["cancelButton"].setEnabled(False)
        self.buttons["blockButton"].clicked.connect(self.run_blocking)
        self.buttons["executorButton"].clicked.connect(lambda: self.start_job("run_in_executor"))
        self.buttons["qthreadButton"].clicked.connect(lambda: self.start_job("QThread"))
        self.buttons["processButton"].clicked.connect(lambda: self.start_job("process"))
        self.buttons["compareButton"].clicked.connect(self.start_compare)
        self.buttons["cancelButton"].clicked.connect(self.cancel_job)

        self.result_label = QtWidgets.QLabel(
            "Pick a job and a way to run it.", objectName="resultLabel"
        )
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.result_label.setToolTip(
            "The last run: result, wall time, and the worst UI lag during it"
        )
        self.result_label.setMinimumHeight(48)
        self.progress = QtWidgets.QProgressBar(objectName="busyBar")
        self.progress.setRange(0, 1)
        self.progress.setTextVisible(False)
        self.progress.setToolTip(
            "Animated by the event loop: it stops moving when the loop is blocked"
        )

        self.history = QtWidgets.QTableWidget(0, 6, objectName="historyTable")
        self.history.setHorizontalHeaderLabels(
            ["way", "job", "wall s", "max lag ms", "p99 lag ms", "outcome"]
        )
        self.history.setToolTip("Every run so far, newest first: compare the ways side by side")
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ticker = QtWidgets.QPlainTextEdit(objectName="tickerLog")
        self.ticker.setReadOnly(True)
        self.ticker.setMaximumBlockCount(300)
        self.ticker.setPlaceholderText("Four small asyncio tasks write here while a job runs")
        self.ticker.setToolTip("Small tasks that only run when the event loop is free")

        form = QtWidgets.QHBoxLayout()
        form.addWidget(QtWidgets.QLabel("Job:"))
        form.addWidget(self.work_kind)
        form.addWidget(QtWidgets.QLabel("Duration:"))
        form.addWidget(self.duration_spin)
        form.addStretch(1)
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

        def finish() -> None:  # after the lag probe has run again and seen the freeze
            self._report("click handler", kind, wall, started, outcome)
            self._set_running(False)

        # Clicks made during the freeze are delivered now: keep the buttons off a moment
        # longer so they do not start the freeze all over again.
        QtCore.QTimer.singleShot(INPUT_DRAIN_MS, finish)

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
        color = "#b00020" if lag > 100 else "#1b7f3b"
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
