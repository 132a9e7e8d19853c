"""Panel `hidden-blocking`: a blocking call inside `async def`, found three ways, and fixed.

Each run starts the lesson coroutine as its own task, with asyncio's debug mode on for the
run only (its warnings caught into the panel's log, not stderr). Afterwards it reads what
each detector saw: the HUD's freeze (the monitor), the task's slow step (the per-task
accounting the tasks panel shows) and debug mode's "Executing ... took" warning.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any, ClassVar

from PySide6 import QtCore, QtWidgets

from guidemo.lessons import hidden_blocking as lesson
from guidemo.lessons.debug_mode import capture_debug_warnings
from guidemo.monitor import FREEZE_THRESHOLD_S
from guidemo.net import FetchResult
from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets import palette
from guidemo.widgets.kit import (
    column,
    dspin,
    flow,
    keep_rows,
    label,
    log_view,
    make_button,
    named,
    set_row,
    table,
)

DEBUG_SLOW_S = 0.1  # debug mode warns about a step longer than this (asyncio's default)
KEEP_ROWS = 30
CALLS = {  # kind -> what the combo shows
    "sleep": "time.sleep()",
    "http": "the blocking HTTP client",
    "cpu": "a pure-Python loop",
}
BUG: dict[str, Callable[..., Coroutine[Any, Any, Any]]] = {
    "sleep": lesson.sleep_in_coroutine,
    "http": lesson.blocking_client_in_coroutine,
    "cpu": lesson.cpu_loop_in_coroutine,
}
ASYNC_WAY: dict[str, Callable[..., Coroutine[Any, Any, Any]]] = {
    "sleep": lesson.sleep_without_blocking,
    "http": lesson.async_client,
    "cpu": lesson.cpu_in_process,
}
ASYNC_WAY_TEXT = {
    "sleep": "await asyncio.sleep()",
    "http": "await the async client",
    "cpu": "run_in_executor(process)",
}
BLOCKING_CALL: dict[str, Callable[[Any], Any]] = {
    "sleep": time.sleep,
    "http": lesson.fetch_blocking,
    "cpu": lesson.count_for,
}
COLUMNS = ("call", "way", "wall s", "worst lag ms", "HUD freeze", "slow step", "debug mode")


class WarningsCaught(logging.Handler):
    """Keeps asyncio's warnings (logged on the loop's thread) for the panel to show."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def freeze_text(where: str, lesson_name: str, in_its_step: bool) -> str:
    """The HUD's place; if that is inside a helper (the blocking client's socket wait), the
    lesson function whose task step held the loop meanwhile (from the slow step)."""
    if lesson_name in where or not in_its_step:
        return where
    return f"{where}, called from {lesson_name}()"


