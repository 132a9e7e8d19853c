"""A lane chart: one horizontal lane per task, bars for what it was doing, ticks for events.

Panels feed it as things happen (`open_bar` a stretch, `close_bar` it, `add_event`); times are
`time.perf_counter()` values, shown as seconds since the lane's origin. While a stretch is
open the chart redraws itself a few times a second, so the bar grows live. The data it
draws stays readable (`lane_names()`, `lane(name)`), so tests check the chart's content.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from guidemo.widgets.kit import FitLabel

REDRAW_MS = 50  # 20 frames a second while a bar is growing: smooth, and cheap
SPAN_STEPS = 8  # the time axis grows by an eighth of its span at a time, not every frame
MIN_LANE_PX = 12  # a lane thinner than this (or than a line of text) is unreadable
MIN_LANES = 4  # the chart is never too short for this many readable lanes (one run of gather)
BAR_HEIGHT = 0.56

# Stretches: what a task was doing between two events.
BAR_KINDS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "running": ("running (holds the loop)", (232, 120, 34)),
    "awaiting": ("awaiting (loop free)", (126, 172, 232)),
    "queued": ("waiting its turn", (205, 205, 205)),
}
# Events: (symbol, colour, legend text).
EVENT_KINDS: dict[str, tuple[str, tuple[int, int, int], str]] = {
    "step": ("|", (40, 40, 40), "step"),
    "result": ("o", (27, 127, 59), "result"),
    "exception": ("x", (176, 0, 32), "exception"),
    "cancelled": ("s", (120, 60, 150), "cancelled"),
}


@dataclass
class Segment:
    kind: str
    start: float  # seconds since the lane's origin
    end: float | None = None  # None while still open


@dataclass
class Event:
    kind: str
    at: float  # seconds since the lane's origin
    label: str = ""


@dataclass
class Lane:
    name: str
    origin: float  # perf_counter() value shown as 0 s
    segments: list[Segment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def open_segment(self) -> Segment | None:
        if self.segments and self.segments[-1].end is None:
            return self.segments[-1]
        return None

    def last_time(self, now: float) -> float:
        times = [e.at for e in self.events] + [s.end for s in self.segments if s.end is not None]
        if self.open_segment() is not None:
            times.append(now - self.origin)
        return max(times, default=0.0)


class LaneChart(QtWidgets.QWidget):
    """One lane per task; `open_bar`/`close_bar` stretches and `add_event`s as they happen.

    (Not `open`/`close`/`event`: those names would override QWidget's own methods.)
    """

    def __init__(
        self,
        object_name: str = "lanes",
        parent: QtWidgets.QWidget | None = None,
        min_span_s: float = 1.0,
        legend: tuple[str, ...] = ("awaiting", "step", "result", "exception", "cancelled"),
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.min_span_s = min_span_s
        self.origin = time.perf_counter()
        self._lanes: dict[str, Lane] = {}
        self._shown: set[str] | None = None  # draw only these lanes (None: all)
        self._marks: list[tuple[float, str, pg.InfiniteLine]] = []
        # What the axes show now: new ticks or a new range re-draw an axis (its text),
        # tens of ms at zoom 1.5, so only when they change.
        self._axis_names: list[str] = []
        self._axis_range: tuple[float, int] = (0.0, 0)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName(f"{object_name}Plot")
        self.plot.setToolTip("One lane per task: bars show what it was doing, marks its events")
        self.plot.setBackground("w")
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self._fit_height()
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.showGrid(x=True, y=False, alpha=0.25)
        item.setLabel("bottom", "seconds since start")
        item.getAxis("bottom").enableAutoSIPrefix(False)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen((40, 40, 40))
            item.getAxis(axis).setPen((120, 120, 120))
        self._bars = {
            kind: pg.BarGraphItem(x0=[], x1=[], y=[], height=BAR_HEIGHT, brush=color, pen=None)
            for kind, (_, color) in BAR_KINDS.items()
        }
        for bar in self._bars.values():
            item.addItem(bar)
        self._ticks = {
            kind: pg.ScatterPlotItem(
                symbol=symbol, size=15 if symbol == "|" else 10, brush=color, pen=pg.mkPen(color)
            )
            for kind, (symbol, color, _) in EVENT_KINDS.items()
        }
        for scatter in self._ticks.values():
            item.addItem(scatter)

        self.legend = FitLabel(self._legend_html(legend))  # wraps: never under the axis
        self.legend.setObjectName(f"{object_name}Legend")
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)

        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.redraw()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:  # zoomed
            self._fit_height()

    def _fit_height(self) -> None:
        """Room for MIN_LANES lanes a line of text tall, and the time axis below them."""
        line = self.fontMetrics().height()
        self.plot.setMinimumHeight(max(120, round((MIN_LANES + 2.5) * line)))

    # --- feeding it --------------------------------------------------------------------
    def reset(self, origin: float | None = None) -> None:
        """Forget every lane and mark; times from now on count from `origin` (default: now)."""
        self.origin = time.perf_counter() if origin is None else origin
        self._lanes.clear()
        for _, _, line in self._marks:
            self.plot.getPlotItem().removeItem(line)
        self._marks.clear()
        self.redraw()

    def add_lane(self, name: str, origin: float | None = None) -> Lane:
        """A new lane at the bottom (or the existing one of that name)."""
        if name not in self._lanes:
            self._lanes[name] = Lane(name, self.origin if origin is None else origin)
            self._schedule()
        return self._lanes[name]

    def remove_lane(self, name: str) -> None:
        self._lanes.pop(name, None)
        self._schedule()

    def open_bar(self, name: str, kind: str, at: float | None = None) -> None:
        """Start a stretch of `kind` on lane `name` (closing the one before it)."""
        lane = self.add_lane(name)
        t = self._t(lane, at)
        self._close(lane, t)
        lane.segments.append(Segment(kind, t))
        self._schedule()

    def close_bar(self, name: str, at: float | None = None) -> None:
        """End the open stretch of lane `name`, if any."""
        lane = self._lanes.get(name)
        if lane is not None:
            self._close(lane, self._t(lane, at))
            self._schedule()

    def add_event(self, name: str, kind: str, label: str = "", at: float | None = None) -> None:
        """A mark on lane `name`: a step, a result, an exception, a cancellation."""
        lane = self.add_lane(name)
        lane.events.append(Event(kind, self._t(lane, at), label))
        self._schedule()

    def finish(self, name: str, kind: str, label: str = "", at: float | None = None) -> None:
        """Close the lane's open stretch and mark how it ended."""
        lane = self.add_lane(name)
        t = self._t(lane, at)
        self._close(lane, t)
        lane.events.append(Event(kind, t, label))
        self._schedule()

    def mark(self, label: str, at: float | None = None) -> None:
        """A vertical line across all lanes (relative to the chart's origin), e.g. 'shutdown'."""
        t = (time.perf_counter() if at is None else at) - self.origin
        line = pg.InfiniteLine(
            pos=t,
            angle=90,
            pen=pg.mkPen((176, 0, 32), width=1.5, style=QtCore.Qt.PenStyle.DashLine),
            label=label,
            labelOpts={"position": 0.04, "color": (176, 0, 32), "fill": (255, 255, 255, 200)},
        )
        self.plot.getPlotItem().addItem(line)
        self._marks.append((t, label, line))
        self._schedule()

    def show_only(self, names: Collection[str] | None) -> None:
        """Draw only the lanes `names` (None: every lane), e.g. one run of several."""
        self._shown = None if names is None else set(names)
        self._schedule()

    def fits(self, count: int) -> bool:
        """Would `count` lanes each get MIN_LANE_PX, and a line of text, at today's size?"""
        height = self.plot.getPlotItem().getViewBox().height()
        least = max(MIN_LANE_PX, self.fontMetrics().height())
        return height <= 0 or height / max(count, 1) >= least

    # --- reading it back ---------------------------------------------------------------
    def lane_names(self) -> list[str]:
        return list(self._lanes)

    def shown_lane_names(self) -> list[str]:
        """The lanes drawn now (`show_only`), top to bottom."""
        return [name for name in self._lanes if self._is_shown(name)]

    def lane_px(self) -> float:
        """How tall each drawn lane is on screen, in pixels."""
        return self.plot.getPlotItem().getViewBox().height() / max(len(self.shown_lane_names()), 1)

    def lane(self, name: str) -> Lane:
        return self._lanes[name]

    def marks(self) -> list[tuple[float, str]]:
        return [(t, label) for t, label, _ in self._marks]

    # --- drawing ---------------------------------------------------------------------------
    def redraw(self) -> None:
        now = time.perf_counter()
        shown = [lane for lane in self._lanes.values() if self._is_shown(lane.name)]
        names = [lane.name for lane in shown]
        bars: dict[str, tuple[list[float], list[float], list[float]]] = {
            kind: ([], [], []) for kind in self._bars
        }
        ticks: dict[str, tuple[list[float], list[float]]] = {kind: ([], []) for kind in self._ticks}
        span = self.min_span_s
        live = False
        for row, lane in enumerate(shown):
            for segment in lane.segments:
                end = segment.end
                if end is None:
                    end = now - lane.origin
                    live = True
                x0s, x1s, ys = bars.get(segment.kind, bars["running"])
                x0s.append(segment.start)
                x1s.append(max(end, segment.start + 0.004))  # an instant still shows as a sliver
                ys.append(row)
            for event in lane.events:
                xs, ys2 = ticks.get(event.kind, ticks["step"])
                xs.append(event.at)
                ys2.append(row)
            span = max(span, lane.last_time(now))
        span = max([span] + [t for t, _, _ in self._marks])
        for kind, (x0s, x1s, ys) in bars.items():
            self._bars[kind].setOpts(x0=x0s, x1=x1s, y=ys, height=BAR_HEIGHT)
        for kind, (xs, ys) in ticks.items():
            self._ticks[kind].setData(x=xs, y=ys)
        item = self.plot.getPlotItem()
        if names != self._axis_names:
            self._axis_names = list(names)
            item.getAxis("left").setTicks([[(row, name) for row, name in enumerate(names)]])
        step = 2 ** math.floor(math.log2(max(span, 0.01) / SPAN_STEPS))  # 1/8 of it, rounded
        axis_range = (math.ceil(span * 1.03 / step) * step, max(len(names), 1))
        if axis_range != self._axis_range:
            self._axis_range = axis_range
            item.setXRange(0, axis_range[0], padding=0)
            item.setYRange(-0.6, axis_range[1] - 0.4, padding=0)
        if not live:
            self._timer.stop()

    def _is_shown(self, name: str) -> bool:
        return self._shown is None or name in self._shown

    def _schedule(self) -> None:
        """Redraw soon (at most REDRAW_MS from now), and keep redrawing while bars grow."""
        if not self._timer.isActive():
            self._timer.start()
            QtCore.QTimer.singleShot(0, self.redraw)

    def _t(self, lane: Lane, at: float | None) -> float:
        return (time.perf_counter() if at is None else at) - lane.origin

    @staticmethod
    def _close(lane: Lane, t: float) -> None:
        segment = lane.open_segment()
        if segment is not None:
            segment.end = max(t, segment.start)

    @staticmethod
    def _legend_html(kinds: tuple[str, ...]) -> str:
        glyph = {"|": "&#9474;", "o": "&#9679;", "x": "&#10005;", "s": "&#9632;"}
        parts = []
        for kind in kinds:
            if kind in BAR_KINDS:
                text, color = BAR_KINDS[kind]
                mark = "&#9632;"
            else:
                symbol, color, text = EVENT_KINDS[kind]
                mark = f"<b>{glyph[symbol]}</b>"
            parts.append(f"<span style='color:rgb{color}'>{mark}</span>&nbsp;{text}")
        return "<small>" + " &nbsp; ".join(parts) + "</small>"
