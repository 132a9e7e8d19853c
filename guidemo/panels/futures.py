"""Panel `futures`: an asyncio Future resolved by hand, and a thread's Future joined to the loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import make_button
from guidemo.lessons.jobs import slow_sleep

Log = Callable[[str], None]
INPUT_DRAIN_MS = 250  # clicks queued during a freeze arrive right after it: ignore them


# --- asyncio.Future ----------------------------------------------------------------------
def outcome(future: asyncio.Future[Any] | concurrent.futures.Future[Any]) -> str:
    """What a done future holds: a result, an exception, or that it was cancelled."""
    if future.cancelled():
        return "cancelled"
    if future.exception() is not None:
        return f"exception {future.exception()!r}"
    return f"result {future.result()!r}"


def report_when_done(number: int, log: Log) -> Callable[[asyncio.Future[Any]], None]:
    """Build the n-th done-callback: the loop calls it with the future once that is done."""

    def on_done(future: asyncio.Future[Any]) -> None:
        log(f"callback #{number} ran: {outcome(future)}")

    return on_done


async def wait_for_it(number: int, future: asyncio.Future[Any], log: Log) -> None:
    """A coroutine awaiting the future: it is parked, costing nothing, until it is resolved."""
    log(f"waiter #{number}: await fut … (suspended)")
    try:
        value = await future
    except asyncio.CancelledError:
        log(f"waiter #{number}: resumed by CancelledError")
        raise
    except Exception as error:
        log(f"waiter #{number}: resumed, await raised {error!r}")
    else:
        log(f"waiter #{number}: resumed with {value!r}")


# --- concurrent.futures.Future, and joining it to the loop ----------------------------------
def slow_square(x: int, seconds: float, cancel: threading.Event) -> tuple[int, str]:
    """Runs in a pool thread: wait `seconds` (stoppable), then return x*x and the thread's name."""
    slow_sleep(seconds, cancel)
    return x * x, threading.current_thread().name


def submit_job(
    executor: Executor, x: int, seconds: float, cancel: threading.Event, log: Log
) -> concurrent.futures.Future[tuple[int, str]]:
    """executor.submit returns a concurrent.futures.Future at once; the job runs in a thread."""
    loop = asyncio.get_running_loop()

    def on_done(job: concurrent.futures.Future[Any]) -> None:  # runs in the worker thread!
        where = threading.current_thread().name
        if not loop.is_closed():
            loop.call_soon_threadsafe(log, f"job done-callback ran in thread {where!r}")

    job = executor.submit(slow_square, x, seconds, cancel)
    job.add_done_callback(on_done)
    return job


async def await_job(job: concurrent.futures.Future[tuple[int, str]]) -> tuple[int, str]:
    """wrap_future makes an asyncio Future that follows the thread's one: await it, loop free."""
    return await asyncio.wrap_future(job)


def block_on_job(job: concurrent.futures.Future[tuple[int, str]]) -> tuple[int, str]:
    """job.result() waits in the calling thread: called from a click handler, the UI freezes."""
    return job.result()


