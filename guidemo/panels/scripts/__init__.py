"""Panel `scripts`: the lecture's programs run as real scripts in a child process.

The child is started with `asyncio.create_subprocess_exec` (lesson
`guidemo.lessons.subprocesses`); its two pipes are read line by line on the app's loop and
shown as they come, with the time since the start; Stop sends it SIGINT, like Ctrl+C in a
terminal, and kills it if it has not ended within the grace. One run at a time.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import time
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.lessons.subprocesses import (
    die_with_parent,
    exit_meaning,
    interrupt,
    kill,
    read_lines,
    script_command,
    start_script,
    stream_until_exit,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.panels.scripts.catalogue import (
    BY_NAME,
    SCRIPTS,
    Script,
    other_pythons,
    shared_module,
)
from guidemo.widgets import palette
from guidemo.widgets.colored_log import ColoredLog
from guidemo.widgets.kit import (
    check,
    dspin,
    flow,
    label,
    line_edit,
    make_button,
    named,
    row,
    table,
)
from guidemo.widgets.palette import colored

RUNNER_SOURCES = (
    script_command,
    start_script,
    die_with_parent,
    read_lines,
    stream_until_exit,
    interrupt,
    kill,
)
RUN_COLUMNS = (
    "#", "script", "arguments", "exit code", "meaning", "wall s", "lines out / err", "stopped"
)  # fmt: skip


@dataclass
class Run:
    """One finished run, as the `scriptRuns` table lists it."""

    number: int
    script: str
    args: str
    exit_code: int | None  # None: it never started, or the panel closed during it
    wall_s: float
    out_lines: int = 0
    err_lines: int = 0
    stopped: str = ""  # how Stop ended it, "" if it ended by itself

    @property
    def meaning(self) -> str:
        return "did not run" if self.exit_code is None else exit_meaning(self.exit_code)


class ScriptsPanel(Panel):
    slug = "scripts"
    title = "Scripts: the loop without a GUI"
    sources = RUNNER_SOURCES  # the chosen script's own module is shown first (see _source_objects)

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.process: asyncio.subprocess.Process | None = None  # the child, while it runs
        self.runs: list[Run] = []  # finished runs, oldest first
        self.current: Run | None = None  # the run going on now
        self._run_task: asyncio.Task[Any] | None = None
        self._started = 0.0  # time.monotonic() at the start of the current run
        self._pending: list[tuple[str, str | None]] = []  # lines not yet drawn

        self._flush_timer = QtCore.QTimer(self)  # draw arriving lines at most every 30 ms
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(30)
        self._flush_timer.timeout.connect(self._flush)
        self._status_timer = QtCore.QTimer(self)  # the running time, while a script runs
        self._status_timer.setInterval(200)
        self._status_timer.timeout.connect(self._show_running)

        self.set_controls(self._build_controls())
        self._script_chosen()
        self.source_view.objects = self._source_objects()  # drawn when first shown

    # --- building -------------------------------------------------------------------------
    def _build_controls(self) -> QtWidgets.QWidget:
        self.script_combo = named(
            QtWidgets.QComboBox(), "scriptCombo", "The script to run (guidemo/programs/<name>.py)"
        )
        self.script_combo.addItems([script.name for script in SCRIPTS])
        self.script_combo.setCurrentText("say_lots")
        self.script_combo.currentTextChanged.connect(self._script_chosen)
        self.args_edit = line_edit(
            "scriptArgsEdit",
            "The script's command-line arguments, split like a shell does (try --help)",
        )
        self.args_edit.textChanged.connect(self._show_command)
        self.unbuffered_check = check(
            "unbuffered (python -u)",
            "unbufferedCheck",
            "Run Python with -u: each print goes down the pipe at once. Without it, output "
            "to a pipe waits in a buffer until it is full or the script ends",
            checked=True,
        )
        self.unbuffered_check.toggled.connect(self._show_command)
        self.grace_spin = dspin(
            "graceSpin", 0.2, 30.0, 2.0, "After Stop's SIGINT, how long the script may take to "
            "end before it is killed with SIGKILL", step=0.5,
        )  # fmt: skip
        self.run_button = make_button(
            "Run",
            "runScriptButton",
            "Start the script as a child process and stream its output here (one at a time)",
            self.run_chosen,
            role="good",
        )
        self.stop_button = make_button(
            "Stop (Ctrl+C)",
            "stopScriptButton",
            "Send the running script SIGINT, as Ctrl+C in a terminal does; kill it if it "
            "has not ended within the grace",
            self.stop,
        )
        self.get_event_loop_button = make_button(
            "Modern entry points: get_event_loop(), run, Runner",
            "getEventLoopButton",
            "Run entry_points: why the lecture's asyncio.get_event_loop() warns or fails on "
            "today's Python, asyncio.run, asyncio.Runner and eager tasks, in a child process",
            self.run_entry_points,
        )
        self.clear_button = make_button(
            "Clear output", "clearScriptOutputButton", "Empty the output view", self._clear
        )
        self.about = label("", "scriptAbout", "What this script shows and what to try", True)
        self.command = label(
            "", "scriptCommand", "The command the panel runs: paste it into a terminal"
        )
        self.command.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.command.setStyleSheet("font-family: monospace;")
        self.status = label(
            "Pick a script and press Run.", "scriptStatus", "The run now, or the last one", True
        )
        self.output = named(
            ColoredLog(2000),
            "scriptOutput",
            "What the script printed, line by line as it arrived: seconds since the start, "
            "the stream (out/err), the line; grey lines are the panel's own notes",
        )
        self.output.setMinimumHeight(180)
        self.runs_table = table(
            "scriptRuns", RUN_COLUMNS, "Every run: exit code, its meaning, wall time, lines"
        )
        self.runs_table.setMinimumHeight(130)

        box = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        choose = row("script", self.script_combo, "arguments", self.args_edit, stretch=False)
        choose.setStretch(3, 1)  # the arguments get the room
        layout.addLayout(choose)
        layout.addLayout(
            row(self.unbuffered_check, "grace", self.grace_spin, None, self.run_button,
                self.stop_button, self.clear_button)
        )  # fmt: skip
        layout.addWidget(flow("Beyond the lecture:", self.get_event_loop_button))
        layout.addWidget(self.about)
        layout.addWidget(self.command)
        layout.addWidget(self.status)
        layout.addWidget(self.output, 3)
        layout.addWidget(self.runs_table, 1)
        self._refresh_buttons()
        return box

    # --- choosing ---------------------------------------------------------------------------
    @property
    def script(self) -> Script:
        return BY_NAME[self.script_combo.currentText()]

    def _script_chosen(self) -> None:
        script = self.script
        self.args_edit.setText(script.args)
        self.about.setText(script.about)
        self._show_command()
        if self.source_view.objects:  # not while building: the view draws when first shown
            self.source_view.show_objects(self._source_objects())

    def _source_objects(self) -> list[object]:
        """The script itself first (what runs in the child), then how the panel runs it."""
        return [self.script.load(), *RUNNER_SOURCES, shared_module()]

    def _command(self) -> list[str] | None:
        """The command line, or None (and the reason in the status) if the arguments are bad."""
        try:
            args = shlex.split(self.args_edit.text())
        except ValueError as error:
            self.status.setText(colored(f"Bad arguments: {error}.", palette.BAD))
            return None
        return script_command(self.script.module, args, self.unbuffered_check.isChecked())

    def _show_command(self) -> None:
        command = self._command()
        if command is not None:
            shown = ["python", *command[1:]]  # sys.executable, shortened
            self.command.setText("$ " + shlex.join(shown))

    def _refresh_buttons(self) -> None:
        running = self._run_task is not None
        self.run_button.setEnabled(not running)
        self.get_event_loop_button.setEnabled(not running)
        run = self.current
        stoppable = self.process is not None and run is not None and not run.stopped
        self.stop_button.setEnabled(running and stoppable)

    # --- running ----------------------------------------------------------------------------
    def run_chosen(self) -> None:
        """Run the chosen script with the arguments typed (one run at a time)."""
        if self._run_task is not None:
            return
        command = self._command()
        if command is None:
            return
        script = self.script
        self._run_task = self.spawn(self._run(script, command), f"run {script.name}")
        self._refresh_buttons()

    def run_entry_points(self) -> None:
        """Run entry_points on this Python, then on each newer one found here (the button
        beyond the lecture): what the lecture's get_event_loop() does differs by version."""
        if self._run_task is None:
            self.script_combo.setCurrentText("entry_points")
            self.args_edit.setText("")
            self._run_task = self.spawn(self._run_entry_points(), "entry_points on each Python")
            self._refresh_buttons()

    async def _run_entry_points(self) -> None:
        script = BY_NAME["entry_points"]
        task = asyncio.current_task()
        commands = [script_command(script.module, [], True)]
        commands += [[python, "-u", str(script.path)] for python in await other_pythons()]
        if len(commands) == 1:
            self._note("(no Python 3.12 or newer found here: on PATH or in ~/.pyenv/versions)")
        for command in commands:
            self._run_task = task  # (each run's end clears it)
            self._refresh_buttons()
            await self._run(script, command)
            if self.runs and self.runs[-1].stopped:
                break  # Stop ends the whole series

    async def _run(self, script: Script, command: list[str]) -> None:
        run = Run(len(self.runs) + 1, script.name, self.args_edit.text().strip(), None, 0.0)
        self.current = run
        python = "python" if command[0] == sys.executable else command[0]  # (shortened)
        self._note(f"--- run {run.number}: {shlex.join([python, *command[1:]])}", palette.MUTED)
        self._started = time.monotonic()
        try:
            self.process = process = await start_script(command)
            self._note(f"started: pid {process.pid}", palette.MUTED)
            self._status_timer.start()
            self._show_running()
            self._refresh_buttons()
            run.exit_code, run.out_lines, run.err_lines = await stream_until_exit(
                process, self._line
            )
        except OSError as error:  # could not start it at all
            self._note(f"could not start: {error}", palette.BAD)
        finally:
            if self.process is not None and self.process.returncode is None:
                await kill(self.process)  # cancelled (panel closing): leave no child behind
                run.exit_code = self.process.returncode
                run.stopped = run.stopped or "killed: the panel closed"
            run.wall_s = self._elapsed()
            self.process = None
            self.current = None
            self._run_task = None
            self._status_timer.stop()
            self._finish(run)

    def _finish(self, run: Run) -> None:
        self.runs.append(run)
        code = "none" if run.exit_code is None else str(run.exit_code)
        color = (
            palette.GOOD
            if run.exit_code == 0
            else (palette.NOTE if run.exit_code == 130 else palette.BAD)
        )
        summary = (
            f"{run.script}: exit code {code} ({run.meaning}) after {run.wall_s:.2f} s; "
            f"{run.out_lines} lines on stdout, {run.err_lines} on stderr"
        )
        self._note(f"{run.wall_s:7.3f} s  exit code {code}: {run.meaning}", color)
        self._flush()
        self.status.setText(colored(summary, color))
        self._add_row(run)
        self._refresh_buttons()

    def _add_row(self, run: Run) -> None:
        t = self.runs_table
        t.insertRow(0)  # newest on top
        code = "-" if run.exit_code is None else str(run.exit_code)
        cells = [str(run.number), run.script, run.args or "(none)", code, run.meaning]
        cells += [f"{run.wall_s:.2f}", f"{run.out_lines} / {run.err_lines}", run.stopped or "-"]
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            item.setToolTip(text)
            t.setItem(0, column, item)
        t.resizeColumnsToContents()
        for column, widest in ((2, 170), (4, 180)):  # long arguments and meanings elide
            t.setColumnWidth(column, min(t.columnWidth(column), widest))

    def stop(self) -> None:
        """Ctrl+C for the child: SIGINT now, SIGKILL after the grace if it is still there."""
        process, run = self.process, self.current
        if process is None or run is None or run.stopped:
            return
        grace = self.grace_spin.value()
        run.stopped = f"SIGINT at {self._elapsed():.2f} s"
        self._note(f"{self._elapsed():7.3f} s  Stop: sent SIGINT (Ctrl+C) to pid {process.pid}")
        self._refresh_buttons()
        self.spawn(self._interrupt(process, run, grace), "Ctrl+C to the script")

    async def _interrupt(self, process: asyncio.subprocess.Process, run: Run, grace: float) -> None:
        if await interrupt(process, grace):
            run.stopped += f", killed after the {grace:g} s grace"
            self._note(
                f"{self._elapsed():7.3f} s  still running {grace:g} s after SIGINT: "
                "killed it (SIGKILL)",
                palette.BAD,
            )

    def busy(self) -> bool:
        """A script (or a series of them) still running: the tour quotes it once it ended."""
        return self._run_task is not None

    # --- showing ----------------------------------------------------------------------------
    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _line(self, stream: str, text: str) -> None:
        """One line from the child: stamped now, drawn with the next batch."""
        if self.current is not None:  # counted live; the reader's own counts replace these
            if stream == "err":
                self.current.err_lines += 1
            else:
                self.current.out_lines += 1
        if len(text) > 400:
            text = text[:400] + f" ... ({len(text):,} characters)"
        self._queue(
            f"{self._elapsed():7.3f} s  {stream}  {text}", palette.NOTE if stream == "err" else None
        )

    def _note(self, text: str, color: str | None = None) -> None:
        """A line of the panel's own (not the script's): muted unless `color` says."""
        self._queue(text, color or palette.MUTED)

    def _queue(self, text: str, color: str | None) -> None:
        self._pending.append((text, color))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self.output.append_lines(lines)

    def _show_running(self) -> None:
        process, run = self.process, self.current
        if process is not None and run is not None:
            stopped = f"; {run.stopped}" if run.stopped else ""
            self.status.setText(
                f"<b>{run.script}</b> running: pid {process.pid}, {self._elapsed():.1f} s, "
                f"{run.out_lines} lines out, {run.err_lines} err{stopped}"
            )

    def _clear(self) -> None:
        self._pending = []
        self.output.clear()

    # --- lifetime ---------------------------------------------------------------------------
    async def stop_work(self) -> None:
        """Tasks are cancelled by now (their cleanup kills the child); make sure of it."""
        if self.process is not None:
            await kill(self.process)

    async def screenshot_demo(self) -> None:
        self.script_combo.setCurrentText("gather")
        self.args_edit.setText("--step 0.25")
        await self._run_and_wait()
        self.script_combo.setCurrentText("async_timer")
        self.args_edit.setText("--instances 4 --run-for 3 --stop-after 4 --max-pause 0.4")
        self.run_chosen()
        while self._run_task is not None and (self.process is None or self._elapsed() < 1.0):
            await asyncio.sleep(0.05)  # a second of output, then Ctrl+C
        self.stop()
        while self._run_task is not None:
            await asyncio.sleep(0.05)

    async def _run_and_wait(self) -> None:
        self.run_chosen()
        while self._run_task is not None:
            await asyncio.sleep(0.05)
