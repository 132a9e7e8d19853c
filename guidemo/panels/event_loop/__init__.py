"""Panel `event-loop`: a toy event loop you can watch, and Qt's real loop held up by one handler.

The lessons are `guidemo.lessons.toy_loop` and `guidemo.lessons.qt_events`; the two
sections that draw them are `toy_section` and `real_section` beside this module.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from PySide6 import QtWidgets

from guidemo.lessons.qt_events import EventReceiver, handle_demo_event, post_qt_events
from guidemo.lessons.toy_loop import ToyEventLoop, drive_toy_loop, quick_handler, slow_handler
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.event_loop.real_section import RealEventsSection
from guidemo.panels.event_loop.toy_section import ToySection


class EventLoopPanel(Panel):
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
        self.toy_section = ToySection(self.source_view, self.spawn)
        self.real_section = RealEventsSection(self.source_view)
        self.toy: ToyEventLoop = self.toy_section.toy
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.toy_section, 3)
        layout.addWidget(self.real_section, 2)
        self.set_controls(controls)
        splitter = self.explanation.parentWidget()
        if isinstance(splitter, QtWidgets.QSplitter):
            splitter.setSizes([200, 620])  # the toy needs room more than the text

    def busy(self) -> bool:
        """The toy still has events to handle (the tour quotes its summary once it is idle)."""
        return self.toy_section.busy()

    async def shutdown(self) -> None:
        self.toy_section.stop()  # first: a turn in progress ends at once
        await super().shutdown()

    async def stop_work(self) -> None:
        self.toy_section.shutdown_cpu()

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
