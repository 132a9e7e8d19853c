"""Panel `lab`: the learner edits asyncio code and runs it on the app's live loop.

The runner (compile with top-level await, tracebacks trimmed to the learner's lines, the
rescue) is the Qt-free lesson `guidemo.lessons.lab`; this panel is the editor, the ready
names `button(...)`/`label(...)`/`say(...)`/`record(...)`, the bookkeeping of the tasks the
code starts (lanes, Stop), the result line, the exercises' checks and the drafts.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.lab import (
    LabOutput,
    LabStopped,
    Refused,
    Rescue,
    RescueSignal,
    StdoutRouter,
    UnawaitedHook,
    compile_lab,
    innermost_learner_line,
    learner_traceback,
    names_for_learner,
    origin_in_learner_code,
    run_code,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.lab.drafts import Drafts
from guidemo.panels.lab.editor import CodeEditor
from guidemo.panels.lab.exercises import EXERCISES, Exercise, RunFacts, Verdict
from guidemo.task_accounting import TaskStats, stats_of
from guidemo.widgets.kit import column, dspin, hsplit, label, log_view, make_button, named, row
from guidemo.widgets.lanes import LaneChart

__all__ = ["LabPanel"]

# The lab whose learner code runs in this context (its tasks and callbacks inherit it).
IN_LAB: contextvars.ContextVar[object] = contextvars.ContextVar("in_lab", default=None)
MAX_LANES = 24
MAX_STATS = 1_000
MAX_LOG_LINES = 2_000
MAX_SHOWN_LINE = 400  # characters of one printed line the log shows
FLUSH_MS = 50
SEPARATOR = "—" * 16  # between two runs in the log
FREE_PLAY = """# Your code runs as the body of an async def: top-level await works.
# Ready: asyncio, time, aiohttp, server, say(...), button(...), label(...)

async def tick(name, pause):
    for number in range(3):
        say(name, number)
        await asyncio.sleep(pause)

