"""Way 1 for a worker thread to tell the GUI thread: a Qt signal, queued across threads.

Apart from `thread_to_gui` because this way is Qt itself (QtCore, no widgets); the other
two ways stay importable without PySide6.
"""

from __future__ import annotations

import threading
import time

from PySide6 import QtCore

from guidemo.lessons.thread_to_gui import PACE_S


class WorkerSignals(QtCore.QObject):
    """Created in the GUI thread. A worker emits; Qt sees the receiver lives in another
    thread and queues the call as an event that the GUI thread's loop delivers."""

    message = QtCore.Signal(int, float)  # seq, perf_counter() when sent


def send_by_qt_signal(count: int, signals: WorkerSignals, stop: threading.Event) -> None:
    """Worker thread, way 1: emit a Qt signal (queued into the GUI thread)."""
    for seq in range(1, count + 1):
        if stop.is_set():
            return
        signals.message.emit(seq, time.perf_counter())
        time.sleep(PACE_S)
