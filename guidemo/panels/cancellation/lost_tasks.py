"""Tab "Lost tasks and lost errors": a task nobody keeps, an error nobody awaits.

The lessons trigger asyncio's two reports for real (the garbage collector runs) and catch
them from the loop's exception handler while they run, so they are shown here: not in the
app's error log, and not on the terminal.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from PySide6 import QtWidgets

from guidemo.lessons import lost_tasks as lesson
from guidemo.lessons.lost_tasks import Say
from guidemo.panels.section import Host, Section
from guidemo.task_accounting import AccountedTask
from guidemo.widgets.kit import column, flow, label, log_view, make_button

Lesson = Callable[[Say], Coroutine[Any, Any, list[str]]]
# button objectName -> (text, tooltip, the lesson it runs, role)
BUTTONS: dict[str, tuple[str, str, Lesson, str]] = {
    "lostTaskButton": (
        "create_task(), no reference kept",
        "Start a task that waits, keep no reference, run gc.collect(): the task is destroyed "
        "while pending",
        lesson.lose_a_task,
        "danger",
    ),
    "keptTaskButton": (
        "the same, reference kept",
        "The same task kept in a set: the collector leaves it alone, and it is cancelled cleanly",
        lesson.keep_the_task,
        "good",
    ),
    "neverRetrievedButton": (
        "a failed task nobody awaits",
        "A task fails, nobody awaits it, its last reference goes: 'Task exception was never "
        "retrieved'",
        lesson.never_retrieve,
        "danger",
    ),
    "groupErrorButton": (
        "the same in a TaskGroup",
        "The failing task in a TaskGroup: the group awaits it and raises its error to us",
        lesson.fail_in_a_group,
        "good",
    ),
}
SOURCES = (
    lesson.wait_for_a_signal,
    lesson.lose_a_task,
    lesson.keep_the_task,
    lesson.fail_at_once,
    lesson.never_retrieve,
    lesson.fail_in_a_group,
    lesson.caught_loop_reports,
)

ACCOUNTED = AccountedTask.__name__


def explained(report: str) -> str:
    """The loop's report, with a word on the app's own Task class where it names it."""
    if report.startswith(ACCOUNTED):
        return report + (
            f" ({ACCOUNTED} is this app's Task subclass, which times each task's steps "
            "for the task inspector: asyncio names the task's class here)"
        )
    return report


class LostTasksSection(Section):
    title = "Lost tasks and lost errors"
    sources = SOURCES

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._task: asyncio.Task[None] | None = None
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip, _, role) in BUTTONS.items():
            self.buttons[name] = make_button(text, name, tip, partial(self.start, name), role=role)
        self.result_label = label(
            "Press a button: the loop's reports about the lesson's tasks show here.",
            "lostResultLabel",
            "What the loop's exception handler reported about the lesson's tasks in the "
            "latest run (caught here, not the app's own errors)",
            rich=True,
        )
        self.log = log_view(
            "lostLog",
            "Every run: what the lesson's tasks said, and the loop's reports caught",
            "Each run's story appears here",
        )
        self.lay_out(column(flow(*self.buttons.values()), self.result_label), (self.log, 1), top=0)

    def running(self) -> bool:
        return self._task is not None

    def start(self, name: str) -> None:
        if self._task is not None:
            return
        self._task = self.host.spawn(self._run_lesson(name), f"{BUTTONS[name][0]}")

    async def _run_lesson(self, name: str) -> None:
        text, _, run_lesson, _ = BUTTONS[name]
        for button in self.buttons.values():
            button.setEnabled(False)
        self.log.appendPlainText(f">>> {run_lesson.__name__}()   # {text}")
        try:
            caught = [explained(report) for report in await run_lesson(self.log.appendPlainText)]
            for report in caught:
                self.log.appendPlainText(f"loop's exception handler: {report}")
            if caught:
                reports = "; ".join(f"“{html.escape(r)}”" for r in caught)
                self.result_label.setText(
                    f"<b>{text}</b>: the loop reported <b>{len(caught)}</b>: {reports}. "
                    "Caught for this lesson: not in the error log, not on the terminal."
                )
            else:
                self.result_label.setText(
                    f"<b>{text}</b>: the loop reported <b>0</b>: nothing was lost."
                )
            self.log.appendPlainText("")
        finally:
            self._task = None
            for button in self.buttons.values():
                button.setEnabled(True)
