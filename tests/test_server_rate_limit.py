"""The demo server's rate-limited endpoint /api/limited, over real sockets (no Qt here)."""

from __future__ import annotations

import asyncio
import gc
import itertools
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from guidemo.server import DemoServer
from guidemo.server.rate_limit import (
    BUCKETS,
    LIMITED_PATH,
    MAX_CLIENTS,
    TokenBucket,
    _bucket,
    add_limited_routes,
)

Scenario = Callable[[str, aiohttp.ClientSession], Awaitable[None]]
pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]
_clients = itertools.count()


def run(scenario: Scenario) -> None:
    """Run `scenario(base_url, session)` against a fresh server, then make leaks show up."""

    async def main() -> None:
        async with DemoServer() as server, aiohttp.ClientSession() as session:
            await scenario(server.url + LIMITED_PATH, session)

    asyncio.run(main())
    gc.collect()  # unclosed sockets and transports warn here, and warnings are errors


def client() -> str:
    return f"test-{next(_clients)}"


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, Any, Any]:
    async with session.get(url) as response:
        return response.status, response.headers, await response.json()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("rate=0", "rate"),
        ("rate=abc", "rate"),
        ("rate=nan", "rate"),
        ("rate=1001", "rate"),
        ("burst=0", "burst"),
        ("burst=1.5", "burst"),
        ("burst=-3", "burst"),
        ("burst=1001", "burst"),
        ("latency=-1", "latency"),
        ("latency=6", "latency"),
        ("latency=inf", "latency"),
        ("client=two%20words", "client"),
        ("client=" + "x" * 65, "client"),
        ("client=", "client"),
    ],
)
def test_bad_parameters_are_a_400_that_names_them(query: str, name: str) -> None:
    async def scenario(url: str, session: aiohttp.ClientSession) -> None:
        status, headers, body = await get(session, f"{url}?{query}")
        assert status == 400, body
        assert headers["Content-Type"].startswith("application/json")
        assert body["error"].startswith(f"{name} must be"), body

    run(scenario)


def test_over_the_limit_is_a_429_with_retry_after() -> None:
    async def scenario(url: str, session: aiohttp.ClientSession) -> None:
        # One token a second: at 2 a second, a busy machine's three requests had taken
        # long enough for one to come back (0.37 s, and once over 0.5 s).
        me = f"{url}?rate=1&burst=2&client={client()}"
        answers = [await get(session, me) for _ in range(3)]
        assert [status for status, _, _ in answers] == [200, 200, 429]
        assert [body.get("remaining") for _, _, body in answers[:2]] == [1, 0]
        _, headers, body = answers[2]
        assert headers["Retry-After"] == "1"  # whole seconds, as HTTP defines it
        # One token, to the millisecond: 1 s less the time since the burst began.
        assert 0.0 < body["retry_after"] <= 1.0
        assert "too many requests" in body["error"] and "1 a second" in body["error"]
        await asyncio.sleep(body["retry_after"] + 0.02)
        status, _, _ = await get(session, me)
        assert status == 200  # waiting as long as it said was enough

    run(scenario)


def test_gather_of_many_gets_the_burst_and_then_429s() -> None:
    async def scenario(url: str, session: aiohttp.ClientSession) -> None:
        me = f"{url}?rate=10&client={client()}"  # burst defaults to the rate: 10
        started = time.perf_counter()
        answers = await asyncio.gather(*(get(session, me) for _ in range(40)))
        took = time.perf_counter() - started
        statuses = sorted(status for status, _, _ in answers)
        # The burst, and what refilled meanwhile at 10 a second (a busy machine's 40
        # requests take longer, and more comes back).
        assert 10 <= statuses.count(200) <= 10 + math.ceil(10 * took), (took, statuses)
        assert statuses.count(429) == 40 - statuses.count(200)

    run(scenario)


def test_clients_have_their_own_quota_and_a_new_limit_a_new_bucket() -> None:
    async def scenario(url: str, session: aiohttp.ClientSession) -> None:
        first, second = client(), client()
        assert (await get(session, f"{url}?rate=1&burst=1&client={first}"))[0] == 200
        assert (await get(session, f"{url}?rate=1&burst=1&client={first}"))[0] == 429
        assert (await get(session, f"{url}?rate=1&burst=1&client={second}"))[0] == 200
        assert (await get(session, f"{url}?rate=5&burst=1&client={first}"))[0] == 200

    run(scenario)


def test_accepted_requests_wait_the_latency_and_refused_ones_do_not() -> None:
    async def scenario(url: str, session: aiohttp.ClientSession) -> None:
        # One token every 5 s: at 1 a second, a busy machine had refilled it before the
        # second request (the first took over a second with its 0.3 s latency).
        # A latency of 1.5 s: a refusal that waited it is far from one that did not, also
        # on a busy machine (a round trip there can take a few hundred ms).
        me = f"{url}?rate=0.2&burst=1&latency=1.5&client={client()}"
        started = time.perf_counter()
        assert (await get(session, me))[0] == 200
        accepted = time.perf_counter() - started
        started = time.perf_counter()
        assert (await get(session, me))[0] == 429
        refused = time.perf_counter() - started
        assert accepted >= 1.5 and refused < 0.75, (accepted, refused)

    run(scenario)


def test_the_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    bucket = TokenBucket(rate=10.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.1)
    assert bucket.take(0.05) == pytest.approx(0.05)
    assert bucket.take(0.1) == 0.0  # one token back after 1/rate s
    assert bucket.take(100.0) == 0.0 and bucket.tokens == pytest.approx(2)  # capped at burst


def test_the_server_remembers_at_most_max_clients() -> None:
    app = web.Application()
    add_limited_routes(app)
    for number in range(MAX_CLIENTS + 50):
        _bucket(app, (f"c{number}", 1.0, 1), now=0.0)
    buckets = app[BUCKETS]
    assert len(buckets) == MAX_CLIENTS
    assert ("c0", 1.0, 1) not in buckets and (f"c{MAX_CLIENTS + 49}", 1.0, 1) in buckets
