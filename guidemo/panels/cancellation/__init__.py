"""Panel `cancellation`: two tabs, cancelling a task, and lost tasks and lost errors.

The sourceView follows the open tab; a run marks the line where CancelledError landed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from PySide6 import QtWidgets

from guidemo.lessons.cancellation import CANCEL_AFTER_S, STEP_S, STEPS
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.cancellation.cancelling import BUTTONS as CANCEL_BUTTONS
from guidemo.panels.cancellation.cancelling import CancellingSection
from guidemo.panels.cancellation.lost import BUTTONS as LOST_BUTTONS
from guidemo.panels.cancellation.lost import LostTasksSection
from guidemo.panels.section import Section
from guidemo.widgets.kit import named
from guidemo.widgets.source_marks import LineMarker

__all__ = ["CancellationPanel"]


class CancellationPanel(Panel):
    slug = "cancellation"
    title = "Cancellation, timeouts and lost tasks"
    # Every lesson its buttons run; the sourceView shows the open tab's (see __init__).
    sources = CancellingSection.sources + LostTasksSection.sources
    button_lessons: ClassVar[dict[str, object]] = {
        **{name: spec[2] for name, spec in CANCEL_BUTTONS.items()},
        **{name: spec[2] for name, spec in LOST_BUTTONS.items()},
    }  # each button's lesson: pressing it scrolls the source view there
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "steps": STEPS,
        "step_s": STEP_S,
        "cancel_after_s": CANCEL_AFTER_S,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._marker = LineMarker(self.source_view)
        self.cancelling = CancellingSection(self)
        self.lost = LostTasksSection(self)
        self.sections: list[Section] = [self.cancelling, self.lost]
        self.tabs = named(
            QtWidgets.QTabWidget(),
            "cancellationTabs",
            "Cancelling a task; lost tasks and lost errors. The code on the right follows",
        )
        for section in self.sections:
            self.tabs.addTab(section, section.tab_title)
        self.tabs.currentChanged.connect(self._tab_changed)
        for scroll in self.tabs.tabBar().findChildren(QtWidgets.QToolButton):
            scroll.setToolTip("Show more tabs")  # the tab bar's own scroll arrows
        self.set_controls(self.tabs)
        self.cancelling.show_source()  # the first tab's lessons, until another tab is opened

    def _tab_changed(self, index: int) -> None:
        self._marker.clear()
        self.sections[index].show_source()

    # --- what the sections use ------------------------------------------------------------
    def show_source(self, objects: Sequence[object]) -> None:
        self.source_view.show_objects(objects)

    def mark_line(self, line: int | None) -> None:
        """Highlight file line `line` of the source shown and bring it into view."""
        if line is None:
            self._marker.clear()
        else:
            self._marker.mark(line, follow=True)

    def adopt(self, task: asyncio.Task[Any], name: str) -> None:
        task.set_name(f"{self.slug}: {name}")
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def busy(self) -> bool:
        """A run still going (the tour quotes the result once it ended)."""
        return self.cancelling.running() or self.lost.running()

    async def stop_work(self) -> None:
        for section in self.sections:
            await section.stop()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        await self.cancelling.run_now("shieldButton")
