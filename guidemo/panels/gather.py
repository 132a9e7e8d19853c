"""Panel `gather`: the lecture's factorials run four ways, and what each does when one fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.lanes import LaneChart

Show = Callable[[str, str, str], None]  # show(lane, kind, text): how the code reports to the panel
Jobs = list[tuple[str, int, int | None]]  # (name, number, step it fails at, or None)
KEEP_RUNS = 2  # the lane chart shows this many runs, newest at the bottom


# --- the work ------------------------------------------------------------------------------
async def factorial(
    name: str, number: int, step_s: float, show: Show, fail_at: int | None = None
) -> int:
    """The lecture's factorial: one multiplication per step, each step waiting `step_s`."""
    result = 1
    try:
        for i in range(1, number + 1):
            if i == fail_at:
                raise ValueError(f"{name} broke at step {i}")
            show(name, "step", f"step {i} of {number}")
            await asyncio.sleep(step_s)  # the other tasks run while this one waits
            result *= i
    except asyncio.CancelledError:
        show(name, "cancelled", "cancelled while it waited")
        raise  # let it through: that is what ends the task as cancelled
    except Exception as error:
        show(name, "exception", repr(error))
        raise
    show(name, "result", f"factorial({number}) = {result}")
    return result


# --- four ways to run them ---------------------------------------------------------------------
async def sequentially(jobs: Jobs, step_s: float, show: Show) -> list[int]:
    """Await one factorial after the other: each starts only when the one before is done."""
    results = []
    for name, number, fail_at in jobs:
        results.append(await factorial(name, number, step_s, show, fail_at))
    return results


async def with_gather(
    jobs: Jobs, step_s: float, show: Show, return_exceptions: bool = False
) -> list[Any]:
    """Run them all at once; the results come back in the order the jobs were passed in."""
    return await asyncio.gather(
        *(factorial(name, number, step_s, show, fail_at) for name, number, fail_at in jobs),
        return_exceptions=return_exceptions,
    )


async def with_as_completed(jobs: Jobs, step_s: float, show: Show) -> list[int]:
    """Run them all at once; take each result the moment its factorial finishes."""
    results = []
    coros = [factorial(name, number, step_s, show, fail_at) for name, number, fail_at in jobs]
    for next_done in asyncio.as_completed(coros):
        results.append(await next_done)
        show("caller", "step", f"got {results[-1]}")  # usable before the others are done
    return results


async def with_task_group(jobs: Jobs, step_s: float, show: Show) -> list[int]:
    """Run them in a TaskGroup: if one fails, the group cancels the rest and raises."""
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(factorial(name, number, step_s, show, fail_at))
            for name, number, fail_at in jobs
        ]
    return [task.result() for task in tasks]


# --- what the panel records about each run -------------------------------------------------
@dataclass
class JobRecord:
    state: str = "never started"  # -> running -> result / exception / cancelled
    text: str = ""
    ended_at: float | None = None  # seconds since the run started
    task: asyncio.Task[Any] | None = None  # the task that ran it (for Cancel)


@dataclass
class Run:
    way: str
    step_s: float
    started: float
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    running_at_return: list[str] = field(default_factory=list)  # when the caller got control

    def lane(self, name: str) -> str:
        return f"{self.way} · {name}"

    def still_running(self) -> list[JobRecord]:
        return [job for job in self.jobs.values() if job.state == "running"]


def describe(error: BaseException) -> str:
    """repr() of an exception, with an ExceptionGroup's members listed briefly."""
    if isinstance(error, BaseExceptionGroup):
        return f"{type(error).__name__}[{', '.join(map(describe, error.exceptions))}]"
    return repr(error)


WAYS = ("sequential", "gather", "as_completed", "TaskGroup")
STATE_COLORS = {
    "result": "#1b7f3b",
    "exception": "#b00020",
    "cancelled": "#78409a",
    "never started": "#777777",
    "running": "#555555",
}


