"""Tab "Cancelling a task": five ways to stop a worker, and two ways it goes wrong.

Each button runs one lesson scenario; its events draw the lanes (where each task was when
the cancel struck), mark the line where CancelledError landed, and end in a summary: the
cleanup that ran and the time from the cancel to each task's end.
"""

from __future__ import annotations

import asyncio
import html
import linecache
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6 import QtWidgets

from guidemo.lessons import cancellation as lesson
from guidemo.lessons.cancellation import (
    Cancelling,
    CleanedUp,
    Ended,
    Event,
    Landed,
    Report,
    Stepped,
    Swallowed,
)
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import column, flow, label, make_button
from guidemo.widgets.lanes import LaneChart

Scenario = Callable[[Report], Coroutine[Any, Any, None]]
# button objectName -> (text, tooltip, the lesson it runs, role, does a deadline strike it?)
BUTTONS: dict[str, tuple[str, str, Scenario, str, bool]] = {
    "cancelTaskButton": (
        "task.cancel()",
        "Start a worker, cancel it after a while: where does the CancelledError land?",
        lesson.cancel_a_task,
        "",
        False,
    ),
    "timeoutButton": (
        "asyncio.timeout()",
        "Await the worker inside asyncio.timeout(): at the deadline it is cancelled, and "
        "the block raises TimeoutError",
        lesson.time_out,
        "",
        True,
    ),
    "waitForButton": (
        "wait_for()",
        "asyncio.wait_for(worker, limit): the same with the older function",
        lesson.wait_for_it,
        "",
        True,
    ),
    "taskGroupFailButton": (
        "TaskGroup: a child fails",
        "Two workers and a child that fails in one TaskGroup: the group cancels the others",
        lesson.group_with_a_failure,
        "",
        False,
    ),
    "shieldButton": (
        "shield()",
        "Cancel a task that awaits shield(inner): the outer await ends, the inner work goes on",
        lesson.shield_the_inner,
        "",
        False,
    ),
    "swallowCancelButton": (
        "swallow CancelledError",
        "A worker that catches CancelledError and carries on: cancel() and timeout() both "
        "seem not to work",
        lesson.swallow_the_cancel,
        "danger",
        False,
    ),
    "uncancelButton": (
        "uncancel()",
        "Two workers that take a cancel as 'skip this step' inside a timeout(): only the "
        "one that calls uncancel() gets its TimeoutError",
        lesson.skip_a_step,
        "",
        False,
    ),
}
SOURCES = (
    lesson.worker,
    lesson.connection,
    lesson.cancel_a_task,
    lesson.time_out,
    lesson.wait_for_it,
    lesson.group_with_a_failure,
    lesson.wait_shielded,
    lesson.shield_the_inner,
    lesson.stubborn_worker,
    lesson.stubborn_under_timeout,
    lesson.swallow_the_cancel,
    lesson.skipping_worker,
    lesson.skip_under_timeout,
    lesson.skip_a_step,
)
LANE_KIND = {"cancelled": "cancelled", "CancelledError": "cancelled", "finished": "result"}


def code_at(line: int) -> str:
    """The lesson's source text at file line `line`, without its comment."""
    return linecache.getline(lesson.__file__, line).split("#")[0].strip()


@dataclass
class Run:
    """What one scenario did, as its events arrived."""

    name: str
    started: float
    struck_at: float | None = None  # when the first cancel struck (a call, a deadline, a failure)
    cancel_at: dict[str, float] = field(default_factory=dict)  # task -> its own cancel() call
    landed: dict[str, tuple[str, int]] = field(default_factory=dict)  # task -> (how, line)
    cleanups: dict[str, list[str]] = field(default_factory=dict)
    ended: dict[str, Ended] = field(default_factory=dict)

    def summary(self) -> str:
        """Each task: where the cancel landed, what cleanup ran, how long until it ended."""
        lines = []
        for task, end in self.ended.items():
            if task == "group":
                lines.append(f"TaskGroup raised ExceptionGroup({html.escape(end.note)})")
                continue
            parts = [f"<b>{html.escape(task)}</b>:"]
            if task in self.landed:
                how, line = self.landed[task]
                parts.append(
                    f"CancelledError {how} line {line} <code>{html.escape(code_at(line))}</code>;"
                )
            cleanup = ", ".join(self.cleanups.get(task, [])) or "none"
            parts.append(f"cleanup that ran: {cleanup};")
            ending = end.how + (f", {end.note}" if end.note else "")
            cancelled_at = self.cancel_at.get(task, self.struck_at)
            if end.how.startswith("failed"):
                parts.append(f"ended ({html.escape(ending)}): the failure that cancels the rest")
            elif cancelled_at is not None and end.at >= cancelled_at:
                after = (end.at - cancelled_at) * 1000
                parts.append(
                    f"ended ({html.escape(ending)}) <b>{after:.1f} ms</b> after the cancel"
                )
            else:
                parts.append(f"ended ({html.escape(ending)}) before any cancel")
            lines.append(" ".join(parts))
        return f"<b>{html.escape(self.name)}</b><br>" + "<br>".join(lines)


