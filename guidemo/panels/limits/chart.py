"""The limits panel's chart: requests sent and accepted over time, against the server's limit."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from guidemo.panels.limits.run import WAYS, WayRun
from guidemo.widgets import palette, themes
from guidemo.widgets.kit import FitLabel, named

WAY_COLORS = {  # Okabe-Ito, told apart under the common colour-vision deficiencies
    "gather": palette.VERMILLION,
    "semaphore": palette.SKY_BLUE,
    "bucket": palette.BLUISH_GREEN,
}


SPAN_STEP_S = 0.5  # the time axis grows in steps this long (each step re-draws it)


class LimitsChart(QtWidgets.QWidget):
    """Cumulative requests by the time they were sent, the last run of each way: a dashed
    line for every attempt, a solid one for those the server accepted; the dotted line is
    the most the server accepts by that time (burst + rate x t)."""

    def __init__(self) -> None:
        super().__init__()
        self._shown_range: tuple[float, float] = (0.0, 0.0)
        self.plot = named(
            pg.PlotWidget(),
            "limitsChart",
            "Requests over time, by when they were sent. Dashed: every attempt; solid: the "
            "ones the server accepted; dotted grey: the most it accepts by then "
            "(burst + rate × seconds). A dashed line above the dotted one is refused.",
        )
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMinimumHeight(160)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "seconds since the way started")
        item.setLabel("left", "requests (cumulative)")
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        self.sent = {way: item.plot() for way in WAY_COLORS}
        self.ok = {way: item.plot() for way in WAY_COLORS}
        self.limit = item.plot()
        self.runs: dict[str, WayRun] = {}
        ways = " &nbsp; ".join(
            f"<span style='color:{palette.css(palette.shade(color))}'>&#9632;</span>"
            f"&nbsp;{WAYS[way]}"
            for way, color in WAY_COLORS.items()
        )
        legend = FitLabel(  # claims its lines' height: over the axis title otherwise
            f"<small>{ways} &nbsp;·&nbsp; dashed: sent, solid: accepted, "
            "dotted grey: the most the server accepts by then</small>"
        )
        legend.setObjectName("limitsLegend")
        legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(legend)
        self.apply_theme()

    def apply_theme(self) -> None:
        """Background, axes and the server's limit line in the theme."""
        themes.style_plot(self.plot)
        for way, color in WAY_COLORS.items():
            rgb = palette.shade(color)
            self.sent[way].setPen(pg.mkPen(rgb, width=1.5, style=QtCore.Qt.PenStyle.DashLine))
            self.ok[way].setPen(pg.mkPen(rgb, width=2.5))
        dotted = pg.mkPen(palette.CURRENT.plot_axis, width=1.5, style=QtCore.Qt.PenStyle.DotLine)
        self.limit.setPen(dotted)

    def show_run(self, run: WayRun) -> None:
        """Draw (or redraw, while it goes) the curves of `run`, the latest of its way."""
        self.runs[run.way] = run
        sent_x, sent_y, ok_x, ok_y = run.curves()
        self.sent[run.way].setData(*_steps(sent_x, sent_y))
        self.ok[run.way].setData(*_steps(ok_x, ok_y))
        span = max([0.5, *(other.wall for other in self.runs.values())])
        self.limit.setData([0.0, span], [run.burst, run.burst + run.rate * span])
        most = max(other.count for other in self.runs.values())
        shown = (math.ceil(span / SPAN_STEP_S) * SPAN_STEP_S, most * 1.05)
        if shown != self._shown_range:  # a new range re-draws the axes: only now and then
            self._shown_range = shown
            item = self.plot.getPlotItem()
            item.setXRange(0, shown[0], padding=0)
            item.setYRange(0, shown[1], padding=0)

    def counts(self, way: str) -> tuple[int, int]:
        """(attempts drawn, accepted drawn) for `way`: what the curves end at."""
        sent, ok = self.sent[way].getData()[1], self.ok[way].getData()[1]
        return (int(sent[-1]) if sent is not None and len(sent) else 0), (
            int(ok[-1]) if ok is not None and len(ok) else 0
        )


def _steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A staircase through the points that starts at (0, 0): counts jump, they do not slope."""
    xs = np.repeat(np.concatenate(([0.0], x)), 2)[1:]
    ys = np.repeat(np.concatenate(([0], y)), 2)[:-1]
    return xs, ys
