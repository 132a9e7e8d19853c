"""Python's cyclic garbage collector, run on the GUI thread only.

Python collects reference cycles in whichever thread allocates when a threshold is passed:
the demo server's thread, an executor's worker. A Qt object with no parent that sits in a
cycle (an event loop's socket notifier and timer, a QTimer a closure holds) is then
destroyed on that thread while the GUI thread may be inside Qt's event dispatcher. Seen in
guidemo's tests: QSocketNotifier and QTimer objects collected on worker threads, and Qt
crashing inside processEvents() a few runs in ten. So automatic collection is off while
the app runs, and the GUI thread collects by Python's own thresholds instead, each time
Qt is about to sleep (and at each heartbeat while it is too busy to sleep). No timer of
its own: it never wakes an idle app. (pyqtgraph's GarbageCollector does the same with a
timer; importing pyqtgraph for it would cost the start-up 0.3 s.)
"""

from __future__ import annotations

import gc

from PySide6 import QtCore


class GuiThreadCollector(QtCore.QObject):
    """While it runs, cycles are collected on the thread that made it (the GUI thread)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._dispatcher: QtCore.QAbstractEventDispatcher | None = (
            QtCore.QAbstractEventDispatcher.instance(self.thread())
        )
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.connect(self.collect_due)
        gc.disable()

    def collect_due(self) -> None:
        """Collect the generations whose counts passed their thresholds, as Python would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return
        generation = 0
        for older in (1, 2):
            if counts[older] > thresholds[older]:
                generation = older
        gc.collect(generation)

    def stop(self) -> None:
        """Give collection back to Python (at the end of the app, or of a test session)."""
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.disconnect(self.collect_due)
            self._dispatcher = None
        if self._was_enabled:
            gc.enable()
