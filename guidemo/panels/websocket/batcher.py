"""Run-state of the websocket panel, apart from its widgets.

`FrameBatcher` collects whatever arrives between two screen frames and hands it over once
per frame. `PushStats` and `PollStats` turn one frame's items into log lines and counts and
say them as the panel's two summary lines. Only the batcher needs Qt (a QTimer); the
statistics are plain Python and can be tested without a window.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6 import QtCore

from guidemo.stats import percentile
from guidemo.widgets.palette import BAD, GOOD, NOTE, colored

FRAME_MS = 16  # one flush per screen frame (~60 Hz), however many messages came in
LATENCY_SAMPLES = 2000

Item = tuple[Any, ...]  # ("tick", message, received), ("poll", tick, received), ("note", text), ...
Line = tuple[str, str | None]  # a log line and its colour (a palette name); None: plain


class FrameBatcher(QtCore.QObject):
    """Collects whatever arrives between two frames and hands it over once per frame.

    At 500 messages a second, redrawing per message would be 500 redraws a second for a
    screen that shows 60 frames. One flush per frame with all new messages keeps each of
    the loop's turns short, so clicks and repaints still get their turn.
    """

    def __init__(
        self,
        flush: Callable[[list[tuple[Any, ...]]], None],
        keep_ticking: Callable[[], bool],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pending: list[tuple[Any, ...]] = []
        self.flush, self.keep_ticking = flush, keep_ticking
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_frame)

    def add(self, item: tuple[Any, ...]) -> None:
        self.pending.append(item)  # cheap: no widget is touched per message
        if not self.timer.isActive():
            self.timer.start()

    def _on_frame(self) -> None:
        items, self.pending = self.pending, []
        self.flush(items)
        if not items and not self.keep_ticking():
            self.timer.stop()  # nothing arrives and nothing will: an idle panel costs nothing


def latency_text(latencies: Iterable[float]) -> str:
    """ "p50 <b>3.1 ms</b>, p99 9.0 ms", or "—" before the first sample."""
    values = list(latencies)
    if not values:
        return "—"
    return f"p50 <b>{statistics.median(values):.1f} ms</b>, p99 {percentile(values, 0.99):.1f} ms"


def _drop_older(window: deque[float], than: float) -> None:
    while window and window[0] < than:
        window.popleft()


@dataclass
class PushStats:
    """What the WebSocket brought since Connect: counts, gaps, delays, recent points."""

    rate: int = 0  # the rate asked for: a reconnect's time gap times it estimates the loss
    messages: int = 0
    bad_messages: int = 0
    missed: int = 0
    connections: int = 0
    last_seq: int | None = None
    last_t: float | None = None
    just_connected: bool = False
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    points: deque[tuple[float, float]] = field(default_factory=deque)
    arrivals: deque[float] = field(default_factory=deque)  # when ticks arrived, the last second
    redraws: deque[float] = field(default_factory=deque)  # when ticks were drawn, the last second

    def connected(self, detail: str) -> Line:
        """In order with the ticks: the next one starts a new seq."""
        self.connections += 1
        self.just_connected = True
        return (f"· connected ({detail})", GOOD)

    def take_tick(self, tick: dict[str, Any], received: float, rate: int) -> list[Line]:
        """Count one tick; its log line, after a note if ticks were missed before it."""
        lines: list[Line] = []
        seq, t, value = tick["seq"], tick["t"], tick["value"]
        if self.just_connected and self.last_t is not None:
            # A new connection starts again at seq 1: estimate the loss from the time gap.
            gap = t - self.last_t
            lost = max(0, round(gap * self.rate) - 1)
            self.missed += lost
            note = f"reconnected: missed ≈ {lost} ticks ({gap:.2f} s at {self.rate}/s)"
            lines.append((note, NOTE))
        elif self.last_seq is not None and seq > self.last_seq + 1:
            self.missed += seq - self.last_seq - 1
            lines.append((f"seq jumped {self.last_seq} → {seq}", NOTE))
        self.just_connected = False
        self.last_seq, self.last_t = seq, t
        self.rate = rate
        self.messages += 1
        self.arrivals.append(received)
        self.points.append((t, value))
        delay_ms = (received - t) * 1000
        lines.append((f"#{seq:<5} {value:+.3f}  after {delay_ms:4.1f} ms", None))
        return lines

    def summary(self, now: float) -> str:
        _drop_older(self.arrivals, now - 1.0)
        _drop_older(self.redraws, now - 1.0)
        return (
            f"<b>push</b>: {self.messages} messages over {self.connections} connection(s), "
            f"{len(self.arrivals)}/s in {len(self.redraws)} redraws/s · server → "
            f"screen {latency_text(self.latencies)} · missed {self.missed} · "
            f"bad {self.bad_messages} · requests: 1 per connection"
        )


@dataclass
class PollStats:
    """What polling saw since it started: requests, failures, and the ticks it never saw."""

    polls: int = 0
    errors: int = 0
    skipped: int = 0
    seen: int = 0
    last_seq: int | None = None
    last_error: str = ""
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    points: deque[tuple[float, float]] = field(default_factory=deque)

    def failed(self, error: BaseException) -> None:
        self.polls += 1
        self.errors += 1
        self.last_error = type(error).__name__

    def take_poll(self, tick: dict[str, Any]) -> None:
        """A polled tick: a new one, the same as last time, or one after a gap."""
        seq = tick["seq"]
        if self.last_seq is not None and seq > self.last_seq:
            self.skipped += seq - self.last_seq - 1
        if self.last_seq is None or seq != self.last_seq:
            self.seen += 1
        self.last_seq = seq
        self.points.append((tick["t"], tick["value"]))

    def summary(self, polling: bool) -> str:
        if not polling and self.polls == 0:
            return "<b>poll</b>: off"
        errors = ""
        if self.errors:
            errors = " · " + colored(f"{self.errors} failed ({self.last_error})", BAD)
        return (
            f"<b>poll</b>: {self.polls} requests · value on screen was "
            f"{latency_text(self.latencies)} old · saw {self.seen} of {self.seen + self.skipped} "
            f"server ticks{errors}"
        )


@dataclass
class Frame:
    """One frame's items, sorted: log lines, and the server stamps of ticks to draw."""

    lines: list[Line] = field(default_factory=list)
    pushed: list[float] = field(default_factory=list)
    polled: list[float] = field(default_factory=list)

    def shown(self, at: float, push: PushStats, poll: PollStats) -> list[float]:
        """The frame is on screen at `at`: record its delays; the push delays, in ms."""
        if self.pushed:
            push.redraws.append(at)
        delays = [(at - sent) * 1000 for sent in self.pushed]
        push.latencies.extend(delays)
        poll.latencies.extend((at - sent) * 1000 for sent in self.polled)
        return delays


def sort_frame(items: Iterable[Item], push: PushStats, poll: PollStats, rate: int) -> Frame:
    """Count one frame's items into `push` and `poll`; their log lines and stamps."""
    frame = Frame()
    for kind, *rest in items:
        if kind == "tick":
            frame.lines += push.take_tick(rest[0], rest[1], rate)
            frame.pushed.append(rest[0]["t"])
        elif kind == "poll":
            poll.take_poll(rest[0])
            frame.polled.append(rest[0]["t"])
        elif kind == "echo":
            frame.lines.append((f"echo: {rest[0]['text']!r}", GOOD))
        elif kind == "error" and isinstance(rest[0], dict):
            push.bad_messages += 1
            frame.lines.append((f"✖ the server says: {rest[0].get('error')}", BAD))
        elif kind == "bad":
            push.bad_messages += 1
            frame.lines.append((f"✖ bad message: {rest[0]}", BAD))
        elif kind == "error":
            frame.lines.append((f"✖ {rest[0]}", BAD))
        elif kind == "connected":
            frame.lines.append(push.connected(rest[0]))
        else:
            frame.lines.append((f"· {rest[0]}", NOTE))
    return frame
