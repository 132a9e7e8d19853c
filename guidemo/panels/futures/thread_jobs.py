"""The `futures` panel's lower box: a pool thread's concurrent.futures.Future, blocked on
in a click handler (the bad way) or awaited through asyncio.wrap_future."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

from PySide6 import QtWidgets

from guidemo.lessons.futures import Log, await_job, block_on_job, outcome, submit_job
from guidemo.panels.futures.playground import Spawn, logged_call
from guidemo.services import PanelContext
from guidemo.widgets.freeze_guard import QueuedClicks, ignored_clicks_text
from guidemo.widgets.kit import dspin, label, make_button, row

Job = concurrent.futures.Future[tuple[int, str]]


class ThreadJobs(QtWidgets.QGroupBox):
    """Submit slow_square to the app's thread pool and watch its Future."""

    def __init__(self, context: PanelContext, log: Log, spawn: Spawn) -> None:
        super().__init__("concurrent.futures.Future: resolved by a pool thread")
        self.context, self.log, self.spawn = context, log, spawn
        self.job: Job | None = None
        self.number = 0  # job #N
        self.cancel = threading.Event()  # set on shutdown: running jobs stop early
        self.wrap_task: asyncio.Task[None] | None = None

        self.job_spin = dspin(
            "jobSpin", 0.2, 5.0, 1.5, "How long slow_square takes in its thread", step=0.5
        )
        self.submit_button = make_button(
            "job = executor.submit(slow_square)",
            "threadFutureButton",
            "Run slow_square in the app's thread pool: a concurrent.futures.Future comes back "
            "at once (each click submits one more job; each ends after the job time)",
            self.submit,
        )
        self.cancel_button = make_button(
            "job.cancel()",
            "cancelThreadFutureButton",
            "Try to cancel the thread's job: only possible before it starts running",
            self.cancel_job,
        )
        self.blocking_result_button = make_button(
            "job.result()  (blocks!)",
            "blockingResultButton",
            "Submit a job and wait for it right in the click handler: the UI freezes",
            self.block_on_result,
            role="danger",
        )
        self.wrap_future_button = make_button(
            "await asyncio.wrap_future(job)",
            "wrapFutureButton",
            "Submit a job and await it through wrap_future: the loop stays free. "
            "Disabled while it waits",
            self.start_wrap,
        )
        self.state = label(
            "No job yet.", "threadFutureState", "The thread job's concurrent.futures.Future", True
        )
        self._queued_clicks = QueuedClicks(self)

        grid = QtWidgets.QGridLayout(self)
        job_row = row("job takes", self.job_spin, stretch=False)
        job_row.addWidget(self.submit_button, 1)
        grid.addLayout(job_row, 0, 0, 1, 2)
        grid.addWidget(self.cancel_button, 0, 2)
        grid.addWidget(self.wrap_future_button, 1, 0, 1, 2)
        grid.addWidget(self.blocking_result_button, 1, 2)
        grid.addWidget(self.state, 2, 0, 1, 3)
        self.refresh()

    def refresh(self) -> None:
        job = self.job
        if job is None:
            self.state.setText("No job yet: submit one to the thread pool.")
        else:
            state = "done" if job.done() else ("running" if job.running() else "pending")
            holds = outcome(job) if job.done() else "nothing yet"
            self.state.setText(
                f"<b>job #{self.number}</b> {state}: running() = <b>{job.running()}</b>, "
                f"done() = <b>{job.done()}</b>, holds <b>{holds}</b>"
            )
        self.cancel_button.setEnabled(job is not None)
        self.wrap_future_button.setEnabled(self.wrap_task is None)

    def _job_log(self, text: str) -> None:
        self.log(text)
        self.refresh()

    def submit(self) -> Job:
        self.number += 1
        number, seconds = self.number, self.job_spin.value()
        job = submit_job(self.context.executor, number, seconds, self.cancel, self._job_log)
        self.job = job
        self.log(
            f">>> job = executor.submit(slow_square, {number}, {seconds:g})   "
            f"# job #{number}, returned at once: {job!r}"
        )
        self.refresh()
        return job

    def cancel_job(self) -> None:
        job = self.job
        if job is not None:
            state = "running" if job.running() else ("done" if job.done() else "pending")
            logged_call(f"job.cancel()   # job #{self.number} was {state}", job.cancel, self.log)
            self.refresh()

    def block_on_result(self) -> None:
        """The bad way, on purpose: wait for the thread's result inside the click handler."""
        job = self.submit()
        self.blocking_result_button.setEnabled(False)
        started = time.perf_counter()
        value = block_on_job(job)
        took = time.perf_counter() - started
        self.log(
            f">>> job.result()   returned {value!r} after {took:.2f} s: the GUI thread waited "
            "the whole time (see the HUD)"
        )
        # Clicks made during the freeze arrive now: keep the button off a moment longer.
        self._queued_clicks.hold(self._after_block)
        self.refresh()

    def _after_block(self, ignored_clicks: int) -> None:
        if ignored_clicks:
            self.log(f"({ignored_clicks_text(ignored_clicks)})")
        self.blocking_result_button.setEnabled(True)

    def start_wrap(self) -> None:
        if self.wrap_task is None:
            self.wrap_task = self.spawn(self._wrap(), "await wrap_future")
            self.refresh()

    async def _wrap(self) -> None:
        try:
            job = self.submit()
            self.log(">>> await asyncio.wrap_future(job)   # suspended; the loop runs on")
            started = time.perf_counter()
            value = await await_job(job)
            took = time.perf_counter() - started
            lag = self.context.monitor.stats_since(started)
            self.log(
                f"await wrap_future(job) resumed with {value!r} after {took:.2f} s; loop lag "
                f"meanwhile: max {lag.max_ms:.0f} ms over {lag.samples} probes (loop stayed free)"
            )
        finally:
            self.wrap_task = None
            self.refresh()
