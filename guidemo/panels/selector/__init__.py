"""Panel `selector`: how the loop knows a socket is ready, and async/await without asyncio.

Two tabs: a live view of the selector under guidemo's loop (recorded only while it is
shown), and the same `async def` coroutines run on a loop of twenty lines, on asyncio and
(if installed) on Trio. The sourceView follows the open tab.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from guidemo.lessons.selector import open_connections
from guidemo.panels.base import PanelContext
from guidemo.panels.section import SectionsPanel
from guidemo.panels.selector.live import HOLD_S, LATENCY_S, LiveSection
from guidemo.panels.selector.own_loop import OwnLoopSection

__all__ = ["SelectorPanel"]


class SelectorPanel(SectionsPanel):
    slug = "selector"
    title = "How the loop knows a socket is ready"
    sources = LiveSection.sources  # the first tab's, until another tab is opened
    # (the own-loop tab shows its lessons while it is open: its buttons run those)
    button_lessons: ClassVar[dict[str, object]] = {"openConnectionsButton": open_connections}
    explanation_numbers: ClassVar[dict[str, float]] = {"latency_s": LATENCY_S, "hold_s": HOLD_S}

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.live = LiveSection(self)
        self.own_loop = OwnLoopSection(self)
        self.sections = [self.live, self.own_loop]
        self.tabs = self.tabs_of(
            "selectorTabs",
            "The selector under the loop, and a loop of our own; the code on the right follows",
            self.sections,
        )
        self.set_controls(self.tabs)

    def busy(self) -> bool:
        """Connections or a countdown still running (the tour quotes once they ended)."""
        return self.live.busy() or self.own_loop.busy()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.live.start_connections()
        while self.live.busy():
            await asyncio.sleep(0.05)
