"""Panel `futures`: an asyncio Future resolved by hand, a thread's Future joined to the
loop, and what `await` accepts.

Three sections in boxes, one module each (`playground`, `thread_jobs`, `awaitables`), writing to one
shared log; the code they run is the lessons `guidemo.lessons.futures` and
`guidemo.lessons.awaitables`.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Mapping
from typing import ClassVar

from PySide6 import QtWidgets

from guidemo.lessons.awaitables import Countdown, await_it
from guidemo.lessons.futures import (
    BoundedThreadPool,
    await_job,
    block_on_job,
    outcome,
    report_when_done,
    slow_square,
    submit_job,
    wait_for_it,
)
from guidemo.panels.base import PanelContext
from guidemo.panels.futures.awaitables import AwaitablesSection
from guidemo.panels.futures.playground import PlaygroundSection
from guidemo.panels.futures.thread_jobs import (
    BLOCK_LIMIT_S,
    MAX_WAITING,
    THREADS,
    ThreadJobsSection,
)
from guidemo.panels.section import SectionsPanel, boxed
from guidemo.widgets.kit import column, log_view


class FuturesPanel(SectionsPanel):
    slug = "futures"
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "pool_threads": THREADS,
        "waiting_jobs": MAX_WAITING,
        "block_limit_s": BLOCK_LIMIT_S,
    }
    title = "Futures: a result that arrives later"
    sources = (
        report_when_done,
        outcome,
        wait_for_it,
        slow_square,
        submit_job,
        BoundedThreadPool,
        await_job,
        block_on_job,
        Countdown,
        await_it,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "addCallbackButton": report_when_done,
        "awaitFutureButton": wait_for_it,
        "threadFutureButton": submit_job,
        "wrapFutureButton": await_job,
        "blockingResultButton": block_on_job,
        "awaitCountdownButton": Countdown,
        "awaitNotAwaitableButton": await_it,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.future_log = log_view(
            "futureLog",
            "Every call and every callback, in the order they happened",
            "Create a future, attach callbacks, then resolve it",
        )
        self.future_log.setMinimumHeight(120)  # and any height above: its size hint would
        policy = QtWidgets.QSizePolicy.Policy  # make the controls scroll on a 1000 px screen
        self.future_log.setSizePolicy(policy.Expanding, policy.Ignored)
        self.playground = PlaygroundSection(self, self.log)
        self.thread_jobs = ThreadJobsSection(self, self.log)
        self.awaitables = AwaitablesSection(self, self.log)
        self.sections = [self.playground, self.thread_jobs, self.awaitables]
        boxes = [boxed(section) for section in self.sections]
        self.set_controls(column(*boxes, (self.future_log, 1)))

    def log(self, text: str) -> None:
        clock = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
        bar = self.future_log.verticalScrollBar()
        following = bar.value() >= bar.maximum() - bar.pageStep()  # a resize moves it a bit
        self.future_log.appendPlainText(f"{clock}  {text}")
        if following:  # keep the newest line in view unless the reader scrolled up
            bar.setValue(bar.maximum())

    async def shutdown(self) -> None:
        self.thread_jobs.halt()  # first, so pool jobs end while their tasks are cancelled
        await super().shutdown()

    async def screenshot_demo(self) -> None:
        playground, thread_jobs = self.playground, self.thread_jobs
        playground.new_future()
        playground.add_callback()
        playground.add_callback()
        playground.await_future()
        await asyncio.sleep(0.05)
        playground.value_edit.setText("42")
        playground.set_result()
        await asyncio.sleep(0.05)
        playground.set_result()  # a second time: InvalidStateError, shown in the log
        thread_jobs.job_spin.setValue(0.8)
        thread_jobs.start_wrap()
        self.awaitables.countdown_spin.setValue(2)
        self.awaitables.start_countdown()
        while thread_jobs.wrap_task is not None or self.awaitables.countdown_task is not None:
            await asyncio.sleep(0.05)
        thread_jobs.job_spin.setValue(5.0)
        for _ in range(4):  # two run, two wait: the queue line shows them
            thread_jobs.submit()
        self.awaitables.start_bad_await()  # 42: the real TypeError, in the log
        await asyncio.sleep(0.3)
