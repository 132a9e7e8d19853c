"""The toy loop's section: buttons that post events, its queue, the event it runs now, its
log, and the line of `run_one` it is on, marked in the source view."""

from __future__ import annotations

import asyncio
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.toy_loop import (
    QUICK_HANDLER_S,
    SLOW_HANDLER_S,
    TOY_LINE_MARKERS,
    ToyEvent,
    ToyEventLoop,
    drive_toy_loop,
    quick_handler,
    slow_handler,
)
from guidemo.panels.section import Host, Section
from guidemo.widgets import kit, palette
from guidemo.widgets.kit import make_button, named
from guidemo.widgets.source_marks import LineMarker, source_line

BURST_SIZE = 50
BEHIND_SLOW = 3  # quick events posted right behind a slow one: the queue that waits
REFRESH_MS = 100  # redraw the toy at most 10 times a second: drawing is work for the loop too
MAX_LOG_ROWS = 500  # the view keeps the latest events (the summary counts them all)
PAUSES_PER_TURN = 3  # slow motion stops before pop, call and log
IDLE_SUMMARY = "Post events: each one handled is a row."


def fifo_gone(shown: list[int], now: list[int]) -> int:
    """How many items left the top of a FIFO that showed `shown` and now holds `now`.

    A FIFO only loses items on top and gains them at the end; anything else (cleared)
    counts as all of `shown` gone, so the view draws it anew.
    """
    gone = shown.index(now[0]) if now and now[0] in shown else len(shown)
    if shown[gone : gone + len(now)] != now[: len(shown) - gone]:
        gone = len(shown)
    return gone


RUN_TEXTS = ("Pause the toy", "Run the toy")  # the run button while running, paused


