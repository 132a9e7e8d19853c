"""Lesson `qt_events`: events posted into Qt's queue arrive in order, and one blocking
handler makes every event behind it late. No window: the session's Qt-driven loop."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6 import QtCore

from guidemo.lessons import qt_events
from guidemo.lessons.qt_events import EventReceiver, post_qt_events
from tests.helpers import wait_until

pytestmark = pytest.mark.timeout(60)


def test_posted_events_arrive_in_order_and_those_behind_the_slow_one_are_late(run):
    receiver = EventReceiver()
    handled: list[tuple[int, float, float, float]] = []
    receiver.handled.connect(lambda *times: handled.append(times))

    async def scenario() -> None:
        post_qt_events(receiver, 5, slow_at=2, slow_s=0.3)
        assert handled == [], "postEvent only queues: nothing is handled yet"
        await wait_until(lambda: len(handled) == 5, 10, "five events")

    run(scenario())
    assert [number for number, *_ in handled] == [1, 2, 3, 4, 5]
    delays = [(started - posted) * 1000 for _, posted, started, _ in handled]
    took = [(done - started) * 1000 for *_, started, done in handled]
    # Quiet, the quick handlers took under 50 ms and the first two waited under 200 ms, the
    # others 250 ms or more. On a busy machine the loop gets to the queue late, and any
    # handler can be held up a while, so each is measured against the slow one's own time
    # (0.3 s quiet, stretched by the same load): the quick ones took a small part of it,
    # and the events behind it waited that much longer than those ahead (less the time
    # posting them took, a few microseconds quiet).
    assert took[1] >= 290 and max(took[:1] + took[2:]) < took[1] / 4, took
    posting = (handled[-1][1] - handled[0][1]) * 1000
    assert min(delays[2:]) - max(delays[:2]) >= 0.8 * took[1] - posting, (delays, took)


def test_other_events_reach_the_receiver_as_usual(run):
    receiver = EventReceiver()
    fired: list[str] = []
    receiver.destroyed.connect(lambda: fired.append("destroyed"))
    receiver.deleteLater()  # a DeferredDelete event: not a DemoEvent

    async def scenario() -> None:
        await wait_until(lambda: fired, 5, "deferred delete handled")

    run(scenario())


def test_the_lesson_uses_qtcore_only():
    code = (
        f"import sys, {qt_events.__name__}; "
        "assert not {'PySide6.QtWidgets', 'PySide6.QtGui'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert QtCore.QEvent.Type.User <= qt_events.DEMO_EVENT_TYPE <= QtCore.QEvent.Type.MaxUser
