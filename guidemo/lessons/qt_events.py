"""Qt's own event loop at work: events posted into its queue, handled one after another.

One handler that blocks holds up every event queued behind it, and the whole window with
them: the same thing the toy loop shows, in the loop this app really runs on.
"""

from __future__ import annotations

import time

from PySide6 import QtCore

DEMO_EVENT_TYPE = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())


class DemoEvent(QtCore.QEvent):
    """A custom Qt event that remembers when it was posted."""

    def __init__(self, number: int, work_s: float) -> None:
        super().__init__(DEMO_EVENT_TYPE)
        self.number, self.work_s = number, work_s
        self.posted_at = time.perf_counter()


def post_qt_events(
    receiver: QtCore.QObject,
    count: int,
    slow_at: int,
    slow_s: float,
) -> None:
    """Queue `count` events in Qt's real queue; event `slow_at` is slow.

    postEvent returns at once. Qt delivers the events later, one after
    another, when its loop gets back to the queue: as it does clicks.
    """
    for number in range(1, count + 1):
        work_s = slow_s if number == slow_at else 0.0
        event = DemoEvent(number, work_s)  # stamped with its post time
        QtCore.QCoreApplication.postEvent(receiver, event)


def handle_demo_event(event: DemoEvent) -> None:
    """The handler: instant for most events, a blocking sleep for one.

    It runs in the GUI thread, inside Qt's loop: while it sleeps, Qt
    delivers nothing else. No repaint, no click, no asyncio task, and
    none of the events queued behind it.
    """
    if event.work_s:
        time.sleep(event.work_s)


class EventReceiver(QtCore.QObject):
    """Receives the demo events: Qt calls its `event()` for each one."""

    handled = QtCore.Signal(int, float, float, float)  # number, times

    def event(self, event: QtCore.QEvent) -> bool:
        if not isinstance(event, DemoEvent):
            return super().event(event)  # every other event: as usual
        started = time.perf_counter()
        handle_demo_event(event)
        done = time.perf_counter()
        self.handled.emit(event.number, event.posted_at, started, done)
        return True
