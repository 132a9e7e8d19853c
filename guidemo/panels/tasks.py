"""Panel `tasks`: what is the event loop doing right now? Its tasks and what each one
awaits, a trace of the handlers the GUI thread ran, and asyncio's own debug mode."""

from __future__ import annotations

import asyncio
import bisect
import inspect
import logging
import os
import sys
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import make_button
from guidemo.lessons.jobs import slow_sleep

REFRESH_MS = 250  # the table and the timeline, 4 times a second, only while visible
LINGER_S = 3.0  # a finished task stays in the table this long, greyed, with its end state
TRACE_WINDOW_S = 10.0  # the timeline shows this much recent history
TRACE_KEEP_S = 30.0
SLOW_CALLBACK_S = 0.2
LONGEST_KEPT = 3
FRAME_S = 0.016  # one frame at 60 Hz: a handler longer than this can make the window stutter
_Type = QtCore.QEvent.Type
SENT_INSIDE = frozenset(  # event kinds Qt sends only while handling another event
    [_Type.Paint, _Type.Move, _Type.Resize, _Type.Show, _Type.Hide, _Type.ShowToParent,
     _Type.HideToParent, _Type.EnabledChange, _Type.ChildAdded, _Type.ChildRemoved,
     _Type.ChildPolished, _Type.Polish, _Type.FontChange, _Type.PaletteChange,
     _Type.StyleChange, _Type.ActivationChange, _Type.WindowStateChange, _Type.ParentChange,
     _Type.ParentAboutToChange, _Type.ZOrderChange, _Type.DynamicPropertyChange,
     _Type.ToolTipChange, _Type.WindowTitleChange, _Type.ContentsRectChange,
     _Type.LayoutDirectionChange, _Type.ApplicationPaletteChange, _Type.ReadOnlyChange]
)  # fmt: skip
BAR_FAST = QtGui.QColor(40, 100, 210, 70)
BAR_SLOW = QtGui.QColor(230, 140, 20)
BAR_FROZEN = QtGui.QColor(200, 30, 50)


# --- looking at the loop's tasks ------------------------------------------------------------
def task_state(task: asyncio.Task[Any]) -> str:
    """pending, cancelling, cancelled or finished. "running" only for the task doing the
    looking, if any: it runs in the loop's thread, so while it looks, all others wait."""
    if task.done():
        return "cancelled" if task.cancelled() else "finished"
    if task is asyncio.current_task(task.get_loop()):
        return "running (it is the one looking)"
    return "cancelling" if task.cancelling() else "pending"


def awaiting_chain(task: asyncio.Task[Any]) -> list[tuple[str, str]]:
    """Where a suspended task is stopped: each coroutine in the chain of awaits, from the
    task's own down to the innermost, then the future at the bottom that will wake it.

    Returns (name, "file:line") pairs. A coroutine's `cr_await` is what it is awaiting
    right now; following it from coroutine to coroutine is how a debugger finds the spot.
    """
    chain = []
    awaited: Any = task.get_coro()
    if inspect.iscoroutine(awaited) and inspect.getcoroutinestate(awaited) == "CORO_CREATED":
        return [(awaited.cr_code.co_name, ""), ("not started yet", "")]
    while awaited is not None and hasattr(awaited, "cr_code"):
        if inspect.getcoroutinestate(awaited) != inspect.CORO_SUSPENDED:
            # Running (the task doing the looking): it awaits nothing yet. Python 3.11's
            # cr_await of a running coroutine reads a stale stack slot and crashed here.
            chain.append((awaited.cr_code.co_name, "running"))
            break
        code = awaited.cr_code
        chain.append(
            (code.co_name, f"{os.path.basename(code.co_filename)}:{awaited.cr_frame.f_lineno}")
        )
        awaited = awaited.cr_await
    # At the bottom a Future: its result is what the task waits for. asyncio keeps it in
    # the task's `_fut_waiter` (not public API, read only to show it here).
    waiter = getattr(task, "_fut_waiter", None)
    if isinstance(waiter, asyncio.Task):
        chain.append((f"task {waiter.get_name()!r}", ""))
    elif waiter is not None:
        chain.append((type(waiter).__name__, ""))
    return chain


async def example_sleeper() -> None:
    """Wakes up once a second, does nothing, sleeps again."""
    while True:
        await asyncio.sleep(1.0)


async def example_waiter(event: asyncio.Event) -> None:
    """Waits for an event that nobody sets: suspended until cancelled."""
    await event.wait()


