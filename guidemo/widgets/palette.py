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

STYLE_SHEET = f"""
QPushButton[role="danger"] {{ color: {BAD}; font-weight: 600; }}
QPushButton[role="good"] {{ color: {GOOD}; font-weight: 600; }}
QPushButton[role="danger"]:disabled, QPushButton[role="good"]:disabled {{
    color: {DISABLED_TEXT}; font-weight: 400;
}}
QLabel#panelTitle {{ font-size: 18pt; font-weight: 600; margin: 2px 0 4px 0; }}
"""


def colored(text: str, color: str, bold: bool = False) -> str:
    """`text` (escaped) as rich text in `color`, e.g. colored("frozen", BAD)."""
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{color};{weight}'>{html.escape(text)}</span>"
