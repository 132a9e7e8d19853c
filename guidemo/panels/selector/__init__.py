"""Panel `selector`: how the loop knows a socket is ready, and async/await without asyncio.

Two tabs: a live view of the selector under guidemo's loop (recorded only while it is
shown), and the same `async def` coroutines run on a loop of twenty lines, on asyncio and
(if installed) on Trio. The sourceView follows the open tab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6 import QtWidgets

from guidemo.lessons.selector import open_connections
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.section import Section
from guidemo.panels.selector.live import HOLD_S, LATENCY_S, LiveSection
from guidemo.panels.selector.own_loop import OwnLoopSection
from guidemo.widgets.kit import named

__all__ = ["SelectorPanel"]


class SelectorPanel(Panel):
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
        self.sections: list[Section] = [self.live, self.own_loop]
        self.tabs = named(
            QtWidgets.QTabWidget(),
            "selectorTabs",
            "The selector under the loop, and a loop of our own; the code on the right follows",
        )
        for section in self.sections:
            self.tabs.addTab(section, section.tab_title)
        self.tabs.currentChanged.connect(self._tab_changed)
        for scroll in self.tabs.tabBar().findChildren(QtWidgets.QToolButton):
            scroll.setToolTip("Show more tabs")  # the tab bar's own scroll arrows
        self.set_controls(self.tabs)

    def _tab_changed(self, index: int) -> None:
        self.sections[index].show_source()

    def show_source(self, objects: Sequence[object]) -> None:
        self.source_view.show_objects(objects)

    def mark_line(self, line: int | None) -> None:
        """No line is marked here (the Host protocol asks for it)."""

    def adopt(self, task: asyncio.Task[Any], name: str) -> None:
        task.set_name(f"{self.slug}: {name}")
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def busy(self) -> bool:
        """Connections or a countdown still running (the tour quotes once they ended)."""
        return self.live.busy() or self.own_loop.busy()

    async def stop_work(self) -> None:
        for section in self.sections:
            await section.stop()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.live.start_connections()
        while self.live.busy():
            await asyncio.sleep(0.05)