# --- the panel -----------------------------------------------------------------------------
class FuturesPanel(Panel):
    slug = "futures"
    title = "Futures: a result that arrives later"
    sources = (
        report_when_done,
        outcome,
        wait_for_it,
        slow_square,
        submit_job,
        await_job,
        block_on_job,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._future: asyncio.Future[Any] | None = None
        self._future_number = 0
        self._callbacks = 0
        self._waiters = 0  # waiters started on this future (numbers them)
        self._suspended = 0  # of those, still waiting
        self._job: concurrent.futures.Future[tuple[int, str]] | None = None
        self._job_number = 0
        self._cancel = threading.Event()
        self._wrap_task: asyncio.Task[None] | None = None
        self.set_controls(self.build_controls())

    def build_controls(self) -> QtWidgets.QWidget:
        self.new_future_button = make_button(
            "fut = loop.create_future()",
            "newFutureButton",
            "A new, pending asyncio Future (a pending one it replaces is cancelled)",
        )
        self.add_callback_button = make_button(
            "fut.add_done_callback(cb)",
            "addCallbackButton",
            "Attach the next numbered callback; the loop calls them in order once it is done",
        )
        self.await_future_button = make_button(
            "task: await fut",
            "awaitFutureButton",
            "Start a coroutine that awaits the future (each click adds one more waiter); "
            "it resumes when a button resolves the future",
        )
        self.value_edit = QtWidgets.QLineEdit("42", objectName="valueEdit")
        self.value_edit.setToolTip("The value set_result uses (a whole number or any text)")
        self.value_edit.setMaximumWidth(70)
        self.set_result_button = make_button(
            "fut.set_result(value)", "setResultButton", "Resolve the future with the value"
        )
        self.set_exception_button = make_button(
            "fut.set_exception(ValueError)",
            "setExceptionButton",
            "Resolve the future with an exception: awaiting it raises",
        )
        self.cancel_future_button = make_button(
            "fut.cancel()",
            "cancelFutureButton",
            "Cancel the future: awaiting it raises CancelledError",
        )
        self.result_button = make_button(
            "fut.result()", "resultButton", "Ask for the result now (raises if not done yet)"
        )
        self.exception_button = make_button(
            "fut.exception()", "exceptionButton", "Ask for the exception now (raises if not done)"
        )
        self.future_state = QtWidgets.QLabel("No future yet.", objectName="futureState")
        self.future_state.setToolTip("The future's state: done(), cancelled(), what it holds")
        self.future_state.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.future_state.setWordWrap(True)
        self.future_state.setMinimumHeight(36)

        self.job_spin = QtWidgets.QDoubleSpinBox(objectName="jobSpin")
        self.job_spin.setRange(0.2, 5.0)
        self.job_spin.setSingleStep(0.5)
        self.job_spin.setValue(1.5)
        self.job_spin.setSuffix(" s")
        self.job_spin.setToolTip("How long slow_square takes in its thread")
        self.thread_future_button = make_button(
            "job = executor.submit(slow_square)",
            "threadFutureButton",
            "Run slow_square in the app's thread pool: a concurrent.futures.Future comes back "
            "at once (each click submits one more job; each ends after the job time)",
        )
        self.cancel_thread_future_button = make_button(
            "job.cancel()",
            "cancelThreadFutureButton",
            "Try to cancel the thread's job: only possible before it starts running",
        )
        self.blocking_result_button = make_button(
            "job.result()  (blocks!)",
            "blockingResultButton",
            "Submit a job and wait for it right in the click handler: the UI freezes",
        )
        self.blocking_result_button.setStyleSheet("color: #b00020; font-weight: 600;")
        self.wrap_future_button = make_button(
            "await asyncio.wrap_future(job)",
            "wrapFutureButton",
            "Submit a job and await it through wrap_future: the loop stays free. "
            "Disabled while it waits",
        )
        self.thread_future_state = QtWidgets.QLabel("No job yet.", objectName="threadFutureState")
        self.thread_future_state.setToolTip("The thread job's concurrent.futures.Future")
        self.thread_future_state.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.thread_future_state.setWordWrap(True)
        self.future_log = QtWidgets.QPlainTextEdit(objectName="futureLog")
        self.future_log.setReadOnly(True)
        self.future_log.setMaximumBlockCount(500)
        self.future_log.setToolTip("Every call and every callback, in the order they happened")
        self.future_log.setPlaceholderText("Create a future, attach callbacks, then resolve it")

        self.new_future_button.clicked.connect(self.new_future)
        self.add_callback_button.clicked.connect(self.add_callback)
        self.await_future_button.clicked.connect(self.await_future)
        self.set_result_button.clicked.connect(self.set_result)
        self.set_exception_button.clicked.connect(self.set_exception)
        self.cancel_future_button.clicked.connect(self.cancel_future)
        self.result_button.clicked.connect(lambda: self._ask("result"))
        self.exception_button.clicked.connect(lambda: self._ask("exception"))
        self.thread_future_button.clicked.connect(self.submit)
        self.cancel_thread_future_button.clicked.connect(self.cancel_job)
        self.blocking_result_button.clicked.connect(self.block_on_result)
        self.wrap_future_button.clicked.connect(self.start_wrap)

        future_box = QtWidgets.QGroupBox("asyncio.Future: resolved by the buttons")
        grid = QtWidgets.QGridLayout(future_box)
        grid.addWidget(self.new_future_button, 0, 0)
        grid.addWidget(self.add_callback_button, 0, 1)
        grid.addWidget(self.await_future_button, 0, 2)
        value_row = QtWidgets.QHBoxLayout()
        value_row.addWidget(QtWidgets.QLabel("value"))
        value_row.addWidget(self.value_edit)
        value_row.addWidget(self.set_result_button, 1)
        grid.addLayout(value_row, 1, 0)
        grid.addWidget(self.set_exception_button, 1, 1)
        grid.addWidget(self.cancel_future_button, 1, 2)
        grid.addWidget(self.result_button, 2, 0)
        grid.addWidget(self.exception_button, 2, 1)
        grid.addWidget(self.future_state, 3, 0, 1, 3)

        thread_box = QtWidgets.QGroupBox("concurrent.futures.Future: resolved by a pool thread")
        tgrid = QtWidgets.QGridLayout(thread_box)
        job_row = QtWidgets.QHBoxLayout()
        job_row.addWidget(QtWidgets.QLabel("job takes"))
        job_row.addWidget(self.job_spin)
        job_row.addWidget(self.thread_future_button, 1)
        tgrid.addLayout(job_row, 0, 0, 1, 2)
        tgrid.addWidget(self.cancel_thread_future_button, 0, 2)
        tgrid.addWidget(self.wrap_future_button, 1, 0, 1, 2)
        tgrid.addWidget(self.blocking_result_button, 1, 2)
        tgrid.addWidget(self.thread_future_state, 2, 0, 1, 3)

        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(future_box)
        layout.addWidget(thread_box)
        layout.addWidget(self.future_log, 1)
        self._refresh()
        return controls

    # --- logging and state ------------------------------------------------------------------
    def log(self, text: str) -> None:
        clock = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
        self.future_log.appendPlainText(f"{clock}  {text}")

    def _refresh(self) -> None:
        fut = self._future
        has = fut is not None
        for button in (
            self.add_callback_button,
            self.await_future_button,
            self.set_result_button,
            self.set_exception_button,
            self.cancel_future_button,
            self.result_button,
            self.exception_button,
        ):
            button.setEnabled(has)  # bad sequences stay clickable: their errors are the lesson
        if fut is None:
            self.future_state.setText("No future yet: click <b>fut = loop.create_future()</b>.")
        else:
            holds = outcome(fut) if fut.done() else "nothing yet"  # also retrieves exceptions
            color = "#1b7f3b" if fut.done() and not fut.cancelled() else "#555"
            self.future_state.setText(
                f"<b>fut #{self._future_number}</b> {'done' if fut.done() else 'pending'}: "
                f"done() = <b style='color:{color}'>{fut.done()}</b>, "
                f"cancelled() = <b>{fut.cancelled()}</b>, holds <b>{holds}</b>; "
                f"{self._callbacks} callback(s) attached, {self._suspended} waiter(s) suspended"
            )
        job = self._job
        if job is None:
            self.thread_future_state.setText("No job yet: submit one to the thread pool.")
        else:
            state = "done" if job.done() else ("running" if job.running() else "pending")
            holds = outcome(job) if job.done() else "nothing yet"
            self.thread_future_state.setText(
                f"<b>job #{self._job_number}</b> {state}: running() = <b>{job.running()}</b>, "
                f"done() = <b>{job.done()}</b>, holds <b>{holds}</b>"
            )
        self.cancel_thread_future_button.setEnabled(job is not None)
        self.wrap_future_button.setEnabled(self._wrap_task is None)

    def _attempt(self, code: str, action: Callable[[], Any]) -> Any:
        """Run one call on the future and log what it returned or raised (no crash)."""
        try:
            value = action()
        except (Exception, asyncio.CancelledError) as error:
            self.log(f">>> {code}   raised {type(error).__name__}: {error}")
            value = None
        else:
            self.log(f">>> {code}   returned {value!r}")
        self._refresh()
        return value

    # --- asyncio.Future ----------------------------------------------------------------------
    def new_future(self) -> None:
        old = self._future
        if old is not None and not old.done():
            old.cancel()
            self.log(f"(fut #{self._future_number} was still pending: cancelled it)")
        self._future = asyncio.get_running_loop().create_future()
        self._future_number += 1
        self._callbacks = self._waiters = self._suspended = 0
        self.log(f">>> fut = loop.create_future()   # fut #{self._future_number}: {self._future!r}")
        self._refresh()

    def add_callback(self) -> None:
        fut = self._future
        if fut is None:
            return
        self._callbacks += 1
        fut.add_done_callback(report_when_done(self._callbacks, self.log))
        note = "   # already done: the loop calls it soon" if fut.done() else ""
        self.log(f">>> fut.add_done_callback(callback #{self._callbacks}){note}")
        self._refresh()

    def await_future(self) -> None:
        fut = self._future
        if fut is None:
            return
        self._waiters += 1
        self._suspended += 1
        number = self._waiters
        task = self.spawn(wait_for_it(number, fut, self.log), f"waiter #{number}")
        task.add_done_callback(lambda _: self._waiter_done(fut))
        self._refresh()

    def _waiter_done(self, fut: asyncio.Future[Any]) -> None:
        if fut is self._future:
            self._suspended -= 1
        self._refresh()

    def _value(self) -> Any:
        text = self.value_edit.text().strip()
        try:
            return int(text)
        except ValueError:
            return text

    def set_result(self) -> None:
        if self._future is not None:
            value = self._value()
            self._attempt(f"fut.set_result({value!r})", lambda: self._future.set_result(value))

    def set_exception(self) -> None:
        if self._future is not None:
            error = ValueError("set by the button")
            self._attempt(
                f"fut.set_exception({error!r})", lambda: self._future.set_exception(error)
            )

    def cancel_future(self) -> None:
        if self._future is not None:
            self._attempt("fut.cancel()", self._future.cancel)

    def _ask(self, what: str) -> None:
        if self._future is not None:
            self._attempt(f"fut.{what}()", getattr(self._future, what))

    # --- concurrent.futures.Future ------------------------------------------------------------
    def _submit(self) -> concurrent.futures.Future[tuple[int, str]]:
        self._job_number += 1
        number, seconds = self._job_number, self.job_spin.value()
        job = submit_job(self.context.executor, number, seconds, self._cancel, self._job_log)
        self._job = job
        self.log(
            f">>> job = executor.submit(slow_square, {number}, {seconds:g})   "
            f"# job #{number}, returned at once: {job!r}"
        )
        self._refresh()
        return job

    def _job_log(self, text: str) -> None:
        self.log(text)
        self._refresh()

    def submit(self) -> None:
        self._submit()

    def cancel_job(self) -> None:
        job = self._job
        if job is not None:
            state = "running" if job.running() else ("done" if job.done() else "pending")
            self._attempt(f"job.cancel()   # job #{self._job_number} was {state}", job.cancel)

    def block_on_result(self) -> None:
        """The bad way, on purpose: wait for the thread's result inside the click handler."""
        job = self._submit()
        self.blocking_result_button.setEnabled(False)
        started = time.perf_counter()
        value = block_on_job(job)
        took = time.perf_counter() - started
        self.log(
            f">>> job.result()   returned {value!r} after {took:.2f} s: the GUI thread waited "
            "the whole time (see the HUD)"
        )
        # Clicks made during the freeze arrive now: keep the button off a moment longer.
        QtCore.QTimer.singleShot(
            INPUT_DRAIN_MS, lambda: self.blocking_result_button.setEnabled(True)
        )
        self._refresh()

    def start_wrap(self) -> None:
        if self._wrap_task is None:
            self._wrap_task = self.spawn(self._wrap(), "await wrap_future")
            self._refresh()

    async def _wrap(self) -> None:
        try:
            job = self._submit()
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
            self._wrap_task = None
            self._refresh()

    # --- lifecycle ------------------------------------------------------------------------------
    async def shutdown(self) -> None:
        self._cancel.set()  # first, so pool jobs end while their tasks are cancelled
        await super().shutdown()

    async def screenshot_demo(self) -> None:
        self.new_future()
        self.add_callback()
        self.add_callback()
        self.await_future()
        await asyncio.sleep(0.05)
        self.value_edit.setText("42")
        self.set_result()
        await asyncio.sleep(0.05)
        self.set_result()  # a second time: InvalidStateError, shown in the log
        self.job_spin.setValue(0.8)
        self.start_wrap()
        while self._wrap_task is not None:
            await asyncio.sleep(0.05)
