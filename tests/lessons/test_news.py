"""Lesson `news`: the lecture's get_news three ways, against the real demo server, no window.

The demo server runs on its own thread, so even the blocking way can be called straight
from a test function; the async ways run on the session loop through `run(...)`.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from guidemo.lessons.news import (
    Board,
    Finished,
    Planned,
    Started,
    count_word,
    expect_articles,
    expect_sources,
    fetch_all_async,
    fetch_all_sync,
    fetch_all_threads,
    get_news_async,
    get_news_sync,
    get_news_threads,
    tally,
)
from guidemo.net import FetchResult
from guidemo.server import expected_word_count
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]


def in_flight_at_most(board: Board) -> int:
    """The most requests that were started and not yet finished at any one time."""
    running = most = 0
    for event in board.events:
        running += 1 if isinstance(event, Started) else -1 if isinstance(event, Finished) else 0
        most = max(most, running)
    return most


def rows_of(board: Board) -> list[int]:
    return [event.row for event in board.events if isinstance(event, Finished)]


def test_the_lesson_does_not_import_qt():
    code = "import sys, guidemo.lessons.news; assert 'PySide6' not in sys.modules, 'Qt'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_count_word_counts_whole_words_in_any_case():
    articles = [
        {"title": "Async, async! ASYNC.", "description": "asynchronous is not async"},
        {"title": None, "description": "no such word"},
        {"title": "async"},
    ]
    assert count_word("async", articles) == 5
    assert count_word("Async", articles) == 5
    assert count_word("loop", articles) == 0


def test_expectations_say_what_is_wrong():
    assert expect_sources({"sources": [{"id": "a"}]}) == ""
    assert expect_sources({"sources": "none"}) == 'no "sources" list in it'
    assert expect_sources({"sources": [{"name": "x"}]}) == 'a source without an "id"'
    assert expect_sources([1, 2]) == 'no "sources" list in it'
    assert expect_articles({"articles": []}) == ""
    assert expect_articles({"articles": 42}) == 'no "articles" list in it'
    assert expect_articles({"articles": ["text"]}) == "an article that is not an object"


def test_tally_counts_the_answers_and_the_failures():
    good = FetchResult("a", data={"articles": [{"title": "news news"}]})
    broken = FetchResult("b").fail("http", "HTTP 500")
    news = tally("news", FetchResult("list"), [good, broken, None])
    assert (news.count, news.sources, news.failed, news.list_error) == (2, 3, 1, "")
    assert news.cancelled == 1, "a request cancelled before it was sent did not fail"
    failed_list = tally("news", FetchResult("list").fail("json", "not JSON"), [])
    assert (failed_list.count, failed_list.sources, failed_list.list_error) == (0, 0, "not JSON")


def test_board_numbers_rows_across_plans():
    board = Board()
    assert board.plan(["a", "b"]) == [(0, "a"), (1, "b")]
    assert board.plan(["c"]) == [(2, "c")]
    assert list(board.events) == [Planned(0, ("a", "b")), Planned(2, ("c",))]


# --- get_news, three ways, against the demo server ------------------------------------------
def test_get_news_sync_one_request_at_a_time(server):
    board = Board()
    news = get_news_sync(server.url, "async", 6, 0.0, board)
    assert (news.word, news.sources, news.failed) == ("async", 6, 0)
    assert news.count == expected_word_count("async", 6)
    assert rows_of(board) == list(range(7)), "the list first, then each source in turn"
    assert in_flight_at_most(board) == 1


def test_get_news_async_many_in_flight_up_to_the_limit(run, server):
    board = Board()

    async def main():
        async with aiohttp.ClientSession() as session:
            return await get_news_async(session, server.url, "news", 8, 0.2, 3, board)

    news = run(main())
    assert (news.sources, news.failed) == (8, 0)
    assert news.count == expected_word_count("news", 8)
    assert in_flight_at_most(board) == 3, "three workers, each waiting for its answer"
    assert sorted(rows_of(board)) == list(range(9))


def test_async_workers_have_names(run, server):
    """A task list shows "http: worker 2", not "Task-178"."""
    board = Board()
    jobs = board.plan([f"{server.url}/api/data?latency=0.3&n={n}" for n in range(4)])
    names: set[str] = set()

    async def main():
        async with aiohttp.ClientSession() as session:
            work = asyncio.ensure_future(fetch_all_async(session, jobs, 3, board))
            while not work.done():
                names.update(task.get_name() for task in asyncio.all_tasks())
                await asyncio.sleep(0.02)
            return await work

    run(main())
    workers = {name for name in names if "worker" in name}
    assert workers == {"http: worker 1", "http: worker 2", "http: worker 3"}, names


def test_get_news_threads_many_in_flight_up_to_the_pool_size(run, server):
    board = Board()
    with ThreadPoolExecutor(4) as pool:
        news = run(get_news_threads(pool, server.url, "Loop", 8, 0.2, board))
    assert (news.sources, news.failed) == (8, 0)
    assert news.count == expected_word_count("loop", 8)
    assert 2 <= in_flight_at_most(board) <= 4
    assert sorted(rows_of(board)) == list(range(9))


# --- every failure is a result; the other requests carry on ----------------------------------
# Long enough for a good answer beside a second suite (one took 0.89 s there), short of the
# 5 s answer that must time out.
LIMIT_S = 2.0


def mixed_urls(server: str) -> list[tuple[str, str]]:
    """(URL, words in its error; "" for a good answer)."""
    return [
        (f"{server}/api/json?items=2", ""),
        (f"{server}/api/status/404", "HTTP 404"),
        (f"{server}/api/fault/not-json", "not JSON"),
        ("http://127.0.0.1:1/", "connection refused"),
        (f"{server}/api/data?latency=5", f"(limit {LIMIT_S:g} s)"),
        (f"{server}/api/data?size=10", ""),
    ]


@pytest.mark.parametrize("way", ["sync", "async", "threads"])
def test_each_way_turns_every_failure_into_a_result(run, server, way):
    cases = mixed_urls(server.url)
    board = Board()
    jobs = board.plan([url for url, _ in cases])
    if way == "sync":
        results = fetch_all_sync(jobs, board, timeout=LIMIT_S)
    elif way == "async":

        async def main():
            async with aiohttp.ClientSession() as session:
                return await fetch_all_async(session, jobs, 3, board, timeout=LIMIT_S)

        results = run(main())
    else:
        with ThreadPoolExecutor(3) as pool:
            results = run(fetch_all_threads(pool, jobs, board, timeout=LIMIT_S))
    assert [result.url for result in results] == [url for url, _ in cases], "in order"
    for (_, words), result in zip(cases, results, strict=True):
        if words:
            assert words in result.error, (words, result)
        else:
            assert result.ok, result
    assert sorted(rows_of(board)) == list(range(len(cases)))


# --- cancelling ------------------------------------------------------------------------------
def test_cancelling_async_stops_every_request_at_once(run, server):
    board = Board()
    jobs = board.plan([f"{server.url}/api/data?latency=5&n={n}" for n in range(10)])

    async def main() -> float:
        async with aiohttp.ClientSession() as session:
            task = asyncio.create_task(fetch_all_async(session, jobs, 4, board, timeout=10))
            await wait_until(lambda: in_flight_at_most(board) == 4, 5, "four in flight")
            loop = asyncio.get_running_loop()
            asked = loop.time()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return loop.time() - asked

    assert run(main()) < 1.0
    assert rows_of(board) == [], "no request was answered: all were cancelled in flight"


def test_cancelling_threads_drops_the_queue_and_lets_running_ones_finish(run, server):
    board = Board()
    jobs = board.plan([f"{server.url}/api/data?latency=1&n={n}" for n in range(8)])
    pool = ThreadPoolExecutor(2)

    async def main():
        work = asyncio.ensure_future(fetch_all_threads(pool, jobs, board))
        await wait_until(lambda: in_flight_at_most(board) == 2, 5, "two threads busy")
        pool.shutdown(wait=False, cancel_futures=True)
        return await work

    results = run(main())
    pool.shutdown(wait=True)
    answered = [result for result in results if result is not None]
    assert len(answered) == 2 and all(result.ok for result in answered), results
    assert results.count(None) == 6, "the queued ones were dropped, never sent"
    articles = [None if r is None else FetchResult(r.url, data={"articles": []}) for r in results]
    news = tally("news", FetchResult("list"), articles)
    assert (news.sources, news.failed, news.cancelled) == (8, 0, 6), news
