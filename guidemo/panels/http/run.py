"""The http panel's run, apart from its widgets: what was asked, what every row is doing,
and the sentences the panel shows about it.

A `Run` is planned from the panel's inputs, executed by `execute` (one of the three ways
of `guidemo.lessons.news`, reporting to the run's `Board` from any thread), and brought up
to date by `Run.apply_board()` whenever the panel is ready to draw. Nothing here touches Qt,
so a run can be driven and checked without a window.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
import numpy as np

from guidemo.lessons.news import (
    Board,
    Job,
    NewsCount,
    count_word,
    fetch_all_async,
    fetch_all_sync,
    fetch_all_threads,
    get_news_async,
    get_news_sync,
    get_news_threads,
)
from guidemo.net import MAX_URLS, FetchResult, read_url_lines
from guidemo.widgets.palette import BAD, GOOD

if TYPE_CHECKING:
    from guidemo.monitor import LagStats

WAYS = ("sync", "threads", "async")  # the waterfall's bands, top to bottom
# A row's state, one byte per row (10,000 rows: no Python object each).
QUEUED, RUNNING, OK, FAILED, CANCELLED = range(5)


@dataclass
class Run:
    """One run of one way: its inputs, then every row's URL, state, times and result."""

    way: str
    key: tuple[Any, ...]  # the request set: runs with the same key can be compared
    scenario: bool  # the news scenario (True) or the user's own URLs
    word: str = ""  # news: the word to count
    server: str = ""  # news: the server to ask
    count: int = 0  # news: how many sources; own URLs: how many good URLs
    latency: float = 0.0  # news: how long the server waits before each answer
    text: str = ""  # own URLs: the URL box, as pasted
    limit: int = 1  # at most this many requests in flight (async, threads)
    options: dict[str, Any] = field(default_factory=dict)  # for fetch: timeout, max_bytes
    board: Board = field(default_factory=Board)
    t0: float = field(default_factory=time.perf_counter)
    urls: list[str] = field(default_factory=list)  # one per row
    results: list[FetchResult | None] = field(default_factory=list)
    states: bytearray = field(default_factory=bytearray)  # QUEUED, RUNNING, OK, ...
    starts: array[float] = field(default_factory=lambda: array("d"))  # perf_counter(); 0: never
    ends: array[float] = field(default_factory=lambda: array("d"))
    dirty: dict[int, None] = field(default_factory=dict)  # rows to redraw, in order
    expected: int = 0  # how many rows the progress bar counts to
    done: int = 0
    failed: int = 0
    word_so_far: int = 0
    wall: float = 0.0
    ended: bool = False  # the run's task is over (rows may still be drawing)
    cancelled: bool = False
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
    def for_urls(cls, way: str, text: str, limit: int, options: dict[str, Any]) -> Run:
        """The user's own URLs: `text` is read when the run starts (see `read_urls`)."""
        return cls(way, ("urls",), False, text=text, limit=limit, options=options)

    @property
    def requests(self) -> int:
        return sum(1 for started in self.starts if started)

    @property
    def rows(self) -> int:
        return len(self.urls)

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
            kind, row, payload = events.popleft()
            if kind == "plan":
                self.urls.extend(payload)
                self.results.extend([None] * len(payload))
                self.states.extend(bytes(len(payload)))
                self.starts.frombytes(bytes(8 * len(payload)))
                self.ends.frombytes(bytes(8 * len(payload)))
                self.expected = max(self.expected, self.rows)
                continue
            if kind == "start":
                self.states[row], self.starts[row] = RUNNING, payload
            elif self.states[row] != CANCELLED:
                self.results[row], self.done = payload, self.done + 1
                self.states[row] = OK if payload.ok else FAILED
                self.starts[row], self.ends[row] = payload.started, payload.ended
                if not payload.ok:
                    self.failed += 1
                elif self.scenario and row > 0:
                    self.word_so_far += count_word(self.word, payload.data["articles"])
            self.dirty[row] = None
        if self.ended:  # whatever never got an answer was cancelled
            now = time.perf_counter()
            for index, state in enumerate(self.states):
                if state in (QUEUED, RUNNING):
                    self.states[index], self.ends[index] = CANCELLED, now
                    self.dirty[index] = None

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


