"""A plot of the last few seconds of a signal, the newest at the right edge."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from guidemo.widgets import palette, themes

RGB = tuple[int, int, int]
AHEAD_S = 0.5  # points stamped up to this far ahead of `now` are still drawn
DESCRIBE_S = 1.0  # the words a screen reader gets change at most once a second


class RollingPlot(pg.PlotWidget):
    """Values over the last `window_s` seconds; x is "seconds ago", so the newest is at 0.

    The points are (time, value) pairs in a deque the caller owns and appends to;
    `show_recent` drops those older than the window and draws the rest. Points outside
    the window (a clock that is off, a peer that lies) are never drawn.
    """

    def __init__(
        self,
        window_s: float,
        y_range: tuple[float, float],
        x_label: str,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.window_s = window_s
        self._latest: dict[str, float] = {}  # each named series' newest value
        self._series: list[tuple[Any, RGB, float, bool | None]] = []  # drawn again on a new theme
        self._described_at = 0.0
        self.setMinimumHeight(150)
        self.setMouseEnabled(False, False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setXRange(-window_s, 0, padding=0)
        self.setYRange(*y_range, padding=0)
        self.setLabel("bottom", x_label)
        self._legend = self.addLegend(offset=(8, 4), labelTextSize="8pt")
        self.apply_theme()

    def apply_theme(self) -> None:
        """Background, axes and legend in the theme in force."""
        themes.style_plot(self)
        self._legend.setBrush(palette.CURRENT.base)
        self._legend.setLabelTextColor(palette.CURRENT.text)
        for item, color, width, dashed in self._series:
            self._paint_series(item, color, width, dashed)

    @staticmethod
    def _paint_series(item: Any, color: RGB, width: float, dashed: bool | None) -> None:
        """A line (`dashed` True/False) or dots (None) in the theme's shade of `color`."""
        rgb = palette.shade(color)
        if dashed is None:
            item.setSymbolBrush(rgb)
            return
        style = QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine
        item.setPen(pg.mkPen(rgb, width=width, style=style))

    def sizeHint(self) -> QtCore.QSize:
        """Modest: pyqtgraph asks for ~480 px of height, which a scrolling panel then gives
        it even when the window is small, pushing everything below out of sight."""
        return QtCore.QSize(480, 240)

    def line(
        self, name: str, color: RGB, width: float = 1.5, steps: bool = False, dashed: bool = False
    ) -> Any:
        """A series drawn as a line (a pyqtgraph PlotDataItem); with `steps`, each value
        holds until the next one, as a screen showing it would."""
        curve = self.plot(name=name, stepMode="left" if steps else None)
        self._series.append((curve, color, width, dashed))
        self._paint_series(curve, color, width, dashed)
        return curve

    def dots(self, name: str | None, color: RGB, size: int = 5) -> Any:
        """A series drawn as dots (a pyqtgraph PlotDataItem)."""
        dots = self.plot(pen=None, symbol="o", symbolSize=size, name=name)
        # Each dot drawn on its own: pyqtgraph's cached path (drawPixmapFragments) raised a
        # TypeError in PySide6 6.11 now and then, printed on stderr.
        dots.scatter.setData(useCache=False)
        self._series.append((dots, color, 0.0, None))
        self._paint_series(dots, color, 0.0, None)
        return dots

    def show_recent(
        self, curve: Any, points: deque[tuple[float, float]], now: float, hold: bool = False
    ) -> None:
        """Draw `points` relative to `now`, after dropping those older than the window;
        with `hold`, the last value is drawn on until now."""
        while points and points[0][0] < now - self.window_s - 0.5:
            points.popleft()
        if not points:
            curve.setData([], [])
            return
        data = np.array(points)
        xs = data[:, 0] - now
        keep = (xs >= -self.window_s - 0.5) & (xs <= AHEAD_S)
        xs, ys = xs[keep], data[keep, 1]
        if hold and len(xs) and xs[-1] < 0:
            xs, ys = np.append(xs, 0.0), np.append(ys, ys[-1])
        curve.setData(xs, ys, skipFiniteCheck=True)
        name = curve.name()
        if name and len(ys):
            self._latest[name] = float(ys[-1])
        clock = time.monotonic()  # not `now`: that may be another machine's clock
        if clock - self._described_at >= DESCRIBE_S:
            self._described_at = clock
            latest = ", ".join(f"{key} {value:.2f}" for key, value in self._latest.items())
            self.setAccessibleDescription(f"latest values: {latest}" if latest else "no data")
