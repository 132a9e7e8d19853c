"""Panel `callbacks`: asking the loop to call a plain function soon, later, at a time, or from
a thread, and measuring when it really did; then callbacks next to await for the same job.

The lessons are `guidemo.lessons.scheduling` and `guidemo.lessons.qt_callbacks`; the two
sections that run them are `schedule` and `styles` beside this module, and
the run state of the scheduled calls is `call_log`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import ClassVar

from guidemo.lessons.qt_callbacks import fetch_twice_with_callbacks
from guidemo.lessons.scheduling import (
    ScheduledCall,
    busy_callback,
    callback,
    fetch_twice_with_await,
    schedule_at,
    schedule_busy,
    schedule_from_thread,
    schedule_later,
    schedule_soon,
    summarize,
)
from guidemo.panels.base import PanelContext
from guidemo.panels.callbacks.call_log import LATE_MS
from guidemo.panels.callbacks.schedule import ScheduleSection
from guidemo.panels.callbacks.styles import StylesSection
from guidemo.panels.section import SectionsPanel, boxed
from guidemo.widgets.kit import column


class CallbacksPanel(SectionsPanel):
    slug = "callbacks"
    explanation_numbers: ClassVar[Mapping[str, float]] = {"late_ms": LATE_MS}
    title = "Callbacks"
    sources = (
        callback,
        schedule_soon,
        schedule_later,
        schedule_at,
        schedule_from_thread,
        schedule_busy,
        busy_callback,
        fetch_twice_with_callbacks,
        fetch_twice_with_await,
        summarize,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "busyButton": schedule_busy,
        "callbackStyleButton": fetch_twice_with_callbacks,
        "awaitStyleButton": fetch_twice_with_await,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.schedule_section = ScheduleSection(self)
        self.styles_section = StylesSection(self)
        self.sections = [self.schedule_section, self.styles_section]
        self.set_controls(column((boxed(self.schedule_section), 1), boxed(self.styles_section)))
        self.give_height(230, 590)  # the table needs room more than the text

    @property
    def calls(self) -> list[ScheduledCall]:
        """Every call scheduled and not cleared, in order."""
        return self.schedule_section.log.calls

    async def shutdown(self) -> None:
        self.schedule_section.halt()  # first, so worker threads stop waiting
        await super().shutdown()

    async def screenshot_demo(self) -> None:
        scheduling, styles = self.schedule_section, self.styles_section
        scheduling.delay_spin.setValue(300)
        scheduling.handle_click(scheduling.schedule_all_kinds)  # as the button does
        await until(lambda: "Why call_soon" in scheduling.soon_label.text())
        scheduling.schedule("call_later", 0.5)
        scheduling.schedule("call_later", 0.4)
        scheduling.cancel_handle()
        scheduling.busy_spin.setValue(400)
        scheduling.keep_busy()  # the calls due in the next 0.4 s come late
        await until(scheduling.log.all_done)
        styles.run_callback_style()
        styles.run_await_style()
        await until(lambda: not styles.running)


async def until(condition: Callable[[], bool], timeout: float = 4.0) -> None:
    """Wait until `condition()` holds, or `timeout` seconds have passed."""
    deadline = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
