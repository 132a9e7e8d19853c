"""Panel `coroutines`: many coroutines taking turns, coroutines by hand, giving up control."""

from __future__ import annotations

import asyncio
import datetime
import gc
import inspect
import random
import time
import warnings
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import make_button
from guidemo.widgets.lanes import LaneChart

Say = Callable[[str, str], None]  # say(who, text): how the coroutines report to the panel
MAX_PAUSE_S = 2.0  # display_date pauses a random 0..2 s between lines
WORK_SLICE = 40_000  # one slice of the giving-up-control work: sum(range(WORK_SLICE)), ~0.5 ms
INPUT_DRAIN_MS = 250  # clicks queued during a freeze arrive right after it: ignore them


# --- many coroutines on one loop ---------------------------------------------------------
async def say_lots(count: int, say: Say, pause_s: float = 0.5) -> None:
    """One coroutine on its own: a line, then a sleep; while it sleeps the loop is free."""
    for number in range(1, count + 1):
        say("say_lots", f"line {number} of {count}")
        await asyncio.sleep(pause_s)
    say("say_lots", "done")


async def display_date(number: int, run_for_s: float, say: Say) -> None:
    """One of many instances: tell the time, pause a random while, until `run_for_s` is up."""
    who = f"display_date({number})"
    loop = asyncio.get_running_loop()
    end_time = loop.time() + run_for_s
    while True:
        say(who, "the time is " + datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3])
        if loop.time() >= end_time:
            say(who, "all done")
            break
        await asyncio.sleep(random.uniform(0, MAX_PAUSE_S))  # the others run meanwhile


def start_instances(count: int, run_for_s: float, say: Say) -> list[asyncio.Task[None]]:
    """Schedule `count` instances: odd ones with ensure_future, even ones with create_task."""
    loop = asyncio.get_running_loop()
    tasks = []
    for number in range(1, count + 1):
        if number % 2:
            task = asyncio.ensure_future(display_date(number, run_for_s, say))
        else:
            task = loop.create_task(display_date(number, run_for_s, say))
        tasks.append(task)
    return tasks  # none has run a line yet: they start once this function gives the loop back


def schedule_shutdown(delay_s: float, tasks: list[asyncio.Task[None]], say: Say) -> Any:
    """Ask the loop to call stop_all in `delay_s` seconds; returns the handle (to cancel it)."""
    return asyncio.get_running_loop().call_later(delay_s, stop_all, tasks, say)


def stop_all(tasks: list[asyncio.Task[None]], say: Say) -> None:
    """A plain function the loop calls back: cancel every instance that is still running."""
    say("shutdown", "shutdown called")
    unfinished = [task for task in tasks if not task.done()]
    for task in unfinished:
        task.cancel()  # the task gets CancelledError at its next await
    say("shutdown", f"cancelled {len(unfinished)} unfinished instance(s)")


# --- calling a coroutine function without awaiting it --------------------------------------
async def ping_server(ip: int) -> str:
    """A coroutine function: calling it only builds a coroutine object, nothing here runs."""
    await asyncio.sleep(0.1)
    return f"pong from {ip}"


