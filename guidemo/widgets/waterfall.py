"""A waterfall chart: one bar per request from its start to its end, one band per way.

Stairs mean one request after another; a block of overlapping bars means they ran
concurrently. Bars are drawn by one `BarGraphItem` per band and kind, so 10,000 requests
are still one cheap drawRects call each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

RGB = tuple[int, int, int]
# What a bar is: its kind picks its colour. NO_BAR: the row has no bar (never started).
DONE, RUNNING, FAILED, CANCELLED = range(4)
NO_BAR = 255
FAILED_COLOR: RGB = (70, 70, 70)
CANCELLED_COLOR: RGB = (190, 190, 190)
BAND = 1.25  # a band's height, bars included; the bars fill 0.85 of each row


class Waterfall(pg.PlotWidget):
    """Bands top to bottom, each showing the bars of its last `show_band()`.

    `spans[band]` is (bars shown, seconds from 0 to the end of the last bar).
    """

    def __init__(self, bands: Sequence[tuple[str, RGB]], x_label: str, hint: str) -> None:
        super().__init__()
        self.bands = [name for name, _ in bands]
        self.setBackground("w")
        self.hideButtons()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.setMinimumHeight(140)
        plot = self.getPlotItem()
        plot.invertY(True)
        plot.showGrid(x=True, y=False, alpha=0.25)
        plot.setLabel(
            "bottom",
            f"{x_label} &nbsp;·&nbsp; dark grey: failed, light grey: cancelled, pale: still "
            "running",
        )
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen((40, 40, 40))
            plot.getAxis(axis).setPen((120, 120, 120))
        plot.getAxis("left").setWidth(96)
        self._bars: dict[tuple[str, int], pg.BarGraphItem] = {}
        for band, color in bands:
            light = tuple(int(c + (255 - c) * 0.55) for c in color)
            for kind, brush in (
                (DONE, color),
                (RUNNING, light),
                (FAILED, FAILED_COLOR),
                (CANCELLED, CANCELLED_COLOR),
            ):
                bar = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[], brush=brush, pen=None)
                plot.addItem(bar)
                self._bars[band, kind] = bar
        self.spans: dict[str, tuple[int, float]] = {}
        self._hint = pg.TextItem(hint, color=(110, 110, 110))
        plot.addItem(self._hint)
        self._hint.setPos(0, 0)
        self.setYRange(0, len(self.bands) * BAND, padding=0.02)
        self._relabel()

    def show_band(self, band: str, starts: np.ndarray, ends: np.ndarray, kinds: np.ndarray) -> None:
        """Draw `band` anew: row i's bar goes from starts[i] to ends[i] (seconds), coloured
        by kinds[i] (DONE, RUNNING, FAILED, CANCELLED; NO_BAR leaves the row empty)."""
        ends = np.maximum(ends, starts + 0.001)  # a failure at once is still a visible bar
        count = max(1, len(kinds))
        tops = self.bands.index(band) * BAND + np.arange(len(kinds)) / count
        for kind in (DONE, RUNNING, FAILED, CANCELLED):
            chosen = kinds == kind
            self._bars[band, kind].setOpts(
                x0=starts[chosen], x1=ends[chosen], y0=tops[chosen], height=0.85 / count
            )
        shown = kinds != NO_BAR
        bars = int(shown.sum())
        self.spans[band] = (bars, float(ends[shown].max()) if bars else 0.0)
        self._hint.setVisible(False)
        self._relabel()

    def _relabel(self) -> None:
        ticks = []
        for index, band in enumerate(self.bands):
            shown = self.spans.get(band)
            label = f"{band}  {shown[1]:.2f} s" if shown and shown[0] else f"{band}  —"
            ticks.append((index * BAND + 0.5, label))
        self.getPlotItem().getAxis("left").setTicks([ticks, []])
        longest = max((span for _, span in self.spans.values()), default=1.0)
        self.setXRange(0, max(longest, 0.1), padding=0.02)
