"""Panel `event-loop`: a toy event loop you can watch, and Qt's real loop held up by one handler."""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import make_button

QUICK_HANDLER_S = 0.02  # what a handler should cost: a few milliseconds
SLOW_HANDLER_S = 1.0  # what it must not: a whole second
BURST_SIZE = 50
REFRESH_MS = 100  # redraw the toy at most 10 times a second: drawing is work for the loop too
SLOW_COLOR = QtGui.QColor("#b00020")
LATE_COLOR = QtGui.QColor("#fde2e1")
HIGHLIGHT_COLOR = QtGui.QColor("#ffe08a")


# --- the toy: the lecture's loop, small enough to watch --------------------------------------
@dataclass
class ToyEvent:
    """One event in the toy's queue: what it is, its handler, and when things happened to it."""

    number: int
    kind: str  # "quick" or "slow"
    handler: Callable[[ToyEventLoop], None]
    posted_at: float = math.nan  # time.perf_counter() values
    started_at: float = math.nan
    finished_at: float = math.nan

    @property
    def name(self) -> str:
        return f"{self.kind} #{self.number}"

    @property
    def waited_ms(self) -> float:
        """How long it sat in the queue before its handler started."""
        return (self.started_at - self.posted_at) * 1000

    @property
    def handler_ms(self) -> float:
        return (self.finished_at - self.started_at) * 1000


class ToyEventLoop:
    """An event loop in a dozen lines: a queue, one handler at a time.

    `run_one()` is one turn of `while True: pop an event, call its
    handler`. It runs on the toy's own thread (its pretend CPU): a slow
    handler really keeps it busy and the events behind it really wait,
    while this window stays free to draw them.
    """

    def __init__(self) -> None:
        self.queue: deque[ToyEvent] = deque()  # thread-safe ends
        self.current: ToyEvent | None = None
        self.handled: list[ToyEvent] = []
        self.line = "wait"  # the line about to run, for the highlight
        self.slow_motion_s = 0.0  # pause before each line, to watch
        self.stopping = threading.Event()

    def post(self, event: ToyEvent) -> None:
        """Queue an event: a click, a key, a timer, a reply..."""
        event.posted_at = time.perf_counter()
        self.queue.append(event)

    def run_one(self) -> ToyEvent | None:
        """One turn: pop the oldest event, call its handler."""
        if not self.queue:  # nothing to do (the queue was cleared)
            return None
        self._at("pop")
        event = self.queue.popleft()  # first in, first out
        self.current = event
        self._at("call")
        event.started_at = time.perf_counter()
        event.handler(self)  # nothing else happens until it returns
        event.finished_at = time.perf_counter()
        self._at("log")
        self.handled.append(event)
        self.current = None
        return event

    def work(self, seconds: float) -> None:
        """How a toy handler takes `seconds`: it really spends them."""
        self.stopping.wait(seconds)  # a sleep (cut short if we quit)

    def _at(self, line: str) -> None:
        """Note the line about to run; in slow motion, wait a bit."""
        self.line = line
        if self.slow_motion_s:
            self.stopping.wait(self.slow_motion_s)


def quick_handler(toy: ToyEventLoop) -> None:
    """A good handler: a few ms of work, then back to the loop."""
    toy.work(QUICK_HANDLER_S)


def slow_handler(toy: ToyEventLoop) -> None:
    """A bad handler: a second of work. Events behind it wait."""
    toy.work(SLOW_HANDLER_S)


async def drive_toy_loop(
    toy: ToyEventLoop,
    cpu: Executor,
    go: asyncio.Event,
) -> None:
    """The toy's `while True`, kept turning by an asyncio task.

    Each turn runs on the toy's own thread (`cpu`): a slow toy handler
    blocks the toy, not this window. `go` is set while the toy may run.
    """
    loop = asyncio.get_running_loop()
    while True:
        if not toy.queue:
            go.clear()  # nothing to do: sleep until something is posted
        toy.line = "wait"
        await go.wait()
        await loop.run_in_executor(cpu, toy.run_one)


