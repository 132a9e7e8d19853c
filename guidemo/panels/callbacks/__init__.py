"""Panel `callbacks`: asking the loop to call a plain function soon, later, at a time, or from
a thread, and measuring when it really did; then callbacks next to await for the same job.

The lessons are `guidemo.lessons.scheduling` and `guidemo.lessons.qt_callbacks`; the two
sections that run them are `schedule_section` and `styles_section` beside this module, and
the run state of the scheduled calls is `call_log`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import ClassVar

from PySide6 import QtWidgets

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
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.callbacks.call_log import LATE_MS
from guidemo.panels.callbacks.schedule_section import ScheduleSection
from guidemo.panels.callbacks.styles_section import StylesSection


class CallbacksPanel(Panel):
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
        self.schedule_section = ScheduleSection(self.source_view)
        self.styles_section = StylesSection(context.server_url, self.source_view, self.spawn)
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.schedule_section, 1)
        layout.addWidget(self.styles_section)
        self.set_controls(controls)
        splitter = self.explanation.parentWidget()
        if isinstance(splitter, QtWidgets.QSplitter):
            splitter.setSizes([230, 590])  # the table needs room more than the text

    @property
    def calls(self) -> list[ScheduledCall]:
        """Every call scheduled and not cleared, in order."""
        return self.schedule_section.log.calls

    async def shutdown(self) -> None:
        self.schedule_section.stop()  # first, so worker threads stop waiting
        await super().shutdown()

    async def stop_work(self) -> None:
        self.styles_section.abort_replies()
        self.schedule_section.join_threads()

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
