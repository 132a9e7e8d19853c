"""What every workload shares: the loops, a result's shape, the lag probe, a real window.

Nothing here imports Qt at module level: the plain-asyncio worker imports this module and
must not load Qt at all (its "qt_loaded" is checked).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from guidemo.loop_kinds import LOOP_KINDS
from guidemo.stats import CpuWait, percentile

# The Qt loops, guidemo's own last: in the table the loop this bench is about stands right
# beside its ratio column. Plain asyncio comes first: it is the yardstick.
QT_LOOPS = tuple(sorted(LOOP_KINDS, key=lambda kind: kind == "guidemo"))
LOOPS = ("asyncio", *QT_LOOPS)
PROBE_INTERVAL_S = 0.010  # the app's HUD probes every 50 ms; short runs need more samples

Params = dict[str, Any]
Result = dict[str, Any]  # {"metrics": {name: number}, "samples": {name: [numbers]}}


class LagProbe:
    """How late does the loop run a timer? The same question asked of every loop.

    A timer is due PROBE_INTERVAL_S after the probe last ran; when it fires, its lateness
    is one sample and it is armed again. While the loop is busy with other work (a batch
    of callbacks, parsing a response), the timer waits: that wait is the lag a user sees
    as a late repaint or a sluggish click. Qt loops use a QTimer (what widgets use);
    plain asyncio, which has no Qt, uses `call_later`.
    """

    def __init__(self, qt: bool) -> None:
        self.lags_ms: list[float] = []
        self.fired_at: list[float] = []  # perf_counter() of each sample
        # Of each sample's wait, how long the loop's thread was kept waiting for a CPU by
        # other programs (0 where the kernel does not say): a busy machine, not the loop.
        self.cpu_waits_ms: list[float] = []
        self._cpu_wait: CpuWait | None = None
        self._cpu_wait_at_arm = 0.0
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._timer: Any = None
        if qt:
            from PySide6 import QtCore

            self._timer = QtCore.QTimer()
            self._timer.setSingleShot(True)
            self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
            self._timer.timeout.connect(self._fire)

    def start(self) -> None:
        self.lags_ms.clear()
        self.fired_at.clear()
        self.cpu_waits_ms.clear()
        self._cpu_wait = CpuWait()  # the loop's thread's: start() runs on it
        self._arm()

    def stop(self) -> list[float]:
        if self._timer is not None:
            self._timer.stop()
        if self._handle is not None:
            self._handle.cancel()
        if self._cpu_wait is not None:
            self._cpu_wait.close()
            self._cpu_wait = None
        return self.lags_ms

    def _waited_s(self) -> float:
        return self._cpu_wait() if self._cpu_wait is not None else 0.0

    def _arm(self) -> None:
        self._cpu_wait_at_arm = self._waited_s()
        self._due = time.perf_counter() + PROBE_INTERVAL_S
        if self._timer is not None:
            self._timer.start(round(PROBE_INTERVAL_S * 1000))
        else:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(PROBE_INTERVAL_S, self._fire)

    def _fire(self) -> None:
        now = time.perf_counter()
        lag_ms = max(0.0, now - self._due) * 1000
        self.lags_ms.append(lag_ms)
        self.fired_at.append(now)
        self.cpu_waits_ms.append(min(lag_ms, (self._waited_s() - self._cpu_wait_at_arm) * 1000))
        self._arm()


def lag_metrics(prefix: str, lags_ms: list[float]) -> dict[str, float]:
    """Median, p99 and worst of the probe's lags (NaN when it never fired)."""
    return {
        f"{prefix}_p50": statistics.median(lags_ms) if lags_ms else math.nan,
        f"{prefix}_p99": percentile(lags_ms, 0.99, empty=math.nan),
        f"{prefix}_max": max(lags_ms, default=math.nan),
    }


async def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> None:
    """Poll `condition` on the loop (never block it) until true, else TimeoutError."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def main_window(lazy: bool = False) -> AsyncIterator[Any]:
    """A real MainWindow on a real DemoServer, built inside the running loop (as the tests
    do), shown, with its lag probe running; closed and shut down afterwards. `lazy`: as the
    app builds it (the first panel now, the others in idle time from a second after)."""
    from PySide6 import QtCore

    from guidemo.app import MainWindow, collect_and_freeze, route_qt_messages
    from guidemo.server import DemoServer

    QtCore.qInstallMessageHandler(route_qt_messages)  # as the app: Qt's chatter to logging
    async with DemoServer() as server:
        window = MainWindow(server.url, server=server, lazy=lazy)
        window.remember_state = False
        window.show()
        if lazy:
            window.build_remaining()
        collect_and_freeze()  # as the app does once its window is up
        try:
            await wait_for(lambda: window.monitor.stats().samples >= 3, 10, "first probes")
            yield window
        finally:
            window.close()
            await window.shutdown()
            window.deleteLater()
