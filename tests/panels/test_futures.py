"""Panel `futures`: callbacks in order, awaiting resumes, bad calls shown, threads joined."""

from __future__ import annotations

import re
import time

import pytest
from PySide6 import QtWidgets

from guidemo.lessons.awaitables import NOT_AWAITABLE
from guidemo.panels.futures import FuturesPanel
from guidemo.panels.futures.thread_jobs import MAX_WAITING, THREADS
from tests.helpers import button, live_probes, wait_until
from tests.panels.test_blocking import post_click

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("futures")]


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
    assert "futures-pool" in callback and "MainThread" not in callback
    assert "result (1, 'futures-pool" in state(panel, "threadFutureState")


def settle(window, run) -> None:
    """Let the probe run twice, so a stall of showing the panel is recorded before we count."""
    shown = time.perf_counter()
    run(wait_until(lambda: window.monitor.stats_since(shown).samples >= 2, what="probes"))


@pytest.mark.needs_quiet
def test_wrap_future_awaits_the_thread_without_blocking(window, run):
    panel = fresh(window)
    settle(window, run)
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
    assert stats.max_ms < 100 and stats.samples >= live_probes(1.0), stats
    assert len(window.monitor.freezes) == freezes_before
    line = log_lines(panel)[index(log_lines(panel), "await wrap_future(job) resumed with")]
    took = float(line.split(" after ")[1].split(" s")[0])
    assert 0.95 <= took < 1.6, line


@pytest.mark.needs_quiet  # names the freeze from stack samples, which a busy machine thins out
def test_blocking_result_freezes_the_ui(window, run):
    panel = fresh(window)
    settle(window, run)
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(0.6)
    freezes_before = len(window.monitor.freezes)

    async def scenario() -> float:
        started = time.perf_counter()
        button(panel, "blockingResultButton").click()  # returns only when the thread is done
        took = time.perf_counter() - started
        await wait_until(
            lambda: any("block_on_job" in f.where for f in window.monitor.freezes[freezes_before:]),
            what="freeze",
        )
        return took

    took = run(scenario())
    assert took >= 0.55
    # the one this test caused (a stall of guidemo's own may be recorded beside it)
    new = window.monitor.freezes[freezes_before:]
    freeze = next((f for f in new if f.where.startswith("block_on_job() (futures.py:")), new)
    assert freeze.duration_s >= 0.45
    assert any("job.result()   returned (" in x for x in log_lines(panel))


def test_source_view_shows_the_lesson(window):
    panel = window.show_panel("futures")
    source = panel.findChild(QtWidgets.QTextBrowser, "sourceView").toPlainText()
    for name in ("report_when_done", "wait_for_it", "submit_job", "await_job", "block_on_job"):
        assert f"def {name}(" in source, name
    assert "futures.py:" in source


def queue(panel: FuturesPanel) -> str:
    return panel.findChild(QtWidgets.QLabel, "poolQueue").text()


def fill_the_pool(panel: FuturesPanel, seconds: float) -> list[str]:
    """Submit until the pool refuses; return the log lines of the submits."""
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(seconds)
    for _ in range(THREADS + MAX_WAITING + 1):
        button(panel, "threadFutureButton").click()
    return [x for x in log_lines(panel) if "executor.submit" in x]


def test_the_pool_is_bounded_and_its_queue_is_shown(window, run):
    panel = fresh(window)

    async def scenario() -> None:
        lines = fill_the_pool(panel, 5.0)
        assert len(lines) == THREADS + MAX_WAITING + 1
        assert all("returned at once" in x for x in lines[:-1]), lines
        assert "raised QueueFull: 2 jobs running and 4 waiting, the limit" in lines[-1], lines
        await wait_until(lambda: "running #1, #2" in queue(panel), 5, "two running")
        assert "waiting 4 of at most 4: #3, #4, #5, #6" in queue(panel), queue(panel)
        assert "full" in queue(panel)
        button(panel, "cancelThreadFutureButton").click()  # job #6 is waiting: cancelled
        assert "job.cancel()   # job #6 was waiting   returned True" in log_lines(panel)
        await wait_until(lambda: "waiting 3 of at most 4: #3, #4, #5<" in queue(panel), 2)

    run(scenario())


def test_a_burst_of_submits_does_not_delay_the_blocking_panels_job(window, run):
    panel = fresh(window)
    run(wait_until(lambda: len(fill_the_pool(panel, 5.0)) == THREADS + MAX_WAITING + 1))
    assert "waiting 4 of at most 4" in queue(panel)
    blocking = window.show_panel("blocking")
    blocking.findChild(QtWidgets.QDoubleSpinBox, "durationSpin").setValue(0.1)
    blocking.findChild(QtWidgets.QComboBox, "workKind").setCurrentText("sleep")
    executor_button = blocking.findChild(QtWidgets.QPushButton, "executorButton")

    async def scenario() -> float:
        started = time.perf_counter()
        executor_button.click()
        await wait_until(executor_button.isEnabled, 10, "the blocking panel's job")
        return time.perf_counter() - started

    # The 0.1 s job: ~0.15 s quiet, with the click and the loop's turns; behind the futures
    # panel's 5 s jobs it would take 5 s or more. A busy machine adds seconds, not 5.
    assert run(scenario()) < 4.0, "the 0.1 s job waited behind the futures panel's jobs"
    wall = float(blocking.findChild(QtWidgets.QTableWidget, "historyTable").item(0, 2).text())
    assert wall < 4.0


