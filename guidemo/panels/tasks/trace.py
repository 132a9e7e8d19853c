"""The `tasks` panel's trace: a switch for the HandlerTracer, its timeline and summary."""

from __future__ import annotations

import bisect
import time
from collections import deque

from guidemo.lessons.handler_trace import HandlerTracer, TraceBar
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import check, label, named, row
from guidemo.widgets.trace_timeline import TraceTimeline

TRACE_WINDOW_S = 10.0  # the timeline shows this much recent history
LANES = (
    "Qt event handlers, asyncio turns included (full height = 16 ms or more)",
    "slow task steps (accounting) and slow callbacks (debug mode)",
)


class TraceSection(Section):
    """Turns the tracer on and off and draws what it saw, with the slow callbacks that
    debug mode reported (`slow_bars`) on the lower lane."""

    title = "The GUI thread's handlers, traced"

    def __init__(self, host: Host, tracer: HandlerTracer, slow_bars: deque[TraceBar]) -> None:
        super().__init__(host)
        self.tracer, self.slow_bars = tracer, slow_bars
        self.trace_check = check(
            "Trace the GUI thread",
            "traceCheck",
            "Install an event filter on the application that times every event handler "
            "(off again when unchecked)",
        )
        self.trace_check.toggled.connect(self.set_tracing)
        self.trace_label = label(
            "Tracing is off.",
            "traceSummaryLabel",
            "Handlers traced in the last 10 s, and the longest ones",
            rich=True,
        )
        self.timeline = named(
            TraceTimeline(LANES, TRACE_WINDOW_S),
            "traceTimeline",
            "Each bar is one handler the GUI thread ran; its width is how long it took (and "
            "its height, up to one 16 ms frame). Hover a bar for its name",
        )

        switch = row(self.trace_check, stretch=False)
        switch.addWidget(self.trace_label, 1)
        self.lay_out(switch, (self.timeline, 1), top=0)

    async def stop(self) -> None:
        self.tracer.stop()

    def set_tracing(self, on: bool) -> None:
        if on:
            self.tracer.start()
            self.trace_label.setText("Tracing: every event the GUI thread handles is timed.")
        else:
            self.tracer.stop()
            self.redraw(time.perf_counter())

    def redraw(self, now: float) -> None:
        """Draw the last TRACE_WINDOW_S seconds and sum them up in the label."""
        since = now - TRACE_WINDOW_S
        bars = self.tracer.bars
        first = bisect.bisect_left(bars, since, key=lambda bar: bar.start + bar.duration)
        recent = [bars[i] for i in range(first, len(bars))]
        slow = [bar for bar in self.slow_bars if bar.start + bar.duration >= since]
        self.timeline.show_bars(recent + slow, now)
        if not self.tracer.active and not self.tracer.bars:
            return
        busy = sum(bar.duration for bar in recent)
        longest = "; ".join(
            f"<b>{bar.duration * 1000:.0f} ms</b> {bar.label}" for bar in self.tracer.longest
        )
        state = "Tracing" if self.tracer.active else "Tracing is off; it saw"
        self.trace_label.setText(
            f"{state}: {len(recent)} handlers in the last {TRACE_WINDOW_S:g} s, "
            f"busy {busy / TRACE_WINDOW_S:.0%}. Longest: {longest or '—'}"
        )
