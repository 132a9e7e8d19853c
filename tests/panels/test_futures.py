"""Panel `futures`: callbacks in order, awaiting resumes, bad calls shown, threads joined."""

from __future__ import annotations

import time

import pytest
from PySide6 import QtWidgets

from guidemo.panels.futures import FuturesPanel
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(60)


def button(panel: FuturesPanel, name: str) -> QtWidgets.QPushButton:
    found = panel.findChild(QtWidgets.QPushButton, name)
    assert found is not None, name
    return found


def log_lines(panel: FuturesPanel) -> list[str]:
    text = panel.findChild(QtWidgets.QPlainTextEdit, "futureLog").toPlainText()
    # "12:00:00.000  >>> fut.result()   raised ...": drop the clock and the prompt
    return [
        line.split("  ", 1)[1].removeprefix(">>> ") for line in text.splitlines() if "  " in line
    ]


def state(panel: FuturesPanel, name: str = "futureState") -> str:
    return panel.findChild(QtWidgets.QLabel, name).text()


def index(lines: list[str], fragment: str) -> int:
    found = [i for i, line in enumerate(lines) if fragment in line]
    assert found, f"{fragment!r} not in log:\n" + "\n".join(lines)
    return found[-1]


def fresh(window) -> FuturesPanel:
    panel = window.show_panel("futures")
    panel.findChild(QtWidgets.QPlainTextEdit, "futureLog").clear()
    return panel


def test_set_result_runs_callbacks_in_order_then_resumes_the_waiter(window, run):
    panel = fresh(window)

    async def scenario() -> None:
        button(panel, "newFutureButton").click()
        for _ in range(3):
            button(panel, "addCallbackButton").click()
        button(panel, "awaitFutureButton").click()
        await wait_until(lambda: any("waiter #1: await fut" in x for x in log_lines(panel)))
        assert "done() = " in state(panel) and "False" in state(panel)
        assert "1 waiter(s) suspended" in state(panel)
        panel.findChild(QtWidgets.QLineEdit, "valueEdit").setText("42")
        button(panel, "setResultButton").click()
        # set_result only schedules the callbacks: none has run when it returns
        assert "callback #1 ran" not in "\n".join(log_lines(panel))
        await wait_until(lambda: any("resumed with 42" in x for x in log_lines(panel)))

    run(scenario())
    lines = log_lines(panel)
    order = [
        index(lines, "fut.set_result(42)   returned None"),
        index(lines, "callback #1 ran: result 42"),
        index(lines, "callback #2 ran: result 42"),
        index(lines, "callback #3 ran: result 42"),
        index(lines, "waiter #1: resumed with 42"),
    ]
    assert order == sorted(order), lines
    text = state(panel)
    assert "True" in text and "holds <b>result 42</b>" in text and "0 waiter(s)" in text


def test_bad_sequences_show_invalid_state_error(window, run):
    panel = fresh(window)
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")
    errors_before = errors.count()

    async def scenario() -> None:
        button(panel, "newFutureButton").click()
        button(panel, "resultButton").click()
        button(panel, "exceptionButton").click()
        button(panel, "setResultButton").click()
        button(panel, "setResultButton").click()
        button(panel, "setExceptionButton").click()
        button(panel, "cancelFutureButton").click()
        button(panel, "resultButton").click()

    run(scenario())
    lines = log_lines(panel)
    assert "fut.result()   raised InvalidStateError: Result is not set." in lines
    assert "fut.exception()   raised InvalidStateError: Exception is not set." in lines
    assert "fut.set_result(42)   returned None" in lines[index(lines, "set_result(42)") - 1]
    assert lines[index(lines, "fut.set_result(42)")].endswith(
        "raised InvalidStateError: invalid state"
    )
    assert any("set_exception" in x and "InvalidStateError: invalid state" in x for x in lines)
    assert "fut.cancel()   returned False" in lines  # already done: cancel() says no
    assert lines[-1] == "fut.result()   returned 42"
    assert errors.count() == errors_before, "errors are shown in the panel, not crashes"


