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
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import palette, themes
from guidemo.widgets.kit import FitLabel
from guidemo.widgets.palette import BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE, VERMILLION

REDRAW_MS = 50  # 20 frames a second while a bar is growing: smooth, and cheap
DESCRIBE_MS = 1000  # the words a screen reader gets change at most once a second
SPAN_STEPS = 8  # the time axis grows by an eighth of its span at a time, not every frame
MIN_LANE_PX = 12  # a lane thinner than this (or than a line of text) is unreadable
MIN_LANES = 4  # the chart is never too short for this many readable lanes (one run of gather)
BAR_HEIGHT = 0.56

# Stretches: what a task was doing between two events (Okabe-Ito colours, and a height
# each, so the kinds differ in shape too: a task holding the loop is the thickest bar).
BAR_KINDS: dict[str, tuple[str, tuple[int, int, int] | None]] = {
    "running": ("running (holds the loop)", ORANGE),
    "awaiting": ("awaiting (loop free)", SKY_BLUE),
    "queued": ("waiting its turn", None),  # the theme's grey
}
BAR_HEIGHTS = {"running": BAR_HEIGHT, "awaiting": 0.34, "queued": 0.18}
# Events: (symbol, colour (None: the theme's text colour), legend text).
EVENT_KINDS: dict[str, tuple[str, tuple[int, int, int] | None, str]] = {
    "step": ("|", None, "step"),
    "result": ("o", BLUISH_GREEN, "result"),
    "exception": ("x", VERMILLION, "exception"),
    "cancelled": ("s", REDDISH_PURPLE, "cancelled"),
}


def _rgb(color: tuple[int, int, int] | None, otherwise: str) -> tuple[int, int, int]:
    """A kind's colour as the theme in force draws it (None: the theme's `otherwise`)."""
    if color is not None:
        return palette.shade(color)
    fallback = QtGui.QColor(otherwise)
    return (fallback.red(), fallback.green(), fallback.blue())


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
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self._fit_height()
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.showGrid(x=True, y=False, alpha=0.25)
        item.setLabel("bottom", "seconds since start")
        item.getAxis("bottom").enableAutoSIPrefix(False)
        self._bars = {
            kind: pg.BarGraphItem(x0=[], x1=[], y=[], height=BAR_HEIGHTS[kind], pen=None)
            for kind in BAR_KINDS
        }
        for bar in self._bars.values():
            item.addItem(bar)
        self._ticks = {
            # useCache=False: a few marks, each drawn on its own; pyqtgraph's cached path
            # (drawPixmapFragments) raised a TypeError in PySide6 6.11 now and then, on stderr.
            kind: pg.ScatterPlotItem(
                symbol=symbol, size=15 if symbol == "|" else 10, useCache=False
            )
            for kind, (symbol, _, _) in EVENT_KINDS.items()
        }
        for scatter in self._ticks.values():
            item.addItem(scatter)

        self._legend_kinds = legend
        self.legend = FitLabel()  # wraps: never under the axis; its text: apply_theme()
        self.legend.setObjectName(f"{object_name}Legend")
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setToolTip("What the bars and marks of the lanes mean")
        self._described = ""
        self._describe_timer = QtCore.QTimer(self)
        self._describe_timer.setSingleShot(True)
        self._describe_timer.setInterval(DESCRIBE_MS)
        self._describe_timer.timeout.connect(self.describe)
        self.apply_theme()

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)

        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.redraw()
        self.describe()

    def apply_theme(self) -> None:
        """Background, axes, the grey bars, the step marks and the legend in the theme."""
        theme = palette.CURRENT
        themes.style_plot(self.plot)
        for kind, (_, color) in BAR_KINDS.items():
            self._bars[kind].setOpts(brush=_rgb(color, theme.plot_axis))
        for kind, (_, color, _) in EVENT_KINDS.items():
            rgb = _rgb(color, theme.text)
            self._ticks[kind].setBrush(pg.mkBrush(rgb))
            self._ticks[kind].setPen(pg.mkPen(rgb))
        self.legend.setText(self._legend_html(self._legend_kinds))

    def describe(self) -> None:
        """Say in words what the lanes show (for screen readers): each task's state now."""
        states = []
        for name, lane in self._lanes.items():
            open_segment = lane.open_segment()
            if open_segment is not None:
                state = BAR_KINDS.get(open_segment.kind, (open_segment.kind, None))[0]
            elif lane.events:
                state = f"ended: {lane.events[-1].kind}"
            else:
                state = "not started"
            states.append(f"{name}: {state}")
        text = "; ".join(states) if states else "no tasks yet"
        if text != self._described:
            self._described = text
            self.plot.setAccessibleName(f"Lane chart, {len(self._lanes)} tasks")
            self.plot.setAccessibleDescription(text)
            self.setAccessibleDescription(text)

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
            pen=pg.mkPen(VERMILLION, width=1.5, style=QtCore.Qt.PenStyle.DashLine),
            label=label,
            labelOpts={
                "position": 0.04,
                "color": palette.CURRENT.bad,
                "fill": palette.CURRENT.base,
            },
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
            self._bars[kind].setOpts(x0=x0s, x1=x1s, y=ys, height=BAR_HEIGHTS[kind])
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
        if not self._describe_timer.isActive():
            self._describe_timer.start()

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
                mark = "&#9644;" if BAR_HEIGHTS[kind] < BAR_HEIGHT else "&#9632;"  # thin: ▬
                rgb = _rgb(color, palette.CURRENT.plot_axis)
            else:
                symbol, color, text = EVENT_KINDS[kind]
                mark = f"<b>{glyph[symbol]}</b>"
                rgb = _rgb(color, palette.CURRENT.text)
            parts.append(f"<span style='color:{palette.css(rgb)}'>{mark}</span>&nbsp;{text}")
        return "<small>" + " &nbsp; ".join(parts) + "</small>"
