"""The http panel's run model, without a window: plan a Run, execute it against the real
demo server, apply what the board got, and read the texts the panel would show."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

import pytest

from guidemo.monitor import LagStats
from guidemo.net import MAX_URLS
from guidemo.panels.http.examples import example_text
from guidemo.panels.http.execute import execute
from guidemo.panels.http.run import (
    CANCELLED,
    FAILED,
    GUESS_PER_REQUEST_S,
    OK,
    QUEUED,
    Run,
    RunRecord,
    estimate_sync,
)
from guidemo.panels.http.texts import progress_text, speedups, summary_text
from guidemo.server import expected_word_count
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(60), pytest.mark.fast]
LIVE = LagStats(p50_ms=1.0, p99_ms=4.0, max_ms=6.0, samples=50)
OPTIONS = {"timeout": 2.0, "max_bytes": 1_000_000}


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("module", ["run", "execute", "texts", "examples"])
def test_the_run_model_does_not_use_qt(module):
    """Plain Python: it lives in the panel's package (whose __init__ is Qt), but imports none."""
    path = Path(__file__).resolve().parents[2] / "guidemo" / "panels" / "http" / f"{module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name.startswith("PySide6")]


@pytest.mark.parametrize("way", ["async", "threads", "sync"])
def test_a_news_run_fills_every_row_and_counts_the_word(run, server, way):
    said: list[str] = []
    news = Run.for_news(way, server.url, "event", 5, 0.0, 3, OPTIONS)
    assert news.expected == 6
    run(execute(news, said.append))
    news.apply_board()
    assert news.ended and not news.cancelled
    assert news.rows == news.done == news.requests == 6
    assert set(news.states) == {OK}
    # Every row is redrawn once, in the order the rows changed: the index first, then the
    # sources as they end (in any order when they run at once, one by one when sync).
    assert next(iter(news.dirty)) == 0 and sorted(news.dirty) == list(range(6))
    if way == "sync":
        assert list(news.dirty) == list(range(6))
    expected = expected_word_count("event", 5)
    assert news.word_so_far == expected
    assert news.news is not None and news.news.count == expected
    text = plain(summary_text(news, {}, LIVE))
    assert f"{way}: 6 requests in" in text and "6 ok, 0 failed." in text, text
    assert f"“event” appears {expected} times in 5 sources (0 failed)." in text
    assert text.endswith("UI: live, worst lag 6 ms, p99 4 ms."), text
    if way == "sync":
        assert "6 requests one after another in the GUI thread" in plain(said[0])
    else:
        assert said == []


def test_own_urls_bad_lines_are_rows_without_a_request(run, server):
    text = f"\n{server.url}/api/json?items=1\n  \nftp://example.com/x\n{server.url}/api/status/404"
    urls = Run.for_urls("async", text, 5, OPTIONS)
    run(execute(urls, print))
    urls.apply_board()
    assert urls.rows == 3 and urls.requests == 2
    assert list(urls.states) == [OK, FAILED, FAILED]
    rejected = urls.results[1]
    assert rejected is not None and rejected.problem == "bad-url"
    assert "unsupported scheme ftp:" in rejected.error
    assert urls.key == ("urls", hash((f"{server.url}/api/json?items=1", urls.urls[2])), 2)
    assert urls.notes == ["2 empty lines skipped."]
    text = plain(summary_text(urls, {}, LIVE))
    assert "async: 2 requests in" in text and "1 ok, 2 failed (1 bad line rejected" in text
    starts, ends, states = urls.bars(0.0)
    assert list(states) == [OK, QUEUED, FAILED], "the rejected line never started: no bar"
    assert all(ends[[0, 2]] >= starts[[0, 2]])


def test_cancelling_a_thread_run_lets_the_running_requests_finish(run, server):
    lines = [f"{server.url}/api/data?latency=1&n={n}" for n in range(6)]
    threads = Run.for_urls("threads", "\n".join(lines), 2, OPTIONS)

    async def main() -> None:
        task = threads.task = asyncio.ensure_future(execute(threads, print))

        def busy() -> bool:
            threads.apply_board()
            return threads.requests == 2

        await wait_until(busy, 5, "two requests running")
        assert threads.cancel()
        assert not threads.cancel(), "a second cancel does nothing"
        await task

    run(main())
    threads.apply_board()
    assert threads.cancelled and threads.ended
    assert "2 already running in threads were left to finish" in threads.cancel_note
    assert threads.states.count(OK) == 2 and threads.states.count(CANCELLED) == 4
    text = plain(summary_text(threads, {}, LIVE))
    assert "4 cancelled." in text and "Cancelled: queued requests dropped" in text, text


def record(way: str, key: tuple, wall: float, limit: int = 20, complete: bool = True):
    settings = "11 requests · latency 0.2 s · " + (
        "one at a time" if way == "sync" else f"concurrency {limit}"
    )
    return RunRecord(way, key, limit, settings, wall, 11, complete, wall)


def test_speedups_compare_only_complete_runs_of_the_same_requests():
    key = ("news", "http://x", 10, 0.2)
    records = {"sync": record("sync", key, 2.0), "async": record("async", key, 0.5)}
    assert plain(speedups(records["async"], records)) == (
        "Same requests: async (concurrency 20) is 4.0× faster than sync (0.50 s vs 2.00 s)."
    )
    records["threads"] = record("threads", ("urls",), 0.4)  # other requests: not compared
    assert "threads" not in speedups(records["sync"], records)
    records["sync"] = record("sync", key, 2.0, complete=False)  # cancelled: no comparison
    assert speedups(records["async"], records) == ""


