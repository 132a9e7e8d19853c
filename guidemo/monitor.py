"""Is the event loop alive? A lag probe on the GUI thread and a watchdog thread beside it.

The probe is a Qt timer that should fire every PROBE_INTERVAL_S; how late it actually
fires is the loop's lag. A frozen GUI thread cannot report its own freeze, so a watchdog
thread checks the probe's last heartbeat and, while it is stale, samples the GUI
thread's stack (sys._current_frames) to name the function it is stuck in.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from types import FrameType

from PySide6 import QtCore

from guidemo.stats import percentile

PROBE_INTERVAL_S = 0.050  # 20 probes a second: fine-grained lag, well under 1% CPU
FREEZE_THRESHOLD_S = 0.100  # a gap this long means the GUI thread was blocked
WATCHDOG_POLL_S = 0.010
WINDOW_S = 10.0  # stats() covers this much recent history

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_OWN_FILES = {os.path.abspath(__file__)}


@dataclass(frozen=True)
class Freeze:
    """One stretch of time in which the GUI thread did not come back to the loop."""

    started: float  # time.perf_counter() when the GUI thread last got back to the loop
    duration_s: float
    where: str  # "slow_sleep() (jobs.py:23)"


@dataclass
class LagStats:
    """Loop lag over the recent window, and the freezes seen so far (newest last)."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int
    freezes: list[Freeze] = field(default_factory=list)


def describe_frame(frame: FrameType | None) -> str:
    """Name the code a thread is stuck in, preferring guidemo's own functions.

    The innermost frame is often library code (socket, ssl, http.client); the function
    a learner cares about is the innermost one of this package that called it.
    """
    chosen = None
    innermost = frame
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if filename.startswith(_PACKAGE_DIR) and filename not in _OWN_FILES:
            chosen = frame
            break
        frame = frame.f_back
    chosen = chosen or innermost
    if chosen is None:
        return "unknown"
    code = chosen.f_code
    return f"{code.co_name}() ({os.path.basename(code.co_filename)}:{chosen.f_lineno})"


def where_thread_is(thread_id: int) -> str:
    """Describe where thread `thread_id` is now, as text, holding its frame only briefly.

    A frame keeps its function's locals alive. Held by this (watchdog) thread after the
    GUI thread has left the function, those locals would be freed here, on the wrong
    thread: fatal for Qt objects such as an active QPainter. So the frame never outlives
    this call.
    """
    return describe_frame(sys._current_frames().get(thread_id))


class _Watchdog(threading.Thread):
    """Watches the probe's heartbeat from outside the GUI thread."""

    def __init__(self, monitor: LoopMonitor) -> None:
        super().__init__(name="guidemo-watchdog", daemon=True)
        self._monitor = monitor
        self._stop_event = threading.Event()

    def run(self) -> None:
        monitor = self._monitor
        wait_s = FREEZE_THRESHOLD_S
        while not self._stop_event.wait(wait_s):
            stale_for = time.perf_counter() - monitor.last_beat
            if stale_for > FREEZE_THRESHOLD_S:
                monitor.note_stuck_in(where_thread_is(monitor.gui_thread_id))
                wait_s = WATCHDOG_POLL_S  # frozen: sample often
            else:  # healthy: sleep until the heartbeat could first be called stale
                wait_s = max(WATCHDOG_POLL_S, FREEZE_THRESHOLD_S - stale_for)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=1.0)


class LoopMonitor(QtCore.QObject):
    """Measures loop lag, detects freezes, and tells the HUD about both."""

    freezeDetected = QtCore.Signal(object)  # a Freeze, once the GUI thread is back

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.gui_thread_id = threading.get_ident()
        self.last_beat = time.perf_counter()
        self._stuck_samples: Counter[str] = Counter()  # where the watchdog saw the GUI thread
        self._stuck_lock = threading.Lock()
        self.freezes: list[Freeze] = []
        self._lags: deque[tuple[float, float]] = deque()  # (perf_counter, lag_ms)
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(PROBE_INTERVAL_S * 1000))
        self._timer.timeout.connect(self._probe)
        self._watchdog: _Watchdog | None = None

    def start(self) -> None:
        """Start probing (again a no-op while running)."""
        if self._watchdog is not None:
            return
        self.last_beat = time.perf_counter()
        self._timer.start()
        self._watchdog = _Watchdog(self)
        self._watchdog.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None

    def _probe(self) -> None:
        now = time.perf_counter()
        gap = now - self.last_beat
        self.last_beat = now
        lag_ms = max(0.0, (gap - PROBE_INTERVAL_S) * 1000)
        self._lags.append((now, lag_ms))
        while self._lags and self._lags[0][0] < now - WINDOW_S:
            self._lags.popleft()
        if gap - PROBE_INTERVAL_S > FREEZE_THRESHOLD_S:
            # The block began somewhere within one probe interval after the last beat:
            # take the middle, so the estimate is off by at most half an interval.
            self._record_freeze(now - gap, gap - PROBE_INTERVAL_S / 2)

    def note_stuck_in(self, where: str) -> None:
        """Called by the watchdog thread, every WATCHDOG_POLL_S, while the GUI thread is stuck."""
        with self._stuck_lock:
            self._stuck_samples[where] += 1

    def _record_freeze(self, started: float, duration_s: float) -> None:
        # The place seen most often wins: the last sample or two may be taken just after
        # the GUI thread got free again, back in the loop's own code.
        with self._stuck_lock:
            seen = self._stuck_samples.most_common(1)
            self._stuck_samples.clear()
        freeze = Freeze(
            started=started, duration_s=duration_s, where=seen[0][0] if seen else "unknown"
        )
        self.freezes.append(freeze)
        self.freezeDetected.emit(freeze)

    def recent_lags(self) -> list[tuple[float, float]]:
        """(perf_counter, lag_ms) of every probe in the last WINDOW_S seconds, oldest first."""
        return list(self._lags)

    def stats(self) -> LagStats:
        """Lag p50/p99/max over the last WINDOW_S seconds, and every freeze so far."""
        return self.stats_since(time.perf_counter() - WINDOW_S)

    def stats_since(self, since: float) -> LagStats:
        """Lag statistics of the probes after `since` (a time.perf_counter() value)."""
        lags = [lag for when, lag in self._lags if when >= since]
        return LagStats(
            p50_ms=statistics.median(lags) if lags else 0.0,
            p99_ms=percentile(lags, 0.99),
            max_ms=max(lags, default=0.0),
            samples=len(lags),
            freezes=list(self.freezes),
        )
