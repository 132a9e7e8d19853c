"""One palette for the whole app.

Colours carry meaning in guidemo (red: frozen, failed, early; green: live, ok), so they
are named by meaning, not by hue, and written once. Buttons get a `role` ("danger" for
the deliberately bad way, "good" for the right one) that colours them (kit.colour_by_role),
with a grey disabled look: a red button that cannot be pressed must not look pressable.
No style sheet for the window: widgets under one do not follow its font, and a zoom
then had to restyle every widget.
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

ZOOM_STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)  # Ctrl+= / Ctrl+-; --zoom within
TITLE_POINTS = 18.0  # a panel's title at zoom 1.0 (times the zoom: set as its font)
BANNER_POINTS = 12.0  # the HUD's freeze banner at zoom 1.0: readable from the back


def colored(text: str, color: str, bold: bool = False) -> str:
    """`text` (escaped) as rich text in `color`, e.g. colored("frozen", BAD)."""
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{color};{weight}'>{html.escape(text)}</span>"
