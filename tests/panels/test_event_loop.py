"""Panel `event-loop`: the toy loop handles events first in, first out, a slow handler delays
everything behind it, and the same is measured in Qt's real loop."""

from __future__ import annotations

import inspect
import time

import pytest
from PySide6 import QtGui, QtWidgets

from guidemo.lessons import qt_events, toy_loop
from guidemo.panels.event_loop import EventLoopPanel, toy
from guidemo.panels.event_loop.toy import BURST_SIZE as BURST
from guidemo.panels.event_loop.toy import fifo_gone
from guidemo.widgets.palette import HIGHLIGHT
from guidemo.widgets.source_marks import source_line
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("event-loop")]

NAMES = ["quickEventButton", "slowEventButton", "burstButton", "toyRunButton", "clearToyButton"]
NAMES += ["speedSlider", "queueList", "currentLabel", "handledTable", "realCountSpin"]
NAMES += ["realSlowAtSpin", "realSlowSpin", "realPostButton", "realEventsTable"]
NAMES += ["realSummaryLabel", "sourceView", "toySummaryLabel", "speedLabel"]


def controls(panel: EventLoopPanel) -> dict[str, QtWidgets.QWidget]:
    found = {name: panel.findChild(QtWidgets.QWidget, name) for name in NAMES}
    assert all(found.values()), [name for name, widget in found.items() if widget is None]
    return found


def rows(table: QtWidgets.QTableWidget) -> list[list[str]]:
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def queued(ui: dict[str, QtWidgets.QWidget]) -> list[str]:
    queue = ui["queueList"]
    return [queue.item(row).text() for row in range(queue.count())]


def highlighted(ui: dict[str, QtWidgets.QWidget], fragment: str) -> bool:
    """Is the source line containing `fragment` drawn with the highlight background?"""
    cursor = ui["sourceView"].document().find(fragment)
    assert not cursor.isNull(), fragment
    return cursor.block().blockFormat().background().color() == QtGui.QColor(HIGHLIGHT)


def paused_ui(window) -> dict[str, QtWidgets.QWidget]:
    ui = controls(window.show_panel("event-loop"))
    ui["speedSlider"].setValue(0)  # full speed: no slow-motion pauses
    ui["toyRunButton"].click()  # pause, so posted events pile up where we can see them
    assert not ui["toyRunButton"].isChecked()
    return ui


@pytest.mark.needs_quiet
def test_toy_handles_events_in_order_and_a_slow_one_delays_those_behind(window, run):
    ui = paused_ui(window)
    for name in ("quickEventButton", "slowEventButton", "quickEventButton", "quickEventButton"):
        ui[name].click()
    posted = queued(ui)
    assert [name.split(" #")[0] for name in posted] == ["quick", "slow", "quick", "quick"]
    assert "Paused" in ui["currentLabel"].text()
    assert ui["handledTable"].rowCount() == 0, "paused: nothing handled yet"

    async def scenario() -> float:
        started = time.perf_counter()
        ui["toyRunButton"].click()
        await wait_until(lambda: "slow #" in ui["currentLabel"].text(), 5, "slow one handled")
        assert queued(ui) == posted[2:], "the two behind the slow one are still queued"
        await wait_until(lambda: ui["handledTable"].rowCount() == 4, 10, "all four handled")
        return started

    started = run(scenario())
    log = rows(ui["handledTable"])
    assert [row[0] for row in log] == posted, "first in, first out"
    waited = [float(row[1]) for row in log]
    took = [float(row[3]) for row in log]
    assert all(row[2] == "0" for row in log), "full speed: no part of a wait is slow motion"
    assert 15 <= took[0] < 500 and took[1] >= 950, took
    assert waited[0] < 500, waited
    assert waited[2] >= 900 and waited[3] >= 900, f"queued behind the slow one: {waited}"
    # The toy's slow handler ran on the toy's thread: this window's loop stayed live.
    assert window.monitor.stats_since(started).max_ms < 100


def test_burst_posts_fifty_events_handled_in_order(window, run):
    ui = paused_ui(window)
    ui["burstButton"].click()
    posted = queued(ui)
    assert len(posted) == 50 and all(name.startswith("quick #") for name in posted)

    async def scenario() -> None:
        ui["toyRunButton"].click()
        await wait_until(lambda: ui["handledTable"].rowCount() == 50, 20, "burst handled")
        await wait_until(lambda: ui["queueList"].count() == 0, 2, "queue drawn empty")

    run(scenario())
    log = rows(ui["handledTable"])
    assert [row[0] for row in log] == posted
    assert all(float(row[3]) >= 15 for row in log), "each handler really took its 20 ms"
    waits = [float(row[1]) for row in log]
    assert waits[-1] > waits[0] + 500, "the last of 50 waited for the 49 before it"


@pytest.mark.needs_quiet  # bounds the waits in ms (694 for 650 beside a second suite)
def test_slow_motion_highlights_the_line_the_toy_is_on(window, run):
    panel = window.show_panel("event-loop")
    ui = controls(panel)
    ui["speedSlider"].setValue(2)  # 100 ms before each line
    assert panel.toy.slow_motion_s == pytest.approx(0.1)

    async def scenario() -> None:
        ui["slowEventButton"].click()
        ui["quickEventButton"].click()
        await wait_until(lambda: highlighted(ui, "event.handler(self)"), 5, "call highlighted")
        assert "slow #" in ui["currentLabel"].text()
        assert not highlighted(ui, "self.queue.popleft()")
        await wait_until(lambda: ui["handledTable"].rowCount() == 2, 10, "both handled")
        await wait_until(lambda: highlighted(ui, "await go.wait()"), 2, "idle highlighted")

    run(scenario())
    assert not highlighted(ui, "event.handler(self)")
    quick = rows(ui["handledTable"])[1]
    waited_quick, slow_motion = float(quick[1]), float(quick[2])
    # Behind a 1 s handler and five 100 ms slow-motion stops (3 of the slow one's, 2 its own).
    assert waited_quick >= 1000 + 5 * 100 - 50, waited_quick
    # The log says which part of that wait slow motion added: the five stops, not the 1 s.
    assert 5 * 100 - 10 <= slow_motion <= 5 * 100 + 150, quick
    summary = ui["toySummaryLabel"].text()
    assert f"{slow_motion:.0f} ms of it slow-motion pauses" in summary, summary
    assert "+300 ms a turn, for every event still queued" in ui["speedLabel"].text()


