"""The demo server's aiohttp application: its routes, in one list."""

from __future__ import annotations

import time
import weakref

from aiohttp import web

from guidemo.server.checks import Handler, json_errors
from guidemo.server.endpoints import (
    FAULTS,
    articles,
    data,
    download,
    fault,
    json_items,
    sources,
    status,
    stream,
)
from guidemo.server.rate_limit import LIMITED_ROUTES, add_limited_routes
from guidemo.server.ticks import (
    STARTED_AT,
    WEBSOCKETS,
    close_websockets,
    latest_tick,
    ticks,
)


async def index(request: web.Request) -> web.Response:
    """List the endpoints, for people trying the server with curl or a browser."""
    return web.json_response({"server": "guidemo demo server", "endpoints": ENDPOINT_HELP})


# ---- the application and how to run it

DEMO_ROUTES: list[tuple[str, Handler, str]] = [
    ("/", index, "this list"),
    ("/api/data", data, "size=0..10000000 bytes of text (default 1000), latency=0..30 s"),
    ("/api/json", json_items, "items=0..1000 (default 10), latency"),
    ("/api/status/{code}", status, "answer with status code 200..599, latency"),
    ("/api/stream", stream, "chunks=1..1000 (10) of size=1..1000000 (100), interval=0..5 s"),
    (
        "/api/download",
        download,
        "size=1..10000000 bytes (100000) in pieces of chunk=1..10000000 (10000) sent "
        "interval=0..5 s (0.1) apart, at most 1000 pieces and 60 s; Content-Length set",
    ),
    ("/api/news/sources", sources, "count=1..200 (default 10), latency"),
    ("/api/news/articles", articles, "source=ID from /api/news/sources, latency"),
    ("/api/fault/{kind}", fault, f"kind: {', '.join(FAULTS)}"),
    ("/api/tick", latest_tick, "newest tick of the rate=1..500/s stream (10), latency"),
    (
        "/ws/ticks",
        ticks,
        'websocket: ticks at rate=1..500/s (2,000/s shared by all); send {"rate": n}, {"echo": s}',
    ),
    # and the rate-limited API's LIMITED_ROUTES, which add_limited_routes adds
]
ROUTES = [*DEMO_ROUTES, *LIMITED_ROUTES]
ENDPOINT_HELP = {path: help_text for path, _, help_text in ROUTES}


def make_app() -> web.Application:
    """The aiohttp application: routes, JSON errors, and websockets closed on shutdown."""
    app = web.Application(middlewares=[json_errors])
    app[STARTED_AT] = time.time()
    app[WEBSOCKETS] = weakref.WeakSet()
    app.add_routes([web.get(path, handler) for path, handler, _ in DEMO_ROUTES])
    add_limited_routes(app)  # with its buckets, one per client
    app.on_shutdown.append(close_websockets)
    return app