async def example_reader(queue: asyncio.Queue[int]) -> None:
    """Takes items off a queue as they come (none ever do)."""
    while True:
        await queue.get()


# --- tracing what the GUI thread runs ----------------------------------------------------------
@dataclass(frozen=True)
class TraceBar:
    start: float  # time.perf_counter()
    duration: float  # seconds
    label: str
    lane: int  # 0: Qt event handlers, 1: slow asyncio callbacks (debug mode)


class HandlerTracer(QtCore.QObject):
    """Times what the GUI thread does, one bar per event it handles: clicks, timers,
    repaints, sockets (with guidemo's loop a whole asyncio turn is one Timer event).

    An event filter on the QApplication is called just before each event goes to its
    handler: that is where a bar starts. Qt says nothing when a handler returns, so a bar
    ends when the thread starts on the next event at the same level, or when Qt goes back
    to waiting (the dispatcher's `aboutToBlock`). An event sent from *inside* a Python
    handler (a setEnabled() in a click handler, say) is part of that handler's bar: it is
    recognised by the deeper Python stack below the filter. Qt's own C++ handlers leave no
    Python frames, so the kinds of event that Qt sends from inside another handler
    (paints, moves, resizes, show/hide, child and state changes) count as part of the bar
    they happen in, too; so does a repaint of the window, and the bar says "+ repaint".
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.bars: deque[TraceBar] = deque()
        self.longest: list[TraceBar] = []
        self.active = False
        self._open: list[Any] | None = None  # start, depth, event type, target, repainted
        # Which Qt objects run asyncio turns (guidemo's loop); none for other loops.
        self._turn_objects = tuple(
            turn
            for turn in (getattr(loop, "_timer", None), getattr(loop, "_notifier", None))
            if turn is not None
        )

    def start(self) -> None:
        if not self.active:
            self.active = True
            QtCore.QCoreApplication.instance().installEventFilter(self)
            QtCore.QAbstractEventDispatcher.instance().aboutToBlock.connect(self._idle)

    def stop(self) -> None:
        if self.active:
            self.active = False
            QtCore.QCoreApplication.instance().removeEventFilter(self)
            QtCore.QAbstractEventDispatcher.instance().aboutToBlock.disconnect(self._idle)
            self._close(time.perf_counter())

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        now = time.perf_counter()
        depth, frame = 0, sys._getframe(1)
        while frame is not None:  # how many Python frames are running below this event
            depth, frame = depth + 1, frame.f_back
        kind = event.type()
        if self._open is not None:
            if kind == _Type.UpdateRequest:
                self._open[4] = True
            if depth > self._open[1] or kind in SENT_INSIDE or kind == _Type.UpdateRequest:
                return False  # sent from inside the open handler: part of its bar
        self._close(now)
        if any(watched is turn for turn in self._turn_objects):
            target = "asyncio turn"
        else:
            name = watched.objectName()
            target = f"{type(watched).__name__} {name!r}" if name else type(watched).__name__
        self._open = [now, depth, kind, target, False]
        return False  # only watching: the event goes on to its handler

    def _idle(self) -> None:
        self._close(time.perf_counter())

    def _close(self, now: float) -> None:
        if self._open is None:
            return
        start, _depth, kind, target, repainted = self._open
        self._open = None
        try:
            kind_name = kind.name
        except (AttributeError, ValueError):  # a custom event type without a name
            kind_name = f"event {int(kind)}"
        label = f"{kind_name} → {target}" + (" + repaint" if repainted else "")
        self.add(TraceBar(start, now - start, label, 0))

    def add(self, bar: TraceBar) -> None:
        self.bars.append(bar)
        while self.bars and self.bars[0].start < bar.start - TRACE_KEEP_S:
            self.bars.popleft()
        if len(self.longest) < LONGEST_KEPT or bar.duration > self.longest[-1].duration:
            self.longest = sorted([*self.longest, bar], key=lambda b: -b.duration)[:LONGEST_KEPT]


class TraceTimeline(QtWidgets.QWidget):
    """The last TRACE_WINDOW_S seconds: one bar per handler, as wide as it took."""

    LANES = (
        "Qt event handlers, asyncio turns included (full height = 16 ms or more)",
        "slow asyncio callbacks (debug mode)",
    )

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("traceTimeline")
        self.setToolTip(
            "Each bar is one handler the GUI thread ran; its width is how long it took (and "
            "its height, up to one 16 ms frame). Hover a bar for its name"
        )
        self.setMinimumHeight(120)
        self.setMouseTracking(True)
        self.bars: list[TraceBar] = []
        self.now = time.perf_counter()

    def show_bars(self, bars: list[TraceBar], now: float) -> None:
        self.bars, self.now = bars, now
        self.update()

    def _geometry(self) -> tuple[float, float, list[tuple[int, int]]]:
        left, width = 4.0, max(1.0, self.width() - 8.0)
        lane_h = (self.height() - 22) // 2
        lanes = [(2 + lane * lane_h + 14, lane_h - 18) for lane in range(2)]
        return left, width / TRACE_WINDOW_S, lanes

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        with QtGui.QPainter(self) as painter:  # ended even if drawing fails
            self._paint(painter)

    def _paint(self, painter: QtGui.QPainter) -> None:
        painter.fillRect(self.rect(), self.palette().base())
        left, per_s, lanes = self._geometry()
        origin = self.now - TRACE_WINDOW_S
        small = QtGui.QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        for lane, (top, height) in enumerate(lanes):
            painter.setPen(QtGui.QColor("#666"))
            painter.drawText(QtCore.QPointF(left, top - 3), self.LANES[lane])
            lane_rect = QtCore.QRectF(left, top, per_s * TRACE_WINDOW_S, height)
            painter.fillRect(lane_rect, QtGui.QColor(0, 0, 0, 12))
        for bar in self.bars:
            top, height = lanes[bar.lane]
            x = left + (bar.start - origin) * per_s
            w = max(1.0, bar.duration * per_s)
            if x + w < left:
                continue
            color = BAR_FAST  # see-through: where many short ones crowd, the comb darkens
            if bar.duration >= FRAME_S:  # longer than a frame: the window can stutter
                color = BAR_SLOW if bar.duration < 0.1 else BAR_FROZEN
            # Height too: a frame's worth (16 ms) or more is full height, so short handlers
            # are the teeth of a comb and a blocked loop is a wall.
            tall = height * min(1.0, max(0.15, bar.duration / FRAME_S))
            painter.fillRect(QtCore.QRectF(x, top + height - tall, w, tall), color)
            if w > 80:
                painter.setPen(QtGui.QColor("white"))
                text = f"{bar.duration * 1000:.0f} ms  {bar.label}"
                elided = painter.fontMetrics().elidedText(
                    text, QtCore.Qt.TextElideMode.ElideRight, int(w - 6)
                )
                flags = QtCore.Qt.AlignmentFlag.AlignVCenter
                painter.drawText(QtCore.QRectF(x + 3, top, w - 6, height), flags, elided)
        painter.setPen(QtGui.QColor("#666"))
        bottom = self.height() - 4
        for second in range(0, int(TRACE_WINDOW_S) + 1, 2):
            x = left + second * per_s
            painter.drawLine(QtCore.QPointF(x, bottom - 12), QtCore.QPointF(x, bottom - 8))
            text = f"-{TRACE_WINDOW_S - second:g} s" if second < TRACE_WINDOW_S else "now"
            width = painter.fontMetrics().horizontalAdvance(text)
            x = min(max(0.0, x - width / 2), self.width() - width - 1.0)
            painter.drawText(QtCore.QPointF(x, bottom + 1), text)

    def bar_at(self, point: QtCore.QPointF) -> TraceBar | None:
        left, per_s, lanes = self._geometry()
        origin = self.now - TRACE_WINDOW_S
        for bar in reversed(self.bars):
            top, height = lanes[bar.lane]
            x = left + (bar.start - origin) * per_s
            if top <= point.y() <= top + height and x - 2 <= point.x() <= x + max(
                2.0, bar.duration * per_s
            ):
                return bar
        return None

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        bar = self.bar_at(event.position())
        if bar is not None:
            QtWidgets.QToolTip.showText(
                event.globalPosition().toPoint(), f"{bar.duration * 1000:.1f} ms: {bar.label}", self
            )
        else:
            QtWidgets.QToolTip.hideText()


# --- asyncio's debug mode, shown in the panel --------------------------------------------------
class LogRecords(QtCore.QObject):
    record = QtCore.Signal(object)  # a logging.LogRecord, delivered in the GUI thread


class PanelLogHandler(logging.Handler):
    """Hands log records to the GUI thread through a Qt signal (safe from any thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.bridge = LogRecords()

    def emit(self, record: logging.LogRecord) -> None:
        self.bridge.record.emit(record)


def capture_debug_warnings(
    loop: asyncio.AbstractEventLoop, threshold_s: float, handler: logging.Handler
) -> Callable[[], None]:
    """Turn on asyncio's debug mode and send its warnings to `handler`, not to stderr.

    In debug mode the loop times every callback it runs and logs "Executing <Handle ...>
    took 0.2 seconds" for each one slower than `slow_callback_duration`. Returns a
    function that puts everything back as it was.
    """
    loggers = [logging.getLogger("asyncio"), logging.getLogger("qasync")]
    saved = (loop.get_debug(), loop.slow_callback_duration)
    saved_loggers = [(logger, logger.propagate, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False  # ours only: nothing reaches the root logger's stderr
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)
    loop.slow_callback_duration = threshold_s
    loop.set_debug(True)

    def restore() -> None:
        loop.set_debug(saved[0])
        loop.slow_callback_duration = saved[1]
        for logger, propagate, level in saved_loggers:
            logger.removeHandler(handler)
            logger.propagate = propagate
            logger.setLevel(level)

    return restore


def schedule_slow_callback(loop: asyncio.AbstractEventLoop, seconds: float) -> asyncio.Handle:
    """A plain callback that blocks the loop for `seconds`: what debug mode is there to catch."""
    return loop.call_soon(slow_sleep, seconds)


# --- the panel --------------------------------------------------------------------------------
class TasksPanel(Panel):
    slug = "tasks"
    title = "Tasks, trace and debug mode"
    sources = (
        task_state,
        awaiting_chain,
        HandlerTracer,
        capture_debug_warnings,
        schedule_slow_callback,
        example_sleeper,
        example_waiter,
        example_reader,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.loop = asyncio.get_running_loop()
        self._rows: list[asyncio.Task[Any]] = []
        self._first_seen: weakref.WeakKeyDictionary[asyncio.Task[Any], tuple[float, bool]] = (
            weakref.WeakKeyDictionary()
        )
        self._ended: weakref.WeakKeyDictionary[asyncio.Task[Any], float] = (
            weakref.WeakKeyDictionary()
        )
        self._fresh_look = True  # the first look after being shown: ages are "at least"
        self._count_text = ""
        self._note = ""
        self._restore_debug: Callable[[], None] | None = None
        self._example_event = asyncio.Event()
        self._example_queue: asyncio.Queue[int] = asyncio.Queue()
        self.tracer = HandlerTracer(self.loop)
        self.slow_bars: deque[TraceBar] = deque(maxlen=200)
        self.log_handler = PanelLogHandler()
        self.set_controls(self.build_controls())
        self.log_handler.bridge.record.connect(self._on_log_record)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def build_controls(self) -> QtWidgets.QWidget:

        self.demo_button = make_button(
            "Start 3 example tasks",
            "demoTasksButton",
            "Starts a sleeper, an Event waiter and a Queue reader, to look at and cancel",
            self.start_examples,
        )
        self.cancel_button = make_button(
            "Cancel selected task",
            "cancelTaskButton",
            "Calls task.cancel() on the selected task(s): CancelledError is raised inside "
            "it at its next await",
            self.cancel_selected,
        )
        self.summary_label = QtWidgets.QLabel(objectName="tasksSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setToolTip("How many tasks the loop has, and what the last action did")
        self.table = QtWidgets.QTableWidget(0, 4, objectName="tasksTable")
        self.table.setHorizontalHeaderLabels(["task", "state", "age s", "awaiting (outer → inner)"])
        self.table.setToolTip(
            "asyncio.all_tasks(), refreshed 4 times a second while this panel is visible. "
            "Select a row and press Cancel. Age counts from when this panel first saw the "
            "task (≥: it already existed then)"
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 230)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)

        self.trace_check = QtWidgets.QCheckBox("Trace the GUI thread", objectName="traceCheck")
        self.trace_check.setToolTip(
            "Install an event filter on the application that times every event handler "
            "(off again when unchecked)"
        )
        self.trace_check.toggled.connect(self.set_tracing)
        self.trace_label = QtWidgets.QLabel("Tracing is off.", objectName="traceSummaryLabel")
        self.trace_label.setWordWrap(True)
        self.trace_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.trace_label.setToolTip("Handlers traced in the last 10 s, and the longest ones")
        self.timeline = TraceTimeline()

        self.debug_check = QtWidgets.QCheckBox("asyncio debug mode", objectName="debugModeCheck")
        self.debug_check.setToolTip(
            "loop.set_debug(True): the loop times each callback and warns about slow ones; "
            "the warnings appear below instead of on stderr"
        )
        self.debug_check.toggled.connect(self.set_debug_mode)
        self.threshold_spin = QtWidgets.QSpinBox(objectName="slowThresholdSpin")
        self.threshold_spin.setRange(10, 2000)
        self.threshold_spin.setSingleStep(10)
        self.threshold_spin.setValue(50)
        self.threshold_spin.setSuffix(" ms")
        self.threshold_spin.setToolTip("loop.slow_callback_duration: warn about callbacks slower")
        self.threshold_spin.valueChanged.connect(self._threshold_changed)
        self.slow_button = make_button(
            f"Run a {SLOW_CALLBACK_S:g} s callback",
            "slowCallbackButton",
            f"loop.call_soon() a callback that blocks for {SLOW_CALLBACK_S:g} s",
            self.run_slow_callback,
        )
        self.slow_log = QtWidgets.QPlainTextEdit(objectName="slowCallbackLog")
        self.slow_log.setReadOnly(True)
        self.slow_log.setMaximumBlockCount(200)
        self.slow_log.setPlaceholderText(
            "Turn on debug mode: asyncio's warnings about slow callbacks appear here"
        )
        self.slow_log.setToolTip("What the asyncio logger said while debug mode was on")

        tasks_row = QtWidgets.QHBoxLayout()
        tasks_row.addWidget(self.demo_button)
        tasks_row.addWidget(self.cancel_button)
        tasks_row.addWidget(self.summary_label, 1)
        trace_row = QtWidgets.QHBoxLayout()
        trace_row.addWidget(self.trace_check)
        trace_row.addWidget(self.trace_label, 1)
        debug_row = QtWidgets.QHBoxLayout()
        debug_row.addWidget(self.debug_check)
        debug_row.addWidget(QtWidgets.QLabel("warn above"))
        debug_row.addWidget(self.threshold_spin)
        debug_row.addWidget(self.slow_button)
        debug_row.addStretch(1)

        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(tasks_row)
        layout.addWidget(self.table, 3)
        layout.addLayout(trace_row)
        layout.addWidget(self.timeline, 2)
        layout.addLayout(debug_row)
        layout.addWidget(self.slow_log, 1)
        return controls

    # --- the task table -----------------------------------------------------------------------
    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._fresh_look = True
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()  # nobody looks: no need to spend CPU on it
        for row in reversed(range(len(self._rows))):  # and keep no finished task alive
            if self._rows[row].done():
                del self._rows[row]
                self.table.removeRow(row)

    def refresh(self) -> None:
        """Bring the table up to date with asyncio.all_tasks(), keeping rows (and the
        selection) in place; finished tasks stay a moment, greyed, then go."""
        now = time.perf_counter()
        live = asyncio.all_tasks(self.loop)
        for task in live:
            if task not in self._first_seen:
                self._first_seen[task] = (now, self._fresh_look)
        self._fresh_look = False
        for row in reversed(range(len(self._rows))):
            task = self._rows[row]
            if task.done():
                ended = self._ended.setdefault(task, now)
                if now - ended > LINGER_S:
                    del self._rows[row]
                    self.table.removeRow(row)
        known = set(self._rows)
        for task in sorted(live - known, key=lambda t: t.get_name()):
            self._rows.append(task)
            self.table.insertRow(self.table.rowCount())
        for row, task in enumerate(self._rows):
            self._show_row(row, task, now)
        panel_tasks = sum(": " in task.get_name() for task in live)
        self._count_text = f"<b>{len(live)}</b> tasks in the loop, {panel_tasks} started by panels"
        self._set_summary(self._note)
        self._redraw_trace(now)

    def _show_row(self, row: int, task: asyncio.Task[Any], now: float) -> None:
        first_seen, uncertain = self._first_seen.get(task, (now, True))
        age = self._ended.get(task, now) - first_seen
        state = task_state(task)
        chain = awaiting_chain(task) if not task.done() else []
        texts = [
            task.get_name(),
            state,
            f"{'≥ ' if uncertain else ''}{age:.1f}",
            " → ".join(name for name, _ in chain) or "—",
        ]
        tip = "\n".join(f"{name}  {where}" for name, where in chain)
        grey = QtGui.QColor("#999") if task.done() else None
        for column, text in enumerate(texts):
            item = self.table.item(row, column)
            if item is None:
                item = QtWidgets.QTableWidgetItem()
                self.table.setItem(row, column, item)
            if item.text() != text:
                item.setText(text)
            if column == 3 and item.toolTip() != tip:
                item.setToolTip(tip)
            if grey is not None:
                item.setForeground(grey)

    def selected_tasks(self) -> list[asyncio.Task[Any]]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return [self._rows[row] for row in sorted(rows) if row < len(self._rows)]

    def cancel_selected(self) -> None:
        tasks = [task for task in self.selected_tasks() if not task.done()]
        if not tasks:
            self._set_summary("Select a task that is still pending first.")
            return
        for task in tasks:
            task.cancel("cancelled from the tasks panel")
        names = ", ".join(repr(task.get_name()) for task in tasks)
        self._set_summary(
            f"cancel() called on {names}: CancelledError is raised inside it at its await."
        )
        self.refresh()

    def start_examples(self) -> None:
        self.spawn(example_sleeper(), "example sleeper")
        self.spawn(example_waiter(self._example_event), "example Event waiter")
        self.spawn(example_reader(self._example_queue), "example Queue reader")
        self.refresh()

    def _set_summary(self, note: str) -> None:
        """The task count, then what the last action did."""
        self._note = note
        self.summary_label.setText(" · ".join(p for p in (self._count_text, note) if p))

    # --- the trace ----------------------------------------------------------------------------
    def set_tracing(self, on: bool) -> None:
        if on:
            self.tracer.start()
            self.trace_label.setText("Tracing: every event the GUI thread handles is timed.")
        else:
            self.tracer.stop()
            self._redraw_trace(time.perf_counter())

    def _redraw_trace(self, now: float) -> None:
        since = now - TRACE_WINDOW_S
        bars = self.tracer.bars
        first = bisect.bisect_left(bars, since, key=lambda bar: bar.start + bar.duration)
        recent = [bars[i] for i in range(first, len(bars))]
        slow = [bar for bar in self.slow_bars if bar.start + bar.duration >= since]
        self.timeline.show_bars(recent + slow, now)
        if not self.tracer.active and not self.tracer.bars:
            return
        busy = sum(bar.duration for bar in recent)
        longest = "; ".join(
            f"<b>{bar.duration * 1000:.0f} ms</b> {bar.label}" for bar in self.tracer.longest
        )
        state = "Tracing" if self.tracer.active else "Tracing is off; it saw"
        self.trace_label.setText(
            f"{state}: {len(recent)} handlers in the last {TRACE_WINDOW_S:g} s, "
            f"busy {busy / TRACE_WINDOW_S:.0%}. Longest: {longest or '—'}"
        )

    # --- debug mode ---------------------------------------------------------------------------
    def set_debug_mode(self, on: bool) -> None:
        if on and self._restore_debug is None:
            threshold = self.threshold_spin.value() / 1000
            self._restore_debug = capture_debug_warnings(self.loop, threshold, self.log_handler)
            self._log_line(f"debug mode on: callbacks slower than {threshold * 1000:.0f} ms warn")
        elif not on and self._restore_debug is not None:
            self._restore_debug()
            self._restore_debug = None
            self._log_line("debug mode off")

    def _threshold_changed(self, value_ms: int) -> None:
        if self._restore_debug is not None:
            self.loop.slow_callback_duration = value_ms / 1000

    def run_slow_callback(self) -> None:
        schedule_slow_callback(self.loop, SLOW_CALLBACK_S)

    def _on_log_record(self, record: logging.LogRecord) -> None:
        self._log_line(record.getMessage(), record.created)
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg == "Executing %s took %.3f seconds" and len(args) == 2:
            took = float(args[1])
            ended = time.perf_counter() - (time.time() - record.created)
            self.slow_bars.append(TraceBar(ended - took, took, str(args[0]), 1))
            self._redraw_trace(time.perf_counter())

    def _log_line(self, text: str, when: float | None = None) -> None:
        clock = time.strftime("%H:%M:%S", time.localtime(when))
        self.slow_log.appendPlainText(f"{clock}  {text}")

    # --- lifecycle ----------------------------------------------------------------------------
    async def stop_work(self) -> None:
        self._timer.stop()
        self.tracer.stop()
        if self._restore_debug is not None:
            self._restore_debug()
            self._restore_debug = None

    async def screenshot_demo(self) -> None:
        self.start_examples()
        self.trace_check.setChecked(True)
        self.debug_check.setChecked(True)
        await asyncio.sleep(1.0)
        self.run_slow_callback()
        await asyncio.sleep(1.5)