def call_without_await() -> tuple[str, str, list[str]]:
    """Call ping_server but never await what it returns, and catch the warning that causes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coro = ping_server(5)  # no await: we get a coroutine object, not "pong"
        shown, state = repr(coro), inspect.getcoroutinestate(coro)
        del coro  # dropped without ever running ...
        gc.collect()  # ... so Python warns as it destroys it
    return shown, state, [f"{w.category.__name__}: {w.message}" for w in caught]


async def await_properly() -> tuple[str, float]:
    """The right way: await the coroutine, so the loop runs it to its return value."""
    started = time.perf_counter()
    result = await ping_server(5)
    return result, time.perf_counter() - started


# --- coroutines by hand: generators and a toy task loop ------------------------------------
def fib(n: int) -> Generator[int, None, int]:
    """A generator used as a coroutine: each yield pauses it and hands control back."""
    a, b = 0, 1
    for _ in range(n):
        yield a  # paused here until someone calls send(None) again
        a, b = b, a + b
    return a  # becomes StopIteration.value


def step(coro: Generator[Any, None, Any]) -> tuple[str, Any]:
    """Resume a generator-based coroutine once: what a task does each time it runs."""
    try:
        return "yielded", coro.send(None)
    except StopIteration as stop:
        return "returned", stop.value


async def round_robin(
    coros: dict[str, Generator[Any, None, Any]],
    show: Callable[[str, str, list[str]], None],
    pause_s: float,
) -> dict[str, Any]:
    """A tiny task loop: run the first coroutine to its next yield, then put it at the back."""
    queue = deque(coros.items())
    results = {}
    while queue:
        name, coro = queue.popleft()
        try:
            value = coro.send(None)
        except StopIteration as stop:
            results[name] = stop.value  # finished: it leaves the queue
            show(name, f"returned {stop.value}", [n for n, _ in queue])
        else:
            queue.append((name, coro))  # paused: to the back of the line
            show(name, f"yielded {value}", [n for n, _ in queue])
        await asyncio.sleep(pause_s)  # not part of the toy loop: slows it down for your eyes
    return results


# --- giving up control ---------------------------------------------------------------------
async def greedy_worker(seconds: float) -> int:
    """Works for `seconds` without a single await: no other task or event runs meanwhile."""
    slices = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sum(range(WORK_SLICE))  # one slice of work
        slices += 1
    return slices


async def polite_worker(seconds: float) -> int:
    """The same work, but `await asyncio.sleep(0)` after each slice gives the loop a turn."""
    slices = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sum(range(WORK_SLICE))  # one slice of work
        slices += 1
        await asyncio.sleep(0)  # give up control: everything that is ready runs now
    return slices


# --- the panel -----------------------------------------------------------------------------
def _log_view(name: str, tip: str, placeholder: str) -> QtWidgets.QPlainTextEdit:
    view = QtWidgets.QPlainTextEdit(objectName=name)
    view.setReadOnly(True)
    view.setMaximumBlockCount(500)
    view.setToolTip(tip)
    view.setPlaceholderText(placeholder)
    return view


class CoroutinesPanel(Panel):
    slug = "coroutines"
    title = "Coroutines: taking turns on one loop"

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._instances: dict[asyncio.Task[None], str] = {}
        self._say_lots_task: asyncio.Task[None] | None = None
        self._shutdown_handle: Any = None
        self._shutdown_at = 0.0
        self._generator: Generator[int, None, int] | None = None
        self._generator_name = ""
        self._steps = 0
        self._rr_task: asyncio.Task[Any] | None = None
        self._control_task: asyncio.Task[None] | None = None
        self.set_controls(self.build_controls())
        self._show_tab_source(0)

    TAB_SOURCES: tuple[tuple[Callable[..., Any], ...], ...] = (
        (say_lots, display_date, start_instances, schedule_shutdown, stop_all),
        (ping_server, call_without_await, await_properly),
        (fib, step, round_robin),
        (greedy_worker, polite_worker),
    )
    sources = TAB_SOURCES[0]

    def build_controls(self) -> QtWidgets.QWidget:
        self.tabs = QtWidgets.QTabWidget(objectName="coroutineTabs")
        self.tabs.setToolTip("Four ways to look at coroutines; the code on the right follows")
        self.tabs.addTab(self._build_many(), "Many at once")
        self.tabs.addTab(self._build_never_awaited(), "Never awaited")
        self.tabs.addTab(self._build_by_hand(), "By hand")
        self.tabs.addTab(self._build_control(), "Giving up control")
        self.tabs.currentChanged.connect(self._show_tab_source)
        for scroll in self.tabs.tabBar().findChildren(QtWidgets.QToolButton):
            scroll.setToolTip("Show more tabs")  # the tab bar's own scroll arrows
        return self.tabs

    def _show_tab_source(self, index: int, highlight: list[int] | None = None) -> None:
        self.source_view.show_objects(self.TAB_SOURCES[index], highlight_lines=highlight or [])

    # --- tab 1: many coroutines ------------------------------------------------------------
    def _build_many(self) -> QtWidgets.QWidget:
        self.say_lots_spin = QtWidgets.QSpinBox(objectName="sayLotsSpin")
        self.say_lots_spin.setRange(1, 30)
        self.say_lots_spin.setValue(6)
        self.say_lots_spin.setToolTip("How many lines say_lots prints (0.5 s apart)")
        self.say_lots_button = make_button(
            "Start say_lots(n)",
            "sayLotsButton",
            "One coroutine printing and sleeping; disabled while it runs (Cancel all stops it)",
        )
        self.instances_spin = QtWidgets.QSpinBox(objectName="instancesSpin")
        self.instances_spin.setRange(1, 12)
        self.instances_spin.setValue(4)
        self.instances_spin.setToolTip("How many display_date instances to start")
        self.run_for_spin = QtWidgets.QDoubleSpinBox(objectName="runForSpin")
        self.run_for_spin.setRange(0.5, 60.0)
        self.run_for_spin.setValue(6.0)
        self.run_for_spin.setSuffix(" s")
        self.run_for_spin.setToolTip("How long each display_date instance keeps going")
        self.shutdown_spin = QtWidgets.QDoubleSpinBox(objectName="shutdownSpin")
        self.shutdown_spin.setRange(0.1, 120.0)
        self.shutdown_spin.setValue(9.0)
        self.shutdown_spin.setSuffix(" s")
        self.shutdown_spin.setToolTip(
            "loop.call_later(this, stop_all): cancels the instances still running then"
        )
        self.start_instances_button = make_button(
            "Start instances",
            "startInstancesButton",
            "ensure_future / create_task the instances and schedule stop_all; disabled until "
            "they have ended and the shutdown has run (or Cancel all)",
        )
        self.instance_combo = QtWidgets.QComboBox(objectName="instanceCombo")
        self.instance_combo.setToolTip("The instances still running: pick one to cancel")
        self.instance_combo.setMinimumContentsLength(16)
        self.cancel_one_button = make_button(
            "Cancel selected", "cancelOneButton", "task.cancel() on the instance picked beside"
        )
        self.cancel_all_button = make_button(
            "Cancel all",
            "cancelAllButton",
            "Cancel every instance, say_lots and the scheduled shutdown",
        )
        self.instances_status = QtWidgets.QLabel("Nothing running.", objectName="instancesStatus")
        self.instances_status.setToolTip("What is running now, and when the shutdown comes")
        self.lanes = LaneChart("lanes", min_span_s=5.0)
        self.lanes.setToolTip("One lane per coroutine: a mark per line it printed, bars sleeps")
        self.coroutine_log = _log_view(
            "coroutineLog",
            "Every line the coroutines print, with the time since the start",
            "Start say_lots or the instances: their lines interleave here",
        )
        self.say_lots_button.clicked.connect(self.start_say_lots)
        self.start_instances_button.clicked.connect(self.start_display_dates)
        self.cancel_one_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button.clicked.connect(self.cancel_all)
        self._status_timer = QtCore.QTimer(self)
        self._status_timer.setInterval(200)
        self._status_timer.timeout.connect(self._refresh_instances)

        grid = QtWidgets.QGridLayout()
        grid.addWidget(QtWidgets.QLabel("say_lots, n ="), 0, 0)
        grid.addWidget(self.say_lots_spin, 0, 1)
        grid.addWidget(self.say_lots_button, 0, 2)
        grid.addWidget(QtWidgets.QLabel("display_date ×"), 1, 0)
        grid.addWidget(self.instances_spin, 1, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("each for"))
        row.addWidget(self.run_for_spin)
        row.addWidget(QtWidgets.QLabel("call_later shutdown at"))
        row.addWidget(self.shutdown_spin)
        row.addWidget(self.start_instances_button)
        grid.addLayout(row, 1, 2, 1, 3)
        grid.addWidget(self.instance_combo, 2, 0, 1, 2)
        grid.addWidget(self.cancel_one_button, 2, 2)
        grid.addWidget(self.cancel_all_button, 2, 3)
        grid.setColumnStretch(4, 1)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.lanes)
        split.addWidget(self.coroutine_log)
        split.setSizes([230, 130])
        split.setChildrenCollapsible(False)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(grid)
        layout.addWidget(self.instances_status)
        layout.addWidget(split, 1)
        self._refresh_instances()
        return page

    def _running(self) -> bool:
        return bool(self._live_instances()) or self._say_lots_task is not None

    def _live_instances(self) -> list[asyncio.Task[None]]:
        return [task for task in self._instances if not task.done()]

    def _fresh_start(self) -> None:
        """A new demo on an idle panel starts a new chart; otherwise it joins the running one."""
        if not self._running() and self._shutdown_handle is None:
            self.lanes.reset()
            self._instances.clear()
            if self.coroutine_log.blockCount() > 1:
                self.coroutine_log.appendPlainText("—" * 30)

    def start_say_lots(self) -> None:
        if self._say_lots_task is not None:
            return  # one at a time: the button is disabled meanwhile
        self._fresh_start()
        self.lanes.add_lane("say_lots")
        count = self.say_lots_spin.value()
        self.say("say_lots", f"started: await say_lots({count}) in a task")
        self._say_lots_task = self.spawn(say_lots(count, self.say), "say_lots")
        self._say_lots_task.add_done_callback(self._coroutine_done)
        self._refresh_instances()

    def start_display_dates(self) -> None:
        if self._live_instances() or self._shutdown_handle is not None:
            return  # disabled while running: Cancel all first
        self._fresh_start()
        count, run_for = self.instances_spin.value(), self.run_for_spin.value()
        delay = self.shutdown_spin.value()
        for number in range(1, count + 1):
            self.lanes.add_lane(f"display_date({number})")
        tasks = start_instances(count, run_for, self.say)
        for number, task in enumerate(tasks, start=1):
            how = "asyncio.ensure_future" if number % 2 else "loop.create_task"
            self._adopt(task, f"display_date({number})")
            self.say(f"display_date({number})", f"scheduled with {how}")
        self._shutdown_handle = schedule_shutdown(delay, tasks, self.say)
        self._shutdown_at = time.perf_counter() + delay
        self.lanes.min_span_s = max(5.0, delay, run_for + 1)
        self._status_timer.start()
        self._refresh_instances()

    def _adopt(self, task: asyncio.Task[None], who: str) -> None:
        """Treat a task started elsewhere like one from spawn(): named, kept, cancelled at exit."""
        task.set_name(f"{self.slug}: {who}")
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        task.add_done_callback(self._coroutine_done)
        self._instances[task] = who

    def say(self, who: str, text: str) -> None:
        """Where the coroutines' lines go: the log, and a mark on their lane."""
        elapsed = time.perf_counter() - self.lanes.origin
        self.coroutine_log.appendPlainText(f"+{elapsed:6.2f} s  {who}: {text}")
        if who == "shutdown":
            if text == "shutdown called":
                self._shutdown_handle = None
                self.lanes.mark("stop_all")
                QtCore.QTimer.singleShot(0, self._refresh_instances)
            return
        if text.startswith(("scheduled", "started")):
            self.lanes.open_bar(who, "queued")  # created, not run yet
            return
        self.lanes.add_event(who, "step", text)
        self.lanes.open_bar(who, "awaiting")  # it prints, then awaits a sleep

    def _coroutine_done(self, task: asyncio.Task[Any]) -> None:
        who = self._instances.get(task, "say_lots")
        if task is self._say_lots_task:
            self._say_lots_task = None
        if task.cancelled():
            self.lanes.finish(who, "cancelled")
            self.say_text(who, "cancelled (CancelledError at its await)")
        elif task.exception() is not None:
            self.lanes.finish(who, "exception")
        else:
            self.lanes.finish(who, "result")
        self._refresh_instances()

    def say_text(self, who: str, text: str) -> None:
        elapsed = time.perf_counter() - self.lanes.origin
        self.coroutine_log.appendPlainText(f"+{elapsed:6.2f} s  {who}: {text}")

    def cancel_selected(self) -> None:
        who = self.instance_combo.currentText()
        for task, name in self._instances.items():
            if name == who and not task.done():
                task.cancel()

    def cancel_all(self) -> None:
        if self._shutdown_handle is not None:
            self._shutdown_handle.cancel()
            self._shutdown_handle = None
            self.say_text("shutdown", "the scheduled stop_all was cancelled (handle.cancel())")
        for task in self._live_instances():
            task.cancel()
        if self._say_lots_task is not None:
            self._say_lots_task.cancel()
        self._refresh_instances()

    def _refresh_instances(self) -> None:
        live = [self._instances[task] for task in self._live_instances()]
        if [self.instance_combo.itemText(i) for i in range(self.instance_combo.count())] != live:
            current = self.instance_combo.currentText()
            self.instance_combo.clear()
            self.instance_combo.addItems(live)
            if current in live:
                self.instance_combo.setCurrentText(current)
        busy = bool(live) or self._shutdown_handle is not None
        self.start_instances_button.setEnabled(not busy)
        self.say_lots_button.setEnabled(self._say_lots_task is None)
        self.cancel_one_button.setEnabled(bool(live))
        self.cancel_all_button.setEnabled(busy or self._say_lots_task is not None)
        parts = []
        if self._say_lots_task is not None:
            parts.append("say_lots running")
        if self._instances:
            parts.append(f"{len(live)} of {len(self._instances)} instances running")
        if self._shutdown_handle is not None:
            left = max(0.0, self._shutdown_at - time.perf_counter())
            parts.append(f"stop_all due in {left:.1f} s")
        elif self._instances:
            parts.append("no shutdown pending")
        if not busy:
            self._status_timer.stop()
            self.lanes.redraw()
        self.instances_status.setText(" · ".join(parts) if parts else "Nothing running.")

    # --- tab 2: never awaited ---------------------------------------------------------------
    def _build_never_awaited(self) -> QtWidgets.QWidget:
        self.never_awaited_button = make_button(
            "ping_server(5)   (no await)",
            "neverAwaitedButton",
            "Call the coroutine function without awaiting: shows the object and the warning",
        )
        self.await_properly_button = make_button(
            "await ping_server(5)",
            "awaitProperlyButton",
            "Await it: the loop runs the body and hands back its return value",
        )
        self.never_awaited_output = _log_view(
            "neverAwaitedOutput",
            "What each call gave back, and the warning Python raised",
            "Click a button: calling is not running",
        )
        self.never_awaited_button.clicked.connect(self.show_never_awaited)
        self.await_properly_button.clicked.connect(self.start_await_properly)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.never_awaited_button)
        row.addWidget(self.await_properly_button)
        row.addStretch(1)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.never_awaited_output, 1)
        return page

    def show_never_awaited(self) -> None:
        shown, state, caught = call_without_await()
        out = self.never_awaited_output
        out.appendPlainText(">>> coro = ping_server(5)")
        out.appendPlainText(f"coro is {shown}")
        out.appendPlainText(
            f"inspect.getcoroutinestate(coro) == {state!r}: not one line of its body ran"
        )
        out.appendPlainText(">>> del coro   # dropped, never awaited")
        for warning in caught or ["(no warning was raised)"]:
            out.appendPlainText(f"{warning}   <- caught with warnings.catch_warnings")
        out.appendPlainText("")

    def start_await_properly(self) -> None:
        self.await_properly_button.setEnabled(False)  # one at a time; it takes 0.1 s
        self.spawn(self._await_properly(), "await ping_server")

    async def _await_properly(self) -> None:
        try:
            result, took = await await_properly()
            self.never_awaited_output.appendPlainText(">>> await ping_server(5)")
            self.never_awaited_output.appendPlainText(
                f"{result!r}   after {took * 1000:.0f} ms: the loop ran the body, no warning\n"
            )
        finally:
            self.await_properly_button.setEnabled(True)

    # --- tab 3: by hand -----------------------------------------------------------------------
    def _build_by_hand(self) -> QtWidgets.QWidget:
        self.fib_spin = QtWidgets.QSpinBox(objectName="fibSpin")
        self.fib_spin.setRange(1, 30)
        self.fib_spin.setValue(5)
        self.fib_spin.setToolTip("n for the generator fib(n): it yields n times, then returns")
        self.new_generator_button = make_button(
            "gen = fib(n)",
            "newGeneratorButton",
            "Create a fresh generator-based coroutine (replaces the one being stepped)",
        )
        self.step_button = make_button(
            "gen.send(None)",
            "stepButton",
            "Resume the generator once: it runs to its next yield (or returns). "
            "Disabled once it has finished",
        )
        self.step_button.setEnabled(False)
        self.hand_log = _log_view(
            "handLog",
            "Every send(None): what came back, the generator's state and its local variables",
            "Create fib(n), then click send(None) one step at a time",
        )
        self.rr_pause_spin = QtWidgets.QDoubleSpinBox(objectName="rrPauseSpin")
        self.rr_pause_spin.setRange(0.0, 2.0)
        self.rr_pause_spin.setSingleStep(0.1)
        self.rr_pause_spin.setValue(0.5)
        self.rr_pause_spin.setSuffix(" s")
        self.rr_pause_spin.setToolTip("Pause between turns of the toy loop, so you can follow it")
        self.round_robin_button = make_button(
            "Round-robin fib(2), fib(5), fib(3)",
            "roundRobinButton",
            "Run three generators in a tiny task loop; disabled while it runs",
        )
        self.stop_rr_button = make_button("Stop", "stopRoundRobinButton", "Cancel the toy loop")
        self.stop_rr_button.setEnabled(False)
        self.rr_now = QtWidgets.QLabel("just ran: —", objectName="rrNow")
        self.rr_now.setToolTip("The coroutine the toy loop resumed on its latest turn")
        self.rr_now.setMinimumWidth(150)
        self.rr_queue = QtWidgets.QListWidget(objectName="rrQueue")
        self.rr_queue.setToolTip("The toy loop's queue, front on the left")
        self.rr_queue.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.rr_queue.setFixedHeight(36)
        self.rr_queue.setSpacing(3)
        self.rr_queue.setStyleSheet(
            "QListWidget::item { border: 1px solid #7a9cc6; border-radius: 3px;"
            " background: #e8f0fb; padding: 1px 6px; }"
        )
        self.rr_log = _log_view(
            "rrLog",
            "Each turn of the toy loop: who ran, what it yielded, the queue after",
            "Start the round-robin: each turn is one send(None)",
        )
        self.new_generator_button.clicked.connect(self.new_generator)
        self.step_button.clicked.connect(self.step_generator)
        self.round_robin_button.clicked.connect(self.start_round_robin)
        self.stop_rr_button.clicked.connect(self.stop_round_robin)

        hand_row = QtWidgets.QHBoxLayout()
        hand_row.addWidget(QtWidgets.QLabel("n ="))
        hand_row.addWidget(self.fib_spin)
        hand_row.addWidget(self.new_generator_button)
        hand_row.addWidget(self.step_button)
        hand_row.addStretch(1)
        rr_row = QtWidgets.QHBoxLayout()
        rr_row.addWidget(self.round_robin_button)
        rr_row.addWidget(QtWidgets.QLabel("pause"))
        rr_row.addWidget(self.rr_pause_spin)
        rr_row.addWidget(self.stop_rr_button)
        rr_row.addStretch(1)
        queue_row = QtWidgets.QHBoxLayout()
        queue_row.addWidget(self.rr_now)
        queue_row.addWidget(QtWidgets.QLabel("queue:"))
        queue_row.addWidget(self.rr_queue, 1)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(hand_row)
        layout.addWidget(self.hand_log, 1)
        layout.addLayout(rr_row)
        layout.addLayout(queue_row)
        layout.addWidget(self.rr_log, 1)
        return page

    def new_generator(self) -> None:
        n = self.fib_spin.value()
        self._generator, self._generator_name, self._steps = fib(n), f"fib({n})", 0
        state = inspect.getgeneratorstate(self._generator)
        self.hand_log.appendPlainText(
            f">>> gen = fib({n})\n{self._generator!r}  state {state}: nothing has run yet"
        )
        self.step_button.setEnabled(True)
        self._show_tab_source(2)

    def step_generator(self) -> None:
        gen = self._generator
        if gen is None:
            return
        self._steps += 1
        outcome, value = step(gen)
        state = inspect.getgeneratorstate(gen)
        if outcome == "yielded":
            frame = gen.gi_frame
            where = frame.f_lineno if frame is not None else 0
            local_vars = ", ".join(
                f"{k}={v!r}" for k, v in (frame.f_locals if frame else {}).items()
            )
            self.hand_log.appendPlainText(
                f"send(None) #{self._steps} -> {value!r}   {state}, paused at line {where}"
                f"   locals: {local_vars}"
            )
            self._show_tab_source(2, [where])
        else:
            self.hand_log.appendPlainText(
                f"send(None) #{self._steps} -> StopIteration(value={value!r})   {state}: "
                f"{self._generator_name} returned {value!r}; make a new one to go again\n"
            )
            self._generator = None
            self.step_button.setEnabled(False)
            self._show_tab_source(2)

    def start_round_robin(self) -> None:
        if self._rr_task is not None:
            return  # disabled while running: Stop first
        self.round_robin_button.setEnabled(False)
        self.stop_rr_button.setEnabled(True)
        self.rr_log.clear()
        self._rr_turn = 0
        self._rr_task = self.spawn(self._round_robin(), "round-robin")

    def stop_round_robin(self) -> None:
        if self._rr_task is not None:
            self._rr_task.cancel()

    async def _round_robin(self) -> None:
        coros = {f"fib({n})": fib(n) for n in (2, 5, 3)}
        self._draw_queue("—", list(coros))
        self.rr_log.appendPlainText(f"queue: {', '.join(coros)}")
        try:
            results = await round_robin(coros, self._rr_show, self.rr_pause_spin.value())
            self.rr_log.appendPlainText(
                f"queue empty after {self._rr_turn} turns: results "
                + ", ".join(f"{k} = {v}" for k, v in results.items())
            )
            self._draw_queue("— (done)", [])
        except asyncio.CancelledError:
            self.rr_log.appendPlainText(f"stopped after {self._rr_turn} turns")
            raise
        finally:
            self._rr_task = None
            self.round_robin_button.setEnabled(True)
            self.stop_rr_button.setEnabled(False)

    def _rr_show(self, name: str, what: str, queue: list[str]) -> None:
        self._rr_turn += 1
        after = ", ".join(queue) or "(empty)"
        self.rr_log.appendPlainText(f"turn {self._rr_turn:2d}: {name} {what}   queue: {after}")
        self._draw_queue(name, queue)

    def _draw_queue(self, now: str, queue: list[str]) -> None:
        self.rr_now.setText(f"just ran: <b>{now}</b>")
        self.rr_queue.clear()
        self.rr_queue.addItems(queue)

    # --- tab 4: giving up control -------------------------------------------------------------
    def _build_control(self) -> QtWidgets.QWidget:
        self.work_spin = QtWidgets.QDoubleSpinBox(objectName="workSpin")
        self.work_spin.setRange(0.2, 5.0)
        self.work_spin.setSingleStep(0.5)
        self.work_spin.setValue(1.0)
        self.work_spin.setSuffix(" s")
        self.work_spin.setToolTip("How long each worker keeps working")
        self.greedy_button = make_button(
            "greedy_worker (never awaits)",
            "greedyButton",
            "Works without awaiting: the loop and the whole UI freeze. Disabled while running",
        )
        self.greedy_button.setStyleSheet("color: #b00020; font-weight: 600;")
        self.polite_button = make_button(
            "polite_worker (await sleep(0))",
            "politeButton",
            "The same work with await asyncio.sleep(0) between slices. Disabled while running",
        )
        self.control_table = QtWidgets.QTableWidget(0, 7, objectName="controlTable")
        self.control_table.setHorizontalHeaderLabels(
            [
                "coroutine",
                "wall s",
                "work slices",
                "lag probes ran",
                "max lag ms",
                "p99 ms",
                "freeze",
            ]
        )
        self.control_table.setToolTip("Each run, newest first: measured while it ran")
        self.control_table.verticalHeader().setVisible(False)
        self.control_table.horizontalHeader().setStretchLastSection(True)
        self.control_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.control_summary = QtWidgets.QLabel(
            "Run both and compare: the HUD's heartbeat stops during the greedy one.",
            objectName="controlSummary",
        )
        self.control_summary.setWordWrap(True)
        self.control_summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.greedy_button.clicked.connect(lambda: self.start_control("greedy"))
        self.polite_button.clicked.connect(lambda: self.start_control("polite"))
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("work for"))
        row.addWidget(self.work_spin)
        row.addWidget(self.greedy_button)
        row.addWidget(self.polite_button)
        row.addStretch(1)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.control_summary)
        layout.addWidget(self.control_table, 1)
        return page

    def start_control(self, which: str) -> None:
        if self._control_task is not None:
            return  # one at a time: both buttons are disabled meanwhile
        self.greedy_button.setEnabled(False)
        self.polite_button.setEnabled(False)
        self.control_summary.setText(f"Running the {which} worker…")
        self._control_task = self.spawn(self._run_control(which), f"{which} worker")

    async def _run_control(self, which: str) -> None:
        worker = greedy_worker if which == "greedy" else polite_worker
        monitor = self.context.monitor
        seconds = self.work_spin.value()
        freezes_before = len(monitor.freezes)
        try:
            started = time.perf_counter()
            slices = await worker(seconds)
            ended = time.perf_counter()
            # The lag probe can only record a freeze once the loop is free again, and clicks
            # made during a freeze arrive now: wait a moment before reporting.
            await asyncio.sleep(INPUT_DRAIN_MS / 1000)
            during = monitor.stats_since(started)
            probes = during.samples - monitor.stats_since(ended).samples  # probes while it ran
            freezes = [f for f in monitor.freezes[freezes_before:] if worker.__name__ in f.where]
            freeze = f"{freezes[0].duration_s:.2f} s in {freezes[0].where}" if freezes else "none"
            cells = [
                f"{worker.__name__}",
                f"{ended - started:.2f}",
                f"{slices}",
                f"{probes}",
                f"{during.max_ms:.0f}",
                f"{during.p99_ms:.1f}",
                freeze,
            ]
            self.control_table.insertRow(0)
            for column, text in enumerate(cells):
                self.control_table.setItem(0, column, QtWidgets.QTableWidgetItem(text))
            self.control_table.resizeColumnsToContents()
            frozen = during.max_ms > 100
            color = "#b00020" if frozen else "#1b7f3b"
            self.control_summary.setText(
                f"<b>{worker.__name__}</b>: {slices} slices in {ended - started:.2f} s; the lag "
                f"probe ran {probes} times meanwhile; worst lag "
                f"<b style='color:{color}'>{during.max_ms:.0f} ms</b>"
                + (f" (UI frozen, freeze {freeze})" if frozen else " (UI live)")
            )
        finally:
            self._control_task = None
            self.greedy_button.setEnabled(True)
            self.polite_button.setEnabled(True)

    # --- lifecycle ------------------------------------------------------------------------
    async def stop_work(self) -> None:
        if self._shutdown_handle is not None:
            self._shutdown_handle.cancel()
            self._shutdown_handle = None
        self._status_timer.stop()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.instances_spin.setValue(5)
        self.run_for_spin.setValue(2.5)
        self.shutdown_spin.setValue(3.5)
        self.say_lots_spin.setValue(6)
        self.start_display_dates()
        self.start_say_lots()
        while self._running() or self._shutdown_handle is not None:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # let the plot paint its last frame
