"""The lecture's exercise: the news downloader with a pool of workers and a queue, three ways.

The jobs are the article pages of the news sources (`guidemo.lessons.news`): each worker
takes the next job off a queue, downloads it and counts a word, until the queue says stop.
Way 1 is the exercise as set: a `queue.Queue` and N threads, one STOP per thread. Way 2 is
the same shape on the event loop: an `asyncio.Queue` and N worker tasks. Way 3 lets
`concurrent.futures` keep the queue and the threads. Every worker reports what it does to
`report`; a worker thread must never touch the GUI itself, so for ways 1 and 3 `report`
hands each event to the loop's thread (`on_loop_thread`). No Qt here.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from guidemo.lessons.news import articles_url, count_word, expect_articles, expect_sources
from guidemo.lessons.news import sources_url as news_sources_url
from guidemo.net import FetchResult, fetch, fetch_blocking

STOP = None  # the sentinel: "no more jobs, end your loop"


@dataclass(frozen=True)
class Job:
    number: int
    url: str


@dataclass
class Event:
    """What a worker did: "took" a job, is "done" with it, or "stopped" for good."""

    kind: str
    worker: str
    job: Job | None = None
    result: FetchResult | None = None
    words: int = 0  # how often the word is in this job's articles
    at: float = field(default_factory=time.perf_counter)


Report = Callable[[Event], None]


def on_loop_thread(loop: asyncio.AbstractEventLoop, show: Report) -> Report:
    """A report() for worker threads: show(event) will run on the loop's thread, not theirs."""

    def report(event: Event) -> None:
        loop.call_soon_threadsafe(show, event)

    return report


def words_in(result: FetchResult, word: str) -> int:
    return count_word(word, result.data["articles"]) if result.ok else 0


async def news_jobs(
    session: aiohttp.ClientSession, server: str, count: int, latency: float
) -> list[Job]:
    """Step one, once: the list of sources; each source's articles page is a job."""
    listing = await fetch(session, news_sources_url(server, count, latency), expect=expect_sources)
    if not listing.ok:
        raise RuntimeError(f"could not get the list of sources: {listing.error}")
    ids = [source["id"] for source in listing.data["sources"]]
    return [Job(n, articles_url(server, source, latency)) for n, source in enumerate(ids)]


class ThreadsAndQueue:
    """Way 1, the exercise: a queue.Queue of jobs, N threads, one STOP per thread."""

    def __init__(self, workers: int, word: str, report: Report, **options: Any) -> None:
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.word, self.report, self.options = word, report, options
        self.threads = [
            threading.Thread(
                target=self.work, args=(f"thread {n}",), name=f"downloader: thread {n}"
            )
            for n in range(1, workers + 1)
        ]

    def work(self, name: str) -> None:
        """One thread's life: take a job, download it, report; until it takes a STOP."""
        while (job := self.jobs.get()) is not STOP:
            self.report(Event("took", name, job))
            result = fetch_blocking(job.url, expect=expect_articles, **self.options)
            self.report(Event("done", name, job, result, words_in(result, self.word)))
        self.report(Event("stopped", name))

    async def run(self, jobs: list[Job]) -> None:
        """Queue the jobs, a STOP behind them for each thread, and wait for the threads."""
        for job in jobs:
            self.jobs.put(job)
        for thread in self.threads:
            self.jobs.put(STOP)
            thread.start()
        try:  # join() blocks, so it waits in a helper thread: the loop stays free
            await asyncio.to_thread(self.join)
        except asyncio.CancelledError:
            self.cancel()  # the threads end after the job they are on...
            await asyncio.to_thread(self.join)  # ...and the run ends once they have
            raise

    def cancel(self) -> list[Job]:
        """Take the queued jobs out and put the STOPs back: each thread ends after the job
        it is on (a thread cannot be interrupted). Returns the jobs taken out."""
        dropped, stops = [], 0
        while True:
            try:
                item = self.jobs.get_nowait()
            except queue.Empty:
                break
            if item is STOP:
                stops += 1
            else:
                dropped.append(item)
        for _ in range(stops):
            self.jobs.put(STOP)
        return dropped

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def waiting(self) -> int:
        """Jobs in the queue; the STOPs are all behind them, so they are the last N items."""
        return max(0, self.jobs.qsize() - len(self.threads))


class TasksAndQueue:
    """Way 2, the same on the event loop: an asyncio.Queue and N worker tasks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        workers: int,
        word: str,
        report: Report,
        **options: Any,
    ) -> None:
        self.jobs: asyncio.Queue[Job | None] = asyncio.Queue()
        self.session, self.workers = session, workers
        self.word, self.report, self.options = word, report, options

    async def work(self, name: str) -> None:
        """One task's life: the same loop as a thread's, with an await at each wait."""
        while (job := await self.jobs.get()) is not STOP:
            self.report(Event("took", name, job))
            result = await fetch(self.session, job.url, expect=expect_articles, **self.options)
            self.report(Event("done", name, job, result, words_in(result, self.word)))
        self.report(Event("stopped", name))

    async def run(self, jobs: list[Job]) -> None:
        """Queue the jobs and the STOPs; the run ends when every worker task has."""
        for job in [*jobs, *[STOP] * self.workers]:
            self.jobs.put_nowait(job)
        try:
            async with asyncio.TaskGroup() as tasks:
                for n in range(1, self.workers + 1):
                    tasks.create_task(self.work(f"task {n}"), name=f"downloader: worker {n}")
        finally:  # cancelled: the TaskGroup has cancelled every worker at its await
            self.cancel()

    def cancel(self) -> list[Job]:
        """Take the queued jobs (and STOPs) out: after a cancel nobody is left to take them."""
        dropped = []
        while not self.jobs.empty():
            if (item := self.jobs.get_nowait()) is not STOP:
                dropped.append(item)
        return dropped

    def waiting(self) -> int:
        return max(0, self.jobs.qsize() - self.workers)


class PoolOfThreads:
    """Way 3: concurrent.futures keeps the queue and the threads for us."""

    def __init__(self, workers: int, word: str, report: Report, **options: Any) -> None:
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="downloader: pool")
        self.word, self.report, self.options = word, report, options
        self.futures: list[Future[None]] = []

    def one(self, job: Job) -> None:
        """One job, in whichever pool thread is free."""
        name = threading.current_thread().name.removeprefix("downloader: ")
        self.report(Event("took", name, job))
        result = fetch_blocking(job.url, expect=expect_articles, **self.options)
        self.report(Event("done", name, job, result, words_in(result, self.word)))

    async def run(self, jobs: list[Job]) -> None:
        """Submit every job, await them all; then shut the pool down."""
        self.futures = [self.pool.submit(self.one, job) for job in jobs]
        try:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in self.futures))
        finally:  # cancelled: drop the queued jobs; the running ones finish
            self.pool.shutdown(wait=False, cancel_futures=True)
            await asyncio.to_thread(self.pool.shutdown)  # the threads end

    def waiting(self) -> int:
        return sum(not (f.running() or f.done()) for f in self.futures)
