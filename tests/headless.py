"""Headless screens for the tests: Qt's offscreen platform with a screen of a given size."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path


def offscreen_platform(width: int, height: int) -> str:
    """QT_QPA_PLATFORM for a headless screen of this size (Qt's default is 800x800)."""
    screen = {"name": "test", "x": 0, "y": 0, "width": width, "height": height}
    config = Path(tempfile.mkdtemp(prefix="guidemo-screen-")) / "screen.json"
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"
