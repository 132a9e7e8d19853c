"""Panel `coroutines`: four tabs, each a small section with its own lesson.

Many coroutines taking turns on one loop, a coroutine that is never awaited, coroutines
by hand (generators and a toy task loop), and a coroutine that does not give up control.
The sourceView follows the open tab.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from guidemo.panels.base import PanelContext
from guidemo.panels.coroutines.by_hand import ByHandSection
from guidemo.panels.coroutines.giving_up_control import GivingUpControlSection
from guidemo.panels.coroutines.many import RUN_FOR_S, SHUTDOWN_S, ManySection
from guidemo.panels.coroutines.never_awaited import NeverAwaitedSection
from guidemo.panels.section import SectionsPanel

__all__ = ["CoroutinesPanel"]


class CoroutinesPanel(SectionsPanel):
    slug = "coroutines"
    title = "Coroutines: taking turns on one loop"
    sources = ManySection.sources  # the first tab's, until another tab is opened
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "shutdown_s": SHUTDOWN_S,
        "run_for_s": RUN_FOR_S,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.many = ManySection(self)
        self.never_awaited = NeverAwaitedSection(self)
        self.by_hand = ByHandSection(self)
        self.control = GivingUpControlSection(self)
        self.sections = [self.many, self.never_awaited, self.by_hand, self.control]
        self.tabs = self.tabs_of(
            "coroutineTabs",
            "Four ways to look at coroutines; the code on the right follows",
            self.sections,
        )
        self.set_controls(self.tabs)

    def busy(self) -> bool:
        """Instances or say_lots still running (the tour quotes the status once they ended)."""
        return self.many.running()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        await self.many.screenshot_demo()
