"""Panel `scripts`: real child processes, their output streamed, Ctrl+C, kill, no orphans."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6 import QtWidgets

import guidemo.programs
from guidemo.panels.scripts import ScriptsPanel
from guidemo.panels.scripts.catalogue import NEWER, other_pythons, python_candidates
from tests.child_signals import ctrl_c_not_ignored  # noqa: F401 (a fixture)
from tests.helpers import button, wait_until

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.usefixtures("ctrl_c_not_ignored"),
    pytest.mark.panels("scripts"),
]
ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^\s*([\d.]+) s  (out|err)  (.*)$")


def fresh(window) -> ScriptsPanel:
    panel = window.show_panel("scripts")
    button(panel, "clearScriptOutputButton").click()
    return panel


def choose(panel: ScriptsPanel, script: str, args: str, unbuffered: bool = True) -> None:
    panel.findChild(QtWidgets.QComboBox, "scriptCombo").setCurrentText(script)
    panel.findChild(QtWidgets.QLineEdit, "scriptArgsEdit").setText(args)
    panel.findChild(QtWidgets.QCheckBox, "unbufferedCheck").setChecked(unbuffered)


def output(panel: ScriptsPanel) -> str:
    panel._flush()  # lines waiting for the next 30 ms batch
    return panel.findChild(QtWidgets.QPlainTextEdit, "scriptOutput").toPlainText()


def streamed(panel: ScriptsPanel, stream: str = "out") -> list[tuple[float, str]]:
    """(seconds since the start, text) of each line the child wrote on `stream`."""
    found = (LINE.match(line) for line in output(panel).splitlines())
    return [(float(m.group(1)), m.group(3)) for m in found if m and m.group(2) == stream]


def status(panel: ScriptsPanel) -> str:
    return panel.findChild(QtWidgets.QLabel, "scriptStatus").text()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def running_for(panel) -> float:
    """The seconds the status says the script has run so far (0 when it says otherwise)."""
    said = re.search(r"running: pid \d+, (\d+\.\d) s", status(panel))
    return float(said[1]) if said else 0.0


def test_a_script_streams_line_by_line_then_its_exit_code(window, run) -> None:
    panel = fresh(window)
    before = len(panel.runs)
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")
    errors_before = errors.count()
    choose(panel, "say_lots", "--count 3 --pause 0.4")
    run_button, stop_button = button(panel, "runScriptButton"), button(panel, "stopScriptButton")

    async def scenario() -> None:
        run_button.click()
        await wait_until(lambda: streamed(panel), what="the first line")
        assert panel.process is not None and panel.process.returncode is None  # still running
        assert not run_button.isEnabled() and stop_button.isEnabled()
        # The time so far counts up while it runs (a busy machine may skip past 0.5-0.9 s).
        await wait_until(lambda: running_for(panel) >= 0.5, what="the time so far, counting")
        panel.run_chosen()  # a second run while one is going: ignored
        await wait_until(lambda: len(panel.runs) > before, what="the end of the run")

    run(scenario())
    lines = streamed(panel)
    assert [text for _, text in lines] == [
        *(f"line {i} of 3: run by the loop" for i in (1, 2, 3)),
        "done with the loop: 3 lines",
    ]
    # Came as printed, 0.4 s apart: a line is shown when it is read, so a busy machine's
    # late read can bring two closer (0.10 s beside a second suite), never all at once.
    times = [t for t, _ in lines]
    assert times[2] - times[0] > 0.4, times  # printed 0.8 s apart
    last = panel.runs[-1]
    assert len(panel.runs) == before + 1
    assert (last.exit_code, last.out_lines, last.err_lines, last.stopped) == (0, 4, 0, "")
    assert last.wall_s >= 1.2
    assert "exit code 0 (ok)" in status(panel)
    table = panel.findChild(QtWidgets.QTableWidget, "scriptRuns")
    assert [table.item(0, c).text() for c in (1, 3, 4)] == ["say_lots", "0", "ok"]
    assert run_button.isEnabled() and not stop_button.isEnabled()
    assert panel.process is None
    assert errors.count() == errors_before  # nothing went wrong on the way


def test_without_unbuffered_the_lines_wait_in_the_pipe_until_the_end(window, run) -> None:
    panel = fresh(window)
    before = len(panel.runs)
    choose(panel, "say_lots", "--count 3 --pause 0.5", unbuffered=False)
    assert (
        "python -m guidemo.programs.say_lots"
        in panel.findChild(QtWidgets.QLabel, "scriptCommand").text()
    )

    async def scenario() -> None:
        button(panel, "runScriptButton").click()
        await wait_until(lambda: len(panel.runs) > before, what="the end of the run")

    run(scenario())
    times = [t for t, _ in streamed(panel)]
    assert len(times) == 4 and panel.runs[-1].exit_code == 0
    # All at once, at the exit: nothing came before the child's three 0.5 s pauses were over
    # (a lower bound no load shortens; line by line, the first came at its start, ~0.2 s
    # quiet), and the four came together: one read, ~1 ms apart quiet; a busy machine may
    # hold the reading thread a moment between two. Line by line, 1.5 s apart or more.
    assert times[0] >= 1.5, times
    assert times[-1] - times[0] < 1.0, times


def test_stop_sends_sigint_and_shows_what_the_script_prints(window, run) -> None:
    panel = fresh(window)
    choose(panel, "async_timer", "--instances 3 --run-for 60 --stop-after 90 --max-pause 0.3")

    async def scenario() -> None:
        button(panel, "runScriptButton").click()
        await wait_until(lambda: len(streamed(panel)) >= 4, what="some instances printing")
        button(panel, "stopScriptButton").click()
        assert not button(panel, "stopScriptButton").isEnabled()  # one Ctrl+C is enough
        await wait_until(lambda: panel.process is None, what="the script to end")

    run(scenario())
    last = panel.runs[-1]
    assert last.exit_code == 130 and last.meaning == "stopped by Ctrl+C (128 + SIGINT)"
    assert last.stopped.startswith("SIGINT at") and "killed" not in last.stopped
    errors = [text for _, text in streamed(panel, "err")]
    assert errors == ["Ctrl+C: stopped the loop; the instances still running are cancelled"]
    assert any("cancelled: the loop stopped" in text for _, text in streamed(panel))
    assert "Stop: sent SIGINT (Ctrl+C)" in output(panel)


def test_a_script_still_running_after_the_grace_is_killed(window, run) -> None:
    """async_executor waits for its thread's 30 s job after Ctrl+C: the grace runs out.
    (2 s of it: beside a second suite the script did not get to say so within 0.5 s.)"""
    panel = fresh(window)
    choose(panel, "async_executor", "--run-for 60 --job 30")
    panel.findChild(QtWidgets.QDoubleSpinBox, "graceSpin").setValue(2.0)

    async def scenario() -> None:
        button(panel, "runScriptButton").click()
        await wait_until(
            lambda: any("in a thread" in text for _, text in streamed(panel)), what="the job"
        )
        button(panel, "stopScriptButton").click()
        await wait_until(lambda: panel.process is None, timeout=10, what="the kill")

    run(scenario())
    last = panel.runs[-1]
    assert last.exit_code == -signal.SIGKILL and last.meaning == "killed by SIGKILL"
    assert last.stopped.endswith("killed after the 2 s grace")
    assert last.wall_s < 12
    assert "waiting for it to end" in output(panel)  # what it said on Ctrl+C
    assert "killed it (SIGKILL)" in output(panel)


def test_bad_arguments_are_explained_not_run(window, run) -> None:
    panel = fresh(window)
    before = len(panel.runs)
    choose(panel, "say_lots", '--count "5')
    button(panel, "runScriptButton").click()
    assert "Bad arguments: No closing quotation" in status(panel)
    assert panel.process is None and len(panel.runs) == before

    choose(panel, "say_lots", "--count 0")

    async def scenario() -> None:
        button(panel, "runScriptButton").click()
        await wait_until(lambda: len(panel.runs) > before, what="the end of the run")

    run(scenario())
    last = panel.runs[-1]
    assert (last.exit_code, last.meaning) == (2, "bad command-line arguments")
    assert any("0 is not between 1 and 1000" in text for _, text in streamed(panel, "err"))


def test_the_source_view_shows_the_chosen_script_and_the_runner(window) -> None:
    panel = fresh(window)
    source = panel.findChild(QtWidgets.QTextBrowser, "sourceView")
    choose(panel, "gather", "")
    text = source.toPlainText()
    assert text.startswith("guidemo.programs.gather")
    assert "async def factorial" in text and "asyncio.gather(" in text
    assert "create_subprocess_exec" in text and "send_signal(signal.SIGINT)" in text
    choose(panel, "just_coroutines", "")
    assert "coro.send(None)" in source.toPlainText()


def test_panel_shutdown_with_a_script_running_leaves_no_child(window, run) -> None:
    panel = fresh(window)
    choose(panel, "say_lots", "--count 1000 --pause 0.2")

    async def scenario() -> int:
        button(panel, "runScriptButton").click()
        await wait_until(lambda: streamed(panel), what="the script running")
        assert panel.process is not None
        pid = panel.process.pid
        await panel.shutdown()
        return pid

    pid = run(scenario())
    assert not pid_alive(pid)  # killed and reaped: not even a zombie
    last = panel.runs[-1]
    assert panel.process is None and last.stopped == "killed: the panel closed"
    assert (last.exit_code, last.meaning) == (-signal.SIGKILL, "killed by SIGKILL")


# The real app: start a long script, quit with Ctrl+Q, then check the child is gone.
DRIVER = textwrap.dedent(
    """
    import sys
    from PySide6 import QtCore, QtTest, QtWidgets
    from guidemo.app import run_app

    def on_ready(window):
        panel = window.show_panel("scripts")
        panel.findChild(QtWidgets.QComboBox, "scriptCombo").setCurrentText("say_lots")
        panel.findChild(QtWidgets.QLineEdit, "scriptArgsEdit").setText("--count 1000")
        panel.findChild(QtWidgets.QPushButton, "runScriptButton").click()
        def started():
            if panel.process is None or panel.current is None or not panel.current.out_lines:
                QtCore.QTimer.singleShot(50, window, started)
                return
            print("CHILD", panel.process.pid, flush=True)
            QtTest.QTest.keyClick(window, QtCore.Qt.Key.Key_Q,
                                  QtCore.Qt.KeyboardModifier.ControlModifier)
        QtCore.QTimer.singleShot(50, window, started)

    sys.exit(run_app(on_ready=on_ready))
    """
)


@pytest.mark.timeout(60)
def test_quitting_the_app_with_a_script_running_leaves_no_orphan(tmp_path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    env["PYTHONWARNINGS"] = "error::ResourceWarning"
    app = subprocess.run(
        [sys.executable, "-c", DRIVER], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=50,
    )  # fmt: skip
    assert app.returncode == 0, app.stderr
    assert app.stderr == ""
    pid = int(re.search(r"^CHILD (\d+)$", app.stdout, re.MULTILINE).group(1))
    assert not pid_alive(pid), "the script outlived the app"


def test_the_modern_entry_points_run_on_each_python_with_the_warning_caught(window, run) -> None:
    panel = fresh(window)
    before = len(panel.runs)

    async def scenario() -> list[str]:
        others = await other_pythons()
        button(panel, "getEventLoopButton").click()
        await wait_until(lambda: panel.busy(), what="the series started")
        assert not button(panel, "runScriptButton").isEnabled()
        await wait_until(lambda: not panel.busy(), 60, "the end of the series")
        return others

    others = run(scenario())
    runs = panel.runs[before:]
    assert [(r.script, r.exit_code) for r in runs] == [("entry_points", 0)] * (1 + len(others))
    said = [text for _, text in streamed(panel)]
    versions = [line for line in said if line.startswith("Python 3.")]
    assert len(versions) == 1 + len(others), said
    assert not streamed(panel, "err")
    assert sum("then get_event_loop(): raised RuntimeError" in line for line in said) == len(runs)
    newer = [v for v in versions if v.split(".")[1] in ("12", "13")]
    warned = [line for line in said if "caught DeprecationWarning: There is no current" in line]
    assert len(warned) == len(newer), said  # 3.12 and 3.13 warn; 3.11 does not
    assert panel.source_view.objects[0].__name__ == "guidemo.programs.entry_points"
    assert all(other in output(panel) for other in others)  # each run's command line


# Here, not with the Qt-free tests: the panel's catalogue finds the Pythons (its package
# imports Qt).
@pytest.mark.parametrize("minor", NEWER)
def test_entry_points_runs_standalone_on_a_newer_python(minor: int) -> None:
    """Run as a file on each newer Python found here: 3.12+ warns where 3.11 did not."""
    found = [
        c
        for c in python_candidates(minor)
        if subprocess.run([c, "-V"], capture_output=True).returncode == 0
    ]
    if not found or sys.version_info[:2] == (3, minor):
        pytest.skip(f"no other Python 3.{minor} here")
    path = Path(guidemo.programs.__file__).parent / "entry_points.py"
    result = subprocess.run(
        [found[0], "-W", "error", "-u", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"Python 3.{minor}.")
    if minor < 14:
        assert "caught DeprecationWarning: There is no current event loop" in result.stdout
    else:
        assert "1. asyncio.get_event_loop() at the top of a fresh program:\n   raised" in (
            result.stdout
        )
    assert "eager: task: first step, create_task returned, task: second step" in result.stdout
