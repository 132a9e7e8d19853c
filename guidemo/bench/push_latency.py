"""Push-to-screen delay of the websocket panel, measured in a running MainWindow.

The bench's websocket workload calls it in a fresh app; a test calls it in the test
window. It drives the panel through the few members named in PushPanel, nothing else.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from typing import Any, Protocol

from guidemo.stats import percentile


class PushPanel(Protocol):
    """What measure_push_latency uses of the websocket panel."""

    latency_sink: list[float] | None  # while set, the panel appends each message's delay

    @property
    def rate_spin(self) -> Any: ...  # a QSpinBox: messages per second the server pushes

    @property
    def ws(self) -> object | None: ...  # the open websocket, None until connected

    def connect_push(self) -> None: ...

    def disconnect_push(self) -> None: ...


async def measure_push_latency(
    window: Any, rate: int, seconds: float = 3.0, warmup: float = 0.5
) -> dict[str, float]:
    """Push-to-screen delay at `rate` messages/s through the real panel of `window`.

    The delay of a message is the time from the server stamping it (its "t") to the
    panel's frame flush having put it into the plot, log and labels. Returns
    rate, messages, p50_ms, p99_ms, max_ms and the loop's worst lag meanwhile.
    """
    panel: PushPanel = window.show_panel("websocket")
    panel.rate_spin.setValue(rate)
    panel.connect_push()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while panel.ws is None:
        if loop.time() > deadline:
            raise TimeoutError("the websocket panel did not connect within 10 s")
        await asyncio.sleep(0.02)
    await asyncio.sleep(warmup)
    sink: list[float] = []
    panel.latency_sink = sink
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    panel.latency_sink = None
    panel.disconnect_push()
    lag = window.monitor.stats_since(started)
    return {
        "rate": float(rate),
        "messages": float(len(sink)),
        "p50_ms": statistics.median(sink) if sink else math.nan,
        "p99_ms": percentile(sink, 0.99, empty=math.nan),
        "max_ms": max(sink, default=math.nan),
        "loop_lag_max_ms": lag.max_ms,
    }