await asyncio.gather(tick("fast", 0.2), tick("slow", 0.5))
"""


class LabPanel(Panel):
    slug = "lab"
    title = "Code lab: edit and run asyncio code"
    explanation_lines = 3  # the editor needs the room
    sources = (run_code, compile_lab, learner_traceback, RescueSignal._handle, Rescue._interrupt)

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.output = LabOutput()
        self.rescue_signal = RescueSignal()
        self.rescue_signal.install()
        self.rescue: Rescue | None = None
        self.rescues: list[tuple[str, str, float]] = []  # (kind, where, frozen s)
        self.unawaited = UnawaitedHook(self._report_unawaited)
        self.router: StdoutRouter | None = None
        self.run_task: asyncio.Task[None] | None = None
        self.learner_tasks: set[asyncio.Task[Any]] = set()  # pending tasks the code started
        self.tasks_started = 0
        self._stats: list[TaskStats] = []  # the accounting of the run's tasks
        self._laned: dict[asyncio.Task[Any], str] = {}
        # Per lane: (its task's accounting, busy seconds at the last look, when, bar kind).
        self._bars: dict[str, tuple[TaskStats, float, float, str]] = {}
        self.own_widgets: list[QtWidgets.QWidget] = []
        self.records: list[tuple[str, bool]] = []
        self.queue_peaks: dict[str, int] = {}
        self.names: dict[str, Any] = {}
        self.last_verdict: Verdict | None = None
        self._hooks_installed = False
        self._previous_factory: Any = None
        self._previous_handler: Any = None
        self.drafts = Drafts()
        self._exercise_index = 0
        self.exercise_combo = named(
            QtWidgets.QComboBox(), "labExerciseCombo", "Free play, or one of eight exercises"
        )
        self.exercise_combo.addItem("Free play")
        for exercise in EXERCISES:
            self.exercise_combo.addItem(exercise.title)
        self.exercise_combo.currentIndexChanged.connect(self._exercise_changed)
        self.hint_button = make_button(
            "Hint", "labHintButton", "A hint for this exercise, in the log", self.show_hint
        )
        self.solution_button = make_button(
            "Solution",
            "labSolutionButton",
            "Put the solution in the editor (Ctrl+Z gets your code back)",
            self.show_solution,
        )
        self.goal_label = label("", "labGoalLabel", "What this exercise asks for")
        self.check_label = label(
            "", "labCheckLabel", "The exercise's check: passed or not yet, with the numbers"
        )
        self.editor = CodeEditor()
        self.editor.runRequested.connect(self.run_code)
        self.editor.setMinimumHeight(150)
        self.run_button = make_button(
            "Run (Ctrl+Enter)", "labRunButton", "Run your code as a task on the live loop",
            self.run_code, role="good",
        )  # fmt: skip
        self.stop_button = make_button(
            "Stop", "labStopButton", "Cancel your code and every task it started", self.stop_code
        )
        self.stop_button.setEnabled(False)
        self.reset_button = make_button(
            "Reset",
            "labResetButton",
            "Back to the starting code; your widgets and tasks are removed",
            self.reset_code,
        )
        self.limit_spin = dspin(
            "labLimitSpin", 1.0, 120.0, 10.0,
            "The rescue: code that freezes the window this long is stopped", decimals=1,
            step=1.0,
        )  # fmt: skip
        self.result_label = label(
            "Not run yet.", "labResultLabel", "The last run: wall time, worst UI lag, freezes"
        )
        self.own_area = named(
            QtWidgets.QGroupBox("Your widgets (button(...), label(...))"),
            "labOwnArea",
            "The widgets your code made; removed on Reset",
        )
        self.own_layout = QtWidgets.QHBoxLayout(self.own_area)
        self.own_layout.addStretch(1)
        self.own_area.hide()  # until the code makes a widget
        self.log = log_view(
            "labLog", "What your code printed and said, errors, and what the lab did",
            "Output appears here", MAX_LOG_LINES,
        )  # fmt: skip
        self.lanes = LaneChart("labLanes", min_span_s=1.0)
        self.lanes.setToolTip("One lane per task your code started: awaiting, then how it ended")
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush_output)
        self._sample_timer = QtCore.QTimer(self)
        self._sample_timer.setInterval(10)
        self._sample_timer.timeout.connect(self._sample_queues)
        self._save_timer = QtCore.QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(1000)
        self._save_timer.timeout.connect(self._save_draft)
        self.editor.textChanged.connect(self._save_timer.start)

        run = (self.run_button, self.stop_button, self.reset_button)
        self.set_controls(
            column(
                row(self.exercise_combo, self.hint_button, self.solution_button),
                self.goal_label,
                (self.editor, 3),
                row(*run, "rescue after", self.limit_spin),
                self.result_label,
                self.check_label,
                self.own_area,
                (hsplit(self.log, self.lanes, sizes=(400, 300)), 2),
                top=0,
            )
        )
        self._restore_drafts()

    # --- exercises and drafts -----------------------------------------------------------------
    def exercise(self) -> Exercise | None:
        index = self.exercise_combo.currentIndex()
        return EXERCISES[index - 1] if index > 0 else None

    def starting_code(self) -> str:
        exercise = self.exercise()
        return exercise.start if exercise is not None else FREE_PLAY

    def _draft_key(self, index: int) -> str:
        return "free" if index == 0 else f"exercise-{index}"

    def _restore_drafts(self) -> None:
        index, problem = self.drafts.current()
        if problem:
            self.say_lab(problem)
        self.exercise_combo.setCurrentIndex(index)
        self._load_for(index)

    def _load_for(self, index: int) -> None:
        self._exercise_index = index
        text, problem = self.drafts.load(self._draft_key(index))
        if problem:
            self.say_lab(problem)
        self.editor.setPlainText(text if text is not None else self.starting_code())
        self.editor.mark_error(None)
        self._save_timer.stop()
        exercise = self.exercise()
        goal = f"Goal: {exercise.goal}" if exercise else "Free play: try anything."
        self.goal_label.setText(goal)
        self.check_label.setText("" if exercise is None else "Check: not run yet.")
        self.hint_button.setEnabled(exercise is not None)
        self.solution_button.setEnabled(exercise is not None)

    def _exercise_changed(self, index: int) -> None:
        self._save_draft(self._exercise_index)
        self.drafts.set_current(index)
        self._load_for(index)

    def _save_draft(self, index: int | None = None) -> None:
        key = self._draft_key(self._exercise_index if index is None else index)
        self.drafts.save(key, self.editor.toPlainText())

    def show_hint(self) -> None:
        exercise = self.exercise()
        if exercise is not None:
            self.say_lab(f"Hint: {exercise.hint}")

    def show_solution(self) -> None:
        exercise = self.exercise()
        if exercise is not None:
            self._replace_text(exercise.solution)
            self.say_lab("The solution is in the editor; Ctrl+Z brings your code back.")

    def _replace_text(self, text: str) -> None:
        """Replace the editor's text as one undoable edit."""
        cursor = self.editor.textCursor()
        cursor.select(QtGui.QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        self.editor.mark_error(None)

    def load_code(self, code: str, origin: str) -> None:
        """Free play with `code` (from another panel's "Open in the lab")."""
        self.exercise_combo.setCurrentIndex(0)
        self._replace_text(code)
        self.say_lab(f"Copied from the {origin} panel: change it, then Run.")

    # --- running ------------------------------------------------------------------------------
    def run_code(self) -> None:
        if self.run_task is not None:
            return
        self.cancel_learner_tasks()
        self.remove_own_widgets()
        self.editor.mark_error(None)
        self._save_draft()
        source = self.editor.toPlainText()
        self.output.restart()
        self.log.appendPlainText(SEPARATOR)
        try:
            code = compile_lab(source)
        except SyntaxError as error:
            line, column = error.lineno or 1, error.offset or 1
            self.editor.mark_error(line, column)
            text = f"Syntax error, line {line}, column {column}: {error.msg}"
            self.say_lab(text)
            self.result_label.setText(text)
            return
        except Refused as refusal:
            self.say_lab(f"Not run: {refusal}")
            self.result_label.setText(f"Not run: {refusal}")
            return
        self._install_hooks()
        self.names = self._names()
        self.records.clear()
        self.queue_peaks.clear()
        self.tasks_started = 0
        self.lanes.reset()
        self.lanes.add_lane("your code")
        self.lanes.open_bar("your code", "running")
        self._bars.clear()
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.result_label.setText("Running…")
        if self.exercise() is not None:
            self.check_label.setText("Check: running…")
        self._start_rescue()
        self._flush_timer.start()
        self._sample_timer.start()
        self.run_task = self.spawn(self._run(code, source), "your code")
        stats = stats_of(self.run_task)
        self._stats = [stats] if stats is not None else []
        if stats is not None:
            self._bars["your code"] = (stats, 0.0, time.perf_counter(), "running")

    def _names(self) -> dict[str, Any]:
        names = names_for_learner(self.context.server_url, self.say)
        names.update(button=self.button, label=self.label, record=self.record)
        names["client"] = f"lab-{uuid.uuid4().hex[:12]}"  # the rate limit's client id
        return names

    async def _run(self, code: Any, source: str) -> None:
        IN_LAB.set(self)  # this task's own context: the tasks it starts inherit it
        started = time.perf_counter()
        threads_before = {t.ident for t in threading.enumerate() if t.ident is not None}
        outcome = "result"
        try:
            await run_code(code, self.names)
            self.say_lab("Your code ended.")
        except asyncio.CancelledError:
            outcome = "cancelled"
            self.say_lab("Stopped: your code was cancelled.")
        except LabStopped:
            outcome = "exception"
        except SystemExit:
            outcome = "exception"
            self.say_lab("sys.exit() refused: it would end the whole app.")
        except Exception as error:
            outcome = "exception"
            self._report_exception(error)
        ended = time.perf_counter()
        self._update_bar("your code", ended, in_step=True)
        self._bars.pop("your code", None)
        self.lanes.finish("your code", outcome)
        self._sample_timer.stop()
        try:
            await self._after_probe(ended)
            self.result_label.setText(self._result_line(started, ended))
            await self._check(outcome, started, ended, threads_before)
            if self.exercise() is not None:  # a check may click: its freezes count too
                checked = time.perf_counter()
                await self._after_probe(checked)
                self.result_label.setText(self._result_line(started, ended, checked))
        except asyncio.CancelledError:
            self.check_label.setText("Check: not yet: stopped before it ended.")
        finally:
            self.run_task = None
            self.run_button.setEnabled(True)
            self.stop_button.setEnabled(bool(self.learner_tasks))
            self._stop_rescue_if_idle()

    async def _check(
        self, outcome: str, started: float, ended: float, threads_before: set[int]
    ) -> None:
        """The exercise's check, on what the app measured during the run."""
        exercise = self.exercise()
        if exercise is None:
            return
        if outcome != "result":
            self.check_label.setText("Check: not yet: your code did not end normally.")
            return
        facts = RunFacts(
            names=self.names, started=started, ended=ended, monitor=self.context.monitor,
            server=self.context.server_url, live_tasks=self.live_tasks,
            buttons=[w for w in self.own_widgets if isinstance(w, QtWidgets.QPushButton)],
            labels=[w for w in self.own_widgets if isinstance(w, QtWidgets.QLabel)],
            threads_before=threads_before, queue_peaks=dict(self.queue_peaks),
            records=list(self.records), longest_step_s=self._longest_step(),
        )  # fmt: skip
        verdict = await exercise.check(facts)
        self.last_verdict = verdict
        word = "passed" if verdict.passed else "not yet"
        self.check_label.setText(f"Check: {word}: {verdict.text}")

    async def _after_probe(self, ended: float) -> None:
        """Wait for the lag probe after the run (a freeze is recorded by it), at most 1 s."""
        monitor = self.context.monitor
        deadline = time.perf_counter() + 1.0
        while monitor.last_beat <= ended and time.perf_counter() < deadline:
            await asyncio.sleep(0.02)

    def _result_line(self, started: float, ended: float, checked: float = 0.0) -> str:
        stats = self.context.monitor.stats_since(started)
        parts = [f"Ran {ended - started:.2f} s", f"worst UI lag {stats.max_ms:,.0f} ms"]
        until = max(ended, checked)
        freezes = [  # during the run (a freeze dates from the start of its asyncio turn,
            f  # which may have begun before the code)
            for f in self.context.monitor.code_freezes_since(started)
            if f.started <= until
        ]
        for freeze in freezes[-3:]:
            parts.append(f"UI frozen {freeze.duration_s:.2f} s in {freeze.where}")
        if not freezes:
            parts.append("no freeze")
        live = len(self.live_tasks())
        if live:
            parts.append(f"{live} of your tasks still running (Stop cancels them)")
        return " · ".join(parts)

    def _longest_step(self) -> float:
        """The longest step of the run and of the tasks it started (task accounting)."""
        return max((stats.slowest for stats in self._stats), default=0.0)

    def stop_code(self) -> None:
        count = len(self.live_tasks()) + (self.run_task is not None)
        if self.run_task is not None:
            self.run_task.cancel()
        self.cancel_learner_tasks()
        self.say_lab(f"Stop: {count} task{'s' if count != 1 else ''} cancelled.")
        self.stop_button.setEnabled(False)

    def reset_code(self) -> None:
        if self.run_task is not None:
            self.run_task.cancel()
        self.cancel_learner_tasks()
        self.remove_own_widgets()
        self._replace_text(self.starting_code())
        self.drafts.remove(self._draft_key(self._exercise_index))
        self.result_label.setText("Reset: the starting code is back.")
        if self.exercise() is not None:
            self.check_label.setText("Check: not run yet.")
        self._stop_rescue_if_idle()

    def live_tasks(self) -> list[asyncio.Task[Any]]:
        return [task for task in self.learner_tasks if not task.done()]

    def cancel_learner_tasks(self) -> None:
        for task in list(self.learner_tasks):
            task.cancel()

    # --- what the learner's code is given -----------------------------------------------------
    def say(self, *parts: object) -> None:
        """say(...): a line in the lab's log with the time since the run started."""
        self.output.write(" ".join(str(part) for part in parts) + "\n")

    def say_lab(self, text: str) -> None:
        """A line from the lab itself (not the learner's code)."""
        self._flush_output()
        self.log.appendPlainText(f"[lab] {text}")

    def record(self, text: str) -> None:
        """record(text): note a step and whether it ran inside a task (exercise 7)."""
        self.records.append((str(text), asyncio.current_task() is not None))

    def button(self, text: str = "Button", handler: Callable[[], Any] | None = None) -> Any:
        """button(text, handler): a button of your own; handler may be an async def."""
        widget = named(QtWidgets.QPushButton(str(text)), "labOwnButton", "A button your code made")
        if handler is not None:
            widget.clicked.connect(lambda: self._call_handler(handler))
        self._add_own(widget)
        return widget

    def label(self, text: str = "") -> Any:
        """label(text): a label of your own; change it with .setText(...)."""
        widget = named(QtWidgets.QLabel(str(text)), "labOwnLabel", "A label your code made")
        self._add_own(widget)
        return widget

    def _add_own(self, widget: QtWidgets.QWidget) -> None:
        if len(self.own_widgets) >= 50:
            raise RuntimeError("at most 50 widgets of your own")
        self.own_layout.insertWidget(self.own_layout.count() - 1, widget)
        self.own_widgets.append(widget)
        self.own_area.show()
        self._start_rescue()

    def _call_handler(self, handler: Callable[[], Any]) -> None:
        """Run a learner's click handler in a lab context: its tasks are tracked, its
        prints go to the log, its errors are reported against its lines."""

        def call() -> None:
            IN_LAB.set(self)
            try:
                result = handler()
                if inspect.iscoroutine(result):
                    asyncio.get_running_loop().create_task(result)
            except LabStopped:
                pass
            except Exception as error:
                self._report_exception(error)

        self._flush_timer.start()
        contextvars.Context().run(call)

    def remove_own_widgets(self) -> None:
        for widget in self.own_widgets:
            self.own_layout.removeWidget(widget)
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        self.own_widgets.clear()
        self.own_area.hide()

    # --- bookkeeping of the learner's tasks ---------------------------------------------------
    def _install_hooks(self) -> None:
        if self._hooks_installed:
            return
        loop = asyncio.get_running_loop()
        self._previous_factory = loop.get_task_factory()
        loop.set_task_factory(self._task_factory)  # type: ignore[arg-type]
        self._previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._loop_exception)
        self.router = StdoutRouter(sys.stdout, self.output)
        sys.stdout = self.router
        self.unawaited.install()
        self._hooks_installed = True

    def _uninstall_hooks(self) -> None:
        if not self._hooks_installed:
            return
        loop = asyncio.get_event_loop()
        if loop.get_task_factory() == self._task_factory:
            loop.set_task_factory(self._previous_factory)
        if loop.get_exception_handler() == self._loop_exception:
            loop.set_exception_handler(self._previous_handler)
        if self.router is not None and sys.stdout is self.router:
            sys.stdout = self.router.original
        self.unawaited.uninstall()
        self._hooks_installed = False

    def _task_factory(
        self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any
    ) -> asyncio.Task[Any]:
        previous = self._previous_factory
        if previous is not None:
            task = previous(loop, coro, **kwargs)
        else:
            task = asyncio.Task(coro, loop=loop, **kwargs)
        if IN_LAB.get() is self:
            self._adopt(task, coro)
        return task

    def _adopt(self, task: asyncio.Task[Any], coro: Any) -> None:
        self.learner_tasks.add(task)
        self.tasks_started += 1
        stats = stats_of(task)
        if stats is not None and len(self._stats) < MAX_STATS:
            self._stats.append(stats)
        task.add_done_callback(self._learner_task_done)
        if len(self._laned) < MAX_LANES:
            name = f"{getattr(coro, '__qualname__', 'task')} ({task.get_name()})"
            self._laned[task] = name
            self.lanes.open_bar(name, "awaiting")
            if stats is not None:
                self._bars[name] = (stats, stats.busy, time.perf_counter(), "awaiting")
        self.stop_button.setEnabled(True)

    def _learner_task_done(self, task: asyncio.Task[Any]) -> None:
        self.learner_tasks.discard(task)
        name = self._laned.pop(task, None)
        if name is not None:
            self._update_bar(name, time.perf_counter())
            self._bars.pop(name, None)
        # Not task.exception(): that would count as retrieving it, and Python would no
        # longer report an exception the learner's code never looked at.
        stats = stats_of(task)
        if task.cancelled():
            kind = "cancelled"
        elif stats is not None:
            kind = "exception" if stats.outcome.startswith("failed") else "result"
        else:
            kind = "result"
        if name is not None:
            self.lanes.finish(name, kind)
        if self.run_task is None and not self.learner_tasks:
            self.stop_button.setEnabled(False)
            self._stop_rescue_if_idle()

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        future = context.get("future")
        error = context.get("exception")
        coro = future.get_coro() if isinstance(future, asyncio.Task) else None
        if error is not None and coro is not None and origin_in_learner_code(coro) is not None:
            line = innermost_learner_line(error)
            self.say_lab(
                f"{context.get('message', 'error')}: {type(error).__name__}: {error}"
                + (f" (raised on line {line})" if line else "")
            )
            self.log.appendPlainText(learner_traceback(error))
            return
        if self._previous_handler is not None:
            self._previous_handler(loop, context)
        else:
            loop.default_exception_handler(context)

    def _report_unawaited(self, text: str, line: int) -> None:
        self.output.write(f"Warning: {text}\n")
        self._flush_timer.start()

    def _report_exception(self, error: BaseException) -> None:
        line = innermost_learner_line(error)
        if line is not None:
            self.editor.mark_error(line)
        self._flush_output()
        self.log.appendPlainText(learner_traceback(error))

    # --- output, sampling, rescue -------------------------------------------------------------
    def _update_bars(self) -> None:
        now = time.perf_counter()
        for name in list(self._bars):
            self._update_bar(name, now)

    def _update_bar(self, name: str, now: float, in_step: bool = False) -> None:
        """What the task did since the last look (every FLUSH_MS): the task accounting's
        busy time is how long it ran (held the loop), drawn first, the rest it awaited.
        Called from inside the task's own step, a long gap since the last look was that
        step (no look could happen meanwhile)."""
        entry = self._bars.get(name)
        if entry is None:
            return
        stats, busy, since, kind = entry
        spent = min(stats.busy - busy, now - since)
        if in_step and now - since > 2 * FLUSH_MS / 1000:
            spent = now - since
        if spent > 0.002:
            if kind != "running":
                self.lanes.open_bar(name, "running", at=since)
            kind = "running"
            if since + spent < now - 0.002:
                self.lanes.open_bar(name, "awaiting", at=since + spent)
                kind = "awaiting"
        elif kind != "awaiting":
            self.lanes.open_bar(name, "awaiting", at=since)
            kind = "awaiting"
        self._bars[name] = (stats, stats.busy, now, kind)

    def _flush_output(self) -> None:
        self._update_bars()
        text, dropped = self.output.take()
        if text:
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            lines = lines[-MAX_LOG_LINES:]
            shown = "\n".join(
                line if len(line) <= MAX_SHOWN_LINE else line[:MAX_SHOWN_LINE] + " …"
                for line in lines
            )
            self.log.appendPlainText(shown)
        if dropped:
            self.log.appendPlainText(
                f"[lab] … {dropped:,} characters of output dropped (too much at once)"
            )
        if not text and self.run_task is None:
            self._flush_timer.stop()

    def _sample_queues(self) -> None:
        import queue

        for name, value in list(self.names.items()):
            if isinstance(value, asyncio.Queue | queue.Queue):
                size = value.qsize()
                if size > self.queue_peaks.get(name, -1):
                    self.queue_peaks[name] = size

    def _start_rescue(self) -> None:
        if self.rescue is not None:
            return
        monitor = self.context.monitor
        loop = asyncio.get_running_loop()
        panel = weakref.ref(self)

        def rescued(kind: str, where: str, frozen: float) -> None:
            # On the rescue thread: hand it to the loop.
            def tell() -> None:
                live = panel()
                if live is not None:
                    live._rescued(kind, where, frozen)

            if not loop.is_closed():
                loop.call_soon_threadsafe(tell)

        self.rescue = Rescue(
            monitor.gui_thread_id,
            lambda: monitor.last_beat,
            self.limit_spin.value,
            self.rescue_signal,
            rescued,
        )
        self.rescue.start()

    def _stop_rescue_if_idle(self) -> None:
        """No learner code can run any more (no run, widget or task): no need to watch."""
        idle = self.run_task is None and not self.own_widgets and not self.learner_tasks
        if self.rescue is not None and idle:
            self.rescue.stop()
            self.rescue = None

    def _rescued(self, kind: str, where: str, frozen: float) -> None:
        self.rescues.append((kind, where, frozen))
        self.say_lab(
            f"Rescue: your code froze the window {frozen:.2f} s (limit "
            f"{self.limit_spin.value():g} s) in {where}; stopped it: {kind}."
        )
        line = where.partition("line ")[2].partition(":")[0]
        if line.isdigit():
            self.editor.mark_error(int(line))

    # --- lifecycle ----------------------------------------------------------------------------
    async def stop_work(self) -> None:
        self.cancel_learner_tasks()
        pending = self.live_tasks()
        if pending:
            await asyncio.wait(pending, timeout=2.0)
        self.remove_own_widgets()
        if self.rescue is not None:
            self.rescue.stop()
            self.rescue = None
        self.rescue_signal.uninstall()
        self._flush_timer.stop()
        self._sample_timer.stop()
        self._save_timer.stop()
        self._save_draft()
        self._uninstall_hooks()

    async def screenshot_demo(self) -> None:
        self.exercise_combo.setCurrentIndex(1)
        self.limit_spin.setValue(10.0)
        self.run_code()
        while self.run_task is not None:
            await asyncio.sleep(0.05)
