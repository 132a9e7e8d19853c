"""A waterfall chart: one bar per request from its start to its end, one band per way.

Stairs mean one request after another; a block of overlapping bars means they ran
concurrently. Above its bars each band says what its run ran with, and a band whose inputs
differ from the latest run's is drawn faded and says so: bars are only worth comparing
when they stand for the same work. Bars are drawn by one `BarGraphItem` per band and kind,
so 10,000 requests are still one cheap drawRects call each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from guidemo.widgets import palette, themes

RGB = tuple[int, int, int]
# What a bar is: its kind picks its colour, and a failed bar is cross-hatched, a cancelled
# one a thin outline, so they differ in shape too. NO_BAR: the row has no bar.
DONE, RUNNING, FAILED, CANCELLED = range(4)
NO_BAR = 255
KINDS = (DONE, RUNNING, FAILED, CANCELLED)
FAILED_GLYPH, CANCELLED_GLYPH = "▨", "□"  # the legend's marks for them
# A band, top to bottom: its caption, then its bars, then a gap (in plot units).
CAPTION, BARS, GAP = 0.65, 0.95, 0.1
BAND = CAPTION + BARS + GAP
MS_BELOW_S = 2.0  # shorter runs are measured in ms on the axis, longer ones in s


@dataclass
class BandState:
    """What a band shows: its bars, how far they reach, and what its run ran with."""

    bars: int = 0
    span_s: float = 0.0
    caption: str = ""
    faded: bool = False


class Waterfall(pg.PlotWidget):
    """Bands top to bottom, each showing the bars of its last `show_band()`.

    `spans[band]` is (bars shown, seconds from 0 to the end of the last bar);
    `bands_state[band]` also holds its caption and whether it is faded.
    """

    def __init__(self, bands: Sequence[tuple[str, RGB]], x_label: str, hint: str) -> None:
        super().__init__()
        self.bands = [name for name, _ in bands]
        self.x_label = x_label
        self.hideButtons()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.setMinimumHeight(200)
        plot = self.getPlotItem()
        plot.invertY(True)
        plot.showGrid(x=True, y=False, alpha=0.25)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).enableAutoSIPrefix(False)  # the unit is ours: s or ms
        plot.getAxis("left").setWidth(96)
        self.bands_state = {band: BandState() for band in self.bands}
        self._ticks: list[tuple[float, str]] = []
        self._bars: dict[tuple[str, int], pg.BarGraphItem] = {}
        self._brushes: dict[tuple[str, int], tuple[QtGui.QBrush, QtGui.QBrush]] = {}
        self._band_colors = dict(bands)
        self._captions: dict[str, pg.TextItem] = {}
        for band, _ in bands:
            for kind in KINDS:
                bar = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[], pen=None)
                plot.addItem(bar)
                self._bars[band, kind] = bar
            caption = pg.TextItem("", anchor=(0, 0))
            plot.addItem(caption)
            self._captions[band] = caption
        self._hint = pg.TextItem(hint)
        plot.addItem(self._hint)
        self._hint.setPos(0, CAPTION)
        self.setYRange(0, len(self.bands) * BAND, padding=0.02)
        self.apply_theme()

    def apply_theme(self) -> None:
        """Background, axes, captions and the failed / cancelled bars in the theme."""
        theme = palette.CURRENT
        themes.style_plot(self)
        for band, band_color in self._band_colors.items():
            color = palette.shade(band_color)
            mix = theme.base_rgb
            pale = tuple(int(c + (m - c) * 0.55) for c, m in zip(color, mix, strict=True))
            looks = {
                DONE: (color, QtCore.Qt.BrushStyle.SolidPattern),
                RUNNING: (pale, QtCore.Qt.BrushStyle.SolidPattern),
                FAILED: (theme.bar_failed, QtCore.Qt.BrushStyle.DiagCrossPattern),
                CANCELLED: (theme.bar_cancelled, QtCore.Qt.BrushStyle.Dense6Pattern),
            }
            for kind, (rgb, pattern) in looks.items():
                full, faded = QtGui.QColor(*rgb), QtGui.QColor(*rgb)
                faded.setAlpha(60)
                self._brushes[band, kind] = (
                    QtGui.QBrush(full, pattern),
                    QtGui.QBrush(faded, pattern),
                )
                outline = pg.mkPen(full, width=1) if kind in (FAILED, CANCELLED) else None
                state = self.bands_state[band]
                self._bars[band, kind].setOpts(
                    brush=self._brushes[band, kind][state.faded], pen=outline
                )
        self._hint.setColor(theme.muted)
        for caption in self._captions.values():
            caption.setText("")  # set again, in the theme's colours, by _relabel
        self._relabel()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(super().sizeHint().width(), self.minimumHeight())

    @property
    def spans(self) -> dict[str, tuple[int, float]]:
        return {
            band: (state.bars, state.span_s)
            for band, state in self.bands_state.items()
            if state.bars or state.caption
        }

    def show_band(
        self,
        band: str,
        starts: np.ndarray,
        ends: np.ndarray,
        kinds: np.ndarray,
        caption: str | None = None,
    ) -> None:
        """Draw `band` anew: row i's bar goes from starts[i] to ends[i] (seconds), coloured
        by kinds[i] (DONE, RUNNING, FAILED, CANCELLED; NO_BAR leaves the row empty)."""
        ends = np.maximum(ends, starts + 0.001)  # a failure at once is still a visible bar
        count = max(1, len(kinds))
        tops = self.bands.index(band) * BAND + CAPTION + np.arange(len(kinds)) * (BARS / count)
        for kind in KINDS:
            chosen = kinds == kind
            self._bars[band, kind].setOpts(
                x0=starts[chosen], x1=ends[chosen], y0=tops[chosen], height=0.85 * BARS / count
            )
        shown = kinds != NO_BAR
        state = self.bands_state[band]
        state.bars = int(shown.sum())
        state.span_s = float(ends[shown].max()) if state.bars else 0.0
        if caption is not None:
            state.caption = caption
        self._hint.setVisible(False)
        self._relabel()

    def mark(self, band: str, faded: bool) -> None:
        """Fade a band (its inputs differ from the latest run's) or show it in full."""
        state = self.bands_state[band]
        if state.faded != faded:
            state.faded = faded
            for kind in KINDS:
                self._bars[band, kind].setOpts(brush=self._brushes[band, kind][faded])
            self._relabel()

    def caption_shown(self, band: str) -> str:
        """The text above a band's bars, as drawn."""
        return str(self._captions[band].textItem.toPlainText())

    def axis_unit(self) -> str:
        """The unit of the time axis now: "ms" for short runs, "s" for long ones."""
        longest = max((state.span_s for state in self.bands_state.values()), default=0.0)
        return "ms" if longest < MS_BELOW_S else "s"

    def _relabel(self) -> None:
        """Ticks, captions and the axis unit; a text is only set when it changed (each
        setText lays the plot out again, and this runs ten times a second in a run)."""
        plot = self.getPlotItem()
        ticks = []
        for index, band in enumerate(self.bands):
            state = self.bands_state[band]
            label = f"{band}  {state.span_s:.2f} s" if state.bars else f"{band}  —"
            ticks.append((index * BAND + CAPTION + BARS / 2, label))
            text = state.caption
            if text and state.faded:
                text += "  ·  other inputs than the latest run: not comparable"
            caption = self._captions[band]
            if caption.textItem.toPlainText() != text:
                theme = palette.CURRENT
                caption.setText(text, theme.muted if state.faded else theme.text)
                caption.setPos(0, index * BAND)
        if ticks != self._ticks:
            self._ticks = ticks
            plot.getAxis("left").setTicks([ticks, []])
            # In words, for screen readers: each band's bars and how long they took.
            self.setAccessibleDescription("; ".join(label for _, label in ticks))
        unit = self.axis_unit()
        bottom = plot.getAxis("bottom")
        if bottom.labelText != f"{self.x_label} ({unit})":
            bottom.setScale(1000.0 if unit == "ms" else 1.0)
            bottom.setLabel(f"{self.x_label} ({unit})")
        longest = max((state.span_s for state in self.bands_state.values()), default=0.0)
        self.setXRange(0, max(longest, 0.1), padding=0.02)
