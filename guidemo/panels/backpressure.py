"""Panel `backpressure`: a fast producer, a slow consumer, and the queue between them.

The code the buttons run is the lesson `guidemo.lessons.backpressure`. The producer and
consumer keep a `QueueMeter` up to date; while a run goes the panel reads it every
SAMPLE_MS and draws the queue's length and the memory its items hold, one line per way
(x: seconds since that way's run started), so the four ways can be compared side by side.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from guidemo.lessons.backpressure import (
    CONSUME_S,
    ITEM_BYTES,
    MAX_ITEMS,
    PRODUCE_EVERY_S,
    RUN_S,
    QueueMeter,
    consume,
    consume_in_thread,
    make_item,
    produce,
    produce_in_thread,
    run_async_queue,
    run_thread_queue,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets import palette, themes
from guidemo.widgets.kit import (
    FitLabel,
    column,
    flow,
    keep_rows,
    label,
    make_button,
    named,
    set_row,
    spin,
    table,
    vsplit,
)

SAMPLE_MS = 50  # the plots get a point this often while a run goes
MB = 1_000_000
KEEP_ROWS = 20


@dataclass(frozen=True)
class Way:
    button: str  # objectName
    text: str  # on the button; N is the spin's value
    tip: str
    threads: bool
    bounded: bool
    color: tuple[int, int, int]


WAYS: dict[str, Way] = {
    "async unbounded": Way(
        "unboundedQueueButton",
        "asyncio.Queue()",
        "Producer and consumer tasks through an asyncio.Queue with no maxsize: put() never "
        "waits, so the queue grows (the run stops at its time or item limit)",
        threads=False,
        bounded=False,
        color=palette.VERMILLION,
    ),
    "async bounded": Way(
        "boundedQueueButton",
        "asyncio.Queue(maxsize=N)",
        "The same through asyncio.Queue(maxsize=N): a full queue makes await put() wait, "
        "so the producer goes at the consumer's pace",
        threads=False,
        bounded=True,
        color=palette.BLUISH_GREEN,
    ),
    "threads unbounded": Way(
        "unboundedThreadQueueButton",
        "queue.Queue() + threads",
        "The same with two threads and a queue.Queue with no maxsize",
        threads=True,
        bounded=False,
        color=palette.ORANGE,
    ),
    "threads bounded": Way(
        "boundedThreadQueueButton",
        "queue.Queue(maxsize=N) + threads",
        "Two threads through queue.Queue(maxsize=N): put() blocks the producer's thread "
        "while the queue is full",
        threads=True,
        bounded=True,
        color=palette.SKY_BLUE,
    ),
}
COLUMNS = ["way", "made", "taken", "peak length", "peak MB", "put() waited s", "run s"]


@dataclass
class QueueRun:
    """One run as the panel sees it: the meter the lesson fills, and the points drawn."""

    way: str
    maxsize: int
    run_s: float = RUN_S
    meter: QueueMeter = field(default_factory=QueueMeter)
    started: float = field(default_factory=time.perf_counter)
    ended: float | None = None
    stopped: bool = False  # by the Stop button, not by the limits
    times: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    megabytes: list[float] = field(default_factory=list)

    @property
    def name(self) -> str:
        base = "asyncio.Queue" if not WAYS[self.way].threads else "queue.Queue"
        return f"{base}(maxsize={self.maxsize})" if self.maxsize else f"{base}()"

    @property
    def short_name(self) -> str:
        """For the table: "tasks, maxsize=10", "threads, unbounded"."""
        bound = f"maxsize={self.maxsize}" if self.maxsize else "unbounded"
        return f"{'threads' if WAYS[self.way].threads else 'tasks'}, {bound}"

    @property
    def wall(self) -> float:
        return (self.ended or time.perf_counter()) - self.started

    def sample(self) -> None:
        meter = self.meter
        self.times.append(time.perf_counter() - self.started)
        self.lengths.append(meter.length)
        self.megabytes.append(meter.held_bytes / MB)


def summary(run: QueueRun) -> str:
    """What a finished run showed, in one sentence the tour can quote."""
    meter = run.meter
    peak = f"peak {meter.peak_length:,} items, {meter.peak_bytes / MB:.1f} MB held"
    made = f"the producer made {meter.made:,} items in {run.wall:.1f} s"
    if meter.put_waited_s >= 0.05:
        pace = f"and waited {meter.put_waited_s:.1f} s of it in put() (the consumer's pace)"
    else:
        pace = "and put() never kept it waiting"
    if run.stopped:
        end = "stopped by hand"
    elif meter.made >= MAX_ITEMS:
        end = f"stopped at the {MAX_ITEMS:,}-item limit"
    else:
        end = f"stopped at the {run.run_s:g} s limit"
    if not run.maxsize and not run.stopped:
        end += ": unbounded, it grows until memory runs out"
    return f"{run.name}: {peak}; {made} {pace}; {end}."


class QueueCharts(QtWidgets.QWidget):
    """Queue length and memory held against seconds since the run started, one line a way."""

    def __init__(self) -> None:
        super().__init__()
        self.length_plot = self._plot(
            "queueLengthPlot",
            "items",
            "Items in the queue over each run: the last run of each way, one colour each",
        )
        self.memory_plot = self._plot(
            "queueMemoryPlot",
            "MB held",
            "Memory the queued items hold (sys.getsizeof of the payloads made and not yet "
            "taken out) over each run, one colour a way",
        )
        self.lengths = {way: self.length_plot.plot() for way in WAYS}
        self.memory = {way: self.memory_plot.plot() for way in WAYS}
        self.length_plot.getPlotItem().setXLink(self.memory_plot.getPlotItem())
        ways = " &nbsp; ".join(
            f"<span style='color:{palette.css(palette.shade(way.color))}'>&#9632;</span>"
            f"&nbsp;{way.text}"
            for way in WAYS.values()
        )
        self.legend = FitLabel(f"<small>{ways}</small>")
        self.legend.setObjectName("queueLegend")
        self.legend.setToolTip("Which colour is which way (the last run of each)")
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.length_plot, 1)
        layout.addWidget(self.memory_plot, 1)
        layout.addWidget(self.legend)
        self._shown: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.apply_theme()
        self._fit(RUN_S, 10, 1.0)

    @staticmethod
    def _plot(name: str, left: str, tip: str) -> pg.PlotWidget:
        plot = named(pg.PlotWidget(), name, tip)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.setMinimumHeight(110)
        item = plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("left", left)
        item.setLabel("bottom", "seconds since the run started")
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        return plot

    def apply_theme(self) -> None:
        for plot in (self.length_plot, self.memory_plot):
            themes.style_plot(plot)
        for way, info in WAYS.items():
            pen = pg.mkPen(palette.shade(info.color), width=2)
            self.lengths[way].setPen(pen)
            self.memory[way].setPen(pen)

    def show_run(self, run: QueueRun) -> None:
        self.lengths[run.way].setData(run.times, run.lengths)
        self.memory[run.way].setData(run.times, run.megabytes)
        span = max(RUN_S, run.times[-1] if run.times else 0.0)
        most = max([10, *run.lengths])
        memory = max([1.0, *run.megabytes])
        shown = self._shown
        if span > shown[0] or most > shown[1] or memory > shown[2]:  # axes grow in steps
            self._fit(max(span, shown[0]), max(most * 1.25, shown[1]), max(memory * 1.25, shown[2]))

    def _fit(self, span: float, most: float, memory: float) -> None:
        self._shown = (span, most, memory)
        self.length_plot.getPlotItem().setXRange(0, span, padding=0)
        self.length_plot.getPlotItem().setYRange(0, most, padding=0)
        self.memory_plot.getPlotItem().setYRange(0, memory, padding=0)

    def drawn_length(self, way: str) -> list[float]:
        ys = self.lengths[way].getData()[1]
        return [] if ys is None else [float(y) for y in ys]


class BackpressurePanel(Panel):
    slug = "backpressure"
    title = "Back-pressure: a fast producer, a slow consumer, a queue"
    sources = (
        run_async_queue,
        produce,
        consume,
        make_item,
        QueueMeter,
        run_thread_queue,
        produce_in_thread,
        consume_in_thread,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "unboundedQueueButton": run_async_queue,
        "boundedQueueButton": run_async_queue,
        "unboundedThreadQueueButton": run_thread_queue,
        "boundedThreadQueueButton": run_thread_queue,
    }
    explanation_numbers: ClassVar[dict[str, float]] = {
        "item_kib": ITEM_BYTES / 1024,
        "produce_every_ms": PRODUCE_EVERY_S * 1000,
        "consume_ms": CONSUME_S * 1000,
        "run_s": RUN_S,
        "max_items": MAX_ITEMS,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._task: asyncio.Task[None] | None = None
        self._run: QueueRun | None = None
        self._stop_threads = threading.Event()
        self._rows: list[QueueRun] = []
        self.set_controls(self._build_controls())
        self._sampler = QtCore.QTimer(self)
        self._sampler.setInterval(SAMPLE_MS)
        self._sampler.timeout.connect(self._sample)

    def _build_controls(self) -> QtWidgets.QWidget:
        self.max_spin = spin("queueMaxSpin", 1, 1000, 10, "N: the bounded queues' maxsize")
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for way, info in WAYS.items():
            self.buttons[way] = make_button(info.text, info.button, info.tip, self._starter(way))
        self.stop_button = make_button(
            "Stop", "stopQueueButton", "End the run now (its backlog is dropped)", self.stop
        )
        self.stop_button.setEnabled(False)
        self.peak_label = named(
            QtWidgets.QLabel("—"),
            "queuePeakLabel",
            "The peak queue length of the last run (items)",
        )
        self.peak_memory_label = named(
            QtWidgets.QLabel("—"),
            "queuePeakMemoryLabel",
            "The most memory the queued items held in the last run (MB)",
        )
        self.summary_label = label(
            f"Each run lasts {RUN_S:g} s or {MAX_ITEMS:,} items, whichever comes first.",
            "queueSummaryLabel",
            "What the last run showed: peak length and memory, how long put() made the "
            "producer wait, and why it stopped",
        )
        self.charts = QueueCharts()
        self.table = table("queueTable", COLUMNS, "One row per run, newest first")
        keep_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        numbers = flow(
            ("Peak queue length:", self.peak_label), ("Peak memory (MB):", self.peak_memory_label)
        )
        return column(
            flow(("N =", self.max_spin), *self.buttons.values(), self.stop_button),
            numbers,
            self.summary_label,
            (vsplit(self.charts, self.table, sizes=[300, 140]), 1),
        )

    # --- running ----------------------------------------------------------------------------
    def _starter(self, way: str) -> Callable[[], None]:
        return lambda: self.start(way)

    def busy(self) -> bool:
        return self._task is not None

    def start(self, way: str, run_s: float = RUN_S) -> None:
        if self._task is not None:
            return  # one run at a time: the buttons are disabled meanwhile
        maxsize = self.max_spin.value() if WAYS[way].bounded else 0
        run = QueueRun(way, maxsize, run_s)
        self._run = run
        self._stop_threads = threading.Event()
        self._set_running(True)
        self.peak_label.setText("…")
        self.peak_memory_label.setText("…")
        self.summary_label.setText(f"{run.name}: running…")
        self._task = self.spawn(self._go(run), f"{run.name} run")

    def stop(self) -> None:
        """Threads are asked to stop (they end within one item); tasks are cancelled."""
        run = self._run
        if self._task is None or run is None:
            return
        run.stopped = True
        self._stop_threads.set()
        if not WAYS[run.way].threads:
            self._task.cancel()

    async def _go(self, run: QueueRun) -> None:
        self._sampler.start()
        try:
            if WAYS[run.way].threads:
                stop = self._stop_threads
                await asyncio.to_thread(run_thread_queue, run.maxsize, run.meter, stop, run.run_s)
            else:
                await run_async_queue(run.maxsize, run.meter, run.run_s)
        except asyncio.CancelledError:
            if not run.stopped:
                raise  # shut down, not the Stop button
        finally:
            self._stop_threads.set()  # a cancelled await leaves the threads running: end them
            self._sampler.stop()
            run.ended = time.perf_counter()
            self._finish(run)

    def _sample(self) -> None:
        run = self._run
        if run is None:
            return
        run.sample()
        self.charts.show_run(run)

    def _finish(self, run: QueueRun) -> None:
        run.sample()
        self.charts.show_run(run)
        meter = run.meter
        self.peak_label.setText(str(meter.peak_length))
        self.peak_memory_label.setText(f"{meter.peak_bytes / MB:.2f}")
        self.summary_label.setText(summary(run))
        self._rows.insert(0, run)
        del self._rows[KEEP_ROWS:]
        self.table.setRowCount(len(self._rows))
        for at, shown in enumerate(self._rows):
            m = shown.meter
            set_row(
                self.table,
                at,
                [
                    shown.short_name,
                    f"{m.made:,}",
                    f"{m.consumed:,}",
                    f"{m.peak_length:,}",
                    f"{m.peak_bytes / MB:.2f}",
                    f"{m.put_waited_s:.2f}",
                    f"{shown.wall:.2f}",
                ],
            )
        self._task = None
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(not running)
        self.max_spin.setEnabled(not running)
        self.stop_button.setEnabled(running)

    # --- lifecycle ------------------------------------------------------------------------
    async def stop_work(self) -> None:
        self._stop_threads.set()
        self._sampler.stop()

    async def screenshot_demo(self) -> None:
        for way in ("async unbounded", "async bounded"):
            self.start(way, run_s=2.0)
            while self._task is not None:
                await asyncio.sleep(0.05)
