"""Run-state of the websocket panel, apart from its widgets.

`FrameBatcher` collects whatever arrives between two screen frames and hands it over once
per frame. `PushStats` and `PollStats` turn one frame's items into log lines and counts and
say them as the panel's two summary lines. Only the batcher needs Qt (a QTimer); the
statistics are plain Python and can be tested without a window.

Everything here is bounded, whatever the other end sends: a row is at most MAX_ROW
characters, bad messages are listed at most BAD_ROWS_PER_S a second (all are counted),
ticks at most TICK_ROWS_PER_FRAME a frame, and the plot keeps at most POINTS_MAX points.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6 import QtCore

from guidemo.stats import percentile
from guidemo.widgets import palette
from guidemo.widgets.palette import colored

FRAME_MS = 16  # one flush per screen frame (~60 Hz), however many messages came in
SAMPLES = 2000  # delays and ages kept for the percentiles
MAX_ROW = 240  # characters in one log row
BAD_ROWS_PER_S = 10
TICK_ROWS_PER_FRAME = 40  # 2,400 rows a second is more than anyone reads
POINTS_MAX = 5000  # per plotted series
POINT_SPACING_S = 0.0019  # closer points are not drawn: 500/s all are, a flood is thinned

Line = tuple[str, str | None]  # a log line and its colour (a palette name); None: plain


# --- what arrives between two frames --------------------------------------------------------
@dataclass(frozen=True)
class Tick:
    """A tick the server pushed (checked by parse_message), and when it was received
    (time.time()). Thousands a second: it gets a class of its own, the cheapest to match."""

    tick: dict[str, Any]
    received: float


@dataclass(frozen=True)
class Pushed:
    """Any other message the server pushed (checked by parse_message: an echo, a rate or an
    error), and when it was received."""

    message: dict[str, Any]
    received: float


@dataclass(frozen=True)
class Polled:
    """A tick fetched by polling, and when it was received."""

    tick: dict[str, Any]
    received: float


@dataclass(frozen=True)
class Connected:
    """The WebSocket is open; `rate` is the tick rate its URL asks for (0: unknown)."""

    detail: str
    rate: float


@dataclass(frozen=True)
class Rejected:
    """A message that could not be used, and why."""

    reason: str


@dataclass(frozen=True)
class Problem:
    """Trouble on this side: a disconnect, a failed send, the server stopping."""

    text: str


@dataclass(frozen=True)
class Note:
    """Anything else worth a row in the log."""

    text: str


Item = Tick | Pushed | Polled | Connected | Rejected | Problem | Note


class FrameBatcher(QtCore.QObject):
    """Collects whatever arrives between two frames and hands it over once per frame.

    At 500 messages a second, redrawing per message would be 500 redraws a second for a
    screen that shows 60 frames. One flush per frame with all new messages keeps each of
    the loop's turns short, so clicks and repaints still get their turn.
    """

    def __init__(
        self,
        flush: Callable[[list[Item]], None],
        keep_ticking: Callable[[], bool],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pending: list[Item] = []
        self.flush, self.keep_ticking = flush, keep_ticking
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_frame)

    def add(self, item: Item) -> None:
        self.pending.append(item)  # cheap: no widget is touched per message
        if not self.timer.isActive():
            self.timer.start()

    def _on_frame(self) -> None:
        items, self.pending = self.pending, []
        self.flush(items)
        if not items and not self.keep_ticking():
            self.timer.stop()  # nothing arrives and nothing will: an idle panel costs nothing


def bounded(text: str, limit: int = MAX_ROW) -> str:
    """`text` in one row of at most `limit` characters."""
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return text if len(text) <= limit else f"{text[: limit - 24]}… ({len(text):,} chars)"


def latency_text(latencies: Iterable[float]) -> str:
    """ "p50 <b>3.1 ms</b>, p99 9.0 ms", or "—" before the first sample."""
    values = list(latencies)
    if not values:
        return "—"
    return f"p50 <b>{statistics.median(values):.1f} ms</b>, p99 {percentile(values, 0.99):.1f} ms"


def age_text(ages: Iterable[float]) -> str:
    """ "p50 <b>110 ms</b>, max 230 ms": how old the value on screen was, sampled each frame."""
    values = list(ages)
    if not values:
        return "—"
    return f"p50 <b>{statistics.median(values):.0f} ms</b>, max {max(values):.0f} ms"


def _drop_older(window: deque[float], than: float) -> None:
    while window and window[0] < than:
        window.popleft()


class RowLimiter:
    """At most `per_second` rows a second; the others are counted and said in one row."""

    def __init__(self, per_second: int, what: str) -> None:
        self.per_second, self.what = per_second, what
        self.window_end = 0.0
        self.listed = 0
        self.unlisted = 0

    def admit(self, now: float) -> bool:
        if now >= self.window_end:
            self.window_end, self.listed = now + 1.0, 0
        self.listed += 1
        if self.listed > self.per_second:
            self.unlisted += 1
        return self.listed <= self.per_second

    def summary(self, now: float) -> Line | None:
        """Once the second is over: how many were not listed, if any."""
        if not self.unlisted or now < self.window_end:
            return None
        count, self.unlisted = self.unlisted, 0
        return (
            f"✖ … {count:,} more {self.what} not listed (at most {self.per_second}/s)",
            palette.BAD,
        )


class _Plotted:
    """A series for the plot: (time, value) points, thinned and bounded."""

    def __init__(self) -> None:
        self.points: deque[tuple[float, float]] = deque(maxlen=POINTS_MAX)

    def add_point(self, t: float, value: float) -> None:
        if not self.points or abs(t - self.points[-1][0]) >= POINT_SPACING_S:
            self.points.append((t, value))


@dataclass
class PushStats:
    """What the WebSocket brought since Connect: counts, gaps, delays, ages, recent points."""

    rate: float = 0  # ticks a second of the current stream (from its URL or the last ack)
    messages: int = 0
    bad_messages: int = 0
    missed: int = 0
    connections: int = 0
    last_seq: int | None = None
    last_t: float | None = None
    just_connected: bool = False
    shown_t: float | None = None  # the server's stamp of the newest tick on screen
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    ages: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    plotted: _Plotted = field(default_factory=_Plotted)
    arrivals: deque[float] = field(default_factory=deque)  # when ticks arrived, the last second
    redraws: deque[float] = field(default_factory=deque)  # when ticks were drawn, the last second

    @property
    def points(self) -> deque[tuple[float, float]]:
        return self.plotted.points

    def connected(self, detail: str, rate: float) -> Line:
        """In order with the ticks: the next one may come after a gap."""
        self.connections += 1
        self.just_connected = True
        self.rate = rate
        return (bounded(f"· connected ({detail})"), palette.GOOD)

    def rate_changed(self, rate: float) -> Line:
        """The server says the ticks from now on come at `rate`: their seqs are another
        stream's, so gaps are counted afresh."""
        self.rate, self.last_seq = rate, None
        return (f"· the server now pushes {rate:g} ticks/s", palette.NOTE)

    def take_tick(self, tick: dict[str, Any], received: float) -> list[Line]:
        """Count one tick; its log line, after a note if ticks were missed before it."""
        lines: list[Line] = []
        seq, t, value = tick["seq"], tick["t"], tick["value"]
        if self.just_connected and self.last_t is not None and self.rate:
            gap = t - self.last_t  # the server went away: count its ticks meanwhile
            lost = max(0, round(gap * self.rate) - 1)
            self.missed += lost
            note = f"reconnected: missed {lost} ticks ({gap:.2f} s away at {self.rate:g}/s)"
            lines.append((note, palette.NOTE))
        elif self.last_seq is not None and seq > self.last_seq + 1:
            self.missed += seq - self.last_seq - 1
            lines.append((f"seq jumped {self.last_seq} → {seq}", palette.NOTE))
        elif self.last_seq is not None and seq <= self.last_seq:
            lines.append((f"seq went back {self.last_seq} → {seq}", palette.NOTE))
        self.just_connected = False
        self.last_seq, self.last_t = seq, t
        self.messages += 1
        self.arrivals.append(received)
        self.plotted.add_point(t, value)
        delay_ms = (received - t) * 1000
        lines.append((f"#{seq:<7}{value:+.3f} {delay_ms:5.1f} ms", None))
        return lines

    def summary(self, now: float) -> str:
        _drop_older(self.arrivals, now - 1.0)
        _drop_older(self.redraws, now - 1.0)
        return (
            f"<b>push</b>: {self.messages:,} messages over {self.connections} connection(s), "
            f"{len(self.arrivals)}/s in {len(self.redraws)} redraws/s · server → "
            f"screen {latency_text(self.latencies)} · value on screen "
            f"{age_text(self.ages)} old · missed {self.missed:,} · "
            f"bad {self.bad_messages:,} · requests: 1 per connection"
        )


