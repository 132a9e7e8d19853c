"""Panel `event-loop`: a toy event loop you can watch, and Qt's real loop held up by one handler.

The lessons are `guidemo.lessons.toy_loop` and `guidemo.lessons.qt_events`; the two
sections that draw them are `toy` and `real_events` beside this module.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from guidemo.lessons.qt_events import EventReceiver, handle_demo_event, post_qt_events
from guidemo.lessons.toy_loop import ToyEventLoop, drive_toy_loop, quick_handler, slow_handler
from guidemo.panels.base import PanelContext
from guidemo.panels.event_loop.real_events import RealEventsSection
from guidemo.panels.event_loop.toy import ToySection
from guidemo.panels.section import SectionsPanel, boxed
from guidemo.widgets.kit import column


class EventLoopPanel(SectionsPanel):
    slug = "event-loop"
    title = "The event loop"
    sources = (
        ToyEventLoop,
        quick_handler,
        slow_handler,
        drive_toy_loop,
        post_qt_events,
        handle_demo_event,
        EventReceiver,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "quickEventButton": quick_handler,
        "slowEventButton": slow_handler,
        "realPostButton": post_qt_events,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.toy_section = ToySection(self)
        self.real_section = RealEventsSection(self)
        self.sections = [self.toy_section, self.real_section]
        self.toy: ToyEventLoop = self.toy_section.toy
        self.set_controls(column((boxed(self.toy_section), 3), (boxed(self.real_section), 2)))
        self.give_height(200, 620)  # the toy needs room more than the text

    def busy(self) -> bool:
        """The toy still has events to handle (the tour quotes its summary once it is idle)."""
        return self.toy_section.busy()

    async def shutdown(self) -> None:
        self.toy_section.halt()  # first: a turn in progress ends at once
        await super().shutdown()

    async def screenshot_demo(self) -> None:
        real, toy = self.real_section, self.toy_section
        real.real_slow.setValue(300)
        real.post()
        while real.real_table.rowCount() < real.real_count.value():
            await asyncio.sleep(0.05)
        toy.speed_slider.setValue(1)
        toy.post("quick", 2)
        toy.post("slow", 1)
        toy.post("quick", 1)
        toy.post("quick", 24)
        while len(self.toy.handled) < 7:
            await asyncio.sleep(0.05)
