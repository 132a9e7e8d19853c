"""Running one of the http panel's runs: read the URL box, ask before a long freeze, then
hand the rows to one of the three ways of `guidemo.lessons.news`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import aiohttp

from guidemo.lessons.news import (
    Job,
    fetch_all_async,
    fetch_all_sync,
    fetch_all_threads,
    get_news_async,
    get_news_sync,
    get_news_threads,
)
from guidemo.net import FetchResult, UrlLines, read_url_lines
from guidemo.panels.http.run import ASK_ABOVE_S, Run, RunRecord, estimate_sync
from guidemo.panels.http.texts import freeze_question, list_notes, sync_warning

Confirm = Callable[[str], Awaitable[bool]]


async def read_lines(run: Run) -> UrlLines:
    """The pasted lines, checked (in a thread: 10,000 lines are CPU work); sets the key."""
    lines = await asyncio.to_thread(read_url_lines, run.text)
    urls = tuple(url for url, error in lines.entries if not error)
    run.key, run.count = ("urls", hash(urls), len(urls)), len(urls)
    run.expected = len(lines.entries)
    return lines


def plan_lines(run: Run, lines: UrlLines) -> list[Job]:
    """The lines as rows; a bad line is answered at once, without a request."""
    run.notes.extend(list_notes(lines))
    jobs = run.board.plan([url for url, _ in lines.entries])
    good = []
    for (row, url), (_, error) in zip(jobs, lines.entries, strict=True):
        if error:
            run.board.finish(row, FetchResult(url, error=error, problem="bad-url"))
        else:
            good.append((row, url))
    return good


async def execute(
    run: Run,
    say: Callable[[str], None],
    confirm: Confirm | None = None,
    records: Mapping[str, RunRecord] | None = None,
) -> None:
    """Run `run`'s way to its end; every row is reported to `run.board`.

    `say` shows a sentence at once: the sync way warns that the window is about to freeze.
    Before a sync run expected to freeze it for more than ASK_ABOVE_S, `confirm(question)`
    is awaited; False: nothing is requested (`run.declined`).
    """
    options, limit = run.options, run.limit
    try:
        lines = None if run.scenario else await read_lines(run)
        if run.way == "sync":
            urls = [url for url, error in lines.entries if not error] if lines else []
            estimate = estimate_sync(run, urls, records or {})
            question = freeze_question(run, estimate) if estimate.seconds > ASK_ABOVE_S else ""
            if question and confirm is not None and not await confirm(question):
                run.declined = run.cancelled = True
                return
        jobs = plan_lines(run, lines) if lines is not None else []
        if run.way == "sync":
            say(sync_warning(run, estimate))
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
