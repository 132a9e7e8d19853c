"""One palette for the whole app, in a light and a dark theme.

Colours carry meaning in guidemo (frozen, failed, early; live, ok), so they are named by
meaning, not by hue, and written once per theme. Every text colour reaches 4.5:1 against
the backgrounds it is drawn on (WCAG AA; `tests/test_theme.py` checks it), and no meaning
rests on colour alone: a word, a glyph or a position says it too. Categorical colours
(the ways of a run, the lanes' states) come from the Okabe-Ito palette, which stays
distinct under the common colour-vision deficiencies.

The module-level names (BAD, GOOD, ...) are the theme in force: read them as
`palette.BAD` when text is made, so text made after a switch has the new theme's colours
(`guidemo.widgets.themes` recolours what is already on screen). A theme reaches widgets
through the QPalette (`themes.qpalette`) and per-widget colours (`kit.colour_by_role`),
never a style sheet for the window: widgets under one do not follow the window's font,
and a zoom then had to restyle every widget.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

RGB = tuple[int, int, int]

# Okabe & Ito (2008), "Color Universal Design": eight colours told apart by most people.
ORANGE: RGB = (230, 159, 0)
SKY_BLUE: RGB = (86, 180, 233)
BLUISH_GREEN: RGB = (0, 158, 115)
YELLOW: RGB = (240, 228, 66)
BLUE: RGB = (0, 114, 178)
VERMILLION: RGB = (213, 94, 0)
REDDISH_PURPLE: RGB = (204, 121, 167)
OKABE_ITO = (ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE)
GRAPHIC_CONTRAST = 3.0  # WCAG 1.4.11: a bar, a line or a legend's swatch


@dataclass(frozen=True)
class Theme:
    """The named colours of one theme ("#rrggbb"); text colours pass 4.5:1 on every
    background here (window, base, alternate, late, highlight)."""

    name: str  # "light" or "dark"
    text: str
    muted: str  # pending, cancelled, secondary text
    bad: str  # frozen, failed, early, the wrong way
    good: str  # live, ok, the right way
    note: str  # worth noticing, not wrong: reconnecting, ticks skipped
    cancelled: str  # stopped on purpose (not an error): purple, as the lanes' cancelled mark
    link: str
    disabled_text: str
    window: str
    base: str  # behind text fields, tables, the explanation
    alternate_base: str
    button: str
    highlight: str  # the line running now, the control to use now (a background)
    late_background: str  # a table cell or box that says "late" / "would freeze"
    focus: str  # the focus ring, and selected text and rows (a background for `base`)
    marker: str  # the tour's pulsing frame
    code_style: str  # the Pygments style the source view starts from
    plot_axis: str  # axis lines and grid
    bar_failed: RGB  # waterfall bars that failed / were cancelled (also hatched)
    bar_cancelled: RGB

    @property
    def dark(self) -> bool:
        return self.name == "dark"

    @property
    def base_rgb(self) -> RGB:
        value = self.base.lstrip("#")
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


LIGHT = Theme(
    name="light",
    text="#1a1a1a",
    muted="#5c5c5c",
    bad="#a83200",
    good="#00704a",
    note="#8a5300",
    cancelled="#7d3c6b",
    link="#0b57a4",
    disabled_text="#8a8a8a",
    window="#efefef",
    base="#ffffff",
    alternate_base="#f5f5f5",
    button="#e6e6e6",
    highlight="#ffe08a",
    late_background="#fde2e1",
    focus="#0b57a4",
    marker="#e66100",
    code_style="xcode",
    plot_axis="#787878",
    bar_failed=(90, 90, 90),
    bar_cancelled=(185, 185, 185),
)

DARK = Theme(
    name="dark",
    text="#e8e8e8",
    muted="#b0b0b0",
    bad="#ff9a70",
    good="#4fd1a5",
    note="#f0c05a",
    cancelled="#e7a3cb",
    link="#8cc4ff",
    disabled_text="#7a7a7a",
    window="#2b2b2b",
    base="#1f1f1f",
    alternate_base="#262626",
    button="#383838",
    highlight="#4d3d00",
    late_background="#4a2117",
    focus="#8cc4ff",
    marker="#ffa040",
    code_style="native",
    plot_axis="#9a9a9a",
    bar_failed=(150, 150, 150),
    bar_cancelled=(85, 85, 85),
)

THEMES = {"light": LIGHT, "dark": DARK}

# The theme in force: set by use(); read as palette.NAME when text is made.
CURRENT: Theme = LIGHT
BAD = LIGHT.bad
GOOD = LIGHT.good
MUTED = LIGHT.muted
NOTE = LIGHT.note
TEXT = LIGHT.text
HIGHLIGHT = LIGHT.highlight
LATE_BACKGROUND = LIGHT.late_background
DISABLED_TEXT = LIGHT.disabled_text

ZOOM_STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)  # Ctrl+= / Ctrl+-; --zoom within
TITLE_POINTS = 18.0  # a panel's title at zoom 1.0 (times the zoom: set as its font)
BANNER_POINTS = 12.0  # the HUD's freeze banner at zoom 1.0: readable from the back


def use(theme: Theme) -> None:
    """Make `theme` the one in force for colours read from here from now on."""
    global CURRENT, BAD, GOOD, MUTED, NOTE, TEXT, HIGHLIGHT, LATE_BACKGROUND, DISABLED_TEXT
    CURRENT = theme
    BAD, GOOD, MUTED, NOTE, TEXT = theme.bad, theme.good, theme.muted, theme.note, theme.text
    HIGHLIGHT, LATE_BACKGROUND = theme.highlight, theme.late_background
    DISABLED_TEXT = theme.disabled_text


def colored(text: str, color: str, bold: bool = False) -> str:
    """`text` (escaped) as rich text in `color`, e.g. colored("frozen", palette.BAD)."""
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{color};{weight}'>{html.escape(text)}</span>"


def shade(rgb: RGB, theme: Theme | None = None) -> RGB:
    """A categorical colour as the theme draws it: the same hue, darkened on the light
    theme (lightened on the dark one) until it stands out 3:1 from the window and the
    plots' background. Sky blue and orange are too light on white as they are."""
    return _shade(rgb, (theme or CURRENT).name)


@functools.cache
def _shade(rgb: RGB, theme_name: str) -> RGB:
    theme = THEMES[theme_name]
    toward = 255 if theme.dark else 0
    for step in range(21):
        mixed = tuple(round(c + (toward - c) * step / 20) for c in rgb)
        candidate: RGB = (mixed[0], mixed[1], mixed[2])
        backgrounds = (theme.window, theme.base, theme.alternate_base)
        if min(contrast(css(candidate), bg) for bg in backgrounds) >= GRAPHIC_CONTRAST:
            return candidate
    return rgb


def text_on(rgb: RGB) -> str:
    """Black or white, whichever reads better on a fill of `rgb` (a label on a bar)."""
    fill = css(rgb)
    return max(("#000000", "#ffffff"), key=lambda text: contrast(text, fill))


def css(rgb: RGB) -> str:
    """(r, g, b) as "#rrggbb", for rich text."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of "#rrggbb"."""
    value = color.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours, 1.0 to 21.0 (4.5 is AA for text)."""
    high, low = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (high + 0.05) / (low + 0.05)
