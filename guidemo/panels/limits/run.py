"""One run of one way on the limits panel: its attempts, its numbers, its curves. No widgets."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from guidemo.lessons.limits import Attempt

# way key: (button text, how the table and summary name it)
WAYS = {
    "gather": "gather, no limit",
    "semaphore": "Semaphore",
    "bucket": "token bucket + retry",
}


@dataclass
class WayRun:
    """The attempts of one way, recorded as they come back (on the loop's thread)."""

    way: str  # a key of WAYS
    count: int  # requests to make
    rate: float  # the server's limit, requests a second
    burst: int  # and how many it lets through at once
    setting: str = ""  # "10 in flight", "50/s": what the way was given
    started: float = field(default_factory=time.perf_counter)
    attempts: list[Attempt] = field(default_factory=list)
    ended: float | None = None
    cancelled: bool = False

    def record(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)

    def end(self, cancelled: bool = False) -> None:
        self.ended, self.cancelled = time.perf_counter(), cancelled

    @property
    def name(self) -> str:
        return f"{WAYS[self.way]} ({self.setting})" if self.setting else WAYS[self.way]

    @property
    def wall(self) -> float:
        return (self.ended or time.perf_counter()) - self.started

    @property
    def ok(self) -> int:
        return sum(a.status == 200 for a in self.attempts)

    @property
    def refused(self) -> int:
        """Answers that were 429 Too Many Requests (retries included)."""
        return sum(a.status == 429 for a in self.attempts)

    @property
    def failed(self) -> int:
        """Requests whose last attempt was not a 200 (a retried 429 that then worked is ok)."""
        last: dict[int, Attempt] = {}
        for attempt in self.attempts:
            if attempt.request not in last or attempt.sent >= last[attempt.request].sent:
                last[attempt.request] = attempt
        return sum(a.status != 200 for a in last.values())

    @property
    def unanswered(self) -> int:
        """Requests not finished (only when cancelled)."""
        return self.count - len({a.request for a in self.attempts})

    def busiest_second(self) -> int:
        """The most attempts sent within any one second."""
        return most_within(sorted(a.sent for a in self.attempts), 1.0)

    def curves(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cumulative counts by the time each was sent: every attempt, and the accepted ones."""
        sent = np.sort(np.array([a.sent for a in self.attempts], dtype=float)) - self.started
        accepted = [a.sent for a in self.attempts if a.status == 200]
        ok = np.sort(np.array(accepted, dtype=float)) - self.started
        return sent, np.arange(1, len(sent) + 1), ok, np.arange(1, len(ok) + 1)

    def errors(self) -> list[str]:
        """The different network errors seen (no answer at all), for the summary."""
        return sorted({a.error for a in self.attempts if a.status is None})


def most_within(times: Sequence[float], window: float) -> int:
    """The most of the sorted `times` that fall within any `window` seconds."""
    most, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] > window:
            first += 1
        most = max(most, last - first + 1)
    return most


def summary_text(run: WayRun, latest: dict[str, WayRun]) -> str:
    """The run in words, and the last finished run of each other way beside it (HTML)."""
    limit = f"The server allows {run.rate:g} requests/s per client ({run.burst} at once)."
    state = "cancelled after" if run.cancelled else "done in"
    text = (
        f"<b>{run.name}</b>: {run.count} requests, {state} {run.wall:.2f} s. "
        f"{run.ok} answered OK, {run.refused} refused with 429, "
        f"{run.failed} failed in the end; busiest second: {run.busiest_second()} sent. {limit}"
    )
    if run.cancelled and run.unanswered:
        text += f" {run.unanswered} never answered (cancelled)."
    errors = run.errors()
    if errors:
        text += f" No answer at all: {errors[0]}."
    others = [
        f"{other.name}: {other.failed} failed, {other.wall:.2f} s"
        for way, other in latest.items()
        if way != run.way and other.rate == run.rate and other.count == run.count
    ]
    if others:
        text += " Same limit and count: " + "; ".join(others) + "."
    return text
