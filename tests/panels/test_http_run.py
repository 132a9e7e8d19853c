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
from guidemo.panels.http.run import (
    CANCELLED,
    FAILED,
    OK,
    QUEUED,
    Run,
    RunRecord,
    example_text,
    execute,
    speedups,
    summary_text,
)
from guidemo.server import expected_word_count
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(60)
LIVE = LagStats(p50_ms=1.0, p99_ms=4.0, max_ms=6.0, samples=50)
OPTIONS = {"timeout": 2.0, "max_bytes": 1_000_000}


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_run_model_does_not_use_qt():
    """Plain Python: it lives in the panel's package (whose __init__ is Qt), but imports none."""
    import guidemo.panels.http.run as model

    tree = ast.parse(Path(model.__file__).read_text(encoding="utf-8"))
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


def test_speedups_compare_only_complete_runs_of_the_same_requests():
    key = ("news", "http://x", 10, 0.2)
    records = {"sync": RunRecord(key, 2.0, 11, True), "async": RunRecord(key, 0.5, 11, True)}
    assert plain(speedups(records)) == (
        "Same requests: async is 4.0× faster than sync (0.50 s vs 2.00 s)."
    )
    records["threads"] = RunRecord(("urls",), 0.4, 11, True)  # other requests: not compared
    assert "threads" not in speedups(records)
    records["sync"] = RunRecord(key, 2.0, 11, False)  # cancelled: no comparison at all
    assert speedups(records) == ""


def test_examples_fill_the_url_box():
    assert example_text(0, "http://s") is None, "the title entry changes nothing"
    assert example_text(1, "http://s") == "", "the news scenario: an empty box"
    assert "http://s/api/fault/redirect-loop" in (example_text(2, "http://s") or "")
    assert len((example_text(4, "http://s") or "").splitlines()) == MAX_URLS + 500
