"""Panel `coroutines`: four tabs, each a small section with its own lesson.

Many coroutines taking turns on one loop, a coroutine that is never awaited, coroutines
by hand (generators and a toy task loop), and a coroutine that does not give up control.
The sourceView follows the open tab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from PySide6 import QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.coroutines.by_hand import ByHandSection
from guidemo.panels.coroutines.giving_up_control import ControlSection
from guidemo.panels.coroutines.many import RUN_FOR_S, SHUTDOWN_S, ManySection
from guidemo.panels.coroutines.never_awaited import NeverAwaitedSection
from guidemo.panels.section import Section
from guidemo.widgets.kit import named
from guidemo.widgets.source_marks import LineMarker

__all__ = ["CoroutinesPanel"]


class CoroutinesPanel(Panel):
    slug = "coroutines"
    title = "Coroutines: taking turns on one loop"
    sources = ManySection.sources  # the first tab's, until another tab is opened
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "shutdown_s": SHUTDOWN_S,
        "run_for_s": RUN_FOR_S,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._marker = LineMarker(self.source_view)
        self.many = ManySection(self)
        self.never_awaited = NeverAwaitedSection(self)
        self.by_hand = ByHandSection(self)
        self.control = ControlSection(self)
        self.sections: list[Section] = [self.many, self.never_awaited, self.by_hand, self.control]
        self.tabs = named(
            QtWidgets.QTabWidget(),
            "coroutineTabs",
            "Four ways to look at coroutines; the code on the right follows",
        )
        for section in self.sections:
            self.tabs.addTab(section, section.tab_title)
        self.tabs.currentChanged.connect(self._tab_changed)
        for scroll in self.tabs.tabBar().findChildren(QtWidgets.QToolButton):
            scroll.setToolTip("Show more tabs")  # the tab bar's own scroll arrows
        self.set_controls(self.tabs)

    def _tab_changed(self, index: int) -> None:
        self.sections[index].show_source()

    # --- what the sections use ------------------------------------------------------------
    def show_source(self, objects: Sequence[object]) -> None:
        self.source_view.show_objects(objects)

    def mark_line(self, line: int | None) -> None:
        """Give file line `line` of the source shown the highlight and bring it into view
        (None: no line marked). Only two lines' background change: nothing is rendered."""
        if line is None:
            self._marker.clear()
        else:
            self._marker.mark(line, follow=True)

    def adopt(self, task: asyncio.Task[Any], name: str) -> None:
        """Keep a task the lesson code created itself like one from spawn(): named
        "<slug>: <name>", kept alive, cancelled at shutdown, its error logged."""
        task.set_name(f"{self.slug}: {name}")
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def busy(self) -> bool:
        """Instances or say_lots still running (the tour quotes the status once they ended)."""
        return self.many.running()

    # --- lifecycle ------------------------------------------------------------------------
    async def stop_work(self) -> None:
        for section in self.sections:
            await section.stop()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        await self.many.screenshot_demo()
