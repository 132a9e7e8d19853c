"""Panel `lab`: the learner's code on the live loop, its errors, the rescue, the exercises."""

from __future__ import annotations

import asyncio
import gc
import re
import signal
import threading
import time

import pytest
from PySide6 import QtWidgets

from guidemo.lessons.lab import RESCUE_SIGNAL
from guidemo.panels.lab import SEPARATOR, LabPanel
from guidemo.panels.lab.exercises import EXERCISES
from tests.helpers import live_probes, wait_until

pytestmark = pytest.mark.timeout(90)


def open_lab(window, exercise: int = 0) -> LabPanel:
    panel = window.show_panel("lab")
    assert isinstance(panel, LabPanel)
    panel.exercise_combo.setCurrentIndex(exercise)
    return panel


def log_text(panel: LabPanel) -> str:
    panel._flush_output()
    return panel.findChild(QtWidgets.QPlainTextEdit, "labLog").toPlainText()


async def run_and_wait(panel: LabPanel, code: str | None = None, timeout: float = 30) -> None:
    if code is not None:
        panel.editor.setPlainText(code)
    panel.findChild(QtWidgets.QPushButton, "labRunButton").click()
    await wait_until(lambda: panel.run_task is None, timeout, "the run to end")


def test_code_runs_on_the_live_loop_with_top_level_await(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        await run_and_wait(
            panel,
            "async def tick(name):\n"
            "    await asyncio.sleep(0.05)\n"
            "    say('tick', name)\n"
            "await asyncio.gather(tick('a'), tick('b'))\n"
            "print('printed', 6 * 7)\n",
        )
        text = log_text(panel)
        assert "tick a" in text and "tick b" in text and "printed 42" in text
        assert panel.lanes.lane_names()[0] == "your code"
        assert len(panel.lanes.lane_names()) == 3, panel.lanes.lane_names()
        assert "Ran " in panel.result_label.text() and "no freeze" in panel.result_label.text()

    run(scenario())


# Exercise 3's check times the learner's run against 1.5 times the ideal (3.00 s): on a
# machine busy with a second full suite the solution took 3.17 s. Exercise 2's times two
# requests against 0.6 s (0.97 s there); exercise 5's bounds the longest step of the
# learner's code in wall time (under 100 ms): 342 ms there. They run with the needs_quiet
# tests.
TIMED_AGAINST_A_GOAL = {2, 3, 5}


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    "number",
    [
        pytest.param(n, marks=[pytest.mark.needs_quiet] if n in TIMED_AGAINST_A_GOAL else [])
        for n in range(1, len(EXERCISES) + 1)
    ],
)
def test_each_exercise_fails_as_given_and_passes_solved(window, run, number):
    panel = open_lab(window, number)
    exercise = EXERCISES[number - 1]
    check = panel.findChild(QtWidgets.QLabel, "labCheckLabel")

    async def scenario() -> tuple[str, str]:
        assert panel.editor.toPlainText() == exercise.start
        await run_and_wait(panel, timeout=60)
        first = check.text()
        panel.stop_code()  # a task left running by the starting code (exercise 6)
        panel.findChild(QtWidgets.QPushButton, "labSolutionButton").click()
        assert panel.editor.toPlainText() == exercise.solution
        await run_and_wait(panel, timeout=60)
        return first, check.text()

    first, second = run(scenario(), timeout=200)
    assert first.startswith("Check: not yet:") and any(c.isdigit() for c in first), first
    assert second.startswith("Check: passed:"), second
    assert panel.last_verdict is not None and panel.last_verdict.passed