def test_blocking_result_that_would_freeze_too_long_is_not_run(window, run):
    panel = fresh(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(5.0)

    async def scenario() -> float:
        for _ in range(5):  # 25 s of work on 2 threads: a new job would be done in about 15 s
            button(panel, "threadFutureButton").click()
        started = time.perf_counter()
        button(panel, "blockingResultButton").click()
        return time.perf_counter() - started

    # Refused at once: a few ms quiet (a busy machine's CPU waits add up to a second or two);
    # run, it would freeze the window for the queue's ~15 s.
    assert run(scenario()) < 5.0, "it froze the window behind the queue"
    line = log_lines(panel)[-1]
    assert line.startswith("(job.result() not run: behind 5 unfinished jobs"), line
    assert "about 15 s" in line, line


def test_blocking_result_waits_behind_the_queue_and_ignores_clicks_meanwhile(window, run):
    panel = fresh(window)
    panel.findChild(QtWidgets.QDoubleSpinBox, "jobSpin").setValue(0.6)

    async def scenario() -> float:
        for _ in range(3):
            button(panel, "threadFutureButton").click()
        post_click(button(panel, "threadFutureButton"))  # arrives after the freeze
        started = time.perf_counter()
        button(panel, "blockingResultButton").click()
        took = time.perf_counter() - started
        await wait_until(lambda: "ignored" in log_lines(panel)[-1], 5, "the ignored click")
        return took

    took = run(scenario())
    assert took >= 1.0, took  # job #4 waited for a thread: #1 and #2 ran first
    line = log_lines(panel)[index(log_lines(panel), "job.result()   returned")]
    # Two threads: job #4 starts as #1 ends, then runs 0.6 s (1.1 s beside a second suite,
    # whose slowness let the first jobs run a little before the click)
    expected = re.search(
        r"\(about (\d+\.\d) s expected, 3 job\(s\) ahead of it in the queue\)", line
    )
    assert expected is not None and 0.9 <= float(expected.group(1)) <= 1.2, line
    assert "1 click made while the window was frozen was ignored" in log_lines(panel)[-1]
    submits = [x for x in log_lines(panel) if "executor.submit" in x]
    assert len(submits) == 4, "the click queued during the freeze submitted nothing"
    assert button(panel, "blockingResultButton").isEnabled()


@pytest.mark.needs_quiet
def test_await_countdown_counts_down_while_the_loop_runs(window, run):
    panel = fresh(window)
    settle(window, run)
    panel.findChild(QtWidgets.QSpinBox, "countdownSpin").setValue(3)
    countdown = button(panel, "awaitCountdownButton")

    async def scenario() -> float:
        started = time.perf_counter()
        countdown.click()
        assert not countdown.isEnabled()
        await wait_until(countdown.isEnabled, 5, "countdown end")
        return started

    started = run(scenario())
    stats = window.monitor.stats_since(started)
    assert stats.max_ms < 100, stats
    assert stats.samples >= live_probes(time.perf_counter() - started), stats
    lines = log_lines(panel)
    assert "inspect.isawaitable(Countdown(3))   returned True   # it has __await__" in lines
    counts = [index(lines, f"countdown: {n}") for n in (3, 2, 1)]
    assert counts == sorted(counts)
    done = lines[index(lines, "await Countdown(3) returned 'liftoff' after")]
    assert 1.4 <= float(done.split(" after ")[1].split(" s")[0]) < 2.5, done


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("42", "int"),
        ("time.sleep(0)", "NoneType"),
        ("asyncio.sleep", "function"),
        ("[1, 2, 3]", "list"),
    ],
)
def test_awaiting_something_not_awaitable_shows_the_real_type_error(window, run, name, kind):
    assert name in NOT_AWAITABLE
    panel = fresh(window)
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")
    errors_before = errors.count()
    panel.findChild(QtWidgets.QComboBox, "notAwaitableCombo").setCurrentText(name)

    async def scenario() -> None:
        button(panel, "awaitNotAwaitableButton").click()
        await wait_until(lambda: "raised" in "".join(log_lines(panel)[-1:]), 5, "the TypeError")

    run(scenario())
    assert log_lines(panel)[-2:] == [
        f"inspect.isawaitable({name})   returned False",
        f"await {name}   raised TypeError: object {kind} can't be used in 'await' expression",
    ]
    assert errors.count() == errors_before, "shown in the panel, not as a crash"