class CancellingSection(Section):
    title = "Cancelling a task"
    sources = SOURCES

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._task: asyncio.Task[None] | None = None
        self._run: Run | None = None
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip, _, role, _) in BUTTONS.items():
            self.buttons[name] = make_button(
                text,
                name,
                tip + "; disabled while a run is going",
                partial(self.start, name),
                role=role,
            )
        self.lanes = LaneChart("cancelLanes", min_span_s=lesson.STEPS * lesson.STEP_S)
        self.lanes.setToolTip(
            "One lane per task: its steps, the cancel (dashed line) and how it ended"
        )
        self.result_label = label(
            "Press a button: each runs a worker of "
            f"{lesson.STEPS} steps of {lesson.STEP_S:g} s and stops it.",
            "cancelResultLabel",
            "Where CancelledError landed in each task, the cleanup that ran, and the time "
            "from the cancel to the task's end, measured while it ran",
            rich=True,
        )
        self.lay_out(
            column(flow(*self.buttons.values()), self.result_label), (self.lanes, 1), top=0
        )

    def running(self) -> bool:
        return self._task is not None

    def start(self, name: str) -> None:
        if self._task is not None:
            return  # one run at a time: the buttons are disabled meanwhile
        self._task = self.host.spawn(self._run_scenario(name), f"{BUTTONS[name][0]} run")

    async def run_now(self, name: str) -> None:
        """Run scenario `name` and wait for it (the screenshot)."""
        self.start(name)
        while self._task is not None:
            await asyncio.sleep(0.05)

    async def _run_scenario(self, name: str) -> None:
        text, _, scenario, _, deadline = BUTTONS[name]
        for button in self.buttons.values():
            button.setEnabled(False)
        started = time.perf_counter()
        self._run = Run(text, started)
        if deadline:
            self._run.struck_at = started + lesson.CANCEL_AFTER_S
        self.lanes.reset(started)
        self.host.mark_line(None)
        self.result_label.setText(f"Running {html.escape(text)}…")
        try:
            await scenario(self.on_event)
            self.result_label.setText(self._run.summary())
        finally:
            # A cancelled run (the window closing) can leave a shielded task running: what
            # it reports later is nobody's to draw (its widgets may be gone).
            self._task = self._run = None
            for button in self.buttons.values():
                button.setEnabled(True)

    def on_event(self, event: Event) -> None:
        """Draw one event of the running scenario."""
        run = self._run
        if run is None:
            return
        match event:
            case Stepped(task, step, at):
                run.cleanups.setdefault(task, [])
                self.lanes.open_bar(task, "awaiting", at)
                self.lanes.add_event(task, "step", f"step {step}", at)
            case Cancelling(task, how, at):
                if task not in self.lanes.lane_names():  # it only awaited: no steps to draw
                    self.lanes.open_bar(task, "awaiting", run.started)
                run.cancel_at.setdefault(task, at)
                if run.struck_at is None:
                    run.struck_at = at
                self.lanes.mark(how, at)
            case Landed(task, line, at):
                if run.struck_at is None or at < run.struck_at:
                    run.struck_at = at  # a deadline's timer may fire a little early
                run.landed[task] = ("landed at", line)
                self.lanes.add_event(task, "exception", "CancelledError", at)
                self.host.mark_line(line)
            case Swallowed(task, line, at):
                run.cancel_at.setdefault(task, at)  # a deadline's cancel: when it struck
                run.landed[task] = ("swallowed at", line)
                self.lanes.add_event(task, "exception", "swallowed", at)
                self.host.mark_line(line)
            case CleanedUp(task, what, _):
                run.cleanups.setdefault(task, []).append(what)
            case Ended(task, how, _, at):
                run.ended[task] = event
                if how.startswith("failed") and run.struck_at is None:
                    run.struck_at = at  # the failure is what cancels the others
                if task != "group":
                    self.lanes.finish(task, LANE_KIND.get(how, "exception"), how, at)
