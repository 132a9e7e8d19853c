"""The lecture's news reader (get_news), three ways: one by one, async, on a thread pool.

Step one asks the server for a list of news sources, step two asks every source for its
articles, and then a word is counted in their titles and descriptions. Downloading is
mostly waiting for answers, so the three ways differ only in how they wait: one request
after another, many requests waiting together on one event loop, or many threads each
waiting for one. The GETs themselves are `guidemo.net.fetch` (aiohttp) and
`guidemo.net.fetch_blocking` (the standard library's sockets); both return a `FetchResult` and never
raise for a network problem, so one broken source is a failed row, not a failed run.

Every way reports each request to a `Board` as it starts and ends, from whatever thread
it runs in; whoever shows the progress reads the board. No Qt here.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import aiohttp

from guidemo.net import FetchResult, fetch, fetch_blocking

Job = tuple[int, str]  # (row on the board, URL)


# --- what a way tells the board --------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    """New rows, numbered from `first`, one per URL."""

    first: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class Started:
    """Row `row` was sent at `at` (time.perf_counter())."""

    row: int
    at: float


@dataclass(frozen=True)
class Finished:
    """Row `row` has its answer (or its failure)."""

    row: int
    result: FetchResult


BoardEvent = Planned | Started | Finished


# --- the news API of the demo server --------------------------------------------------------
def sources_url(server: str, count: int, latency: float) -> str:
    """Step one: the list of `count` sources (the server waits `latency` s before answering)."""
    return f"{server}/api/news/sources?count={count}&latency={latency:g}"


def articles_url(server: str, source: str, latency: float) -> str:
    """Step two: one source's articles."""
    return f"{server}/api/news/articles?source={urllib.parse.quote(source)}&latency={latency:g}"


def expect_sources(data: Any) -> str:
    """'' if `data` is a list of sources ({"sources": [{"id": ...}, ...]}), else what is wrong."""
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list):
        return 'no "sources" list in it'
    if not all(
        isinstance(source, dict) and isinstance(source.get("id"), str) for source in sources
    ):
        return 'a source without an "id"'
    return ""


def expect_articles(data: Any) -> str:
    """'' if `data` is one source's articles ({"articles": [{...}, ...]}), else what is wrong."""
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        return 'no "articles" list in it'
    if not all(isinstance(article, dict) for article in articles):
        return "an article that is not an object"
    return ""


def source_ids(sources: FetchResult) -> list[str]:
    """The ids in a good list of sources; none if the list itself failed."""
    return [source["id"] for source in sources.data["sources"]] if sources.ok else []


# --- counting the word ------------------------------------------------------------------------
def count_word(word: str, articles: list[dict[str, Any]]) -> int:
    """How often `word` is in the titles and descriptions: any case, whole words only."""
    wanted = word.lower()
    texts = (f"{a.get('title') or ''} {a.get('description') or ''}" for a in articles)
    return sum(re.findall(r"\w+", text.lower()).count(wanted) for text in texts)


@dataclass
class NewsCount:
    """The answer of one get_news, and how much of it could be read."""

    word: str
    count: int
    sources: int  # sources listed
    failed: int  # sources whose articles could not be read
    list_error: str = ""  # why the list of sources itself failed, if it did
    cancelled: int = 0  # sources never asked: the run was cancelled first


def tally(word: str, sources: FetchResult, articles: Sequence[FetchResult | None]) -> NewsCount:
    """Add the word up over every source that answered. None is a request that was
    cancelled before it was sent: not a failure of the source."""
    good = [result for result in articles if result is not None and result.ok]
    cancelled = sum(1 for result in articles if result is None)
    count = sum(count_word(word, result.data["articles"]) for result in good)
    failed = len(articles) - len(good) - cancelled
    return NewsCount(word, count, len(articles), failed, sources.error, cancelled)


# --- where every way reports, from any thread ---------------------------------------------
class Board:
    """Rows planned, started and finished, reported by any thread.

    Reporting only appends to a deque (safe from any thread); the reader drains it when it
    likes, e.g. a GUI thread at most once a frame. That is both the hand-over to the
    reader's thread and a throttle: a thousand answers in one frame cost one update.
    """

    def __init__(self) -> None:
        self.events: deque[BoardEvent] = deque()
        self._rows = 0
        self._lock = threading.Lock()

    def plan(self, urls: Sequence[str]) -> list[Job]:
        """New rows for these URLs; returns (row, url) pairs to fetch."""
        with self._lock:
            first, self._rows = self._rows, self._rows + len(urls)
            self.events.append(Planned(first, tuple(urls)))
        return list(zip(range(first, first + len(urls)), urls, strict=True))

    def start(self, row: int) -> None:
        self.events.append(Started(row, time.perf_counter()))

    def finish(self, row: int, result: FetchResult) -> None:
        self.events.append(Finished(row, result))


