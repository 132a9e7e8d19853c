"""Panel `hidden-blocking`: each blocking call inside async def freezes the window and is
found by the HUD (naming the lesson's line), the task's slow step and debug mode (caught
into the panel, not stderr); each fix keeps the window live."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from guidemo.lessons import hidden_blocking as lesson
from guidemo.panels.hidden_blocking import COLUMNS, HiddenBlockingPanel
from guidemo.widgets.source_marks import shows_definition
from guidemo.widgets.source_view import SourceView
from tests.helpers import button, wait_until, widget

pytestmark = [pytest.mark.timeout(90), pytest.mark.panels("hidden-blocking")]
SECONDS = 0.6


def press(window, call: str, name: str) -> HiddenBlockingPanel:
    """Pick `call` and SECONDS, then press and click button `name` as a person would."""
    panel = window.show_panel("hidden-blocking")
    combo = widget(panel, QtWidgets.QComboBox, "blockingCallCombo")
    combo.setCurrentIndex(combo.findData(call))
    widget(panel, QtWidgets.QDoubleSpinBox, "blockingSecondsSpin").setValue(SECONDS)
    target = button(panel, name)
    target.pressed.emit()
    target.click()
    return panel


def latest_row(panel: HiddenBlockingPanel) -> dict[str, str]:
    table = widget(panel, QtWidgets.QTableWidget, "hiddenBlockingTable")
    return {name: table.item(0, at).text() for at, name in enumerate(COLUMNS)}


def run_one(window, run, call: str, name: str) -> tuple[dict[str, str], str]:
    async def scenario() -> HiddenBlockingPanel:
        panel = press(window, call, name)
        assert panel.busy()
        await wait_until(lambda: not panel.busy(), 30, "the run to end")
        return panel

    panel = run(scenario())
    summary = widget(panel, QtWidgets.QLabel, "hiddenBlockingSummary").text()
    return latest_row(panel), summary


# The fix's run must show no freeze and a live loop: beside a second suite the HUD caught
# 0.20 s in Qt's loop (the GUI thread waiting for the GIL) and a worst lag of 449 ms.
@pytest.mark.no_outside_load
def test_time_sleep_inside_async_def_is_found_three_ways_and_to_thread_fixes_it(window, run, capfd):
    row, summary = run_one(window, run, "sleep", "blockingInCoroutineButton")
    where = "sleep_in_coroutine() (hidden_blocking.py:"
    assert row["HUD freeze"].split(" in ", 1)[1].startswith(where), row
    frozen = float(row["HUD freeze"].split(" s in ")[0])
    assert SECONDS * 0.9 <= frozen <= SECONDS * 3, row
    assert window.monitor.freezes[-1].where.startswith(where)
    assert float(row["worst lag ms"]) >= SECONDS * 700  # the probe was late by the freeze
    assert row["slow step"].startswith(tuple(f"{n} ms" for n in range(int(SECONDS * 900), 2000)))
    assert " at sleep_in_coroutine (hidden_blocking.py:" in row["slow step"], row
    assert row["debug mode"].startswith("took 0.") and row["debug mode"].endswith("seconds"), row
    assert "the window froze <b style='color:" in summary and f"{frozen:.2f} s" in summary
    log = widget(window, QtWidgets.QPlainTextEdit, "debugWarningsLog").toPlainText()
    assert "name='hidden-blocking: sleep_in_coroutine' coro=<sleep_in_coroutine()" in log

    fixed, summary = run_one(window, run, "sleep", "toThreadButton")
    assert fixed["way"] == "asyncio.to_thread" and fixed["HUD freeze"] == "none", fixed
    assert fixed["slow step"] == "none" and fixed["debug mode"] == "no warning", fixed
    assert float(fixed["worst lag ms"]) < SECONDS * 500 and "no freeze" in summary
    assert "Executing" not in capfd.readouterr().err  # caught, not printed


def test_the_blocking_client_names_its_socket_wait_and_the_lesson_it_came_through(window, run):
    row, _ = run_one(window, run, "http", "blockingInCoroutineButton")
    assert "(blocking_get.py:" in row["HUD freeze"], row
    assert row["HUD freeze"].endswith("called from blocking_client_in_coroutine()"), row
    assert "took" in row["debug mode"]

    fixed, summary = run_one(window, run, "http", "asyncWayButton")
    assert fixed["way"] == "await the async client", fixed
    # Quiet, the fix's row says "none" and its summary "no freeze". Beside a second suite the
    # GUI thread may wait for the GIL in Qt's loop or in aiohttp's code long enough to count
    # as a freeze (0.20 s in the sibling test above, which is no_outside_load for it); what
    # holds on any machine: nothing froze the window in the blocking client's socket wait,
    # where the bug's 0.6 s freeze is, and the summary says what the row says.
    assert "blocking_get.py" not in fixed["HUD freeze"], fixed
    if fixed["HUD freeze"] == "none":
        assert "no freeze" in summary, summary
    else:
        assert f"HUD: {fixed['HUD freeze']};" in summary, (fixed, summary)


@pytest.mark.needs_quiet  # a 0.6 s CPU loop that got under 0.1 s of CPU is the machine's freeze
def test_a_cpu_loop_freezes_and_a_worker_process_does_not(window, run):
    row, _ = run_one(window, run, "cpu", "blockingInCoroutineButton")
    assert " in count_for() (hidden_blocking.py:" in row["HUD freeze"], row

    fixed, _ = run_one(window, run, "cpu", "asyncWayButton")
    assert fixed["way"] == "run_in_executor(process) (its first run starts the process)", fixed
    assert fixed["HUD freeze"] == "none", fixed
    assert fixed["debug mode"] == "no warning"


def test_each_button_shows_the_code_it_runs_for_the_call_picked(window, run):
    async def scenario() -> list[str]:
        panel = window.show_panel("hidden-blocking")
        view = widget(panel, SourceView, "sourceView")
        combo = widget(panel, QtWidgets.QComboBox, "blockingCallCombo")
        wrong = []
        for call, name, shown in [
            ("http", "blockingInCoroutineButton", lesson.blocking_client_in_coroutine),
            ("cpu", "asyncWayButton", lesson.cpu_in_process),
            ("sleep", "toThreadButton", lesson.in_a_thread),
            ("sleep", "asyncWayButton", lesson.sleep_without_blocking),
        ]:
            combo.setCurrentIndex(combo.findData(call))
            button(panel, name).pressed.emit()
            if not shows_definition(view, shown):
                wrong.append(f"{call} {name}: {shown.__name__} not in view")
        assert button(panel, "toThreadButton").text() == "await asyncio.to_thread(sleep, …)"
        return wrong

    assert run(scenario()) == []


def test_a_run_that_fails_says_why_and_frees_the_buttons(window, run):
    panel = window.show_panel("hidden-blocking")
    broken = lesson.start_worker_process()
    broken.shutdown()  # a pool that takes no more work: submit() raises
    panel._pool = broken
    errors = widget(window, QtWidgets.QListWidget, "errorLog")
    before = errors.count()

    async def scenario() -> None:
        press(window, "cpu", "asyncWayButton")
        await wait_until(lambda: not panel.busy(), 30, "the run to end")

    run(scenario())
    summary = widget(panel, QtWidgets.QLabel, "hiddenBlockingSummary").text()
    assert widget(panel, QtWidgets.QTableWidget, "hiddenBlockingTable").rowCount() == 0
    assert "RuntimeError: cannot schedule new futures after shutdown" in summary, summary
    assert button(panel, "asyncWayButton").isEnabled()
    assert errors.count() == before + 1  # its traceback, once
