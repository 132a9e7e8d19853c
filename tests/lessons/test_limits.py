"""Lesson `limits`: the three ways to fire requests at the rate-limited demo endpoint, no window."""

from __future__ import annotations

import asyncio
import itertools
import socket
import subprocess
import sys
import time
from collections import defaultdict

import pytest

from guidemo.lessons.limits import (
    MAX_RETRIES,
    Attempt,
    TokenBucket,
    all_at_once,
    api_url,
    ask,
    backoff,
    open_session,
    paced,
    with_semaphore,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]
_clients = itertools.count()


def url(server, rate: float, latency: float = 0.0) -> str:
    """A fresh client each time, so that every test starts with a full quota."""
    return api_url(server.url, rate, latency, f"lesson-test-{next(_clients)}")


def most_accepted(attempts: list[Attempt], rate: float) -> float:
    """The most 200s a fresh client's bucket can give these attempts: its burst (= rate),
    and what it refilled between the first one sent and the last one answered, plus one for
    rounding. A fixed bar (burst + 10) held only while the requests took half a second at
    most: quiet, but not on a busy machine, where more is refilled meanwhile."""
    span = max(a.ended for a in attempts) - min(a.sent for a in attempts)
    return rate + rate * span + 1


def statuses(attempts: list[Attempt]) -> dict[int | None, int]:
    counts: dict[int | None, int] = defaultdict(int)
    for attempt in attempts:
        counts[attempt.status] += 1
    return dict(counts)


def test_the_lesson_does_not_import_qt():
    code = "import sys, guidemo.lessons.limits; assert 'PySide6' not in sys.modules, 'Qt'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_api_url_puts_the_limit_and_client_in_the_query():
    assert api_url("http://h:1", 20.0, 0.1, "me") == (
        "http://h:1/api/limited?rate=20&latency=0.1&client=me"
    )


def test_all_at_once_gets_the_burst_and_a_pile_of_429s(run, server):
    recorded: list[Attempt] = []

    async def scenario() -> list[Attempt]:
        async with open_session() as session:
            return await all_at_once(session, url(server, 20), 100, recorded.append)

    attempts = run(scenario())
    counts = statuses(attempts)
    # The burst, and what refilled meanwhile.
    assert 20 <= counts.get(200, 0) <= most_accepted(attempts, 20), counts
    assert counts.get(429, 0) == 100 - counts.get(200, 0), counts
    assert sorted(a.request for a in recorded) == list(range(100))  # each one recorded once
    refused = [a for a in attempts if a.status == 429]
    assert all(a.retry_after == 1.0 for a in refused)


def test_a_semaphore_caps_concurrency_not_rate(run, server):
    async def scenario(limit: int, count: int) -> tuple[list[Attempt], float]:
        started = time.perf_counter()
        async with open_session() as session:
            attempts = await with_semaphore(
                session, url(server, 20, latency=0.1), count, limit, lambda _: None
            )
        return attempts, time.perf_counter() - started

    # One in flight at 0.1 s each is 10/s: under the limit of 20/s, nothing refused...
    slow, took = run(scenario(1, 8))
    assert statuses(slow) == {200: 8} and took >= 0.75, (statuses(slow), took)
    # ...but 20 in flight answer 200/s, and refusals are instant: 429s pile up anyway.
    # (The old bar: 40 of 100 refused. How many depends on how long the 100 took.)
    fast, _ = run(scenario(20, 100))
    refused = statuses(fast).get(429, 0)
    assert refused >= max(1, 100 - most_accepted(fast, 20)), statuses(fast)


def test_a_token_bucket_at_the_limit_is_never_refused(run, server):
    async def scenario() -> tuple[list[Attempt], float]:
        started = time.perf_counter()
        async with open_session() as session:
            bucket = TokenBucket(rate=20)
            attempts = await paced(session, url(server, 20), 40, bucket, lambda _: None)
        return attempts, time.perf_counter() - started

    attempts, took = run(scenario())
    assert statuses(attempts) == {200: 40}
    assert 1.8 <= took <= 10, took  # 39 tokens at 20 a second after the first: 1.95 s


def test_a_bucket_faster_than_the_limit_is_refused_and_retries_after_retry_after(run, server):
    recorded: list[Attempt] = []

    async def scenario() -> list[Attempt]:
        async with open_session() as session:
            bucket = TokenBucket(rate=60)
            return await paced(session, url(server, 10), 30, bucket, recorded.append)

    final = run(scenario())
    assert statuses(final) == {200: 30}  # every request got through in the end
    refused = [a for a in recorded if a.status == 429]
    assert refused, "pacing at 60/s against 10/s should have been refused"
    by_request: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in recorded:
        by_request[attempt.request].append(attempt)
    for attempts in by_request.values():
        assert len(attempts) <= MAX_RETRIES + 1
        for before, after in itertools.pairwise(sorted(attempts, key=lambda a: a.sent)):
            assert before.status == 429
            assert after.sent - before.ended >= 0.9, "did not wait the Retry-After of 1 s"


def test_the_bucket_keeps_its_pace():
    async def scenario() -> float:
        bucket = TokenBucket(rate=50, burst=1)
        started = time.perf_counter()
        for _ in range(11):
            await bucket.take()
        return time.perf_counter() - started

    took = asyncio.run(scenario())
    # 10 tokens after the first, 20 ms apart: 0.2 s quiet, never less. Each of the 10 waits
    # can end 0.1-0.6 s late beside a second suite (a burst of 1 makes nothing good).
    assert 0.19 <= took <= 8.0, took


def test_backoff_honours_retry_after_else_doubles():
    told = Attempt(0, 0.0, 0.0, 429, retry_after=3.0)
    silent = Attempt(0, 0.0, 0.0, None, error="refused")
    assert backoff(told, 4) == 3.0
    assert [backoff(silent, tries) for tries in range(3)] == [0.1, 0.2, 0.4]


def test_no_server_is_an_attempt_with_an_error_not_an_exception(run):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> Attempt:
        async with open_session() as session:
            return await ask(session, f"http://127.0.0.1:{port}/api/limited", 0, lambda _: None)

    attempt = run(scenario())
    assert attempt.status is None and attempt.error
