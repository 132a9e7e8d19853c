"""One palette and one style sheet for the whole app.

Colours carry meaning in guidemo (red: frozen, failed, early; green: live, ok), so they
are named by meaning, not by hue, and written once. Buttons get a `role` property
("danger" for the deliberately bad way, "good" for the right one) that the style sheet
colours, including a grey disabled look: a red button that cannot be pressed must not
look pressable.
"""

from __future__ import annotations

import html

BAD = "#b00020"  # frozen, failed, early, the wrong way
GOOD = "#1b7f3b"  # live, ok, the right way
MUTED = "#777777"  # pending, cancelled, secondary text
NOTE = "#a05a00"  # worth noticing, not wrong: reconnecting, ticks skipped
TEXT = "#202020"
HIGHLIGHT = "#ffe08a"  # the line running now, the control to use now
LATE_BACKGROUND = "#fde2e1"
DISABLED_TEXT = "#a0a0a0"

TITLE_POINTS = 18.0  # a panel's title at zoom 1.0
BANNER_POINTS = 12.0  # the HUD's freeze banner at zoom 1.0: readable from the back


def style_sheet(zoom: float = 1.0) -> str:
    """The app's one style sheet, at a zoom factor (its point sizes scale with it)."""
    return f"""
QPushButton[role="danger"] {{ color: {BAD}; font-weight: 600; }}
QPushButton[role="good"] {{ color: {GOOD}; font-weight: 600; }}
QPushButton[role="danger"]:disabled, QPushButton[role="good"]:disabled {{
    color: {DISABLED_TEXT}; font-weight: 400;
}}
QLabel#panelTitle {{
    font-size: {TITLE_POINTS * zoom:.1f}pt; font-weight: 600; margin: 2px 0 4px 0;
}}
QLabel#freezeLabel {{ font-size: {BANNER_POINTS * zoom:.1f}pt; }}
"""


STYLE_SHEET = style_sheet()


def colored(text: str, color: str, bold: bool = False) -> str:
    """`text` (escaped) as rich text in `color`, e.g. colored("frozen", BAD)."""
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{color};{weight}'>{html.escape(text)}</span>"