class HiddenBlockingPanel(Panel):
    slug = "hidden-blocking"
    title = "Blocking inside async def"
    sources = (
        lesson.sleep_in_coroutine,
        lesson.blocking_client_in_coroutine,
        lesson.cpu_loop_in_coroutine,
        lesson.count_for,
        lesson.in_a_thread,
        lesson.sleep_without_blocking,
        lesson.async_client,
        lesson.cpu_in_process,
    )
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "debug_slow_ms": DEBUG_SLOW_S * 1000,
        "freeze_ms": FREEZE_THRESHOLD_S * 1000,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._run_task: asyncio.Task[None] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self.caught = WarningsCaught()

        self.call_combo = named(
            QtWidgets.QComboBox(), "blockingCallCombo", "Which blocking call the coroutine makes"
        )
        for kind, text in CALLS.items():
            self.call_combo.addItem(text, kind)
        self.call_combo.currentIndexChanged.connect(self._call_changed)
        self.seconds_spin = dspin(
            "blockingSecondsSpin", 0.2, 3.0, 0.6, "How long the call blocks", step=0.2
        )
        self.bug_button = make_button(
            "",
            "blockingInCoroutineButton",
            "Make the blocking call inside the coroutine: the loop and the window freeze",
            lambda: self.start("bug"),
            role="danger",
        )
        self.thread_button = make_button(
            "",
            "toThreadButton",
            "The fix for any blocking call: await asyncio.to_thread(call): a worker thread "
            "blocks, the loop does not",
            lambda: self.start("thread"),
            role="good",
        )
        self.async_button = make_button(
            "",
            "asyncWayButton",
            "The other fix: the async API (asyncio.sleep, the aiohttp client), or for pure "
            "Python work a process (run_in_executor with a ProcessPoolExecutor)",
            lambda: self.start("async"),
            role="good",
        )
        for button, way in (
            (self.bug_button, "bug"),
            (self.thread_button, "thread"),
            (self.async_button, "async"),
        ):  # pressed, not clicked: the code shows before the freeze
            button.pressed.connect(lambda way=way: self.scroll_to_lesson(self.lesson_for(way)))
        self.summary = label(
            "Pick a call and run it inside async def: watch the HUD, then read how each "
            "detector saw it.",
            "hiddenBlockingSummary",
            "The latest run: how long the window froze, and what found it",
            rich=True,
        )
        self.runs_table = table(
            "hiddenBlockingTable",
            COLUMNS,
            "Each run, newest first: the worst lag, the HUD's freeze and where, the slow step "
            "the tasks panel lists, and debug mode's warning",
        )
        keep_rows(self.runs_table)
        # Seven columns share the width (a projector's 1280x720 with the tour band scrolled
        # the last one off); long cells elide, with the whole text on hover.
        self.runs_table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        self.runs_table.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.debug_log = log_view(
            "debugWarningsLog",
            "asyncio's debug-mode warnings during the runs, caught from its logger",
            "Debug mode is on during each run only: its warnings appear here, not on stderr",
            max_lines=200,
        )
        self.debug_log.setMinimumHeight(4 * self.fontMetrics().height())
        self._call_changed()
        self.set_controls(
            column(
                flow(("call", self.call_combo), ("for", self.seconds_spin)),
                flow(self.bug_button, self.thread_button, self.async_button),
                self.summary,
                (self.runs_table, 2),
                (self.debug_log, 1),
            )
        )

    # --- what the buttons run ---------------------------------------------------------------
    def kind(self) -> str:
        return str(self.call_combo.currentData())

    def lesson_for(self, way: str) -> Callable[..., Any]:
        if way == "bug":
            return BUG[self.kind()]
        return lesson.in_a_thread if way == "thread" else ASYNC_WAY[self.kind()]

    def _call_changed(self) -> None:
        kind = self.kind()
        name = BLOCKING_CALL[kind].__name__
        self.bug_button.setText(f"{CALLS[kind]} inside async def")
        self.thread_button.setText(f"await asyncio.to_thread({name}, …)")
        self.async_button.setText(ASYNC_WAY_TEXT[kind])

    def _coroutine(self, way: str, seconds: float) -> Coroutine[Any, Any, Any]:
        kind = self.kind()
        argument: Any = seconds
        if kind == "http":
            argument = lesson.slow_url(self.context.server_url, seconds)
        if way == "bug":
            return BUG[kind](argument)
        if way == "thread":
            return lesson.in_a_thread(BLOCKING_CALL[kind], argument)
        if kind == "cpu":
            if self._pool is None:
                self._pool = lesson.start_worker_process()
            return lesson.cpu_in_process(self._pool, seconds)
        return ASYNC_WAY[kind](argument)

    def busy(self) -> bool:
        return self._run_task is not None

    def start(self, way: str) -> None:
        if self._run_task is not None:
            return  # one run at a time: the buttons are disabled meanwhile
        for button in (self.bug_button, self.thread_button, self.async_button):
            button.setEnabled(False)
        self.summary.setText("Running…")
        self._run_task = self.spawn(self._run(way), f"run {way}")

    async def _run(self, way: str) -> None:
        kind, seconds = self.kind(), self.seconds_spin.value()
        lesson_name = self.lesson_for(way).__name__
        way_text = {"bug": "inside async def", "thread": "asyncio.to_thread"}.get(
            way, ASYNC_WAY_TEXT[kind]
        )
        if way == "async" and kind == "cpu" and self._pool is None:
            way_text += " (its first run starts the process)"
        monitor, accounting = self.context.monitor, self.context.accounting
        loop = asyncio.get_running_loop()
        self.caught.messages.clear()
        restore = capture_debug_warnings(loop, DEBUG_SLOW_S, self.caught)
        try:
            started = time.perf_counter()
            work = self.spawn(self._coroutine(way, seconds), f"{lesson_name}")
            try:
                result = await work
            except Exception as failure:  # the error log has its traceback (spawn reports it)
                problem = html.escape(f"{type(failure).__name__}: {failure}".splitlines()[0])
                self.summary.setText(f"<b style='color:{palette.BAD}'>{problem}</b>")
                return
            ended = time.perf_counter()
            # The monitor records a freeze at its first probe after the loop is free again.
            while monitor.stats_since(ended).samples < 1 and time.perf_counter() - ended < 2:
                await asyncio.sleep(0.02)
        finally:
            restore()
            self._run_task = None
            for button in (self.bug_button, self.thread_button, self.async_button):
                button.setEnabled(True)
        lag = monitor.stats_since(started)
        freezes = monitor.code_freezes_since(started)
        steps = (
            [s for s in accounting.slow_steps if s.task == work.get_name() and s.started >= started]
            if accounting is not None and accounting.enabled
            else []
        )
        hud, frozen_s = "none", 0.0
        if freezes:
            worst = max(freezes, key=lambda f: f.duration_s)
            freeze_end = worst.started + worst.duration_s
            in_step = any(s.started <= freeze_end <= s.started + s.duration + 0.2 for s in steps)
            where = freeze_text(worst.where, lesson_name, in_step)
            hud, frozen_s = f"{worst.duration_s:.2f} s in {where}", worst.duration_s
        slow_step = f"{steps[0].duration * 1000:.0f} ms at {steps[0].where}" if steps else "none"
        if accounting is None or not accounting.enabled:
            slow_step = "accounting off (tasks panel)"
        warnings = [m for m in self.caught.messages if f"name={work.get_name()!r}" in m]
        for message in self.caught.messages:
            self.debug_log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {message}")
        took = warnings[0].rsplit(" took ", 1)[-1] if warnings else "no warning"
        failed = ""
        if isinstance(result, FetchResult) and not result.ok:
            error = html.escape(result.error)
            failed = f"<br><b style='color:{palette.BAD}'>The request failed: {error}</b>"
        cells = [
            CALLS[kind],
            way_text,
            f"{ended - started:.2f}",
            f"{lag.max_ms:.0f}",
            hud,
            slow_step,
            f"took {took}" if warnings else took,
        ]
        self.runs_table.insertRow(0)
        set_row(self.runs_table, 0, cells)
        for at, text in enumerate(cells):  # the narrow columns elide: the full text on hover
            if (item := self.runs_table.item(0, at)) is not None:
                item.setToolTip(text)
        self.runs_table.setRowCount(min(self.runs_table.rowCount(), KEEP_ROWS))
        frozen = bool(freezes)
        color = palette.BAD if frozen else palette.GOOD
        verdict = (
            f"the window froze <b style='color:{color}'>{frozen_s:.2f} s</b>"
            if frozen
            else f"no freeze, worst lag <b style='color:{color}'>{lag.max_ms:.0f} ms</b>"
        )
        found = f"<br>HUD: {hud}; slow step: {slow_step}; debug mode: {cells[-1]}" if frozen else ""
        self.summary.setText(f"<b>{CALLS[kind]}, {way_text}</b>: {verdict}.{found}{failed}")

    # --- lifecycle --------------------------------------------------------------------------
    async def stop_work(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    async def screenshot_demo(self) -> None:
        self.seconds_spin.setValue(0.4)
        for way in ("bug", "thread"):
            self.start(way)
            while self.busy():
                await asyncio.sleep(0.05)
