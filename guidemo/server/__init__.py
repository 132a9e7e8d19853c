"""The demo server every panel talks to, so guidemo works offline.

A plain aiohttp.web application: each endpoint is one short coroutine. The app starts it on
127.0.0.1 and a free port (DemoServer); `guidemo serve` runs it alone (serve_forever).
Slowness is simulated with `await asyncio.sleep(latency)`: that is why one thread can keep
hundreds of slow requests waiting at the same time.

The parts: `news` (the made-up data), `checks` (input checking), `endpoints` (HTTP),
`ticks` (polling and the WebSocket), `limited` (a rate-limited API), `app` (the routes),
`running` (LoopServer, serve_forever), `demo` (DemoServer, on its own thread in the app).

Importing this package is cheap: DemoServer and Limits come at once; everything that needs
aiohttp (make_app, the handlers, LoopServer...) is imported when first asked for, so the
app can paint its window before aiohttp is loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from guidemo.server.demo import DemoServer
from guidemo.server.policy import Limits

if TYPE_CHECKING:
    from guidemo.server.app import ENDPOINT_HELP, ROUTES, make_app
    from guidemo.server.checks import (
        MAX_LATENCY,
        Handler,
        _param,
        _parse,
        _wait_latency,
        json_errors,
    )
    from guidemo.server.endpoints import FAULTS, HUGE_SIZE, MAX_SIZE
    from guidemo.server.news import (
        KNOWN_SOURCES,
        MAX_SOURCES,
        expected_word_count,
        news_articles,
        news_sources,
    )
    from guidemo.server.running import LoopServer, serve_forever
    from guidemo.server.ticks import DEFAULT_RATE, MAX_RATE

_LAZY = {
    "guidemo.server.app": ("ENDPOINT_HELP", "ROUTES", "make_app"),
    "guidemo.server.checks": (
        "MAX_LATENCY", "Handler", "_param", "_parse", "_wait_latency", "json_errors",
    ),
    "guidemo.server.endpoints": ("FAULTS", "HUGE_SIZE", "MAX_SIZE"),
    "guidemo.server.news": (
        "KNOWN_SOURCES", "MAX_SOURCES", "expected_word_count", "news_articles", "news_sources",
    ),
    "guidemo.server.running": ("LoopServer", "serve_forever"),
    "guidemo.server.ticks": ("DEFAULT_RATE", "MAX_RATE"),
}  # fmt: skip
_HOME = {name: module for module, names in _LAZY.items() for name in names}

__all__ = [
    "DEFAULT_RATE",
    "ENDPOINT_HELP",
    "FAULTS",
    "HUGE_SIZE",
    "KNOWN_SOURCES",
    "MAX_LATENCY",
    "MAX_RATE",
    "MAX_SIZE",
    "MAX_SOURCES",
    "ROUTES",
    "DemoServer",
    "Handler",
    "Limits",
    "LoopServer",
    "_param",
    "_parse",
    "_wait_latency",
    "expected_word_count",
    "json_errors",
    "make_app",
    "news_articles",
    "news_sources",
    "serve_forever",
]


def __getattr__(name: str) -> Any:
    """Import the part that holds `name` on first use (PEP 562)."""
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'guidemo.server' has no attribute {name!r}")
