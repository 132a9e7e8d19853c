"""Panel `lab`: the learner's code on the live loop, its errors, the rescue, the exercises."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from guidemo.panels.lab import LabPanel
from guidemo.panels.lab.exercises import EXERCISES
from tests.conftest import wait_until

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


@pytest.mark.timeout(240)
@pytest.mark.parametrize("number", range(1, len(EXERCISES) + 1))
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
        text = log_text(panel).split("—" * 30)[-1]
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
        assert "Traceback" not in log_text(panel).split("—" * 30)[-1]

    run(scenario())
