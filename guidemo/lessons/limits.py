"""Why you throttle: the same requests fired at a rate-limited API three ways.

An API that serves many clients allows each only so many requests a second; past that it
answers `429 Too Many Requests` and says, in `Retry-After`, how long to wait. An async
client can send hundreds of requests in the blink of an eye, so it hits that wall first:
the lecture's NBA-stats client did. The three ways: everything at once with `gather`; at
most N in flight with a `Semaphore`; and at most N a second with a token bucket, retrying
a refused request after the wait the server asked for. Every attempt is handed to
`record` as it ends, so a caller can draw them. No Qt here.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

MAX_RETRIES = 5


@dataclass
class Attempt:
    """One request sent and what came back."""

    request: int  # which of the requests this is (a retry keeps its number)
    sent: float  # time.perf_counter() when it was sent
    ended: float
    status: int | None  # None: no answer at all (see error)
    retry_after: float | None = None  # seconds, when the server said how long to wait
    error: str = ""


Record = Callable[[Attempt], None]


def api_url(server: str, rate: float, latency: float, client: str) -> str:
    """The demo server's rate-limited endpoint: `rate` requests a second for `client`."""
    query = urllib.parse.urlencode(
        {"rate": f"{rate:g}", "latency": f"{latency:g}", "client": client}
    )
    return f"{server}/api/limited?{query}"


def open_session() -> aiohttp.ClientSession:
    """A session without aiohttp's own cap of 100 connections: the only limits are ours."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


async def ask(session: aiohttp.ClientSession, url: str, request: int, record: Record) -> Attempt:
    """One GET; what came back (status, Retry-After) is recorded, never raised."""
    sent = time.perf_counter()
    try:
        async with session.get(url) as response:
            await response.read()
            wait = response.headers.get("Retry-After", "")
            seconds = float(wait) if wait.isdigit() else None  # the HTTP-date form: not here
            attempt = Attempt(request, sent, time.perf_counter(), response.status, seconds)
    except (aiohttp.ClientError, TimeoutError) as exc:
        error = str(exc) or type(exc).__name__
        attempt = Attempt(request, sent, time.perf_counter(), None, error=error)
    record(attempt)
    return attempt


async def all_at_once(
    session: aiohttp.ClientSession, url: str, count: int, record: Record
) -> list[Attempt]:
    """Way 1, what the lecture's client did: every request at once with gather."""
    tasks = [
        asyncio.create_task(ask(session, url, n, record), name=f"limits: gather request {n}")
        for n in range(count)
    ]
    return await asyncio.gather(*tasks)


async def with_semaphore(
    session: aiohttp.ClientSession, url: str, count: int, limit: int, record: Record
) -> list[Attempt]:
    """Way 2: at most `limit` requests in flight. That caps concurrency, not rate: a quick
    answer (and a 429 is quick) frees its slot at once, so the rate is limit / latency."""
    semaphore = asyncio.Semaphore(limit)

    async def one(n: int) -> Attempt:
        async with semaphore:
            return await ask(session, url, n, record)

    tasks = [
        asyncio.create_task(one(n), name=f"limits: semaphore request {n}") for n in range(count)
    ]
    return await asyncio.gather(*tasks)


class TokenBucket:
    """At most `rate` takes a second on average and `burst` at once: a pace, not a cap.
    (A burst of 2, not 1, lets a late wake-up be made good by the next take.)"""

    def __init__(self, rate: float, burst: int = 2) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self._turn = asyncio.Lock()  # waiters take tokens one by one, first come first served

    async def take(self) -> None:
        """Wait until a token is there, then take it."""
        async with self._turn:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


def backoff(attempt: Attempt, tries: int) -> float:
    """How long to wait before trying again: what Retry-After says, else 0.1 s doubled."""
    return attempt.retry_after if attempt.retry_after is not None else 0.1 * 2**tries


async def paced(
    session: aiohttp.ClientSession, url: str, count: int, bucket: TokenBucket, record: Record
) -> list[Attempt]:
    """Way 3: a token before every request, so we never go faster than the bucket; a
    refused one (429, or no answer) waits as the server asked, then tries again."""

    async def one(n: int) -> Attempt:
        for tries in range(MAX_RETRIES + 1):
            await bucket.take()
            attempt = await ask(session, url, n, record)
            if attempt.status not in (429, None):
                return attempt
            if tries < MAX_RETRIES:
                await asyncio.sleep(backoff(attempt, tries))
        return attempt  # gave up: still refused after MAX_RETRIES retries

    tasks = [asyncio.create_task(one(n), name=f"limits: paced request {n}") for n in range(count)]
    return await asyncio.gather(*tasks)
