"""The `futures` panel's lower box: a pool thread's concurrent.futures.Future, blocked on
in a click handler (the bad way) or awaited through asyncio.wrap_future.

The box has its own small pool with a bounded queue, drawn live: a burst of submits here
must never make another panel's jobs (the blocking panel uses the app's shared pool) or a
blocked `result()` wait behind all of them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

from PySide6 import QtCore

from guidemo.lessons.futures import (
    BoundedThreadPool,
    Log,
    QueueFull,
    await_job,
    block_on_job,
    outcome,
    submit_job,
)
from guidemo.panels.futures.playground import logged_call
from guidemo.panels.section import Host, Section
from guidemo.widgets import palette
from guidemo.widgets.freeze_guard import QueuedClicks, ignored_clicks_text
from guidemo.widgets.kit import dspin, flow, label, make_button

Job = concurrent.futures.Future[tuple[int, str]]
THREADS = 2  # this box's own pool
MAX_WAITING = 4  # jobs queued behind the running ones; a further submit is refused
BLOCK_LIMIT_S = 10.0  # job.result() that would freeze the window longer is not run
REFRESH_MS = 100  # the queue line, while jobs are unfinished


def finishes_after(ahead: list[float], threads: int, own: float) -> float:
    """When a new job of `own` s would be done, if the unfinished jobs `ahead` (seconds
    each still needs, oldest first) take the pool's `threads` threads first."""
    free_at = [0.0] * threads
    for left in ahead:
        soonest = free_at.index(min(free_at))
        free_at[soonest] += left
    return min(free_at) + own


def job_numbers(numbers: list[int]) -> str:
    return ", ".join(f"#{n}" for n in numbers) or "none"