def test_set_exception_and_cancel_reach_callbacks_and_waiters(window, run):
    panel = fresh(window)

    async def scenario() -> None:
        button(panel, "newFutureButton").click()
        button(panel, "addCallbackButton").click()
        button(panel, "awaitFutureButton").click()
        await wait_until(lambda: any("waiter #1: await fut" in x for x in log_lines(panel)))
        button(panel, "setExceptionButton").click()
        await wait_until(lambda: any("waiter #1: resumed" in x for x in log_lines(panel)))
        button(panel, "exceptionButton").click()
        button(panel, "resultButton").click()
        # a second future, cancelled
        button(panel, "newFutureButton").click()
        button(panel, "addCallbackButton").click()
        button(panel, "awaitFutureButton").click()
        await wait_until(lambda: any("waiter #1: await fut" in x for x in log_lines(panel)[-3:]))
        button(panel, "cancelFutureButton").click()
        await wait_until(lambda: "resumed by CancelledError" in log_lines(panel)[-1])
        button(panel, "resultButton").click()
        # a callback added after it is done still runs, soon
        button(panel, "addCallbackButton").click()
        await wait_until(lambda: "callback #2 ran: cancelled" in log_lines(panel)[-1])

    run(scenario())
    lines = log_lines(panel)
    assert "callback #1 ran: exception ValueError('set by the button')" in lines
    assert "waiter #1: resumed, await raised ValueError('set by the button')" in lines
    assert "fut.exception()   returned ValueError('set by the button')" in lines
    assert "fut.result()   raised ValueError: set by the button" in lines
    assert "fut.cancel()   returned True" in lines
    assert "callback #1 ran: cancelled" in lines
    assert "fut.result()   raised CancelledError: " in lines
    assert "cancelled() = <b>True</b>" in state(panel)


def test_replacing_a_pending_future_cancels_it_and_its_waiter(window, run):
    panel = fresh(window)

    async def scenario() -> None:
        button(panel, "newFutureButton").click()
        button(panel, "awaitFutureButton").click()
        await wait_until(lambda: any("await fut" in x for x in log_lines(panel)))
        button(panel, "newFutureButton").click()
        await wait_until(lambda: "resumed by CancelledError" in log_lines(panel)[-1])

    run(scenario())
    assert any("was still pending: cancelled it" in x for x in log_lines(panel))
    assert "fut #2" in state(panel)


def test_thread_future_callback_runs_in_the_worker_thread(window, run):
    panel = fresh(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(0.3)

    async def scenario() -> None:
        button(panel, "threadFutureButton").click()
        assert "running() = <b>True</b>" in state(panel, "threadFutureState") or "pending" in state(
            panel, "threadFutureState"
        )
        button(panel, "cancelThreadFutureButton").click()  # running: cannot be cancelled
        await wait_until(lambda: "done() = <b>True</b>" in state(panel, "threadFutureState"), 5)

    run(scenario())
    lines = log_lines(panel)
    assert any("job.cancel()" in x and "returned False" in x for x in lines), lines
    callback = lines[index(lines, "job done-callback ran in thread")]
    assert "guidemo-worker" in callback and "MainThread" not in callback
    assert "result (1, 'guidemo-worker" in state(panel, "threadFutureState")


def test_wrap_future_awaits_the_thread_without_blocking(window, run):
    panel = fresh(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(1.0)
    freezes_before = len(window.monitor.freezes)

    async def scenario() -> float:
        started = time.perf_counter()
        button(panel, "wrapFutureButton").click()
        await wait_until(lambda: not button(panel, "wrapFutureButton").isEnabled())
        await wait_until(lambda: button(panel, "wrapFutureButton").isEnabled(), 5, "wrap end")
        return started

    started = run(scenario())
    stats = window.monitor.stats_since(started)
    assert stats.max_ms < 100 and stats.samples > 10, stats
    assert len(window.monitor.freezes) == freezes_before
    line = log_lines(panel)[index(log_lines(panel), "await wrap_future(job) resumed with")]
    took = float(line.split(" after ")[1].split(" s")[0])
    assert 0.95 <= took < 1.6, line


def test_blocking_result_freezes_the_ui(window, run):
    panel = fresh(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(0.6)
    freezes_before = len(window.monitor.freezes)

    async def scenario() -> float:
        started = time.perf_counter()
        button(panel, "blockingResultButton").click()  # returns only when the thread is done
        took = time.perf_counter() - started
        await wait_until(lambda: len(window.monitor.freezes) > freezes_before, what="freeze")
        return took

    took = run(scenario())
    assert took >= 0.55
    freeze = window.monitor.freezes[-1]
    assert freeze.where.startswith("block_on_job() (futures.py:"), freeze
    assert freeze.duration_s >= 0.45
    assert any("job.result()   returned (" in x for x in log_lines(panel))


def test_source_view_shows_the_lesson(window):
    panel = window.show_panel("futures")
    source = panel.findChild(QtWidgets.QTextBrowser, "sourceView").toPlainText()
    for name in ("report_when_done", "wait_for_it", "submit_job", "await_job", "block_on_job"):
        assert f"def {name}(" in source, name
    assert "futures.py:" in source
