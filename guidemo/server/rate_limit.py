"""A demo-server endpoint that rate-limits like a real API: GET /api/limited.

Each client (named by the `client` parameter, like an API key; else by its address) may
make `rate` requests a second, and `burst` at once after a pause. Beyond that the answer is
`429 Too Many Requests` with a `Retry-After` header (whole seconds, as HTTP defines it;
the JSON body says it to the millisecond). The limit is a token bucket per client: it holds
`burst` tokens, refills at `rate` tokens a second, and each request takes one. Rejections
are instant, like a real API's; accepted requests wait `latency` seconds.

In a real API the limit is fixed by the server; here the caller sets it in the URL so a
panel can show any limit. Every parameter is checked, numbers by the parser every endpoint
uses (checks.py): a bad one is a 400 with a JSON error. guidemo.server registers the route;
this module imports only checks.py back.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import OrderedDict
from collections.abc import Mapping

from aiohttp import web

from guidemo.server.checks import Handler, Number, _parse

LIMITED_PATH = "/api/limited"
LIMITED_STATS_PATH = "/api/limited/stats"
LIMITED_HELP = "rate=0.1..1000 per s per client (20), burst=1..1000 (=rate), client=ID, latency"
MAX_RATE = 1000.0
MAX_BURST = 1000
MAX_LATENCY = 5.0
MAX_CLIENTS = 1000  # the buckets remembered; the least recently seen are forgotten first
CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

BucketKey = tuple[str, float, int]  # (client, rate, burst): a new limit is a new bucket


class TokenBucket:
    """`burst` tokens, refilled at `rate` a second; a request takes one or is refused."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = float(burst), now
        self.accepted = self.refused = 0  # counted, for the code lab's checks

    def take(self, now: float) -> float:
        """0.0 if a token was taken; else the seconds until one will be there."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.accepted += 1
            return 0.0
        self.refused += 1
        return (1 - self.tokens) / self.rate


BUCKETS = web.AppKey("limited_buckets", OrderedDict[BucketKey, TokenBucket])


class BadParameter(ValueError):
    """A query parameter out of range: the message says what is allowed."""


def _query_number(
    query: Mapping[str, str], name: str, default: Number, lo: Number, hi: Number
) -> Number:
    """A number from the query, read by the parser every endpoint uses (checks._parse)."""
    if name not in query:
        return default
    try:
        return _parse(name, query[name], lo, hi)
    except ValueError as exc:
        raise BadParameter(str(exc)) from None


def _client(request: web.Request) -> str:
    client = request.query.get("client", request.remote or "unknown")
    if not CLIENT_ID.fullmatch(client):
        raise BadParameter(
            f"client must be 1 to 64 letters, digits or _.:- characters, got {client[:80]!r}"
        )
    return client


def _bucket(app: web.Application, key: BucketKey, now: float) -> TokenBucket:
    """The client's bucket (a full new one for a new client), remembered as recently used."""
    buckets = app[BUCKETS]
    bucket = buckets.pop(key, None) or TokenBucket(key[1], key[2], now)
    buckets[key] = bucket
    while len(buckets) > MAX_CLIENTS:
        buckets.popitem(last=False)
    return bucket


async def limited(request: web.Request) -> web.Response:
    """One request against the client's quota: 200 if it had a token, 429 if not."""
    query = request.query
    try:
        rate = _query_number(query, "rate", 20.0, 0.1, MAX_RATE)
        burst = _query_number(query, "burst", max(1, min(MAX_BURST, round(rate))), 1, MAX_BURST)
        latency = _query_number(query, "latency", 0.0, 0.0, MAX_LATENCY)
        client = _client(request)
    except BadParameter as exc:
        return web.json_response({"error": str(exc)}, status=400)
    bucket = _bucket(request.app, (client, rate, burst), asyncio.get_running_loop().time())
    wait = bucket.take(asyncio.get_running_loop().time())
    if wait:
        retry = max(1, math.ceil(wait))
        return web.json_response(
            {
                "error": f"too many requests: {client} may make {rate:g} a second "
                f"({burst} at once); retry after {retry} s",
                "retry_after": round(wait, 3),
            },
            status=429,
            headers={"Retry-After": str(retry)},
        )
    await asyncio.sleep(latency)
    return web.json_response(
        {"client": client, "remaining": int(bucket.tokens), "served_at": time.time()}
    )


async def limited_stats(request: web.Request) -> web.Response:
    """How many of a client's requests were accepted and refused (all its limits)."""
    try:
        client = _client(request)
    except BadParameter as exc:
        return web.json_response({"error": str(exc)}, status=400)
    buckets = [b for key, b in request.app[BUCKETS].items() if key[0] == client]
    return web.json_response(
        {
            "client": client,
            "accepted": sum(b.accepted for b in buckets),
            "refused": sum(b.refused for b in buckets),
        }
    )


LIMITED_ROUTES: list[tuple[str, Handler, str]] = [
    (LIMITED_PATH, limited, LIMITED_HELP),
    (LIMITED_STATS_PATH, limited_stats, "client=ID: its requests accepted and refused so far"),
]


def add_limited_routes(app: web.Application) -> None:
    """Add GET /api/limited, its statistics and its per-client buckets to an aiohttp app
    (the demo server's make_app does, after its other routes)."""
    app[BUCKETS] = OrderedDict()
    app.add_routes([web.get(path, handler) for path, handler, _ in LIMITED_ROUTES])