def test_a_syntax_error_marks_its_line_and_column(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        panel.editor.setPlainText("x = 1\ny = (2 +\nsay(x)\n")
        panel.findChild(QtWidgets.QPushButton, "labRunButton").click()
        assert panel.run_task is None  # nothing started
        assert panel.editor.error_at is not None and panel.editor.error_at[0] in (2, 3)
        assert len(panel.editor.extraSelections()) == 2
        assert "Syntax error, line" in log_text(panel)

    run(scenario())


def test_a_traceback_shows_only_the_learners_frames(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        await run_and_wait(
            panel,
            "async def inner():\n    await asyncio.sleep(0)\n    return 1 / 0\n\nawait inner()\n",
        )
        text = log_text(panel).split(SEPARATOR)[-1]
        assert "Traceback (your code only):" in text
        assert "line 5, top level: await inner()" in text
        assert "line 3, in inner: return 1 / 0" in text
        assert "ZeroDivisionError: division by zero" in text
        assert "guidemo" not in text and ".py" not in text
        assert panel.editor.error_at == (3, 1)

    run(scenario())


def test_open_in_lab_copies_a_lesson_and_it_runs(window, run):
    blocking = window.show_panel("coroutines")

    async def scenario() -> None:
        blocking.findChild(QtWidgets.QPushButton, "openInLabButton").click()
        panel = window.current_panel()
        assert isinstance(panel, LabPanel)
        code = panel.editor.toPlainText()
        assert code.startswith("from guidemo.lessons.coroutines import *")
        assert "async def say_lots" in code and "result = await say_lots(" in code
        panel.editor.setPlainText(
            code.replace("count = ...", "count = 2").replace(
                "say = ...", "say = lambda who, text: print(who, text)"
            )
        )
        await run_and_wait(panel)
        assert "say_lots" in log_text(panel)
        assert "Traceback" not in log_text(panel).split(SEPARATOR)[-1]

    run(scenario())


def test_a_freeze_in_learner_code_names_its_line(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        await run_and_wait(panel, "say('before')\n\ntime.sleep(0.6)\nsay('after')\n")
        freezes = [f for f in window.monitor.stats().freezes if "your code" in f.where]
        assert freezes, window.monitor.stats().freezes
        assert freezes[-1].where == "your code, line 3: `time.sleep(0.6)`"
        assert not freezes[-1].own
        result = panel.result_label.text()
        assert "in your code, line 3: `time.sleep(0.6)`" in result, result
        # The 0.6 s sleep, and no less: quiet 0.60-0.65 s, but beside a second suite a 0.3 s
        # sleep took 2.5 s (the former bound, 0.99 s, was that of a quiet machine).
        frozen = re.search(r"UI frozen ([\d.]+) s", result)
        assert frozen and 0.55 <= float(frozen[1]) < 5.0, result

    run(scenario())


RESCUE_CASES = {
    "python loop": "n = 0\nwhile True:\n    n += 1\n",
    "empty loop": "say('spinning')\nwhile True: pass\n",
    "blocking call": "say('sleeping')\ntime.sleep(600)\n",
    "socket read": "import socket\na, b = socket.socketpair()\ntry:\n    a.recv(10)\n"
    "finally:\n    a.close()\n    b.close()\n",
    "in a click handler": "def on_click():\n    time.sleep(600)\n\nb = button('freeze', on_click)\n"
    "asyncio.get_running_loop().call_soon(b.click)\nawait asyncio.sleep(0.5)\n",
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", RESCUE_CASES)
def test_the_rescue_stops_code_that_would_freeze_for_good(window, run, case):
    panel = open_lab(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "labLimitSpin").setValue(1.0)

    async def scenario() -> tuple[float, str]:
        before = len(panel.rescues)
        started = time.perf_counter()
        await run_and_wait(panel, RESCUE_CASES[case], timeout=20)
        await wait_until(lambda: len(panel.rescues) > before, 5, "the rescue's report")
        took = time.perf_counter() - started
        kind, where, frozen = panel.rescues[-1]
        assert "your code, line" in where
        # Stopped soon after the 1 s limit, where the code alone would hold the window for
        # good (or 600 s): within 1 s of it on a quiet machine; 3 s leaves a busy machine's
        # late watchdog wake-ups room (2.02 s beside a second suite).
        assert frozen < 1.0 + 3.0, frozen
        # The window is live right after: the heartbeat beats, another panel's demo runs.
        since = time.perf_counter()
        await wait_until(
            lambda: window.monitor.stats_since(since).samples >= live_probes(1.0), 5, "beats"
        )
        gather = window.show_panel("gather")
        gather.findChild(QtWidgets.QDoubleSpinBox, "stepSpin").setValue(0.2)
        run_button = gather.findChild(QtWidgets.QPushButton, "gatherButton")
        run_button.click()
        await wait_until(lambda: not run_button.isEnabled(), 5, "gather started")
        await wait_until(run_button.isEnabled, 20, "gather's demo ran")
        assert "Rescue:" in log_text(panel)
        return took, kind

    took, kind = run(scenario())
    frozen = panel.rescues[-1][2]
    print(f"rescue {case}: {kind}, frozen {frozen:.3f} s with a 1 s limit; ended {took:.2f} s")


@pytest.mark.timeout(60)
def test_the_rescue_never_fires_in_guidemos_own_code(window, run):
    """A freeze longer than the limit in a lesson's click handler (the blocking panel's
    slow_sleep) is not the learner's: the rescue leaves it alone; and its signal, arriving
    while the GUI thread runs guidemo's or Qt's code, does nothing."""
    panel = open_lab(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "labLimitSpin").setValue(1.0)
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")

    async def scenario() -> None:
        errors_before = errors.count()
        panel.editor.setPlainText("await asyncio.sleep(4)\n")  # learner code live: rescue on
        panel.findChild(QtWidgets.QPushButton, "labRunButton").click()
        await wait_until(lambda: panel.rescue is not None, 5, "the rescue thread")
        fired, rescues = panel.rescue_signal.fired, len(panel.rescues)
        blocking = window.show_panel("blocking")
        blocking.findChild(QtWidgets.QDoubleSpinBox, "durationSpin").setValue(2.0)
        started = time.perf_counter()
        blocking.findChild(QtWidgets.QPushButton, "blockButton").click()  # freezes 2 s
        held = time.perf_counter() - started
        assert held >= 1.9, held  # ran to its end: not interrupted
        # The signal itself, armed, while the GUI thread runs guidemo's code: ignored.
        ignored = panel.rescue_signal.ignored
        panel.rescue_signal.armed = True
        signal.pthread_kill(threading.main_thread().ident, RESCUE_SIGNAL)
        await asyncio.sleep(0.1)
        panel.rescue_signal.armed = False
        assert panel.rescue_signal.ignored == ignored + 1
        await wait_until(lambda: panel.run_task is None, 10, "the learner's run ended")
        assert panel.rescue_signal.fired == fired and len(panel.rescues) == rescues
        assert errors.count() == errors_before
        # (a later freeze of the busy machine's own is no code's: seen beside a second suite)
        freezes = window.monitor.code_freezes_since(0.0)
        assert freezes[-1].where.startswith("slow_sleep()"), freezes[-1]

    run(scenario())


def test_never_awaited_and_never_retrieved_are_reported_on_the_learners_line(window, run):
    panel = open_lab(window)
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")

    async def scenario() -> None:
        before = errors.count()
        await run_and_wait(
            panel,
            "async def fails():\n"
            "    raise ValueError('nobody looked')\n"
            "\n"
            "asyncio.sleep(1)\n"
            "task = asyncio.create_task(fails())\n"
            "await asyncio.sleep(0.1)\n"
            "del task\n",
        )
        gc.collect()
        await wait_until(lambda: "never retrieved" in log_text(panel), 5, "never retrieved")
        text = log_text(panel).split(SEPARATOR)[-1]
        assert "coroutine sleep() was never awaited (made on line 4: `asyncio.sleep(1)`)" in text
        assert "ValueError: nobody looked (raised on line 2)" in text
        assert errors.count() == before, "the learner's errors stay in the lab"

    run(scenario())


def test_stop_cancels_every_task_the_code_started(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        panel.editor.setPlainText(
            "async def forever(n):\n"
            "    await asyncio.sleep(3600)\n"
            "\n"
            "tasks = [asyncio.create_task(forever(n)) for n in range(5)]\n"
            "await asyncio.gather(*tasks)\n"
        )
        panel.findChild(QtWidgets.QPushButton, "labRunButton").click()
        await wait_until(lambda: len(panel.live_tasks()) == 5, 5, "five tasks")
        tasks = [*panel.live_tasks(), panel.run_task]
        panel.findChild(QtWidgets.QPushButton, "labStopButton").click()
        await wait_until(lambda: all(t.done() for t in tasks), 5, "all cancelled")
        await wait_until(lambda: panel.run_task is None, 5)
        assert panel.live_tasks() == []
        assert all(t.cancelled() or t is tasks[-1] for t in tasks)
        assert "Stop: 6 tasks cancelled." in log_text(panel)
        lanes = panel.lanes
        ends = [lanes.lane(name).events[-1].kind for name in lanes.lane_names()[1:]]
        assert ends == ["cancelled"] * 5

    run(scenario())


def test_the_learners_widgets_go_on_reset(window, run):
    panel = open_lab(window, 1)

    async def scenario() -> None:
        await run_and_wait(panel)  # exercise 1: a button and a label, clicked by the check
        assert len(panel.findChildren(QtWidgets.QPushButton, "labOwnButton")) == 1
        panel.findChild(QtWidgets.QPushButton, "labResetButton").click()
        assert panel.editor.toPlainText() == EXERCISES[0].start
        await asyncio.sleep(0.05)  # deleteLater
        assert panel.findChildren(QtWidgets.QPushButton, "labOwnButton") == []
        assert panel.findChildren(QtWidgets.QLabel, "labOwnLabel") == []

    run(scenario())


def test_a_draft_survives_a_restart_and_a_bad_one_is_set_aside(window, run):
    panel = open_lab(window, 3)

    async def scenario() -> None:
        panel.editor.setPlainText("say('my draft')\n")
        panel.exercise_combo.setCurrentIndex(0)  # switching saves it
        panel.exercise_combo.setCurrentIndex(3)
        restarted = LabPanel(window.context)  # what the next start builds
        assert restarted.exercise_combo.currentIndex() == 3
        assert restarted.editor.toPlainText() == "say('my draft')\n"
        await restarted.shutdown()
        restarted.deleteLater()
        path = panel.drafts.folder / "exercise-3.py"
        path.write_bytes(b"\xff\xfe not utf-8 \x80")
        again = LabPanel(window.context)
        assert again.editor.toPlainText() == EXERCISES[2].start
        assert "could not be read" in log_text(again) and "set aside" in log_text(again)
        assert not path.exists() and list(panel.drafts.folder.glob("exercise-3.py.unreadable-*"))
        await again.shutdown()
        again.deleteLater()
        panel.exercise_combo.setCurrentIndex(0)

    run(scenario())


BAD_INPUT = {
    "empty": ("  \n\n", "There is no code to run"),
    "sys.exit": ("import sys\nsay('bye')\nsys.exit(0)\n", "`sys.exit(…)` refused"),
    "loop.close": ("loop = asyncio.get_running_loop()\nloop.close()\n", "refused: closing"),
    "loop.stop": ("asyncio.get_running_loop().stop()\n", "refused: stopping"),
    "asyncio.run": ("asyncio.run(asyncio.sleep(0))\n", "`asyncio.run(…)` refused"),
    "too long": ("x = 1\n" * 25_000, "the lab runs at most 20,000 lines"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_gets_a_clear_message(window, run, case):
    panel = open_lab(window)
    code, message = BAD_INPUT[case]

    async def scenario() -> None:
        panel.editor.setPlainText(code)
        panel.findChild(QtWidgets.QPushButton, "labRunButton").click()
        assert panel.run_task is None, "refused before running"
        assert message in log_text(panel).split(SEPARATOR)[-1]
        assert message in panel.result_label.text()
        since = time.perf_counter()
        await wait_until(lambda: window.monitor.stats_since(since).samples >= 3, 5, "beats")

    run(scenario())


def test_a_runtime_sys_exit_is_refused_and_the_app_lives(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        await run_and_wait(panel, "leave = getattr(__import__('sys'), 'exit')\nleave(3)\n")
        assert "sys.exit() refused" in log_text(panel)
        since = time.perf_counter()
        await wait_until(lambda: window.monitor.stats_since(since).samples >= 3, 5, "beats")

    run(scenario())


def test_ten_thousand_lines_of_code_run(window, run):
    panel = open_lab(window)
    code = "total = 0\n" + "total += 1\n" * 9_998 + "say('total', total)\n"

    async def scenario() -> None:
        started = time.perf_counter()
        await run_and_wait(panel, code)
        took = time.perf_counter() - started
        assert "total 9998" in log_text(panel)
        assert took < 10, took

    run(scenario())


def test_a_megabyte_of_output_in_a_second_keeps_the_log_bounded(window, run):
    panel = open_lab(window)
    log = panel.findChild(QtWidgets.QPlainTextEdit, "labLog")

    async def scenario() -> None:
        await run_and_wait(
            panel,
            "for second in range(10):\n"
            "    for line in range(1_000):\n"
            "        print(second, 'x' * 100)\n"
            "    await asyncio.sleep(0.1)\n"
            "print('x' * 200_000)\n",
        )
        text = log_text(panel)
        assert log.blockCount() <= 2_000
        assert "characters of output dropped" in text or "9 xxxx" in text
        assert all(len(line) < 1_000 for line in text.splitlines())
        since = time.perf_counter()
        await wait_until(lambda: window.monitor.stats_since(since).samples >= 3, 5, "beats")
        # Live after it: no code holds the loop (a busy machine's 1.2 s wait for a CPU, which
        # made a lag of 1.19 s beside a second suite, is the machine's, not a freeze of it).
        assert window.monitor.code_freezes_since(since) == []
        print("outside the lab")  # not the learner's: not in the lab's log
        assert "outside the lab" not in log_text(panel)

    run(scenario())


def test_ten_thousand_tasks(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        await run_and_wait(
            panel,
            "async def job(n):\n"
            "    await asyncio.sleep(0.3)\n"
            "    return n\n"
            "tasks = [asyncio.create_task(job(n)) for n in range(10_000)]\n"
            "results = await asyncio.gather(*tasks)\n"
            "say(len(results), 'results')\n",
            timeout=60,
        )
        assert "10000 results" in log_text(panel)
        assert panel.tasks_started == 10_000
        assert len(panel.lanes.lane_names()) <= 25
        assert panel.live_tasks() == []
        tasks = window.show_panel("tasks")  # another panel is fine
        assert tasks.isVisible()

    run(scenario(), timeout=80)


def test_lanes_show_running_and_awaiting(window, run):
    panel = open_lab(window)

    async def scenario() -> None:
        await run_and_wait(
            panel,
            "async def busy_then_idle():\n"
            "    time.sleep(0.3)\n"
            "    await asyncio.sleep(0.5)\n"
            "\n"
            "await asyncio.create_task(busy_then_idle())\n",
        )
        name = panel.lanes.lane_names()[1]
        kinds = [s.kind for s in panel.lanes.lane(name).segments]
        assert "running" in kinds and kinds[-1] == "awaiting", kinds
        segments = panel.lanes.lane(name).segments
        running = next(s for s in segments if s.kind == "running")
        # The time.sleep(0.3) ran, then the task awaited 0.5 s. (Beside a second suite the
        # running stretch took 2.5 s: the thread waited that long for a CPU after its sleep.)
        assert running.end - running.start > 0.2, segments
        assert segments[-1].start >= running.end and segments[-1].end - segments[-1].start >= 0.45

    run(scenario())


def test_closing_the_lab_removes_the_learners_widgets_without_qt_warnings(window, run, qtlog):
    async def scenario() -> None:
        lab = LabPanel(window.context)
        lab.exercise_combo.setCurrentIndex(0)
        lab.editor.setPlainText(
            "for n in range(5):\n    button(f'b{n}', lambda: None)\nlabel('x')\n"
        )
        lab.run_code()
        await wait_until(lambda: lab.run_task is None, 10)
        assert len(lab.findChildren(QtWidgets.QPushButton, "labOwnButton")) == 5
        await lab.shutdown()
        lab.close()
        lab.deleteLater()
        await asyncio.sleep(0.1)

    run(scenario())
    warnings = [r.message for r in qtlog.records if "propagateSizeHints" not in r.message]
    assert warnings == []


def test_the_downloader_check_sees_workers_that_never_end(window, run):
    panel = open_lab(window, 4)
    check = panel.findChild(QtWidgets.QLabel, "labCheckLabel")
    endless = (
        EXERCISES[3]
        .solution.replace("for _ in workers:\n    jobs.put(STOP)\n", "")
        .replace("for thread in workers:\n    await asyncio.to_thread(thread.join)\n", "")
    )
    assert "jobs.put(STOP)" not in endless

    async def scenario() -> str:
        await run_and_wait(panel, endless)
        text = check.text()
        for _ in range(3):
            panel.names["jobs"].put(None)  # let them end now
        return text

    text = run(scenario())
    assert text.startswith("Check: not yet:") and "3 worker threads still running" in text, text


def test_the_editor_indents_highlights_and_runs_on_ctrl_enter(window, run):
    from pygments.token import Keyword
    from PySide6 import QtCore, QtTest

    from guidemo.widgets import palette
    from guidemo.widgets.source_view import code_style

    panel = open_lab(window)
    editor = panel.editor

    async def scenario() -> None:
        editor.setPlainText("")
        editor.setFocus()
        QtTest.QTest.keyClicks(editor, "async def f():")
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Return)
        QtTest.QTest.keyClicks(editor, "say('indented')")
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Return)
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Backtab)
        QtTest.QTest.keyClicks(editor, "await f()")
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Return)
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Tab)
        assert editor.toPlainText() == "async def f():\n    say('indented')\nawait f()\n    "
        editor.undo()
        assert editor.toPlainText() == "async def f():\n    say('indented')\nawait f()\n"
        formats = editor.document().firstBlock().layout().formats()
        keyword = code_style(palette.CURRENT.name).style_for_token(Keyword)["color"]
        async_format = next(f.format for f in formats if f.start == 0)  # `async`
        assert async_format.foreground().color().name() == f"#{keyword}".lower()
        QtTest.QTest.keyClick(
            editor, QtCore.Qt.Key.Key_Return, QtCore.Qt.KeyboardModifier.ControlModifier
        )
        assert panel.run_task is not None, "Ctrl+Enter runs"
        await wait_until(lambda: panel.run_task is None, 10)
        assert "indented" in log_text(panel)

    run(scenario())


def test_the_editor_follows_the_theme(window, run):
    """A theme switch recolours the code already there, the line numbers and an error's
    mark (colours read from the theme in force, not fixed at import)."""
    from guidemo.widgets import palette
    from guidemo.widgets.source_view import code_style

    panel = open_lab(window)
    editor = panel.editor

    def code_colours() -> set[str]:
        formats = editor.document().firstBlock().layout().formats()
        return {f.format.foreground().color().name() for f in formats}

    def style_colours(name: str) -> set[str]:
        return {f"#{rule['color']}" for _, rule in code_style(name) if rule["color"]}

    def margin_colour() -> str:
        return editor._numbers.grab().toImage().pixelColor(2, 2).name()

    async def scenario() -> None:
        editor.setPlainText("async def f():\n    await asyncio.sleep(1)\n")
        editor.mark_error(2, 5)
        for name in ("dark", "light"):
            window.set_theme(name)
            theme = palette.THEMES[name]
            await asyncio.sleep(0.05)
            assert code_colours() and code_colours() <= style_colours(name), name
            line, spot = editor.extraSelections()
            assert line.format.background().color().name() == theme.late_background
            assert spot.format.background().color().name() == theme.bad
            assert margin_colour() == theme.alternate_base

    try:
        run(scenario())
    finally:
        window.set_theme("light")
    assert style_colours("light") != style_colours("dark")


def test_tab_passes_through_the_editor_unless_writing_code(window, run):
    """Tab indents while writing code, but a keyboard user walking the controls is not
    trapped: walked into by Tab, or after Esc, the next Tab moves on."""
    from PySide6 import QtCore, QtTest

    panel = open_lab(window)
    editor = panel.editor
    window.activateWindow()

    async def scenario() -> None:
        editor.setPlainText("")
        panel.exercise_combo.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
        for _ in range(10):  # from the combo, Tab to the editor
            QtTest.QTest.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Tab)
            if QtWidgets.QApplication.focusWidget() is editor:
                break
        assert QtWidgets.QApplication.focusWidget() is editor
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Tab)
        assert QtWidgets.QApplication.focusWidget() is not editor, "walked on"
        assert editor.toPlainText() == ""
        editor.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
        QtTest.QTest.keyClicks(editor, "x")
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Tab)
        assert editor.toPlainText() == "x    " and QtWidgets.QApplication.focusWidget() is editor
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Escape)
        QtTest.QTest.keyClick(editor, QtCore.Qt.Key.Key_Tab)
        assert QtWidgets.QApplication.focusWidget() is not editor, "Esc, then Tab moves on"
        assert editor.toPlainText() == "x    "

    run(scenario())


# Times the rescue at the default limit to within a second; beside a second suite the
# blocking call's report had not come 15 s after the run ended. (The 1 s limit's test
# above runs under load, with 3 s of slack.)
@pytest.mark.no_outside_load
@pytest.mark.timeout(60)
@pytest.mark.parametrize("code", ["while True: pass\n", "time.sleep(600)\n"])
def test_at_the_default_limit_the_rescue_comes_within_a_second_of_it(window, run, code):
    panel = open_lab(window)
    spin = panel.findChild(QtWidgets.QDoubleSpinBox, "labLimitSpin")
    assert spin.value() == 10.0

    async def scenario() -> None:
        await run_and_wait(panel, code, timeout=30)
        await wait_until(lambda: panel.rescues, 5, "the rescue's report")
        frozen = panel.rescues[-1][2]
        assert 10.0 <= frozen < 11.0, frozen
        assert panel.rescues[-1][1] == f"your code, line 1: `{code.strip()}`"

    run(scenario(), timeout=45)
