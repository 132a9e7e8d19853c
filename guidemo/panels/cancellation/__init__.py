"""Panel `cancellation`: two tabs, cancelling a task, and lost tasks and lost errors.

The sourceView follows the open tab; a run marks the line where CancelledError landed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from guidemo.lessons.cancellation import CANCEL_AFTER_S, STEP_S, STEPS
from guidemo.panels.base import PanelContext
from guidemo.panels.cancellation.cancelling import BUTTONS as CANCEL_BUTTONS
from guidemo.panels.cancellation.cancelling import CancellingSection
from guidemo.panels.cancellation.lost_tasks import BUTTONS as LOST_BUTTONS
from guidemo.panels.cancellation.lost_tasks import LostTasksSection
from guidemo.panels.section import SectionsPanel

__all__ = ["CancellationPanel"]


class CancellationPanel(SectionsPanel):
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
        self.cancelling = CancellingSection(self)
        self.lost = LostTasksSection(self)
        self.sections = [self.cancelling, self.lost]
        self.tabs = self.tabs_of(
            "cancellationTabs",
            "Cancelling a task; lost tasks and lost errors. The code on the right follows",
            self.sections,
        )
        self.tabs.currentChanged.connect(lambda _: self.mark_line(None))
        self.set_controls(self.tabs)
        self.cancelling.show_source()  # the first tab's lessons, until another tab is opened

    def busy(self) -> bool:
        """A run still going (the tour quotes the result once it ended)."""
        return self.cancelling.running() or self.lost.running()

    async def screenshot_demo(self) -> None:
        self.tabs.setCurrentIndex(0)
        await self.cancelling.run_now("shieldButton")