def job_cell(job: JobRecord) -> str:
    """How one task ended, for the table: '= 24 at 0.80 s', 'cancelled at 0.20 s', ..."""
    if job.state == "result":
        return f"= {job.text.split('= ')[-1]} at {job.ended_at:.2f} s"
    if job.state in ("exception", "cancelled"):
        what = "ValueError" if job.state == "exception" else "cancelled"
        return f"{what} at {job.ended_at:.2f} s"
    return job.state


class GatherPanel(Panel):
    slug = "gather"
    title = "Running a bunch of tasks: gather and friends"
    sources = (
        factorial,
        sequentially,
        with_gather,
        with_as_completed,
        with_task_group,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._run_task: asyncio.Task[None] | None = None
        self._lane_runs: list[Run] = []
        self._clean_totals: dict[str, tuple[float, float]] = {}  # way -> (seconds, step_s)
        self.set_controls(self.build_controls())

    def build_controls(self) -> QtWidgets.QWidget:
        self.step_spin = QtWidgets.QDoubleSpinBox(objectName="stepSpin")
        self.step_spin.setRange(0.05, 3.0)
        self.step_spin.setDecimals(2)
        self.step_spin.setSingleStep(0.1)
        self.step_spin.setValue(1.0)
        self.step_spin.setSuffix(" s")
        self.step_spin.setToolTip("How long each factorial step sleeps (A has 2 steps, B 3, C 4)")
        self.failing_task_check = QtWidgets.QCheckBox(
            "B fails at step 2", objectName="failingTaskCheck"
        )
        self.failing_task_check.setToolTip("B raises ValueError at the start of its 2nd step")
        self.return_exceptions_check = QtWidgets.QCheckBox(
            "gather(…, return_exceptions=True)", objectName="returnExceptionsCheck"
        )
        self.return_exceptions_check.setToolTip(
            "gather hands exceptions back in the result list instead of raising the first one"
        )
        buttons = {
            "sequentialButton": ("await one by one", "Await A, then B, then C"),
            "gatherButton": ("asyncio.gather", "Run A, B and C together with gather"),
            "asCompletedButton": ("as_completed", "Take each result as soon as it is ready"),
            "taskGroupButton": ("TaskGroup", "Run them in an asyncio.TaskGroup"),
            "runAllButton": ("All four in a row", "Run the four ways one after another"),
            "cancelButton": ("Cancel", "Cancel the running way and every task it left running"),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip) in buttons.items():
            if name not in ("cancelButton",):
                tip += "; disabled while a run is going (Cancel stops it)"
            button = QtWidgets.QPushButton(text, objectName=name)
            button.setToolTip(tip)
            self.buttons[name] = button
        for name, way in zip(buttons, WAYS, strict=False):
            self.buttons[name].clicked.connect(lambda _=False, w=way: self.start([w]))
        self.buttons["runAllButton"].clicked.connect(lambda: self.start(list(WAYS)))
        self.buttons["cancelButton"].clicked.connect(self.cancel)

        self.gather_lanes = LaneChart("gatherLanes", min_span_s=0.5)
        self.gather_lanes.setToolTip("One lane per task, and one for the caller that awaits them")
        self.gather_results = QtWidgets.QTableWidget(0, 8, objectName="gatherResults")
        self.gather_results.setHorizontalHeaderLabels(
            [
                "way",
                "step (s)",
                "caller back (s)",
                "all ended (s)",
                "A",
                "B",
                "C",
                "caller got",
            ]
        )
        self.gather_results.setToolTip(
            "Each run, newest first: when the caller got control back, when the last task "
            "ended, and how each task ended"
        )
        self.gather_results.verticalHeader().setVisible(False)
        self.gather_results.horizontalHeader().setStretchLastSection(True)
        self.gather_results.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gather_results.setWordWrap(False)
        self.gather_summary = QtWidgets.QLabel(
            "Run the ways and compare their times here.", objectName="gatherSummary"
        )
        self.gather_summary.setToolTip(
            "The latest run (who was still running when the caller got control back) and "
            "the latest clean run of each way, side by side"
        )
        self.gather_summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.gather_summary.setWordWrap(True)

        options = QtWidgets.QHBoxLayout()
        options.addWidget(QtWidgets.QLabel("step"))
        options.addWidget(self.step_spin)
        options.addWidget(self.failing_task_check)
        options.addWidget(self.return_exceptions_check)
        options.addStretch(1)
        row = QtWidgets.QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.gather_lanes)
        split.addWidget(self.gather_results)
        split.setSizes([260, 150])
        split.setChildrenCollapsible(False)
        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(options)
        layout.addLayout(row)
        layout.addWidget(self.gather_summary)
        layout.addWidget(split, 1)
        self._set_running(False)
        return controls

    # --- running --------------------------------------------------------------------------
    def start(self, ways: list[str]) -> None:
        """One run at a time: the run buttons are disabled until it ends or is cancelled."""
        if self._run_task is None:
            self._set_running(True)
            self._run_task = self.spawn(self._run_ways(ways), " + ".join(ways))

    def cancel(self) -> None:
        if self._run_task is not None:
            self._run_task.cancel()

    def _set_running(self, running: bool) -> None:
        for name, button in self.buttons.items():
            button.setEnabled(running if name == "cancelButton" else not running)

    def jobs(self) -> Jobs:
        fail_at = 2 if self.failing_task_check.isChecked() else None
        return [("A", 2, None), ("B", 3, fail_at), ("C", 4, None)]

    def _way(self, way: str, run: Run) -> tuple[str, Coroutine[Any, Any, Any]]:
        jobs, step_s, show = self.jobs(), run.step_s, self._shower(run)
        if way == "sequential":
            return way, sequentially(jobs, step_s, show)
        if way == "gather":
            if self.return_exceptions_check.isChecked():
                return "gather(return_exceptions)", with_gather(jobs, step_s, show, True)
            return way, with_gather(jobs, step_s, show)
        if way == "as_completed":
            return way, with_as_completed(jobs, step_s, show)
        return way, with_task_group(jobs, step_s, show)

    async def _run_ways(self, ways: list[str]) -> None:
        try:
            for way in ways:
                await self._run_one(way)
        finally:
            self._run_task = None
            self._set_running(False)
            self.gather_lanes.redraw()  # the final marks, now rather than at the next frame

    async def _run_one(self, way: str) -> None:
        run = Run(way, self.step_spin.value(), time.perf_counter())
        label, coro = self._way(way, run)
        run.way = label
        run.jobs = {name: JobRecord() for name, _, _ in self.jobs()}
        self._add_lanes(run)
        chart = self.gather_lanes
        chart.open_bar(run.lane("caller"), "awaiting", at=run.started)
        got, got_kind = "", "result"
        try:
            value = await coro
            got = f"returned {value!r}"
        except asyncio.CancelledError:
            got, got_kind = "cancelled (Cancel button)", "cancelled"
        except Exception as error:  # ExceptionGroup from a TaskGroup is an Exception too
            got, got_kind = f"raised {describe(error)}", "exception"
        caller_s = time.perf_counter() - run.started
        run.running_at_return = [name for name, job in run.jobs.items() if job.state == "running"]
        chart.finish(run.lane("caller"), got_kind, got)
        if got_kind == "cancelled":
            await self._cancel_leftovers(run)
            self._record(run, caller_s, time.perf_counter() - run.started, got)
            raise asyncio.CancelledError
        # gather and as_completed do not cancel the tasks they started when one fails:
        # they keep running. Wait for them and show how they end (Cancel stops them).
        try:
            while run.still_running():
                run.changed.clear()
                await run.changed.wait()
        except asyncio.CancelledError:
            await self._cancel_leftovers(run)
            self._record(run, caller_s, time.perf_counter() - run.started, got + " (Cancel)")
            raise
        ended = [job.ended_at for job in run.jobs.values() if job.ended_at is not None]
        self._record(run, caller_s, max(ended, default=caller_s), got)

    async def _cancel_leftovers(self, run: Run) -> None:
        me = asyncio.current_task()
        tasks = [job.task for job in run.still_running() if job.task and job.task is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _shower(self, run: Run) -> Show:
        """show(lane, kind, text) for one run: marks its lanes and records each job's end."""

        def show(name: str, kind: str, text: str) -> None:
            now = time.perf_counter()
            lane = run.lane(name)
            if name == "caller":
                self.gather_lanes.add_event(lane, kind, text, at=now)
                return
            job = run.jobs[name]
            if job.task is None:
                job.task = asyncio.current_task()
            if kind == "step":
                job.state = "running"
                self.gather_lanes.add_event(lane, "step", text, at=now)
                self.gather_lanes.open_bar(lane, "awaiting", at=now)
            else:
                job.state, job.text, job.ended_at = kind, text, now - run.started
                self.gather_lanes.finish(lane, kind, text, at=now)
            run.changed.set()

        return show

    def _add_lanes(self, run: Run) -> None:
        chart = self.gather_lanes
        self._lane_runs.append(run)
        while len(self._lane_runs) > KEEP_RUNS:
            old = self._lane_runs.pop(0)
            for name in ["caller", *old.jobs]:
                chart.remove_lane(old.lane(name))
        for name in ["caller", *run.jobs]:
            chart.add_lane(run.lane(name), origin=run.started)

    # --- showing the outcome ------------------------------------------------------------------
    def _record(self, run: Run, caller_s: float, all_s: float, got: str) -> None:
        table = self.gather_results
        table.insertRow(0)
        cells: list[tuple[str, str | None]] = [
            (run.way, None),
            (f"{run.step_s:g}", None),
            (f"{caller_s:.2f}", None),
            (f"{all_s:.2f}", None),
        ]
        cells += [(job_cell(job), STATE_COLORS.get(job.state)) for job in run.jobs.values()]
        cells.append((got, STATE_COLORS["exception"] if got.startswith("raised") else None))
        for column, (text, color) in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            item.setToolTip(text)
            if color:
                item.setForeground(QtGui.QColor(color))
            table.setItem(0, column, item)
        table.resizeColumnsToContents()
        if all(job.state == "result" for job in run.jobs.values()):
            self._clean_totals[run.way] = (all_s, run.step_s)
        self._summarize(run, caller_s)

    def _summarize(self, run: Run, caller_s: float) -> None:
        """Two lines, both from what was measured: the latest run, and the clean totals."""
        left = run.running_at_return
        afterwards = ", ".join(f"{name} {job_cell(run.jobs[name])}" for name in left)
        latest = (
            f"Latest, <b>{run.way}</b>: the caller got control back after "
            f"<b>{caller_s:.2f} s</b>; tasks still running at that moment: "
            + (f"<b>{', '.join(left)}</b>, which went on: {afterwards}" if left else "<b>none</b>")
        )
        lines = [latest]
        if self._clean_totals:
            parts = [
                f"{way} <b>{seconds:.2f} s</b>"
                + (f" <small>(step {step:g} s)</small>" if step != run.step_s else "")
                for way, (seconds, step) in self._clean_totals.items()
            ]
            line = f"Clean runs, 9 steps of {run.step_s:g} s: " + " · ".join(parts)
            sequential = self._clean_totals.get("sequential")
            concurrent = [
                (way, seconds)
                for way, (seconds, step) in self._clean_totals.items()
                if way != "sequential" and sequential and step == sequential[1]
            ]
            if sequential and concurrent:
                way, best = min(concurrent, key=lambda pair: pair[1])
                line += f" → {way} <b>{sequential[0] / best:.1f}×</b> faster than sequential"
            lines.append(line)
        self.gather_summary.setText("<br>".join(lines))

    async def screenshot_demo(self) -> None:
        self.step_spin.setValue(0.3)
        self.failing_task_check.setChecked(False)
        self.start(["sequential", "gather"])
        while self._run_task is not None:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # let the plot paint its last frame