@dataclass
class RunRecord:
    """The last finished run of one way, for the speed-up."""

    key: tuple[Any, ...]
    wall: float
    requests: int
    complete: bool


# --- running it -----------------------------------------------------------------------------
async def read_urls(run: Run) -> list[Job]:
    """The pasted lines as rows; a bad line is answered at once, without a request."""
    lines = await asyncio.to_thread(read_url_lines, run.text)  # CPU work: off the GUI thread
    urls = tuple(url for url, error in lines.entries if not error)
    run.key, run.count = ("urls", hash(urls), len(urls)), len(urls)
    run.expected = len(lines.entries)
    if lines.beyond_cap:
        run.notes.append(
            f"<span style='color:{BAD}'>{lines.beyond_cap:,} more "
            f"{plural(lines.beyond_cap, 'line')} beyond the cap of {MAX_URLS:,} "
            "not requested.</span>"
        )
    if lines.blank:
        run.notes.append(f"{lines.blank:,} empty {plural(lines.blank, 'line')} skipped.")
    jobs = run.board.plan([url for url, _ in lines.entries])
    good = []
    for (row, url), (_, error) in zip(jobs, lines.entries, strict=True):
        if error:
            run.board.finish(row, FetchResult(url, error=error, problem="bad-url"))
        else:
            good.append((row, url))
    return good


async def execute(run: Run, say: Callable[[str], None]) -> None:
    """Run `run`'s way to its end; every row is reported to `run.board`.

    `say` shows a sentence at once: the sync way warns that the window is about to freeze.
    """
    options, limit = run.options, run.limit
    try:
        jobs = [] if run.scenario else await read_urls(run)
        if run.way == "sync":
            say(sync_warning(run))
            await asyncio.sleep(0.05)  # let that message paint: the next line blocks
            run.t0 = time.perf_counter()  # time the requests, not the pause
            if run.scenario:
                run.news = get_news_sync(
                    run.server, run.word, run.count, run.latency, run.board, **options
                )
            else:
                fetch_all_sync(jobs, run.board, **options)
        elif run.way == "async":
            connector = aiohttp.TCPConnector(limit=limit)
            async with aiohttp.ClientSession(connector=connector) as session:
                if run.scenario:
                    run.news = await get_news_async(
                        session,
                        run.server,
                        run.word,
                        run.count,
                        run.latency,
                        limit,
                        run.board,
                        **options,
                    )
                else:
                    await fetch_all_async(session, jobs, limit, run.board, **options)
        else:
            run.pool = ThreadPoolExecutor(limit, thread_name_prefix="http-thread")
            try:
                if run.scenario:
                    run.news = await get_news_threads(
                        run.pool,
                        run.server,
                        run.word,
                        run.count,
                        run.latency,
                        run.board,
                        **options,
                    )
                else:
                    await fetch_all_threads(run.pool, jobs, run.board, **options)
            except RuntimeError:  # cancelled between the steps: the pool takes no more
                if not run.cancelled:
                    raise
            finally:
                run.pool.shutdown(wait=False, cancel_futures=True)
    except asyncio.CancelledError:
        run.cancelled = True
        raise
    finally:
        run.end()


# --- what the panel says about it -----------------------------------------------------------
def sync_warning(run: Run) -> str:
    requests = 1 + run.count if run.scenario else run.count
    seconds = requests * run.latency if run.scenario else 0.0  # the server's latency
    guess = f" for about {seconds:.1f} s" if seconds >= 0.1 else ""
    return (
        f"<b style='color:{BAD}'>sync</b>: {requests:,} requests one after another "
        f"in the GUI thread. <b>The window freezes{guess}</b>: nothing is drawn, clicks "
        "wait (even Cancel). That is the point; watch the HUD when it comes back."
    )


def progress_text(run: Run, now: float) -> str:
    text = (
        f"<b>{run.way}</b>: {run.done:,} of {max(run.expected, run.rows):,} answered"
        f", {run.failed:,} failed, {now - run.t0:.1f} s so far…"
    )
    if run.scenario:
        text += f" “{run.word}” counted {run.word_so_far:,} times so far."
    if run.cancelled and run.cancel_note:
        text += f"<br>Cancelling: {run.cancel_note}."
    return " ".join([text, *run.notes])