def test_the_speedup_appears_only_under_a_run_of_the_same_requests():
    """Before, an async run of other requests was summarised with "threads is 5× faster
    than sync": the last sync and threads runs were of the same requests, not this one."""
    key, other = ("news", "http://x", 10, 0.2), ("news", "http://x", 30, 0.2)
    records = {
        "sync": record("sync", key, 2.0),
        "threads": record("threads", key, 0.3),
        "async": record("async", other, 0.5),
    }
    assert speedups(records["async"], records) == ""
    assert "threads (concurrency 20) is 6.7× faster" in plain(speedups(records["sync"], records))
    assert "async" not in speedups(records["sync"], records)


def test_runs_with_other_inputs_are_not_comparable():
    key = ("news", "http://x", 10, 0.2)
    assert record("async", key, 1, limit=20).same_inputs(record("threads", key, 1, limit=20))
    assert not record("async", key, 1, limit=20).same_inputs(record("threads", key, 1, limit=5))
    assert record("async", key, 1, limit=20).same_inputs(record("sync", key, 1, limit=5))
    assert not record("async", key, 1).same_inputs(record("sync", ("urls",), 1))


def test_examples_fill_the_url_box():
    assert example_text(0, "http://s") is None, "the title entry changes nothing"
    assert example_text(1, "http://s") == "", "the news scenario: an empty box"
    assert "http://s/api/fault/redirect-loop" in (example_text(2, "http://s") or "")
    assert len((example_text(4, "http://s") or "").splitlines()) == MAX_URLS + 500


# --- before a long freeze, the panel asks ---------------------------------------------------
def test_the_sync_estimate_comes_from_latency_or_an_earlier_run():
    news = Run.for_news("sync", "http://x", "word", 59, 0.2, 20, OPTIONS)
    estimate = estimate_sync(news, [], {})
    assert estimate.seconds == pytest.approx(12.0)
    assert estimate.basis == "60 requests × 0.2 s of server latency"
    assert estimate.worst == pytest.approx(60 * OPTIONS["timeout"])
    measured = RunRecord("async", news.key, 20, "", 0.3, 60, True, busy_s=13.5)
    assert estimate_sync(news, [], {"async": measured}).seconds == 13.5, "measured beats guessed"
    urls = Run.for_urls("sync", "", 5, OPTIONS, server="http://x")
    asked = [f"http://x/api/data?latency={n}" for n in (1, 0.5, 30)]  # 30: cut at 2 s
    assert estimate_sync(urls, asked, {}).seconds == pytest.approx(3.5)
    estimate = estimate_sync(urls, [*asked, "http://x/api/data"], {})
    assert estimate.seconds == pytest.approx(3.5 + GUESS_PER_REQUEST_S)
    assert "a guess of" in estimate.basis
    # Another server (or one that only looks like it) may take its whole timeout.
    others = ["http://elsewhere/?latency=0", "http://x.evil/api/data?latency=0"]
    estimate = estimate_sync(urls, [*asked, *others], {})
    assert estimate.seconds == pytest.approx(3.5 + 2 * OPTIONS["timeout"])
    assert estimate.basis == f"2 URLs not on the demo server × the {OPTIONS['timeout']:g} s timeout"


def test_a_sync_run_expected_to_freeze_long_asks_first(run, server):
    """No answer, no request; a yes runs it. Short runs do not ask."""
    lines = "\n".join(f"{server.url}/api/data?size=10&latency=4&n={n}" for n in range(3))
    questions: list[str] = []

    async def no(question: str) -> bool:
        questions.append(question)
        return False

    declined = Run.for_urls("sync", lines, 1, {**OPTIONS, "timeout": 10.0}, server=server.url)
    run(execute(declined, print, no))
    declined.apply_board()
    assert declined.declined and declined.rows == 0 and declined.requests == 0
    question = plain(questions[0])
    assert "3 requests one after another" in question
    assert "freeze for about 12 s (from the latency each URL asks the demo server for)" in question
    assert "up to 30 s if every request ran into its timeout" in question

    quick = Run.for_news("sync", server.url, "event", 3, 0.0, 1, OPTIONS)
    run(execute(quick, print, no))
    assert len(questions) == 1 and not quick.declined, "an expected 0 s freeze is not asked"


def test_a_row_keeps_a_bounded_url(run, server):
    huge = f"{server.url}/api/data?pad={'x' * 1_000_000}"
    urls = Run.for_urls("async", huge, 1, OPTIONS)
    run(execute(urls, print))
    urls.apply_board()
    assert urls.rows == 1 and len(urls.urls[0]) < 400, len(urls.urls[0])
    assert "1,000,0" in urls.urls[0], "the shortened URL says how long it was"
    result = urls.results[0]
    assert result is not None and len(result.error) <= 300


def test_a_cancelled_news_run_counts_cancelled_sources_apart(run, server):
    threads = Run.for_news("threads", server.url, "news", 12, 0.5, 2, OPTIONS)

    async def main() -> None:
        task = threads.task = asyncio.ensure_future(execute(threads, print))

        def articles_running() -> bool:
            threads.apply_board()
            return threads.rows > 1 and threads.requests >= 3

        await wait_until(articles_running, 10, "articles being fetched")
        assert threads.cancel()
        await task

    run(main())
    threads.apply_board()
    text = plain(summary_text(threads, {}, LIVE))
    news = threads.news
    assert news is not None and news.cancelled > 0 and news.failed == 0, news
    assert f"(0 failed, {news.cancelled} cancelled before they were asked)" in text, text
    assert "0 failed" in progress_text(threads, 0.0).replace("<b>", "")