class ThreadJobsSection(Section):
    """Submit slow_square to this box's thread pool and watch its Future and the queue."""

    title = "concurrent.futures.Future: resolved by a pool thread"

    def __init__(self, host: Host, log: Log) -> None:
        super().__init__(host)
        self.log = log
        self.pool = BoundedThreadPool(THREADS, MAX_WAITING, "futures-pool")
        self.job: Job | None = None
        self.number = 0  # job #N
        self.jobs: dict[int, tuple[Job, float]] = {}  # unfinished: number -> (job, seconds)
        self._started: dict[int, float] = {}  # number -> when it was first seen running
        self.cancel = threading.Event()  # set on shutdown: running jobs stop early
        self.wrap_task: asyncio.Task[None] | None = None

        self.job_spin = dspin(
            "jobSpin", 0.2, 5.0, 1.5, "How long slow_square takes in its thread", step=0.5
        )
        self.submit_button = make_button(
            "job = executor.submit(slow_square)",
            "threadFutureButton",
            "Run slow_square in this box's pool: a concurrent.futures.Future comes back at "
            f"once (each click submits one more; {THREADS} run at a time, at most "
            f"{MAX_WAITING} wait)",
            self.submit,
        )
        self.cancel_button = make_button(
            "job.cancel()",
            "cancelThreadFutureButton",
            "Try to cancel the newest job: only possible while it waits in the queue",
            self.cancel_job,
        )
        self.blocking_result_button = make_button(
            "job.result()  (blocks!)",
            "blockingResultButton",
            "Submit a job and wait for it right in the click handler: the UI freezes until it "
            f"is done, queue included (not run if that would be over {BLOCK_LIMIT_S:g} s)",
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
        self.queue_label = label(
            "", "poolQueue", "This box's own thread pool: the jobs running and waiting now", True
        )
        self.state = label(
            "No job yet.", "threadFutureState", "The thread job's concurrent.futures.Future", True
        )
        self._queued_clicks = QueuedClicks(self)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

        self.lay_out(
            flow(("job takes", self.job_spin, self.submit_button), self.cancel_button),
            flow(self.wrap_future_button, self.blocking_result_button),
            self.queue_label,
            self.state,
        )
        self.refresh()

    # --- display ---------------------------------------------------------------------------
    def refresh(self) -> None:
        job = self.job
        if job is None:
            self.state.setText("No job yet: submit one to the thread pool.")
        else:
            holds = outcome(job) if job.done() else "nothing yet"
            self.state.setText(
                f"<b>job #{self.number}</b> {self._state(job)}: running() = "
                f"<b>{job.running()}</b>, done() = <b>{job.done()}</b>, holds <b>{holds}</b>"
            )
        self.cancel_button.setEnabled(job is not None)
        self.wrap_future_button.setEnabled(self.wrap_task is None)
        self._refresh_queue()

    @staticmethod
    def _state(job: Job) -> str:
        return "done" if job.done() else ("running" if job.running() else "waiting")

    def _refresh_queue(self) -> None:
        now = time.perf_counter()
        self.jobs = {n: entry for n, entry in self.jobs.items() if not entry[0].done()}
        running = [n for n, (job, _) in self.jobs.items() if job.running()]
        waiting = [n for n in self.jobs if n not in running]
        for number in running:
            self._started.setdefault(number, now)
        self._started = {n: t for n, t in self._started.items() if n in self.jobs}
        full = " (full: a further submit is refused)" if len(waiting) >= MAX_WAITING else ""
        self.queue_label.setText(
            f"Queue of this box's own pool ({THREADS} threads): "
            f"<b style='color:{palette.GOOD}'>running {job_numbers(running)}</b> · "
            f"<b style='color:{palette.NOTE if waiting else palette.MUTED}'>"
            f"waiting {len(waiting)} of at most "
            f"{MAX_WAITING}: {job_numbers(waiting)}</b>{full}"
        )
        if self.jobs and not self._timer.isActive():
            self._timer.start()  # running() changes in a thread: look again soon
        elif not self.jobs:
            self._timer.stop()

    def _job_log(self, text: str) -> None:
        self.log(text)
        self.refresh()

    # --- the buttons -------------------------------------------------------------------------
    def submit(self) -> Job | None:
        """One more job for the pool, or None (and a line saying why) when its queue is full."""
        number, seconds = self.number + 1, self.job_spin.value()
        code = f"job = executor.submit(slow_square, {number}, {seconds:g})"
        try:
            job = submit_job(self.pool, number, seconds, self.cancel, self._job_log)
        except QueueFull as error:
            self.log(f">>> {code}   raised QueueFull: {error}; wait, or cancel a waiting job")
            return None
        self.number, self.job = number, job
        self.jobs[number] = (job, seconds)
        self.log(f">>> {code}   # job #{number}, returned at once: {job!r}")
        self.refresh()
        return job

    def cancel_job(self) -> None:
        job = self.job
        if job is not None:
            code = f"job.cancel()   # job #{self.number} was {self._state(job)}"
            logged_call(code, job.cancel, self.log)
            self.refresh()

    def wait_estimate(self) -> float:
        """How long job.result() on a new job would block now, queue included (about)."""
        now = time.perf_counter()
        ahead = [
            max(0.0, seconds - (now - self._started[n])) if n in self._started else seconds
            for n, (job, seconds) in sorted(self.jobs.items())
            if not job.done()
        ]
        return finishes_after(ahead, THREADS, self.job_spin.value())

    def block_on_result(self) -> None:
        """The bad way, on purpose: wait for the thread's result inside the click handler."""
        self._refresh_queue()
        estimate, ahead = self.wait_estimate(), len(self.jobs)
        if estimate > BLOCK_LIMIT_S:
            self.log(
                f"(job.result() not run: behind {ahead} unfinished jobs it would freeze the "
                f"window for about {estimate:.0f} s, over the {BLOCK_LIMIT_S:g} s this app "
                "allows. Wait for the queue, or cancel waiting jobs)"
            )
            return
        job = self.submit()
        if job is None:
            return
        self.setEnabled(False)  # clicks queued during the freeze land on disabled buttons
        started = time.perf_counter()
        value = block_on_job(job)
        took = time.perf_counter() - started
        behind = f", {ahead} job(s) ahead of it in the queue" if ahead else ""
        self.log(
            f">>> job.result()   returned {value!r} after {took:.2f} s (about {estimate:.1f} s "
            f"expected{behind}): the GUI thread waited the whole time (see the HUD)"
        )
        # Clicks made during the freeze arrive now: keep the box off a moment longer.
        self._queued_clicks.hold(self._after_block)
        self.refresh()

    def _after_block(self, ignored_clicks: int) -> None:
        if ignored_clicks:
            self.log(f"({ignored_clicks_text(ignored_clicks)})")
        self.setEnabled(True)

    def start_wrap(self) -> None:
        if self.wrap_task is None:
            self.wrap_task = self.host.spawn(self._wrap(), "await wrap_future")
            self.refresh()

    async def _wrap(self) -> None:
        try:
            job = self.submit()
            if job is None:
                return
            self.log(">>> await asyncio.wrap_future(job)   # suspended; the loop runs on")
            started = time.perf_counter()
            value = await await_job(job)
            took = time.perf_counter() - started
            lag = self.host.context.monitor.stats_since(started)
            self.log(
                f"await wrap_future(job) resumed with {value!r} after {took:.2f} s; loop lag "
                f"meanwhile: max {lag.max_ms:.0f} ms over {lag.samples} probes (loop stayed free)"
            )
        finally:
            self.wrap_task = None
            self.refresh()

    def halt(self) -> None:
        """Raise the cancel flag: running jobs stop early (the panel is shutting down)."""
        self.cancel.set()

    async def stop(self) -> None:
        """Stop the pool: waiting jobs are dropped, running ones see the cancel flag."""
        self._timer.stop()
        self.cancel.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