@pytest.mark.needs_quiet
def test_real_qt_events_behind_a_slow_handler_are_late(window, run):
    panel = window.show_panel("event-loop")
    ui = controls(panel)
    ui["realCountSpin"].setValue(6)
    ui["realSlowAtSpin"].setValue(3)
    ui["realSlowSpin"].setValue(400)
    freezes_before = len(window.monitor.freezes)

    async def scenario() -> None:
        ui["realPostButton"].click()
        await wait_until(lambda: ui["realEventsTable"].rowCount() == 6, 10, "six events")
        await wait_until(lambda: len(window.monitor.freezes) > freezes_before, 5, "freeze")

    run(scenario())
    table = rows(ui["realEventsTable"])
    assert [row[0] for row in table] == ["1", "2", "3", "4", "5", "6"]
    delays = [float(row[4]) for row in table]
    handler = [float(row[5]) for row in table]
    assert handler[2] >= 390 and max(handler[:2] + handler[3:]) < 50, handler
    assert max(delays[:3]) < 200, f"posted before the slow one's end: on time {delays}"
    assert min(delays[3:]) >= 350, f"queued behind the slow handler: late {delays}"
    assert "Behind it (3)" in ui["realSummaryLabel"].text()
    # The source view shows the code that ran: post_qt_events, and the handler's sleep marked.
    view = ui["sourceView"]
    assert highlighted(ui, "time.sleep(event.work_s)")
    for fragment in ("def post_qt_events(", "time.sleep(event.work_s)"):
        cursor = view.document().find(fragment)
        assert view.viewport().rect().contains(view.cursorRect(cursor)), fragment
    freeze = window.monitor.freezes[-1]
    assert freeze.where.startswith("handle_demo_event() (qt_events.py:"), freeze.where
    assert 0.3 <= freeze.duration_s < 1.0, freeze


def test_clear_while_running_drops_the_queue_and_the_toy_keeps_going(window, run):
    panel = window.show_panel("event-loop")
    ui = controls(panel)
    ui["speedSlider"].setValue(1)  # 50 ms stops: Clear lands in the middle of a turn
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")
    errors_before = errors.count()

    async def scenario() -> None:
        ui["burstButton"].click()
        await wait_until(lambda: ui["handledTable"].rowCount() >= 2, 10, "two handled")
        ui["clearToyButton"].click()
        await wait_until(lambda: ui["queueList"].count() == 0, 5, "queue cleared")
        await wait_until(lambda: panel.toy.current is None, 5, "the turn in progress ended")
        ui["speedSlider"].setValue(0)
        ui["quickEventButton"].click()
        new = f"quick #{BURST + 1}"
        await wait_until(lambda: new in [row[0] for row in rows(ui["handledTable"])], 5, new)

    run(scenario())
    # The log was cleared too: at most the turn that was in progress, and the new one.
    assert ui["handledTable"].rowCount() <= 2, rows(ui["handledTable"])
    assert errors.count() == errors_before, "no turn found its event gone"


def test_source_view_shows_the_toy_loop_and_the_real_handler(window):
    panel = window.show_panel("event-loop")
    source = controls(panel)["sourceView"].toPlainText()
    for obj in (toy_loop.ToyEventLoop, toy_loop.drive_toy_loop, qt_events.EventReceiver):
        assert inspect.getsource(obj).splitlines()[0].strip() in source
    for obj, fragment in toy_loop.TOY_LINE_MARKERS.values():
        lines, first = inspect.getsourcelines(obj)
        assert fragment in lines[source_line(obj, fragment) - first]


def test_fifo_gone_counts_the_events_taken_off_the_top():
    assert fifo_gone([1, 2, 3], [2, 3, 4]) == 1
    assert fifo_gone([1, 2, 3], [3]) == 2
    assert fifo_gone([1, 2, 3], []) == 3
    assert fifo_gone([], [1, 2]) == 0
    assert fifo_gone([1, 2, 3], [7, 8]) == 3, "cleared and refilled: draw it all anew"
    assert fifo_gone([1, 2, 3], [2, 9]) == 3, "not a FIFO change: draw it all anew"


def test_clear_resets_the_log_and_its_summary(window, run, monkeypatch):
    monkeypatch.setattr(toy, "MAX_LOG_ROWS", 10)
    ui = paused_ui(window)
    ui["burstButton"].click()

    async def scenario() -> None:
        ui["toyRunButton"].click()
        await wait_until(lambda: "50 handled" in ui["toySummaryLabel"].text(), 20, "burst")

    run(scenario())
    assert ui["handledTable"].rowCount() == 10, "the view keeps the latest rows"
    assert rows(ui["handledTable"])[-1][0] == "quick #50"
    ui["clearToyButton"].click()
    assert ui["handledTable"].rowCount() == 0
    assert ui["toySummaryLabel"].text() == toy.IDLE_SUMMARY, "no stale numbers"
