"""Panel `gather`: the lecture's factorials run four ways, and what each does when one fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, ClassVar

from PySide6 import QtCore, QtWidgets

from guidemo.lessons.gather import (
    Jobs,
    Show,
    factorial,
    sequentially,
    start_all,
    with_as_completed,
    with_gather,
    with_task_group,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.gather.run import (
    KEEP_ROWS,
    KEEP_RUNS,
    WAYS,
    CleanTotals,
    JobRecord,
    Run,
    describe,
    job_cell,
    summary_html,
)
from guidemo.panels.ways import Cell, ComparesWays, WaysRunner, add_run_row
from guidemo.widgets import palette
from guidemo.widgets.kit import check, column, flow, label, make_button, named, vsplit
from guidemo.widgets.lanes import LaneChart


def state_color(state: str) -> str | None:
    """A job's colour by its state, in the theme in force (its cell also says it in words)."""
    return {
        "result": palette.GOOD,
        "exception": palette.BAD,
        "cancelled": palette.CURRENT.cancelled,  # purple, like the lane chart's cancelled mark
        "never started": palette.MUTED,
        "running": palette.MUTED,  # a task the run stopped waiting for
    }.get(state)


COLUMNS = ["way", "step (s)", "caller back (s)", "all ended (s)", "A", "B", "C", "caller got"]
BUTTONS = {  # objectName: (text, tooltip); the first four run the WAYS in order
    "sequentialButton": ("await one by one", "Await A, then B, then C"),
    "gatherButton": ("asyncio.gather", "Run A, B and C together with gather"),
    "asCompletedButton": ("as_completed", "Take each result as soon as it is ready"),
    "taskGroupButton": ("TaskGroup", "Run them in an asyncio.TaskGroup"),
    "runAllButton": ("All four in a row", "Run the four ways one after another"),
    "cancelButton": ("Cancel", "Cancel the running way and every task it left running"),
}
ALL_RUNS = "all runs"  # gatherRunCombo's first choice