# --- the three ways, as a learner would write them ----------------------------------------
def fetch_all_sync(jobs: Iterable[Job], board: Board, **options: Any) -> list[FetchResult]:
    """One request after another in the calling thread: each waits for the one before."""
    results = []
    for row, url in jobs:
        board.start(row)
        results.append(fetch_blocking(url, **options))
        board.finish(row, results[-1])
    return results


async def fetch_all_async(
    session: aiohttp.ClientSession, jobs: list[Job], limit: int, board: Board, **options: Any
) -> list[FetchResult]:
    """All requests at once, at most `limit` in flight: `limit` worker tasks share one
    to-do list, and each takes the next URL as soon as its last one is answered."""
    todo = iter(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)

    async def worker() -> None:
        for index, (row, url) in todo:
            board.start(row)
            results[index] = await fetch(session, url, **options)
            board.finish(row, results[index])

    async with asyncio.TaskGroup() as workers:  # cancel the run: every worker is cancelled
        for number in range(1, min(limit, len(jobs)) + 1):
            workers.create_task(worker(), name=f"http: worker {number}")
    return results


async def fetch_all_threads(
    pool: ThreadPoolExecutor, jobs: list[Job], board: Board, **options: Any
) -> list[FetchResult | None]:
    """Every request handed to a thread pool (its size is the limit); await them all.

    A thread cannot be interrupted: cancelling drops the requests still queued, the ones
    already running finish (None stands for a dropped one).
    """

    def one(row: int, url: str) -> FetchResult:  # runs in a pool thread
        board.start(row)
        result = fetch_blocking(url, **options)
        board.finish(row, result)
        return result

    futures = [asyncio.wrap_future(pool.submit(one, row, url)) for row, url in jobs]
    results = await asyncio.gather(*futures, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            raise result  # a bug, not a network problem: fetch_blocking reports those
    return [result if isinstance(result, FetchResult) else None for result in results]


def get_news_sync(
    server: str, word: str, count: int, latency: float, board: Board, **options: Any
) -> NewsCount:
    """The lecture's get_news, sync: the sources, then each source's articles in turn."""
    jobs = board.plan([sources_url(server, count, latency)])
    [sources] = fetch_all_sync(jobs, board, expect=expect_sources, **options)
    jobs = board.plan([articles_url(server, source, latency) for source in source_ids(sources)])
    return tally(word, sources, fetch_all_sync(jobs, board, expect=expect_articles, **options))


async def get_news_async(
    session: aiohttp.ClientSession,
    server: str,
    word: str,
    count: int,
    latency: float,
    limit: int,
    board: Board,
    **options: Any,
) -> NewsCount:
    """The lecture's get_news, async: the sources, then all their articles concurrently."""
    jobs = board.plan([sources_url(server, count, latency)])
    [sources] = await fetch_all_async(session, jobs, 1, board, expect=expect_sources, **options)
    jobs = board.plan([articles_url(server, source, latency) for source in source_ids(sources)])
    articles = await fetch_all_async(session, jobs, limit, board, expect=expect_articles, **options)
    return tally(word, sources, articles)


async def get_news_threads(
    pool: ThreadPoolExecutor,
    server: str,
    word: str,
    count: int,
    latency: float,
    board: Board,
    **options: Any,
) -> NewsCount:
    """The threaded downloader exercise: the same two steps, on a thread pool."""
    jobs = board.plan([sources_url(server, count, latency)])
    [sources] = await fetch_all_threads(pool, jobs, board, expect=expect_sources, **options)
    if sources is None:  # dropped from the pool's queue: the run was cancelled
        raise asyncio.CancelledError
    jobs = board.plan([articles_url(server, source, latency) for source in source_ids(sources)])
    articles = await fetch_all_threads(pool, jobs, board, expect=expect_articles, **options)
    return tally(word, sources, articles)
