"""The http panel's run, apart from its widgets: what was asked, what every row is doing,
and what a finished run is compared with.

A `Run` is planned from the panel's inputs, executed by `execute` (one of the three ways
of `guidemo.lessons.news`, reporting to the run's `Board` from any thread), and brought up
to date by `Run.apply_board()` whenever the panel is ready to draw. Nothing here touches Qt,
so a run can be driven and checked without a window. The sentences about a run are in
`texts`.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from array import array
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from guidemo.lessons.news import Board, Finished, NewsCount, Planned, Started, count_word
from guidemo.net import DEFAULT_TIMEOUT_S, FetchResult, shorten

WAYS = ("sync", "threads", "async")  # the waterfall's bands, top to bottom
# A row's state, one byte per row (10,000 rows: no Python object each).
QUEUED, RUNNING, OK, FAILED, CANCELLED = range(5)
URL_CHARS_KEPT = 300  # a row shows (and keeps for display) at most this much of its URL
ASK_ABOVE_S = 10.0  # a sync run expected to freeze the window longer than this asks first
GUESS_PER_REQUEST_S = 0.1  # the sync estimate for a URL that says nothing about its latency


@dataclass
class Run:
    """One run of one way: its inputs, then every row's URL, state, times and result."""

    way: str
    key: tuple[Any, ...]  # the request set: runs with the same key can be compared
    scenario: bool  # the news scenario (True) or the user's own URLs
    word: str = ""  # news: the word to count
    server: str = ""  # news: the server to ask; own URLs: the demo server (latency known)
    count: int = 0  # news: how many sources; own URLs: how many good URLs
    latency: float = 0.0  # news: how long the server waits before each answer
    text: str = ""  # own URLs: the URL box, as pasted
    limit: int = 1  # at most this many requests in flight (async, threads)
    options: dict[str, Any] = field(default_factory=dict)  # for fetch: timeout, max_bytes
    board: Board = field(default_factory=Board)
    t0: float = field(default_factory=time.perf_counter)
    urls: list[str] = field(default_factory=list)  # one per row, shortened for display
    results: list[FetchResult | None] = field(default_factory=list)
    states: bytearray = field(default_factory=bytearray)  # QUEUED, RUNNING, OK, ...
    starts: array[float] = field(default_factory=lambda: array("d"))  # perf_counter(); 0: never
    ends: array[float] = field(default_factory=lambda: array("d"))
    dirty: dict[int, None] = field(default_factory=dict)  # rows to redraw, in order
    expected: int = 0  # how many rows the progress bar counts to
    done: int = 0  # rows answered (well or not)
    failed: int = 0
    word_so_far: int = 0
    wall: float = 0.0
    ended: bool = False  # the run's task is over (rows may still be drawing)
    cancelled: bool = False
    declined: bool = False  # sync: the user chose not to freeze the window
    cancel_note: str = ""
    news: NewsCount | None = None
    notes: list[str] = field(default_factory=list)  # about the URL list: cap, blank lines
    task: asyncio.Task[Any] | None = None
    pool: ThreadPoolExecutor | None = None

    @classmethod
    def for_news(
        cls,
        way: str,
        server: str,
        word: str,
        count: int,
        latency: float,
        limit: int,
        options: dict[str, Any],
    ) -> Run:
        """The news scenario: 1 + `count` requests, known before the run starts."""
        key = ("news", server, count, latency)
        run = cls(way, key, True, word, server, count, latency, limit=limit, options=options)
        run.expected = 1 + count
        return run

    @classmethod
    def for_urls(
        cls, way: str, text: str, limit: int, options: dict[str, Any], server: str = ""
    ) -> Run:
        """The user's own URLs: `text` is read when the run starts (see `read_urls`);
        `server` is the demo server's URL, whose answers take the latency they ask for."""
        return cls(way, ("urls",), False, server=server, text=text, limit=limit, options=options)

    @property
    def requests(self) -> int:
        return sum(1 for started in self.starts if started)

    @property
    def rows(self) -> int:
        return len(self.urls)

    @property
    def total(self) -> int:
        """The rows the run has or will have: what its progress counts to."""
        return max(self.expected, self.rows)

    def end(self) -> None:
        """The run's task is over (called once it returns, fails or is cancelled)."""
        if not self.ended:
            self.wall, self.ended = time.perf_counter() - self.t0, True

    def cancel(self) -> bool:
        """Stop the run as far as its way allows; False if it is over or already stopping.

        Async: the task is cancelled, and with it every request in flight. Threads: the
        queued requests are dropped; the running ones finish.
        """
        if self.ended or self.cancelled:
            return False
        self.cancelled = True
        if self.way == "threads" and self.pool is not None:
            running = self.states.count(RUNNING)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.cancel_note = (
                f"queued requests dropped; {running} already running in threads were left to "
                "finish (Python cannot stop a thread)"
            )
        elif self.task is not None:
            self.cancel_note = "every request still in flight was cancelled at once"
            self.task.cancel()
        return True

    def apply_board(self) -> None:
        """Apply what the ways reported since the last call to the rows (cheap: no widgets);
        the rows that changed are added to `dirty`."""
        events = self.board.events
        while events:
            match events.popleft():
                case Planned(urls=urls):
                    self.urls.extend(shorten(url, URL_CHARS_KEPT) for url in urls)
                    self.results.extend([None] * len(urls))
                    self.states.extend(bytes(len(urls)))
                    self.starts.frombytes(bytes(8 * len(urls)))
                    self.ends.frombytes(bytes(8 * len(urls)))
                    self.expected = max(self.expected, self.rows)
                case Started(row, at):
                    self.states[row], self.starts[row] = RUNNING, at
                    self.dirty[row] = None
                case Finished(row, result):
                    if self.states[row] != CANCELLED:
                        self._finish(row, result)
                    self.dirty[row] = None
        if self.ended:  # whatever never got an answer was cancelled
            now = time.perf_counter()
            for index, state in enumerate(self.states):
                if state in (QUEUED, RUNNING):
                    self.states[index], self.ends[index] = CANCELLED, now
                    self.dirty[index] = None

    def _finish(self, row: int, result: FetchResult) -> None:
        self.results[row], self.done = result, self.done + 1
        self.states[row] = OK if result.ok else FAILED
        self.starts[row], self.ends[row] = result.started, result.ended
        if not result.ok:
            self.failed += 1
        elif self.scenario and row > 0:
            self.word_so_far += count_word(self.word, result.data["articles"])

    def bars(self, now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every row's start and end, in seconds since the run began, and its state.

        A running row ends `now`; a row never sent (rejected, or dropped before it
        started) is QUEUED: it has no bar.
        """
        states = np.frombuffer(bytes(self.states), dtype=np.uint8)
        absolute = np.array(self.starts)
        starts, ends = absolute - self.t0, np.array(self.ends) - self.t0
        ends = np.where(states == RUNNING, now - self.t0, ends)  # still growing
        return starts, ends, np.where(absolute > 0, states, QUEUED).astype(np.uint8)

    def busy_s(self) -> float:
        """The requests' own durations added up: about what they take one after another."""
        pairs = zip(self.starts, self.ends, strict=True)
        return sum(end - start for start, end in pairs if start and end)


@dataclass
class RunRecord:
    """A finished run of one way, for comparisons: the waterfall's marks, the speed-up,
    the estimate of how long a sync run of the same requests would freeze the window."""

    way: str
    key: tuple[Any, ...]
    limit: int
    settings: str  # what it ran with, in words (see texts.settings_text)
    wall: float
    requests: int
    complete: bool
    busy_s: float = 0.0

    def same_inputs(self, other: RunRecord) -> bool:
        """Two runs a learner may compare: the same requests and, if both ran
        concurrently, the same concurrency (sync has none)."""
        if self.key != other.key:
            return False
        return "sync" in (self.way, other.way) or self.limit == other.limit


# --- how long would sync freeze the window? --------------------------------------------------
@dataclass
class Estimate:
    """How long a sync run would freeze the window, and what that guess rests on."""

    seconds: float
    basis: str
    worst: float  # if every request ran into its timeout


def estimate_sync(run: Run, urls: Sequence[str], records: Mapping[str, RunRecord]) -> Estimate:
    """From an earlier run of the same requests if there is one (their durations added up),
    else from the latency the requests ask the demo server for (at most the timeout each);
    a URL of any other server may take its whole timeout, so it counts as that."""
    requests = 1 + run.count if run.scenario else len(urls)
    timeout = float(run.options.get("timeout", DEFAULT_TIMEOUT_S))
    worst = requests * timeout
    earlier = [r for r in records.values() if r.key == run.key and r.complete and r.busy_s]
    if earlier:
        record = max(earlier, key=lambda r: r.busy_s)
        basis = f"the same requests took {record.busy_s:.1f} s in all in the last {record.way} run"
        return Estimate(record.busy_s, basis, worst)
    if run.scenario:
        basis = f"{requests:,} requests × {run.latency:g} s of server latency"
        return Estimate(requests * min(run.latency, timeout), basis, worst)
    demo = [url for url in urls if run.server and url.startswith(run.server.rstrip("/") + "/")]
    elsewhere = len(urls) - len(demo)
    asked = [_latency_asked(url) for url in demo]
    guessed = sum(1 for latency in asked if latency is None)
    seconds = sum(min(latency, timeout) for latency in asked if latency is not None)
    seconds += guessed * min(GUESS_PER_REQUEST_S, timeout) + elsewhere * timeout
    basis = "the latency each URL asks the demo server for"
    if guessed:
        basis = f"a guess of {GUESS_PER_REQUEST_S:g} s for each URL that does not say"
    if elsewhere:
        urls_word = "URL" if elsewhere == 1 else "URLs"
        basis = f"{elsewhere:,} {urls_word} not on the demo server × the {timeout:g} s timeout"
    return Estimate(seconds, basis, worst)


def _latency_asked(url: str) -> float | None:
    """The demo server's `latency=` in a URL's query (None if it has none)."""
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("latency")
    try:
        return max(0.0, float(values[0])) if values else None
    except ValueError:
        return None


def record_of(run: Run, measured: bool = True) -> RunRecord:
    """What a finished run leaves behind for the next ones to be compared with (without
    `measured`, only what it ran with: cheap enough for every redraw of a running run)."""
    if not measured:
        return RunRecord(run.way, run.key, run.limit, "", 0.0, 0, False)
    complete = not run.cancelled
    return RunRecord(
        run.way,
        run.key,
        run.limit,
        settings_text(run),
        run.wall,
        run.requests,
        complete,
        run.busy_s(),
    )


def settings_text(run: Run) -> str:
    """What a run ran with, in words: "11 requests · latency 0.15 s · concurrency 20"."""
    if run.scenario:
        parts = [f"{1 + run.count:,} requests", f"latency {run.latency:g} s"]
    else:
        parts = [f"{run.count:,} URLs"]
    parts.append("one at a time" if run.way == "sync" else f"concurrency {run.limit:,}")
    return " · ".join(parts)
