"""A timeline of short bars: one per handler a thread ran, as wide as it took.

Used by the `tasks` panel to draw `guidemo.lessons.handler_trace`'s bars; it draws
anything with a start, a duration, a label and a lane.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import palette

FRAME_S = 0.016  # one frame at 60 Hz: a handler longer than this can make the window stutter
DESCRIBE_S = 1.0  # the words a screen reader gets change at most once a second
# Okabe-Ito blue (see-through), orange, vermillion; the bar's height says it too.
BAR_FAST, BAR_SLOW, BAR_FROZEN = palette.BLUE, palette.ORANGE, palette.VERMILLION
TICK_H = 7.0  # the axis: a tick this tall, its label below it
TITLE_GAP, LANE_GAP, MIN_LANE_H = 1.0, 4.0, 14.0  # a lane: its title, then its bars


class TimelineBar(Protocol):
    @property
    def start(self) -> float: ...  # time.perf_counter()

    @property
    def duration(self) -> float: ...  # seconds

    @property
    def label(self) -> str: ...

    @property
    def lane(self) -> int: ...  # index into the timeline's lanes


class TraceTimeline(QtWidgets.QWidget):
    """The last `window_s` seconds, one lane per title in `lanes`: one bar per handler.

    A bar is as wide as its handler took, and as tall, up to one frame (FRAME_S): short
    handlers are the teeth of a comb, a blocked thread is a wall. Hover a bar for its name.
    """

    def __init__(
        self,
        lanes: Sequence[str],
        window_s: float = 10.0,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lanes = list(lanes)
        self.window_s = window_s
        self.setMouseTracking(True)
        self.bars: Sequence[TimelineBar] = []
        self.now = time.perf_counter()
        self._described_at = 0.0
        self.setAccessibleName("Handler timeline")
        self.setAccessibleDescription("no handlers traced yet")

    def show_bars(self, bars: Sequence[TimelineBar], now: float) -> None:
        """Draw `bars` in the window that ends at `now` (a time.perf_counter() value)."""
        self.bars, self.now = bars, now
        self.update()
        if now - self._described_at >= DESCRIBE_S:
            self._described_at = now
            self._describe()

    def _describe(self) -> None:
        """In words: how many handlers, how many took longer than a frame, the longest."""
        recent = [bar for bar in self.bars if bar.start >= self.now - self.window_s]
        if not recent:
            return
        longest = max(recent, key=lambda bar: bar.duration)
        slow = sum(bar.duration >= FRAME_S for bar in recent)
        self.setAccessibleDescription(
            f"{len(recent)} handlers in the last {self.window_s:g} s, {slow} longer than a "
            f"frame; longest {longest.duration * 1000:.0f} ms: {longest.label}"
        )

    def small_font(self) -> QtGui.QFont:
        small = QtGui.QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        return small

    def minimumSizeHint(self) -> QtCore.QSize:
        text = QtGui.QFontMetricsF(self.small_font()).height()
        lanes = len(self.lanes) * (text + TITLE_GAP + MIN_LANE_H + LANE_GAP)
        return QtCore.QSize(200, max(120, math.ceil(2 + lanes + TICK_H + text + 2)))

    def layout_rects(self) -> tuple[list[tuple[QtCore.QRectF, QtCore.QRectF]], QtCore.QRectF]:
        """Where things go: (title, lane) per lane, top down, and the time axis (ticks and
        labels) below them. Sized from the font, so that no text runs into a lane."""
        text = QtGui.QFontMetricsF(self.small_font()).height()
        left, width = 4.0, max(1.0, self.width() - 8.0)
        axis_h = TICK_H + text + 2
        axis = QtCore.QRectF(0.0, self.height() - axis_h, float(self.width()), axis_h)
        per_lane = (axis.top() - 2) / max(1, len(self.lanes))
        rects = []
        for lane in range(len(self.lanes)):
            top = 2 + lane * per_lane
            title = QtCore.QRectF(left, top, width, text)
            height = max(1.0, per_lane - text - TITLE_GAP - LANE_GAP)
            rects.append((title, QtCore.QRectF(left, title.bottom() + TITLE_GAP, width, height)))
        return rects, axis

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        with QtGui.QPainter(self) as painter:  # ended even if drawing fails
            self._paint(painter)

    def _paint(self, painter: QtGui.QPainter) -> None:
        painter.fillRect(self.rect(), self.palette().base())
        muted = QtGui.QColor(palette.MUTED)
        fast = QtGui.QColor(*palette.shade(BAR_FAST), 90)
        slow, frozen = (QtGui.QColor(*palette.shade(rgb)) for rgb in (BAR_SLOW, BAR_FROZEN))
        rects, axis = self.layout_rects()
        left = axis.left() + 4
        per_s = (self.width() - 8.0) / self.window_s
        origin = self.now - self.window_s
        painter.setFont(self.small_font())
        metrics = painter.fontMetrics()
        for (title, lane_rect), text in zip(rects, self.lanes, strict=True):
            painter.setPen(muted)
            painter.drawText(title, QtCore.Qt.AlignmentFlag.AlignLeft, text)
            lane_tint = QtGui.QColor(palette.CURRENT.text)
            lane_tint.setAlpha(14)
            painter.fillRect(lane_rect, lane_tint)
        for bar in self.bars:
            lane_rect = rects[bar.lane][1]
            top, height = lane_rect.top(), lane_rect.height()
            x = left + (bar.start - origin) * per_s
            w = max(1.0, bar.duration * per_s)
            if x + w < left:
                continue
            color = fast  # see-through: where many short ones crowd, the comb darkens
            if bar.duration >= FRAME_S:  # longer than a frame: the window can stutter
                color = slow if bar.duration < 0.1 else frozen
            # Height too: a frame's worth (16 ms) or more is full height, so short handlers
            # are the teeth of a comb and a blocked loop is a wall.
            tall = height * min(1.0, max(0.15, bar.duration / FRAME_S))
            painter.fillRect(QtCore.QRectF(x, top + height - tall, w, tall), color)
            if w > 80:
                on = (color.red(), color.green(), color.blue())
                painter.setPen(QtGui.QColor(palette.text_on(on)))
                text = f"{bar.duration * 1000:.0f} ms  {bar.label}"
                elided = metrics.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, int(w - 6))
                flags = QtCore.Qt.AlignmentFlag.AlignVCenter
                painter.drawText(QtCore.QRectF(x + 3, top, w - 6, height), flags, elided)
        painter.setPen(muted)
        for second in range(0, int(self.window_s) + 1, 2):
            x = left + second * per_s
            tick_top = axis.top() + 1
            painter.drawLine(QtCore.QPointF(x, tick_top), QtCore.QPointF(x, tick_top + TICK_H - 3))
            text = f"-{self.window_s - second:g} s" if second < self.window_s else "now"
            width = metrics.horizontalAdvance(text)
            x = min(max(0.0, x - width / 2), self.width() - width - 1.0)
            label = QtCore.QRectF(x, axis.top() + TICK_H, width + 1, axis.height() - TICK_H)
            painter.drawText(label, QtCore.Qt.AlignmentFlag.AlignLeft, text)

    def bar_at(self, point: QtCore.QPointF) -> TimelineBar | None:
        rects, axis = self.layout_rects()
        left, per_s = axis.left() + 4, (self.width() - 8.0) / self.window_s
        origin = self.now - self.window_s
        for bar in reversed(self.bars):
            lane_rect = rects[bar.lane][1]
            top, height = lane_rect.top(), lane_rect.height()
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
