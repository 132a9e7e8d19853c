"""Panel `callbacks`: asking the loop to call a plain function soon, later, at a time, or from
a thread, and measuring when it really did; then callbacks next to await for the same job."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from PySide6 import QtCore, QtGui, QtNetwork, QtWidgets
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from guidemo.loop import loop_name
from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import make_button

REQUEST_LATENCY_S = 0.25  # the demo server waits this long before each answer
EARLY_COLOR = QtGui.QColor("#b00020")
CANCELLED_COLOR = QtGui.QColor("#777777")
COLUMNS = ["#", "kind", "asked for s", "ran at s", "error ms", "ran as", "thread", "state"]
ERROR_COLUMN, ORDER_COLUMN = 4, 5  # the columns the row styling below refers to


# --- scheduling plain functions -----------------------------------------------------------
@dataclass
class ScheduledCall:
    """One row of the table: what was asked for, and what happened."""

    number: int
    kind: str  # call_soon, call_later, call_at, call_soon_threadsafe
    asked_for: float = math.nan  # loop.time() it should run at
    ran_at: float = math.nan  # loop.time() it did run at
    from_thread: str = ""
    ran_in: str = ""
    handle: asyncio.Handle | None = None
    state: str = "pending"
    order: int = 0  # 1 for the first call that ran, 2 for the next...

    @property
    def error_ms(self) -> float:
        """How late it ran (early is negative)."""
        return (self.ran_at - self.asked_for) * 1000


Loop = asyncio.AbstractEventLoop
Done = Callable[[ScheduledCall], None]  # the panel's: shows the row


def callback(call: ScheduledCall, loop: Loop, done: Done) -> None:
    """What the loop calls: a plain function. It notes when it ran."""
    call.ran_at = loop.time()
    call.ran_in = threading.current_thread().name
    done(call)


def schedule_soon(
    loop: Loop,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_soon: run it as soon as the loop gets to it, in turn."""
    call.asked_for = loop.time()
    return loop.call_soon(callback, call, loop, done)