def summary_text(run: Run, records: dict[str, RunRecord], lag: LagStats) -> str:
    """The finished run: requests and failures, the word count, the speed-up, the UI's lag."""
    sent = run.requests
    rejected = sum(
        1 for result in run.results if result is not None and result.problem == "bad-url"
    )
    cancelled, ok, failed = (run.states.count(state) for state in (CANCELLED, OK, FAILED))
    parts = [
        f"<b>{run.way}</b>: {sent:,} {plural(sent, 'request')} in <b>{run.wall:.2f} s</b>: "
        f"<span style='color:{GOOD}'>{ok:,} ok</span>, "
        f"<span style='color:{BAD if failed else GOOD}'>{failed:,} failed</span>"
    ]
    if rejected:
        parts[0] += f" ({rejected:,} bad {plural(rejected, 'line')} rejected without a request)"
    if cancelled:
        parts[0] += f", {cancelled:,} cancelled"
    parts[0] += "."
    if run.cancelled:
        parts.append(f"<b>Cancelled</b>: {run.cancel_note or 'stopped'}.")
    if run.scenario and run.news is not None:
        news = run.news
        if news.list_error:
            parts.append(f"The list of sources failed ({news.list_error}): nothing to count.")
        else:
            parts.append(
                f"“{news.word}” appears <b>{news.count:,}</b> times in {news.sources:,} "
                f"{plural(news.sources, 'source')} ({news.failed:,} failed)."
            )
    parts.extend(run.notes)
    parts.append(speedups(records))
    if lag.max_ms > 100:
        parts.append(f"UI: <b style='color:{BAD}'>frozen</b>, worst lag {lag.max_ms:,.0f} ms.")
    else:
        parts.append(
            f"UI: <span style='color:{GOOD}'>live</span>, worst lag {lag.max_ms:.0f} ms, "
            f"p99 {lag.p99_ms:.0f} ms."
        )
    return " ".join(part for part in parts if part)


def speedups(records: dict[str, RunRecord]) -> str:
    """How much faster async and threads were than sync, over the same requests."""
    sync = records.get("sync")
    if sync is None or not sync.complete:
        return ""
    found = []
    for way in ("async", "threads"):
        other = records.get(way)
        if other is not None and other.complete and other.key == sync.key and other.wall > 0:
            found.append(
                f"{way} is <b>{sync.wall / other.wall:.1f}× faster</b> than sync "
                f"({other.wall:.2f} s vs {sync.wall:.2f} s)"
            )
    return ("Same requests: " + "; ".join(found) + ".") if found else ""


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


EXAMPLES = [
    "Examples…",
    "the news scenario (empty box)",
    "every kind of fault",
    "1,000 quick downloads",
    f"{MAX_URLS + 500:,} URLs (over the cap)",
]


def example_text(index: int, server: str) -> str | None:
    """What the URL box gets for EXAMPLES[index] ("": empty, the news scenario); None for
    the first entry, the combo box's title."""
    if index == 1:
        return ""
    if index == 2:
        return "\n".join(fault_examples(server))
    if index == 3:
        return "\n".join(f"{server}/api/data?size=2000&latency=0.05&n={n}" for n in range(1000))
    if index == 4:
        return "\n".join(f"{server}/api/data?size=100&n={n}" for n in range(MAX_URLS + 500))
    return None


def fault_examples(server: str) -> list[str]:
    """One URL for every kind of trouble the panel handles, and two good ones."""
    return [
        f"{server}/api/json?items=3",
        f"   {server}/api/data?size=500   ",
        "",
        "example.com/no-scheme",
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://[::1/broken",
        "http://no-such-host.invalid/",
        "http://127.0.0.1:1/",
        f"{server}/api/data?latency=20",
        f"{server}/api/status/404",
        f"{server}/api/status/503",
        f"{server}/api/fault/reset",
        f"{server}/api/fault/bad-utf8",
        f"{server}/api/fault/not-json",
        f"{server}/api/fault/huge",
        f"{server}/api/fault/redirect-loop",
    ]