class ToySection(Section):
    """Drives a `ToyEventLoop` on its own thread and draws it, ten times a second at most."""

    title = "A toy event loop: pop an event, call its handler, repeat"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.toy = ToyEventLoop()
        self._cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toy-loop")
        self._go: asyncio.Event | None = None  # created with the driver, once the loop runs
        self._driver: asyncio.Task[Any] | None = None
        self._next_number = 1
        self._shown_queue: list[int] = []
        self._last_handled = 0  # the number of the newest event in the log
        self._handled_count = 0  # events handled since the last Clear
        self._longest_wait: ToyEvent | None = None
        self._shown_line = ""
        self._marker = LineMarker(host.source_view)
        quick = make_button(
            "Post a quick event", "quickEventButton", "Queue one event whose handler takes 20 ms"
        )
        slow = make_button(
            "Post a slow event",
            "slowEventButton",
            "Queue one event whose handler takes a whole second: watch the events behind it",
            role="danger",
        )
        slow_queue = make_button(
            f"Slow, then {BEHIND_SLOW} quick",
            "slowQueueButton",
            f"Queue a slow event and {BEHIND_SLOW} quick ones behind it: they wait for it",
            role="danger",
        )
        burst = make_button(
            f"Post a burst of {BURST_SIZE}",
            "burstButton",
            f"Queue {BURST_SIZE} quick events at once",
        )
        self.run_button = make_button(
            RUN_TEXTS[0], "toyRunButton", "Pause or resume the toy loop: paused, events pile up"
        )
        self.run_button.setCheckable(True)
        self.run_button.setChecked(True)
        # As wide as its wider text: the buttons beside it never move while it runs.
        widths = [self.run_button.fontMetrics().horizontalAdvance(t) for t in RUN_TEXTS]
        self.run_button.setMinimumWidth(max(widths) + 24)
        clear = make_button(
            "Clear", "clearToyButton", "Drop the events still queued and clear the log"
        )
        quick.clicked.connect(lambda: self.post("quick", 1))
        slow.clicked.connect(lambda: self.post("slow", 1))
        slow_queue.clicked.connect(self.post_slow_queue)
        burst.clicked.connect(lambda: self.post("quick", BURST_SIZE))
        self.run_button.toggled.connect(self._toggle)
        clear.clicked.connect(self._clear)

        self.speed_slider = named(
            QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal),
            "speedSlider",
            "Slow motion: how long the toy stops before each line of run_one (0 = full speed)",
        )
        self.speed_slider.setRange(0, 20)  # x 50 ms
        self.speed_slider.setValue(2)
        self.speed_slider.valueChanged.connect(self._set_speed)
        self.speed_label = named(QtWidgets.QLabel(), "speedLabel", "The slow-motion pause per line")
        self.speed_label.setMinimumWidth(150)

        self.queue_list = named(
            QtWidgets.QListWidget(),
            "queueList",
            "The toy's queue of pending events, next one on top",
        )
        self.current_label = kit.label(
            "", "currentLabel", "The event whose handler the toy loop is running now", rich=True
        )
        self.current_label.setWordWrap(False)
        self.current_label.setMinimumHeight(28)
        self.current_label.setSizePolicy(  # its changing text never widens the panel
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self.handled_table = kit.table(
            "handledTable",
            ["event", "waited in queue ms", "of it: slow motion ms", "handler ms"],
            "Handled events in the order the toy handled them: how long each waited, how much "
            "of that wait was slow-motion pauses, and how long its handler took",
        )
        self.handled_table.verticalHeader().setDefaultSectionSize(22)
        kit.keep_rows(self.handled_table, 5)
        self.handled_table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch  # the columns share the width
        )
        self.toy_summary = kit.label(
            IDLE_SUMMARY, "toySummaryLabel", "How long the handled events waited, and why"
        )

        self.queue_title = QtWidgets.QLabel("<b>Queue</b> (next on top)")
        self.speed_slider.setMinimumWidth(160)
        split = kit.hsplit(
            kit.column(self.queue_title, self.queue_list, top=0),
            kit.column(self.current_label, (self.handled_table, 1), self.toy_summary, top=0),
            sizes=(160, 480),
        )
        self.lay_out(
            kit.flow(quick, slow, slow_queue, burst, self.run_button, clear),
            kit.flow(("Slow motion:", self.speed_slider), self.speed_label),
            (split, 1),
        )
        self._draw_labels()
        self._refresh_timer = QtCore.QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._set_speed(self.speed_slider.value())

    # --- running the toy ----------------------------------------------------------------------
    def post(self, kind: str, count: int) -> None:
        """Post `count` events of `kind` into the toy's queue and make sure it turns."""
        handler = slow_handler if kind == "slow" else quick_handler
        for _ in range(count):
            self.toy.post(ToyEvent(self._next_number, kind, handler))
            self._next_number += 1
        self._ensure_driver()
        if self.run_button.isChecked() and self._go is not None:
            self._go.set()
        self._refresh_timer.start()
        self.refresh()

    def post_slow_queue(self) -> None:
        """A slow event with quick ones queued behind it: what a slow handler does to them."""
        self.post("slow", 1)
        self.post("quick", BEHIND_SLOW)

    def busy(self) -> bool:
        """Events still queued or being handled."""
        return bool(self.toy.queue) or self.toy.current is not None

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
        self._driver = self.host.spawn(drive_toy_loop(self.toy, self._cpu, self._go), "toy loop")

    def _toggle(self, running: bool) -> None:
        self.run_button.setText(RUN_TEXTS[0] if running else RUN_TEXTS[1])
        if self._go is not None:
            if running and self.toy.queue:
                self._go.set()
            elif not running:
                self._go.clear()  # the turn in progress finishes, then the driver waits
        self._refresh_timer.start()
        self.refresh()

    def _clear(self) -> None:
        # The toy's own thread empties its queue, between two turns: only that thread
        # ever takes events out, so a turn never finds its event gone.
        self._cpu.submit(self.toy.queue.clear)
        self._refresh_timer.start()
        self.toy.handled.clear()
        self.handled_table.setRowCount(0)
        self._handled_count, self._longest_wait = 0, None
        self.toy_summary.setText(IDLE_SUMMARY)
        self.refresh()

    def _set_speed(self, value: int) -> None:
        self.toy.slow_motion_s = value * 0.05
        per_turn = PAUSES_PER_TURN * value * 50
        self.speed_label.setText(
            f"{value * 50} ms pause per line: +{per_turn} ms a turn, for every event still queued"
            if value
            else "full speed (no pauses)"
        )

    def halt(self) -> None:
        """End the turn in progress at once and stop drawing (the panel is shutting down)."""
        self.toy.stopping.set()
        self._refresh_timer.stop()

    async def stop(self) -> None:
        """Wait for the toy's thread (its turn ends at once after `halt()`)."""
        self._cpu.shutdown(wait=True, cancel_futures=True)

    # --- drawing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Draw the toy's state: queue, current event, new log rows, highlighted line."""
        toy = self.toy
        self._ensure_driver()
        queue = list(toy.queue)  # one C-level copy: safe while the toy thread pops
        numbers = [event.number for event in queue]
        if numbers != self._shown_queue:
            self._draw_queue(queue, numbers)
        handled = [event for event in list(toy.handled) if event.number > self._last_handled]
        for event in handled:
            self._add_handled_row(event)
        if handled:
            self._last_handled = handled[-1].number
            self.handled_table.scrollToBottom()
            self._summarize(handled)
        self._draw_labels()
        if toy.line != self._shown_line:
            self._shown_line = toy.line
            self.highlight_line(toy.line)
        if not queue and toy.current is None and toy.line == "wait":
            self._refresh_timer.stop()

    def _draw_queue(self, queue: list[ToyEvent], numbers: list[int]) -> None:
        """Update the queue list in place: take the events gone off the top, add the new."""
        shown, view = self._shown_queue, self.queue_list
        gone = fifo_gone(shown, numbers)
        for _ in range(gone):
            view.takeItem(0)
        for event in queue[len(shown) - gone :]:
            item = QtWidgets.QListWidgetItem(event.name)
            if event.kind == "slow":
                item.setForeground(QtGui.QColor(palette.BAD))
            view.addItem(item)
        self._shown_queue = numbers
        self.queue_title.setText(f"<b>Queue</b>: {len(queue)} waiting (next on top)")

    def highlight_line(self, line: str) -> None:
        """Mark the line the toy is on (its file line number, found by inspect) in the source,
        and follow a running toy (not an idle one) if that line is out of view."""
        self._marker.mark(source_line(*TOY_LINE_MARKERS[line]), follow=line != "wait")

    def _draw_labels(self) -> None:
        current = self.toy.current
        if current is not None and not math.isnan(current.started_at):
            busy = time.perf_counter() - current.started_at
            color = palette.BAD if current.kind == "slow" else palette.GOOD
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
        cells = [
            event.name,
            f"{event.waited_ms:.0f}",
            f"{event.slow_motion_ms:.0f}",
            f"{event.handler_ms:.0f}",
        ]
        late = event.waited_ms > 0.8 * SLOW_HANDLER_S * 1000
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            if event.kind == "slow":
                item.setForeground(QtGui.QColor(palette.BAD))
            if late:
                item.setBackground(QtGui.QColor(palette.LATE_BACKGROUND))
            if column:
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            table.setItem(row, column, item)
        if table.rowCount() > MAX_LOG_ROWS:
            table.removeRow(0)

    def _summarize(self, new: list[ToyEvent]) -> None:
        """Count the `new` rows in, and say what the longest wait was made of."""
        self._handled_count += len(new)
        worst = max([*new, *filter(None, [self._longest_wait])], key=lambda e: e.waited_ms)
        self._longest_wait = worst
        text = (
            f"{self._handled_count} handled. Longest wait: {worst.name}, "
            f"{worst.waited_ms:.0f} ms in the queue"
        )
        if worst.slow_motion_ms >= 1:
            text += (
                f", {worst.slow_motion_ms:.0f} ms of it slow-motion pauses (at full speed "
                f"about {worst.waited_ms - worst.slow_motion_ms:.0f} ms)"
            )
        self.toy_summary.setText(
            f"{text}. Handler times: quick ~{QUICK_HANDLER_S * 1000:.0f} ms, "
            f"slow ~{SLOW_HANDLER_S * 1000:.0f} ms."
        )