@functools.cache
def source_line(obj: object, fragment: str) -> int:
    """The file line number of the first line of `obj`'s source containing `fragment`."""
    lines, first = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    for offset, text in enumerate(lines):
        if fragment in text:
            return first + offset
    raise LookupError(f"{fragment!r} not in the source of {obj!r}")


# Which line to highlight for each value of `ToyEventLoop.line`: found in the source itself.
TOY_LINE_MARKERS = {
    "pop": (ToyEventLoop.run_one, "self.queue.popleft()"),
    "call": (ToyEventLoop.run_one, "event.handler(self)"),
    "log": (ToyEventLoop.run_one, "self.handled.append(event)"),
    "wait": (drive_toy_loop, "await go.wait()"),
}


# --- the real thing: events posted into Qt's own queue -------------------------------------
DEMO_EVENT_TYPE = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())


class DemoEvent(QtCore.QEvent):
    """A custom Qt event that remembers when it was posted."""

    def __init__(self, number: int, work_s: float) -> None:
        super().__init__(DEMO_EVENT_TYPE)
        self.number, self.work_s = number, work_s
        self.posted_at = time.perf_counter()


def post_qt_events(
    receiver: QtCore.QObject,
    count: int,
    slow_at: int,
    slow_s: float,
) -> None:
    """Queue `count` events in Qt's real queue; event `slow_at` is slow.

    postEvent returns at once. Qt delivers the events later, one after
    another, when its loop gets back to the queue: as it does clicks.
    """
    for number in range(1, count + 1):
        work_s = slow_s if number == slow_at else 0.0
        event = DemoEvent(number, work_s)  # stamped with its post time
        QtCore.QCoreApplication.postEvent(receiver, event)


def handle_demo_event(event: DemoEvent) -> None:
    """The handler: instant for most events, a blocking sleep for one.

    It runs in the GUI thread, inside Qt's loop: while it sleeps, Qt
    delivers nothing else. No repaint, no click, no asyncio task, and
    none of the events queued behind it.
    """
    if event.work_s:
        time.sleep(event.work_s)


class EventReceiver(QtCore.QObject):
    """Receives the demo events: Qt calls its `event()` for each one."""

    handled = QtCore.Signal(int, float, float, float)  # number, times

    def event(self, event: QtCore.QEvent) -> bool:
        if not isinstance(event, DemoEvent):
            return super().event(event)  # every other event: as usual
        started = time.perf_counter()
        handle_demo_event(event)
        done = time.perf_counter()
        self.handled.emit(event.number, event.posted_at, started, done)
        return True