class GatherPanel(ComparesWays, Panel):
    slug = "gather"
    title = "Running a bunch of tasks: gather and friends"
    sources = (
        factorial,
        sequentially,
        start_all,
        with_gather,
        with_as_completed,
        with_task_group,
    )
    button_lessons: ClassVar[dict[str, object]] = {
        "sequentialButton": sequentially,
        "gatherButton": with_gather,
        "asCompletedButton": with_as_completed,
        "taskGroupButton": with_task_group,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._lane_runs: list[Run] = []
        self._batch_size = 1  # how many runs the latest click asked for
        self._clean_totals: CleanTotals = {}
        self.set_controls(self.build_controls())

    def build_controls(self) -> QtWidgets.QWidget:
        self.step_spin = named(
            QtWidgets.QDoubleSpinBox(),
            "stepSpin",
            "How long each factorial step sleeps (A has 2 steps, B 3, C 4)",
        )
        self.step_spin.setRange(0.05, 3.0)
        self.step_spin.setDecimals(2)
        self.step_spin.setSingleStep(0.1)
        self.step_spin.setValue(1.0)
        self.step_spin.setSuffix(" s")
        self.failing_task_check = check(
            "B fails at step 2",
            "failingTaskCheck",
            "B raises ValueError at the start of its 2nd step",
        )
        self.return_exceptions_check = check(
            "gather(…, return_exceptions=True)",
            "returnExceptionsCheck",
            "gather hands exceptions back in the result list instead of raising the first one",
        )
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, (text, tip) in BUTTONS.items():
            if name != "cancelButton":
                tip += "; disabled while a run is going (Cancel stops it)"
            self.buttons[name] = make_button(text, name, tip)
        for name, way in zip(BUTTONS, WAYS, strict=False):
            self.buttons[name].clicked.connect(lambda _=False, w=way: self.start([w]))
        self.buttons["runAllButton"].clicked.connect(lambda: self.start(list(WAYS)))

        self.gather_lanes = LaneChart("gatherLanes", min_span_s=0.5)
        self.gather_lanes.setToolTip("One lane per task, and one for the caller that awaits them")
        self.gather_lanes.installEventFilter(self)  # resized: do all runs still fit?
        self.run_combo = named(
            QtWidgets.QComboBox(),
            "gatherRunCombo",
            "Which run the lane chart shows: all of them where their lanes fit at a readable "
            "height, else one run at a time (the latest unless you pick another)",
        )
        self.run_combo.addItem(ALL_RUNS)
        self.run_combo.setSizeAdjustPolicy(  # the longest run's name, never cut
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents
        )
        self.run_combo.activated.connect(self._run_picked)
        self._picked_run: str | None = None  # a run the learner picked, by its label
        self.gather_results = named(
            QtWidgets.QTableWidget(0, len(COLUMNS)),
            "gatherResults",
            "Each run, newest first: when the caller got control back, when the last task "
            "ended, and how each task ended",
        )
        self.gather_results.setHorizontalHeaderLabels(COLUMNS)
        self.gather_results.verticalHeader().setVisible(False)
        self.gather_results.horizontalHeader().setStretchLastSection(True)
        self.gather_results.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gather_results.setWordWrap(False)
        self.gather_summary = label(
            "Run the ways and compare their times here.",
            "gatherSummary",
            "The latest run (who was still running when the caller got control back) and "
            "the latest clean run of each way, side by side",
            rich=True,
        )

        options = flow(("step", self.step_spin), self.failing_task_check)
        options.add(self.return_exceptions_check)
        row = flow(*self.buttons.values())
        chart = column(flow(("lanes of", self.run_combo)), (self.gather_lanes, 1), top=0)
        split = vsplit(chart, self.gather_results, sizes=(260, 150))
        settings = (self.step_spin, self.failing_task_check, self.return_exceptions_check)
        self.runner = WaysRunner(self, self.buttons, settings, self.gather_summary)
        return column(options, row, self.gather_summary, (split, 1))

    # --- running --------------------------------------------------------------------------
    def start(self, ways: list[str]) -> None:
        """One run at a time: the run buttons (and the settings) are disabled until it ends
        or is cancelled, so every way of one click runs with the same settings."""
        settings = (self.step_spin.value(), self.jobs(), self.return_exceptions_check.isChecked())
        self.runner.start(" + ".join(ways), lambda: self._run_ways(ways, *settings))

    def jobs(self) -> Jobs:
        fail_at = 2 if self.failing_task_check.isChecked() else None
        return [("A", 2, None), ("B", 3, fail_at), ("C", 4, None)]

    def _way(
        self, way: str, run: Run, jobs: Jobs, return_exceptions: bool
    ) -> tuple[str, Coroutine[Any, Any, Any]]:
        step_s, show = run.step_s, self._shower(run)
        if way == "sequential":
            return way, sequentially(jobs, step_s, show)
        if way == "gather":
            if return_exceptions:
                return "gather(return_exceptions)", with_gather(jobs, step_s, show, True)
            return way, with_gather(jobs, step_s, show)
        if way == "as_completed":
            return way, with_as_completed(jobs, step_s, show)
        return way, with_task_group(jobs, step_s, show)

    async def _run_ways(
        self, ways: list[str], step_s: float, jobs: Jobs, return_exceptions: bool
    ) -> None:
        self._batch_size = len(ways)
        try:
            for way in ways:
                await self._run_one(way, step_s, jobs, return_exceptions)
        finally:
            self.gather_lanes.redraw()  # the final marks, now rather than at the next frame

    async def _run_one(self, way: str, step_s: float, jobs: Jobs, return_exceptions: bool) -> None:
        run = Run(way, step_s, time.perf_counter())
        run.way, coro = self._way(way, run, jobs, return_exceptions)  # "gather(return_exc…)"
        run.jobs = {name: JobRecord() for name, _, _ in jobs}
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
        run.caller_returned()
        chart.finish(run.lane("caller"), got_kind, got)
        if got_kind == "cancelled":
            await run.cancel_leftovers()
            self._record(run, caller_s, time.perf_counter() - run.started, got)
            raise asyncio.CancelledError
        # gather and as_completed do not cancel the tasks they started when one fails:
        # they keep running. Wait for them and show how they end (Cancel stops them).
        try:
            await run.leftovers_ended()
        except asyncio.CancelledError:
            await run.cancel_leftovers()
            self._record(run, caller_s, time.perf_counter() - run.started, got + " (Cancel)")
            raise
        self._record(run, caller_s, run.last_end(default=caller_s), got)

    def _shower(self, run: Run) -> Show:
        """show(lane, kind, text) for one run: marks its lanes and records each job's end."""

        def show(name: str, kind: str, text: str) -> None:
            now = time.perf_counter()
            lane = run.lane(name)
            if name == "caller":
                self.gather_lanes.add_event(lane, kind, text, at=now)
                return
            task = asyncio.current_task()
            if task is not None and task is not self.runner.task and run.jobs[name].task is None:
                task.set_name(f"{self.slug}: {task.get_name()}")  # "gather: factorial A"
            if kind == "step":
                self.gather_lanes.add_event(lane, "step", text, at=now)
                self.gather_lanes.open_bar(lane, "awaiting", at=now)
            else:
                self.gather_lanes.finish(lane, kind, text, at=now)
            run.note(name, kind, text, now)

        return show

    def _add_lanes(self, run: Run) -> None:
        chart = self.gather_lanes
        self._lane_runs.append(run)
        while len(self._lane_runs) > max(KEEP_RUNS, self._batch_size):  # all of one click's
            old = self._lane_runs.pop(0)
            for name in ["caller", *old.jobs]:
                chart.remove_lane(old.lane(name))
        for name in ["caller", *run.jobs]:
            chart.add_lane(run.lane(name), origin=run.started)
        self._picked_run = None  # a new run: show it (or all, if they fit)
        self._show_runs()

    # --- which runs the chart shows -----------------------------------------------------------
    def _run_label(self, number: int, run: Run) -> str:
        return f"{number}. {run.way}"

    def _show_runs(self) -> None:
        """All kept runs in the chart if their lanes fit at a readable height, else one:
        the one picked in `gatherRunCombo`, or the latest."""
        labels = [self._run_label(i, run) for i, run in enumerate(self._lane_runs, start=1)]
        lanes = sum(len(run.jobs) + 1 for run in self._lane_runs)
        fits = not labels or self.gather_lanes.fits(lanes)
        choices = [ALL_RUNS, *labels] if fits else labels
        wanted = self._picked_run if self._picked_run in choices else None
        if wanted is None:
            wanted = ALL_RUNS if fits else labels[-1]
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        self.run_combo.addItems([ALL_RUNS, *labels])
        item = self.run_combo.model().item(0)  # type: ignore[attr-defined]
        item.setEnabled(fits)
        self.run_combo.setCurrentText(wanted)
        self.run_combo.blockSignals(False)
        chosen = self.run_combo.currentText()
        if chosen == ALL_RUNS:
            self.gather_lanes.show_only(None)
        else:
            run = self._lane_runs[labels.index(chosen)]
            self.gather_lanes.show_only([run.lane(name) for name in ["caller", *run.jobs]])

    def _run_picked(self, index: int) -> None:
        self._picked_run = self.run_combo.itemText(index)
        self._show_runs()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.gather_lanes and event.type() == QtCore.QEvent.Type.Resize:
            QtCore.QTimer.singleShot(0, self, self._show_runs)  # once the plot has its size
        return False

    # --- showing the outcome ------------------------------------------------------------------
    def _record(self, run: Run, caller_s: float, all_s: float, got: str) -> None:
        cells: list[Cell] = [
            (run.way, None),
            (f"{run.step_s:g}", None),
            (f"{caller_s:.2f}", None),
            (f"{all_s:.2f}", None),
        ]
        cells += [(job_cell(job), state_color(job.state)) for job in run.jobs.values()]
        cells.append((got, palette.BAD if got.startswith("raised") else None))
        add_run_row(self.gather_results, cells, KEEP_ROWS, tips=True)  # cells can be long
        if run.clean():
            self._clean_totals.pop(run.way, None)  # the latest clean run goes last
            self._clean_totals[run.way] = (all_s, run.step_s)
        self.runner.say(summary_html(run, caller_s, self._clean_totals))

    async def screenshot_demo(self) -> None:
        self.step_spin.setValue(0.3)
        self.failing_task_check.setChecked(False)
        self.start(list(WAYS))
        while self.runner.busy():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # let the plot paint its last frame
