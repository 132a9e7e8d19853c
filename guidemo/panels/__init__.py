"""The one place panels are registered: their order here is their order in the app."""

from __future__ import annotations

from guidemo.panels.base import Panel
from guidemo.panels.blocking import BlockingPanel

PANEL_CLASSES: list[type[Panel]] = [
    BlockingPanel,
]