@dataclass
class PollStats:
    """What polling saw since it started: requests, failures, the ticks it never saw (of
    the stream a WebSocket at the same rate is pushed), and how old its value on screen was."""

    polls: int = 0
    errors: int = 0
    skipped: int = 0
    seen: int = 0
    rate: float = 0
    last_seq: int | None = None
    last_error: str = ""
    shown_t: float | None = None
    ages: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    plotted: _Plotted = field(default_factory=_Plotted)

    @property
    def points(self) -> deque[tuple[float, float]]:
        return self.plotted.points

    def failed(self, error: BaseException) -> None:
        self.polls += 1
        self.errors += 1
        self.last_error = type(error).__name__

    def take_poll(self, tick: dict[str, Any]) -> None:
        """A polled tick: a new one, the same as last time, or one after a gap."""
        seq, rate = tick["seq"], tick.get("rate", self.rate)
        if rate != self.rate:  # another stream: its seqs do not follow the old ones
            self.rate, self.last_seq = rate, None
        if self.last_seq is not None and seq > self.last_seq:
            self.skipped += seq - self.last_seq - 1
        if self.last_seq is None or seq != self.last_seq:
            self.seen += 1
        self.last_seq = seq
        self.plotted.add_point(tick["t"], tick["value"])

    def summary(self, polling: bool) -> str:
        if not polling and self.polls == 0:
            return "<b>poll</b>: off"
        errors = ""
        if self.errors:
            errors = " · " + colored(f"{self.errors} failed ({self.last_error})", palette.BAD)
        total = self.seen + self.skipped
        return (
            f"<b>poll</b>: {self.polls:,} requests · value on screen {age_text(self.ages)} old"
            f" · saw {self.seen:,} of {total:,} ticks (at {self.rate:g}/s, the ticks push "
            f"gets), missed {self.skipped:,}{errors}"
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
            push.shown_t = max(self.pushed)
        if self.polled:
            poll.shown_t = self.polled[-1]
        delays = [(at - sent) * 1000 for sent in self.pushed]
        push.latencies.extend(delays)
        return delays


def sample_ages(at: float, push: PushStats | None, poll: PollStats | None) -> None:
    """Once a frame, for each way that is on: how old the value on screen is now (ms),
    on the same clock for both, so they compare like with like."""
    for stats in (push, poll):
        if stats is not None and stats.shown_t is not None:
            stats.ages.append((at - stats.shown_t) * 1000)


@dataclass
class Sorter:
    """Turns frames of items into counts and bounded log lines, with rate-limited rows."""

    push: PushStats
    poll: PollStats
    bad_rows: RowLimiter = field(default_factory=lambda: RowLimiter(BAD_ROWS_PER_S, "bad"))
    unlisted_ticks: int = 0
    unlisted_since: float = 0.0

    def sort(self, items: Iterable[Item], now: float) -> Frame:
        """Count one frame's items; its log lines and stamps. One bad item is one row:
        the rest of the frame is kept."""
        frame = Frame()
        ticks_listed = 0
        for item in items:
            try:
                ticks_listed += self._one(item, frame, now)
            except (KeyError, TypeError, ValueError, OverflowError, IndexError) as error:
                self._bad(frame, f"could not use it ({type(error).__name__}: {error})", now)
        if ticks_listed > TICK_ROWS_PER_FRAME:  # list the newest ones (and every note)
            drop = ticks_listed - TICK_ROWS_PER_FRAME
            self.unlisted_ticks += drop
            kept: list[Line] = []
            for line in frame.lines:
                if drop and line[0].startswith("#"):
                    drop -= 1
                else:
                    kept.append(line)
            frame.lines = kept
        if self.unlisted_ticks and now - self.unlisted_since >= 1.0:
            count, self.unlisted_ticks, self.unlisted_since = self.unlisted_ticks, 0, now
            note = f"· {count:,} ticks not listed (at most {TICK_ROWS_PER_FRAME} a frame)"
            frame.lines.append((note, palette.NOTE))
        summary = self.bad_rows.summary(now)
        if summary is not None:
            frame.lines.append(summary)
        return frame

    def _one(self, item: Item, frame: Frame, now: float) -> int:
        """Sort one item into `frame`; 1 if it added a tick row, else 0."""
        push, poll = self.push, self.poll
        match item:
            case Tick(tick, received):
                frame.lines += push.take_tick(tick, received)
                frame.pushed.append(tick["t"])
                return 1
            case Pushed({"type": "echo"} as echo):
                frame.lines.append((bounded(f"echo: {echo['text']!r}"), palette.GOOD))
            case Pushed({"type": "rate"} as rate):
                frame.lines.append(push.rate_changed(float(rate["rate"])))
            case Pushed({"type": "error"} as error):
                self._bad(frame, f"the server says: {error['error']}", now, prefix="✖ ")
            case Polled(tick):
                poll.take_poll(tick)
                frame.polled.append(tick["t"])
            case Connected(detail, rate):
                frame.lines.append(push.connected(detail, rate))
            case Rejected(reason):
                self._bad(frame, reason, now)
            case Problem(text):
                frame.lines.append((bounded(f"✖ {text}"), palette.BAD))
            case Pushed(message):  # parse_message lets no other type through
                frame.lines.append((bounded(f"· {message}"), palette.NOTE))
            case Note(text):
                frame.lines.append((bounded(f"· {text}"), palette.NOTE))
        return 0

    def _bad(self, frame: Frame, text: str, now: float, prefix: str = "✖ bad message: ") -> None:
        self.push.bad_messages += 1
        if self.bad_rows.admit(now):
            frame.lines.append((bounded(prefix + text), palette.BAD))