def schedule_later(
    loop: Loop,
    delay: float,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_later: run it `delay` seconds from now."""
    call.asked_for = loop.time() + delay
    return loop.call_later(delay, callback, call, loop, done)


def schedule_at(
    loop: Loop,
    delay: float,
    call: ScheduledCall,
    done: Done,
) -> asyncio.Handle:
    """call_at: run it at a moment on the loop's own clock."""
    when = loop.time() + delay  # absolute: seconds on loop.time()
    call.asked_for = when
    return loop.call_at(when, callback, call, loop, done)


def schedule_from_thread(
    loop: Loop,
    delay: float,
    call: ScheduledCall,
    done: Done,
    stop: threading.Event,
) -> threading.Thread:
    """call_soon_threadsafe: a worker thread hands the loop a callback.

    Only the loop's own thread may use call_soon. The threadsafe one
    may be called from any thread, and it also wakes the loop up.
    """

    def worker() -> None:  # runs in the new thread
        if stop.wait(delay):  # its own work (cut short if we quit)
            return
        call.from_thread = threading.current_thread().name
        call.asked_for = loop.time()
        loop.call_soon_threadsafe(callback, call, loop, done)

    name = f"worker-{call.number}"
    thread = threading.Thread(target=worker, name=name)
    thread.start()
    return thread


# --- the same job twice: callback style, then await --------------------------------------
def json_url(base_url: str, items: int) -> str:
    return f"{base_url}/api/json?items={items}&latency={REQUEST_LATENCY_S}"


def summarize(first: dict, second: dict) -> str:
    """The job's answer: both item counts, and the second's id sum."""
    ids = [item["id"] for item in second["items"]]
    counts = f"{len(first['items'])} items, then {len(ids)} items"
    return f"{counts}, ids summing to {sum(ids)}"


def fetch_twice_with_callbacks(
    manager: QNetworkAccessManager,
    base_url: str,
    done: Callable[[str | None, str | None], None],
) -> None:
    """Callback style (Qt's network API): ask, and say what to do next.

    Every wait splits the code: what comes after it moves into another
    function, which the reply's `finished` signal calls later. Errors
    must be handed on by hand; `done(result, error)` is the last step.
    """
    ok = QNetworkReply.NetworkError.NoError

    def get(url: str, then: Callable[[QNetworkReply], None]) -> None:
        reply = manager.get(QNetworkRequest(QtCore.QUrl(url)))
        reply.finished.connect(lambda: then(reply))

    def first_arrived(reply: QNetworkReply) -> None:
        reply.deleteLater()
        if reply.error() != ok:
            return done(None, reply.errorString())
        first = json.loads(reply.readAll().data())
        count = 2 * len(first["items"])
        get(
            json_url(base_url, count),
            lambda reply: second_arrived(first, reply),
        )

    def second_arrived(first: dict, reply: QNetworkReply) -> None:
        reply.deleteLater()
        if reply.error() != ok:
            return done(None, reply.errorString())
        second = json.loads(reply.readAll().data())
        done(summarize(first, second), None)

    get(json_url(base_url, 3), first_arrived)


async def fetch_twice_with_await(
    session: aiohttp.ClientSession,
    base_url: str,
) -> str:
    """The same job with await: top to bottom; errors are exceptions."""
    async with session.get(json_url(base_url, 3)) as response:
        response.raise_for_status()
        first = await response.json()
    count = 2 * len(first["items"])
    async with session.get(json_url(base_url, count)) as response:
        response.raise_for_status()
        second = await response.json()
    return summarize(first, second)


# --- the panel --------------------------------------------------------------------------------
class CallbacksPanel(Panel):
    slug = "callbacks"
    title = "Callbacks"
    sources = (
        callback,
        schedule_soon,
        schedule_later,
        schedule_at,
        schedule_from_thread,
        fetch_twice_with_callbacks,
        fetch_twice_with_await,
        summarize,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.calls: list[ScheduledCall] = []
        self._next_number = 1
        self._rows: dict[int, int] = {}  # call number -> table row
        self._ran_count = 0
        self._t0: float | None = None  # loop.time() shown as 0 in the table
        self._stop_threads = threading.Event()
        self._threads: list[threading.Thread] = []
        self._callback_started: float | None = None
        self._await_task: asyncio.Task[Any] | None = None
        self.set_controls(self.build_controls())
        self._manager = QtNetwork.QNetworkAccessManager(self)
        self._manager.setProxy(QtNetwork.QNetworkProxy(QtNetwork.QNetworkProxy.ProxyType.NoProxy))
        self.explanation.parentWidget().setSizes([230, 590])  # type: ignore[attr-defined]

    # --- widgets -----------------------------------------------------------------------------
    def _button(self, name: str, text: str, tip: str) -> QtWidgets.QPushButton:
        return make_button(text, name, tip)

    def build_controls(self) -> QtWidgets.QWidget:
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self._build_scheduling(), 1)
        layout.addWidget(self._build_contrast())
        return controls

    def _build_scheduling(self) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox("Ask the loop to call a plain function")
        self.delay_spin = QtWidgets.QSpinBox(objectName="delaySpin")
        self.delay_spin.setRange(0, 10_000)
        self.delay_spin.setSingleStep(100)
        self.delay_spin.setValue(500)
        self.delay_spin.setSuffix(" ms")
        self.delay_spin.setToolTip(
            "Delay for call_later and call_at, and how long the worker thread works before "
            "call_soon_threadsafe (call_soon has none)"
        )
        buttons = {
            "callSoonButton": ("call_soon", "Run the callback as soon as the loop gets to it"),
            "callLaterButton": ("call_later", "Run the callback after the delay"),
            "callAtButton": ("call_at", "Run the callback at loop.time() + delay"),
            "threadsafeButton": (
                "call_soon_threadsafe",
                "A worker thread works for the delay, then hands the loop the callback",
            ),
            "allKindsButton": (
                "All kinds at once",
                "call_later(delay), call_at(now + delay/2), call_soon, a thread's "
                "call_soon_threadsafe and call_soon again, in that order: see the order they run",
            ),
            "cancelHandleButton": (
                "Cancel a pending handle",
                "handle.cancel() on the selected pending call, or else the newest one",
            ),
            "clearCallsButton": ("Clear", "Clear the table (pending calls still run)"),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip) in buttons.items():
            self.buttons[name] = self._button(name, text, tip)
        for name in ("callSoonButton", "callLaterButton", "callAtButton", "threadsafeButton"):
            self.buttons[name].setStyleSheet("font-family: monospace;")
        kinds = {
            "callSoonButton": "call_soon",
            "callLaterButton": "call_later",
            "callAtButton": "call_at",
            "threadsafeButton": "call_soon_threadsafe",
        }
        for name, kind in kinds.items():
            self.buttons[name].clicked.connect(lambda _=False, k=kind: self.schedule(k))
        self.buttons["allKindsButton"].clicked.connect(self.schedule_all_kinds)
        self.buttons["cancelHandleButton"].clicked.connect(self.cancel_handle)
        self.buttons["cancelHandleButton"].setEnabled(False)
        self.buttons["clearCallsButton"].clicked.connect(self._clear)

        self.table = QtWidgets.QTableWidget(0, len(COLUMNS), objectName="callbacksTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setToolTip(
            "Every scheduled callback: the loop.time() asked for, when it really ran, the error "
            "(late +, early -), the order it ran in, its threads, and its state"
        )
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)

        self.summary = QtWidgets.QLabel(objectName="callbacksSummaryLabel")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.summary.setToolTip("What the measured errors say, and which loop this is")
        self._summarize()

        row1 = QtWidgets.QHBoxLayout()
        row1.addWidget(QtWidgets.QLabel("Delay:"))
        row1.addWidget(self.delay_spin)
        for name in kinds:
            row1.addWidget(self.buttons[name])
        row2 = QtWidgets.QHBoxLayout()
        for name in ("allKindsButton", "cancelHandleButton", "clearCallsButton"):
            row2.addWidget(self.buttons[name])
        row2.addStretch(1)
        layout = QtWidgets.QVBoxLayout(box)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        return box

    def _build_contrast(self) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox(
            "The same job, two styles: GET /api/json, then GET it again with twice the items"
        )
        self.callback_button = self._button(
            "callbackStyleButton",
            "Callback style",
            "fetch_twice_with_callbacks: QNetworkAccessManager, a `finished` signal per reply, "
            "the next step in a nested function",
        )
        self.await_button = self._button(
            "awaitStyleButton",
            "await style",
            "fetch_twice_with_await: aiohttp, two awaits one after the other",
        )
        self.callback_result = QtWidgets.QLabel("Not run yet.", objectName="callbackResultLabel")
        self.await_result = QtWidgets.QLabel("Not run yet.", objectName="awaitResultLabel")
        for label in (self.callback_result, self.await_result):
            label.setWordWrap(True)
            label.setTextFormat(QtCore.Qt.TextFormat.RichText)
            label.setToolTip("The job's result and how long the two requests took")
        self.callback_button.clicked.connect(self.run_callback_style)
        self.await_button.clicked.connect(self.run_await_style)
        grid = QtWidgets.QGridLayout(box)
        grid.addWidget(self.callback_button, 0, 0)
        grid.addWidget(self.callback_result, 0, 1)
        grid.addWidget(self.await_button, 1, 0)
        grid.addWidget(self.await_result, 1, 1)
        grid.setColumnStretch(1, 1)
        return box

    # --- scheduling ----------------------------------------------------------------------------
    def schedule(self, kind: str, delay_s: float | None = None) -> ScheduledCall:
        """Schedule one callback of `kind` and add its row."""
        loop = asyncio.get_running_loop()
        delay = self.delay_spin.value() / 1000 if delay_s is None else delay_s
        if self._t0 is None:
            self._t0 = loop.time()
        call = ScheduledCall(self._next_number, kind, from_thread=threading.current_thread().name)
        self._next_number += 1
        self.calls.append(call)
        done = self._ran
        if kind == "call_soon":
            call.handle = schedule_soon(loop, call, done)
        elif kind == "call_later":
            call.handle = schedule_later(loop, delay, call, done)
        elif kind == "call_at":
            call.handle = schedule_at(loop, delay, call, done)
        else:
            call.state = "thread working"
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            self._threads.append(schedule_from_thread(loop, delay, call, done, self._stop_threads))
        self._add_row(call)
        self._show_source(kind)
        return call

    def schedule_all_kinds(self) -> None:
        delay = self.delay_spin.value() / 1000
        self.schedule("call_later", delay)
        self.schedule("call_at", delay / 2)
        self.schedule("call_soon")
        self.schedule("call_soon_threadsafe", 0.0)
        self.schedule("call_soon")

    def cancel_handle(self) -> None:
        """Cancel the selected pending call, or else the newest pending one."""
        pending = [call for call in self.calls if self._cancellable(call)]
        selected = {self._number_at(index.row()) for index in self.table.selectedIndexes()}
        chosen = [call for call in pending if call.number in selected] or pending[-1:]
        for call in chosen:
            call.handle.cancel()  # type: ignore[union-attr]
            call.state = "cancelled"
            self._update_row(call)
        self._summarize()

    def _cancellable(self, call: ScheduledCall) -> bool:
        return call.state == "pending" and call.handle is not None

    def _ran(self, call: ScheduledCall) -> None:
        """`done` of every callback: runs in the loop's thread, right after it noted the time."""
        self._ran_count += 1
        call.order = self._ran_count
        call.state = "ran" if call.state != "cancelled" else "RAN AFTER cancel()"
        self._update_row(call)
        self._summarize()

    # --- the table -----------------------------------------------------------------------------
    def _number_at(self, row: int) -> int:
        item = self.table.item(row, 0)
        return int(item.text()) if item is not None else -1

    def _add_row(self, call: ScheduledCall) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._rows[call.number] = row
        self._update_row(call)
        self.table.scrollToBottom()

    def _update_row(self, call: ScheduledCall) -> None:
        row = self._rows.get(call.number)
        if row is None:
            return
        t0 = self._t0 or 0.0
        ran = not math.isnan(call.ran_at)
        error = call.error_ms if ran else math.nan
        thread = call.from_thread
        if call.ran_in and call.ran_in != call.from_thread:
            thread += f" → ran in {call.ran_in}"
        cells = [
            str(call.number),
            call.kind,
            "" if math.isnan(call.asked_for) else f"{call.asked_for - t0:.4f}",
            f"{call.ran_at - t0:.4f}" if ran else "",
            f"{error:+.2f}{' EARLY' if error < 0 else ''}" if ran else "",
            f"{call.order}" if call.order else "",
            thread,
            call.state,
        ]
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            if column in (0, 2, 3, ERROR_COLUMN, ORDER_COLUMN):
                item.setTextAlignment(
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
                )
            if ran and error < 0 and column == ERROR_COLUMN:
                item.setForeground(EARLY_COLOR)
            if call.state == "cancelled":
                item.setForeground(CANCELLED_COLOR)
            self.table.setItem(row, column, item)
        self.buttons["cancelHandleButton"].setEnabled(any(map(self._cancellable, self.calls)))

    def _summarize(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        kind = loop_name(loop) if loop is not None else "?"
        note = {
            "guidemo": "guidemo's loop: a timer is never early, only (a little) late.",
            "qasync": "stock qasync: its Qt timers can fire up to ~50 ms early.",
        }.get(kind, "")
        errors = [call.error_ms for call in self.calls if not math.isnan(call.ran_at)]
        if not errors:
            text = f"Loop: <b>{kind}</b>. {note} Schedule something: each call is a row."
        else:
            early = [error for error in errors if error < 0]
            text = (
                f"{len(errors)} ran; error from <b>{min(errors):+.2f}</b> to "
                f"<b>{max(errors):+.2f} ms</b>"
            )
            if early:
                text += f", <b style='color:#b00020'>{len(early)} EARLY</b>"
            cancelled = sum(call.state == "cancelled" for call in self.calls)
            text += f"; {cancelled} cancelled (never ran). Loop: <b>{kind}</b>. {note}"
        self.summary.setText(text)

    def _clear(self) -> None:
        """Forget the calls that are over; pending ones keep their rows."""
        self.calls = [call for call in self.calls if self._waiting(call)]
        self.table.setRowCount(0)
        self._rows.clear()
        for call in self.calls:
            self._add_row(call)
        self._summarize()

    def _show_source(self, name: str) -> None:
        """Scroll the source view to the function that this button runs."""
        functions = {
            "call_soon": schedule_soon,
            "call_later": schedule_later,
            "call_at": schedule_at,
            "call_soon_threadsafe": schedule_from_thread,
            "callbacks": fetch_twice_with_callbacks,
            "await": fetch_twice_with_callbacks,  # both in view: the callback one is first
        }
        view = self.source_view
        cursor = view.document().find(f"def {functions[name].__name__}(")
        if not cursor.isNull():
            bar = view.verticalScrollBar()
            bar.setValue(bar.value() + view.cursorRect(cursor).top() - 30)

    # --- callbacks vs await -------------------------------------------------------------------
    def run_callback_style(self) -> None:
        if self._callback_started is not None:
            return  # one run at a time
        self._callback_started = time.perf_counter()
        self.callback_button.setEnabled(False)
        self.callback_result.setText("running: two requests, one callback each…")
        self._show_source("callbacks")
        fetch_twice_with_callbacks(self._manager, self.context.server_url, self._callback_done)

    def _callback_done(self, result: str | None, error: str | None) -> None:
        took = time.perf_counter() - (self._callback_started or time.perf_counter())
        self._callback_started = None
        self.callback_button.setEnabled(True)
        self.callback_result.setText(self._describe("callbacks", result, error, took))

    def run_await_style(self) -> None:
        if self._await_task is None:
            self.await_button.setEnabled(False)
            self.await_result.setText("running: two awaits, one after the other…")
            self._show_source("await")
            self._await_task = self.spawn(self._run_await(), "await style")

    async def _run_await(self) -> None:
        started = time.perf_counter()
        result = error = None
        try:
            async with aiohttp.ClientSession() as session:
                result = await fetch_twice_with_await(session, self.context.server_url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._await_task = None
            self.await_button.setEnabled(True)
        self.await_result.setText(
            self._describe("await", result, error, time.perf_counter() - started)
        )

    @staticmethod
    def _describe(style: str, result: str | None, error: str | None, took: float) -> str:
        if error is not None:
            return f"<span style='color:#b00020'>{style}: failed: {error}</span>"
        return f"<b>{result}</b> <span style='color:#555'>({took:.2f} s, 2 requests)</span>"

    # --- lifecycle ----------------------------------------------------------------------------
    async def shutdown(self) -> None:
        self._stop_threads.set()  # first, so worker threads stop waiting
        for call in self.calls:
            if self._cancellable(call):
                call.handle.cancel()  # type: ignore[union-attr]
        await super().shutdown()

    async def stop_work(self) -> None:
        for reply in self._manager.findChildren(QtNetwork.QNetworkReply):
            reply.abort()
        for thread in self._threads:
            thread.join(timeout=1.0)

    async def screenshot_demo(self) -> None:
        self.delay_spin.setValue(300)
        self.schedule_all_kinds()
        self.schedule("call_later", 0.5)
        self.schedule("call_later", 0.4)
        self.cancel_handle()
        await self._until(lambda: not any(map(self._waiting, self.calls)))
        self.run_callback_style()
        self.run_await_style()
        await self._until(lambda: self._await_task is None and self._callback_started is None)

    @staticmethod
    async def _until(condition: Callable[[], bool], timeout: float = 4.0) -> None:
        deadline = time.perf_counter() + timeout
        while not condition() and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)

    @staticmethod
    def _waiting(call: ScheduledCall) -> bool:
        return call.state in ("pending", "thread working")
