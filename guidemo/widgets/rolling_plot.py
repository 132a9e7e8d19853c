"""A plot of the last few seconds of a signal, the newest at the right edge."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

RGB = tuple[int, int, int]


class RollingPlot(pg.PlotWidget):
    """Values over the last `window_s` seconds; x is "seconds ago", so the newest is at 0.

    The points are (time, value) pairs in a deque the caller owns and appends to;
    `show_recent` drops those older than the window and draws the rest.
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
        self.setBackground(None)
        self.setMinimumHeight(150)
        self.setMouseEnabled(False, False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setXRange(-window_s, 0, padding=0)
        self.setYRange(*y_range, padding=0)
        self.setLabel("bottom", x_label)
        self.addLegend(offset=(8, 4), labelTextSize="8pt")

    def line(self, name: str, color: RGB, width: float = 1.5) -> Any:
        """A series drawn as a line (a pyqtgraph PlotDataItem)."""
        return self.plot(pen=pg.mkPen(color, width=width), name=name)

    def dots(self, name: str, color: RGB, size: int = 5) -> Any:
        """A series drawn as dots (a pyqtgraph PlotDataItem)."""
        return self.plot(pen=None, symbol="o", symbolSize=size, symbolBrush=color, name=name)

    def show_recent(self, curve: Any, points: deque[tuple[float, float]], now: float) -> None:
        """Draw `points` relative to `now`, after dropping those older than the window."""
        while points and points[0][0] < now - self.window_s - 0.5:
            points.popleft()
        if points:
            data = np.array(points)
            curve.setData(data[:, 0] - now, data[:, 1], skipFiniteCheck=True)
        else:
            curve.setData([], [])