# --- the panel --------------------------------------------------------------------------------
class EventLoopPanel(Panel):
    slug = "event-loop"
    title = "The event loop"
    sources = (
        ToyEventLoop,
        quick_handler,
        slow_handler,
        drive_toy_loop,
        post_qt_events,
        handle_demo_event,
        EventReceiver,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.toy = ToyEventLoop()
        self._toy_cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toy-loop")
        self._go: asyncio.Event | None = None  # created with the driver, once the loop runs
        self._driver: asyncio.Task[Any] | None = None
        self._next_number = 1
        self._shown_queue: list[int] = []
        self._shown_handled = 0
        self._shown_line = ""
        self._marked: tuple[QtGui.QTextBlock, QtGui.QTextBlockFormat] | None = None
        self._line_blocks: dict[int, int] = {}  # source line number -> block number
        self._mapped: QtGui.QTextDocument | None = None  # the document _line_blocks maps
        self._real_batch: dict[str, float] = {}
        self._receiver = EventReceiver()
        self.set_controls(self.build_controls())
        self._receiver.setParent(self)
        self._receiver.handled.connect(self._real_event_handled)
        self._refresh_timer = QtCore.QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh_toy)
        self.explanation.parentWidget().setSizes([200, 620])  # type: ignore[attr-defined]
        self._set_speed(self.speed_slider.value())

    # --- widgets -----------------------------------------------------------------------------
    def build_controls(self) -> QtWidgets.QWidget:
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self._build_toy(), 3)
        layout.addWidget(self._build_real(), 2)
        return controls

    def _button(self, name: str, text: str, tip: str) -> QtWidgets.QPushButton:
        return make_button(text, name, tip)

    def _table(self, name: str, headers: list[str], tip: str) -> QtWidgets.QTableWidget:
        table = QtWidgets.QTableWidget(0, len(headers), objectName=name)
        table.setHorizontalHeaderLabels(headers)
        table.setToolTip(tip)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(22)
        table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        return table

    def _build_toy(self) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox("A toy event loop: pop an event, call its handler, repeat")
        quick = self._button(
            "quickEventButton", "Post a quick event", "Queue one event whose handler takes 20 ms"
        )
        slow = self._button(
            "slowEventButton",
            "Post a slow event",
            "Queue one event whose handler takes a whole second: watch the events behind it",
        )
        slow.setStyleSheet("color: #b00020; font-weight: 600;")
        burst = self._button(
            "burstButton",
            f"Post a burst of {BURST_SIZE}",
            f"Queue {BURST_SIZE} quick events at once",
        )
        self.run_button = self._button(
            "toyRunButton", "Pause the toy", "Pause or resume the toy loop: paused, events pile up"
        )
        self.run_button.setCheckable(True)
        self.run_button.setChecked(True)
        clear = self._button(
            "clearToyButton", "Clear", "Drop the events still queued and clear the log"
        )
        quick.clicked.connect(lambda: self.post_toy_events("quick", 1))
        slow.clicked.connect(lambda: self.post_toy_events("slow", 1))
        burst.clicked.connect(lambda: self.post_toy_events("quick", BURST_SIZE))
        self.run_button.toggled.connect(self._toggle_toy)
        clear.clicked.connect(self._clear_toy)

        self.speed_slider = QtWidgets.QSlider(
            QtCore.Qt.Orientation.Horizontal, objectName="speedSlider"
        )
        self.speed_slider.setRange(0, 20)  # x 50 ms
        self.speed_slider.setValue(2)
        self.speed_slider.setToolTip(
            "Slow motion: how long the toy stops before each line of run_one (0 = full speed)"
        )
        self.speed_slider.valueChanged.connect(self._set_speed)
        self.speed_label = QtWidgets.QLabel(objectName="speedLabel")
        self.speed_label.setMinimumWidth(150)

        self.queue_list = QtWidgets.QListWidget(objectName="queueList")
        self.queue_list.setToolTip("The toy's queue of pending events, next one on top")
        self.current_label = QtWidgets.QLabel(objectName="currentLabel")
        self.current_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.current_label.setToolTip("The event whose handler the toy loop is running now")
        self.current_label.setMinimumHeight(28)
        self.handled_table = self._table(
            "handledTable",
            ["event", "waited in queue ms", "handler ms"],
            "Handled events in the order the toy handled them: how long each waited, and how "
            "long its handler took",
        )
        self.toy_summary = QtWidgets.QLabel(objectName="toySummaryLabel")
        self.toy_summary.setWordWrap(True)

        buttons = QtWidgets.QHBoxLayout()
        for widget in (quick, slow, burst, self.run_button, clear):
            buttons.addWidget(widget)
        speed = QtWidgets.QHBoxLayout()
        speed.addWidget(QtWidgets.QLabel("Slow motion:"))
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)
        queue_box = QtWidgets.QWidget()
        queue_layout = QtWidgets.QVBoxLayout(queue_box)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_title = QtWidgets.QLabel("<b>Queue</b> (next on top)")
        queue_layout.addWidget(self.queue_title)
        queue_layout.addWidget(self.queue_list)
        log_box = QtWidgets.QWidget()
        log_layout = QtWidgets.QVBoxLayout(log_box)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.current_label)
        log_layout.addWidget(self.handled_table, 1)
        log_layout.addWidget(self.toy_summary)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        split.addWidget(queue_box)
        split.addWidget(log_box)
        split.setSizes([160, 480])
        split.setChildrenCollapsible(False)

        layout = QtWidgets.QVBoxLayout(box)
        layout.addLayout(buttons)
        layout.addLayout(speed)
        layout.addWidget(split, 1)
        self._refresh_labels()
        return box

    def _build_real(self) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox("The real thing: events posted into Qt's own loop")
        self.real_count = QtWidgets.QSpinBox(objectName="realCountSpin")
        self.real_count.setRange(2, 40)
        self.real_count.setValue(8)
        self.real_count.setToolTip("How many events to post into Qt's queue at once")
        self.real_slow_at = QtWidgets.QSpinBox(objectName="realSlowAtSpin")
        self.real_slow_at.setRange(1, 40)
        self.real_slow_at.setValue(3)
        self.real_slow_at.setPrefix("#")
        self.real_slow_at.setToolTip("Which of them has the slow handler")
        self.real_slow = QtWidgets.QSpinBox(objectName="realSlowSpin")
        self.real_slow.setRange(0, 2000)
        self.real_slow.setSingleStep(50)
        self.real_slow.setValue(300)
        self.real_slow.setSuffix(" ms")
        self.real_slow.setToolTip(
            "How long the slow handler blocks the GUI thread (it really does: see the HUD)"
        )
        post = self._button(
            "realPostButton",
            "Post into Qt's loop",
            "QCoreApplication.postEvent() each event to a receiver; measure post -> handled",
        )
        post.clicked.connect(self.post_real_events)
        self.real_table = self._table(
            "realEventsTable",
            ["#", "handler", "posted +ms", "handled +ms", "delay ms", "handler ms"],
            "Each event posted into Qt's loop: its delay from post to handler start. "
            "Every event behind the slow one is late by its handler's time",
        )
        self.real_summary = QtWidgets.QLabel(
            "Post a batch: Qt hands the events over one by one, in order.",
            objectName="realSummaryLabel",
        )
        self.real_summary.setWordWrap(True)
        self.real_summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.real_summary.setToolTip("What the measured delays say")

        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Post"))
        row.addWidget(self.real_count)
        row.addWidget(QtWidgets.QLabel("events; event"))
        row.addWidget(self.real_slow_at)
        row.addWidget(QtWidgets.QLabel("blocks for"))
        row.addWidget(self.real_slow)
        row.addWidget(post)
        row.addStretch(1)
        layout = QtWidgets.QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.real_table, 1)
        layout.addWidget(self.real_summary)
        return box

    # --- the toy --------------------------------------------------------------------------------
    def post_toy_events(self, kind: str, count: int) -> None:
        """Post `count` events of `kind` into the toy's queue and make sure it turns."""
        handler = slow_handler if kind == "slow" else quick_handler
        for _ in range(count):
            self.toy.post(ToyEvent(self._next_number, kind, handler))
            self._next_number += 1
        self._ensure_driver()
        if self.run_button.isChecked() and self._go is not None:
            self._go.set()
        self._refresh_timer.start()
        self._refresh_toy()

    def _ensure_driver(self) -> None:
        """Start the toy's driver task once, from inside the running loop."""
        if self._driver is not None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # not inside the loop (a script clicking): the refresh timer retries
        self._go = asyncio.Event()
        if self.run_button.isChecked() and self.toy.queue:
            self._go.set()
        self._driver = self.spawn(drive_toy_loop(self.toy, self._toy_cpu, self._go), "toy loop")

    def _toggle_toy(self, running: bool) -> None:
        self.run_button.setText("Pause the toy" if running else "Run the toy")
        if self._go is not None:
            if running and self.toy.queue:
                self._go.set()
            elif not running:
                self._go.clear()  # the turn in progress finishes, then the driver waits
        self._refresh_timer.start()
        self._refresh_toy()

    def _clear_toy(self) -> None:
        # The toy's own thread empties its queue, between two turns: only that thread
        # ever takes events out, so a turn never finds its event gone.
        self._toy_cpu.submit(self.toy.queue.clear)
        self._refresh_timer.start()
        self.toy.handled.clear()
        self._shown_handled = 0
        self.handled_table.setRowCount(0)
        self._refresh_toy()

    def _set_speed(self, value: int) -> None:
        self.toy.slow_motion_s = value * 0.05
        self.speed_label.setText(
            f"{value * 50} ms pause per line" if value else "full speed (no pauses)"
        )

    def _refresh_toy(self) -> None:
        """Draw the toy's state: queue, current event, new log rows, highlighted line."""
        toy = self.toy
        self._ensure_driver()
        queue = list(toy.queue)  # one C-level copy: safe while the toy thread pops
        numbers = [event.number for event in queue]
        if numbers != self._shown_queue:
            self._draw_queue(queue, numbers)
        handled = toy.handled[self._shown_handled :]
        for event in handled:
            self._add_handled_row(event)
        if handled:
            self._shown_handled += len(handled)
            self.handled_table.scrollToBottom()
            self._summarize_toy()
        self._refresh_labels()
        if toy.line != self._shown_line:
            self._shown_line = toy.line
            self.highlight_toy_line(toy.line)
        if not queue and toy.current is None and toy.line == "wait":
            self._refresh_timer.stop()

    def _draw_queue(self, queue: list[ToyEvent], numbers: list[int]) -> None:
        """Update the queue list in place: a FIFO only loses items on top and gains at the end."""
        shown, view = self._shown_queue, self.queue_list
        gone = shown.index(numbers[0]) if numbers and numbers[0] in shown else len(shown)
        if shown[gone : gone + len(numbers)] != numbers[: len(shown) - gone]:
            gone = len(shown)  # not a FIFO change (cleared): redraw it all
        for _ in range(gone):
            view.takeItem(0)
        for event in queue[len(shown) - gone :]:
            item = QtWidgets.QListWidgetItem(event.name)
            if event.kind == "slow":
                item.setForeground(SLOW_COLOR)
            view.addItem(item)
        self._shown_queue = numbers
        self.queue_title.setText(f"<b>Queue</b>: {len(queue)} waiting (next on top)")

    def highlight_toy_line(self, line: str) -> None:
        """Mark the line the toy is on (its file line number, found by inspect) in the source.

        Re-rendering the whole highlighted source costs 20-90 ms of this loop's time, too
        much ten times a second: only the background of two lines changes here instead.
        """
        view = self.source_view
        if self._marked is not None:
            block, original = self._marked
            if block.isValid() and block.document() is view.document():
                QtGui.QTextCursor(block).setBlockFormat(original)
            self._marked = None
        block = self._source_block(source_line(*TOY_LINE_MARKERS[line]))
        if block is None:
            return
        self._marked = (block, block.blockFormat())
        marked = QtGui.QTextBlockFormat(block.blockFormat())
        marked.setBackground(HIGHLIGHT_COLOR)
        QtGui.QTextCursor(block).setBlockFormat(marked)
        if line != "wait":  # follow the running toy (not an idle one) if it goes out of view
            rect, viewport = view.cursorRect(QtGui.QTextCursor(block)), view.viewport().rect()
            if not viewport.contains(rect):
                bar = view.verticalScrollBar()
                bar.setValue(bar.value() + rect.center().y() - viewport.height() // 2)

    def _source_block(self, line_number: int) -> QtGui.QTextBlock | None:
        """The text block of the source view that shows file line `line_number`."""
        document = self.source_view.document()
        if self._mapped is not document:  # rendered anew: map it again
            self._mapped, self._line_blocks = document, {}
            block = document.begin()
            while block.isValid():
                digits = re.match(r"\s*(\d+)", block.text())
                if digits:
                    self._line_blocks.setdefault(int(digits.group(1)), block.blockNumber())
                block = block.next()
        number = self._line_blocks.get(line_number)
        return None if number is None else document.findBlockByNumber(number)

    def _refresh_labels(self) -> None:
        current = self.toy.current
        if current is not None and not math.isnan(current.started_at):
            busy = time.perf_counter() - current.started_at
            color = "#b00020" if current.kind == "slow" else "#1b7f3b"
            text = (
                f"Handling <b style='color:{color}'>{current.name}</b>: its handler has run "
                f"{busy:.2f} s; nothing else is handled meanwhile"
            )
        elif current is not None:
            text = f"Took <b>{current.name}</b> off the queue; calling its handler next"
        elif not self.run_button.isChecked():
            text = "<b>Paused</b>: posted events wait in the queue"
        elif self.toy.queue:
            text = "Back at the top of the loop: the oldest event is next"
        else:
            text = "Waiting for an event: post one"
        self.current_label.setText(text)

    def _add_handled_row(self, event: ToyEvent) -> None:
        table = self.handled_table
        row = table.rowCount()
        table.insertRow(row)
        cells = [event.name, f"{event.waited_ms:.0f}", f"{event.handler_ms:.0f}"]
        late = event.waited_ms > 0.8 * SLOW_HANDLER_S * 1000
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            if event.kind == "slow":
                item.setForeground(SLOW_COLOR)
            if late:
                item.setBackground(LATE_COLOR)
            if column:
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            table.setItem(row, column, item)
        if row > 1000:
            table.removeRow(0)  # the toy's own log keeps them all; the view needs not

    def _summarize_toy(self) -> None:
        events = self.toy.handled
        if not events:
            self.toy_summary.setText("")
            return
        worst = max(events, key=lambda event: event.waited_ms)
        self.toy_summary.setText(
            f"{len(events)} handled. Longest wait: {worst.name}, {worst.waited_ms:.0f} ms "
            f"in the queue. Handler times: quick ~{QUICK_HANDLER_S * 1000:.0f} ms, "
            f"slow ~{SLOW_HANDLER_S * 1000:.0f} ms."
        )

    # --- the real Qt loop ---------------------------------------------------------------------
    def post_real_events(self) -> None:
        count, slow_at = self.real_count.value(), self.real_slow_at.value()
        self.real_table.setRowCount(0)
        self._real_batch = {"t0": time.perf_counter(), "count": count, "slow_at": slow_at}
        self.real_summary.setText(f"Posted {count} events; Qt delivers them when it gets back…")
        post_qt_events(self._receiver, count, slow_at, self.real_slow.value() / 1000)

    def _real_event_handled(self, number: int, posted: float, started: float, done: float) -> None:
        t0 = self._real_batch.get("t0", posted)
        slow = number == self._real_batch.get("slow_at")
        delay_ms, handler_ms = (started - posted) * 1000, (done - started) * 1000
        row = self.real_table.rowCount()
        self.real_table.insertRow(row)
        cells = [
            str(number),
            f"slow ({handler_ms:.0f} ms)" if slow else "quick",
            f"{(posted - t0) * 1000:.1f}",
            f"{(started - t0) * 1000:.1f}",
            f"{delay_ms:.1f}",
            f"{handler_ms:.1f}",
        ]
        late = delay_ms > 100
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            if slow:
                item.setForeground(SLOW_COLOR)
            if late:
                item.setBackground(LATE_COLOR)
            self.real_table.setItem(row, column, item)
        if row + 1 == self._real_batch.get("count"):
            self._summarize_real()

    def _summarize_real(self) -> None:
        table, slow_at = self.real_table, int(self._real_batch["slow_at"])
        delays = [float(table.item(row, 4).text()) for row in range(table.rowCount())]
        before, behind = delays[:slow_at], delays[slow_at:]
        text = f"Up to the slow one ({len(before)}): delay ≤ <b>{max(before):.1f} ms</b>."
        if behind:
            low, high = f"{min(behind):.0f}", f"{max(behind):.0f}"
            late = low if low == high else f"{low}–{high}"
            text += (
                f" Behind it ({len(behind)}): <b style='color:#b00020'>{late} ms</b> late, "
                "each one, though their own handlers take no time. The HUD saw the freeze."
            )
        self.real_summary.setText(text)

    # --- lifecycle ----------------------------------------------------------------------------
    async def shutdown(self) -> None:
        self.toy.stopping.set()  # first: a turn in progress ends at once
        self._refresh_timer.stop()
        await super().shutdown()

    async def stop_work(self) -> None:
        self._toy_cpu.shutdown(wait=True, cancel_futures=True)

    async def screenshot_demo(self) -> None:
        self.real_slow.setValue(300)
        self.post_real_events()
        while self.real_table.rowCount() < self.real_count.value():
            await asyncio.sleep(0.05)
        self.speed_slider.setValue(1)
        self.post_toy_events("quick", 2)
        self.post_toy_events("slow", 1)
        self.post_toy_events("quick", 1)
        self.post_toy_events("quick", 24)
        while len(self.toy.handled) < 7:
            await asyncio.sleep(0.05)
