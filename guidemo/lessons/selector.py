"""How the loop knows a socket is ready: one selector (epoll on Linux) watches every fd.

asyncio registers each socket it waits on with its selector, together with the callback to
run when it is ready. A turn asks the selector which are ready; the thread sleeps in the
kernel until one is (or a timer is due). That one wait, for everything at once, is why one
thread is enough for many connections.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
import time
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp

WATCHING = {selectors.EVENT_READ: "read", selectors.EVENT_WRITE: "write"}
WATCHING[selectors.EVENT_READ | selectors.EVENT_WRITE] = "read, write"


@dataclass(frozen=True)
class Registration:
    """One fd the loop waits on: what for, and what waits on it."""

    fd: int
    watching: str  # "read", "write" or both
    what: str


def what_waits(reader: asyncio.Handle | None, writer: asyncio.Handle | None) -> str:
    """Name an fd by the callback asyncio runs when it is ready (its key.data)."""
    handle = reader or writer
    callback = getattr(handle, "_callback", None)  # asyncio's own record of what to call
    if isinstance(callback, functools.partial):
        callback = callback.func
    name = getattr(callback, "__name__", repr(callback))
    owner = getattr(callback, "__self__", None)
    if name == "_read_from_self":
        return "the self-pipe: call_soon_threadsafe() and signals wake the loop through it"
    if name == "_accept_connection":
        return "a listening socket: ready when a client connects"
    if isinstance(owner, asyncio.BaseTransport):
        host, port = (owner.get_extra_info("peername") or ("?", 0))[:2]
        return f"a connection to {host}:{port} ({'sending' if writer else 'idle or receiving'})"
    return f"{name}()"


def registrations(keys: Iterable[selectors.SelectorKey]) -> list[Registration]:
    """Every fd the selector watches, and what waits on it."""
    return [Registration(k.fd, WATCHING[k.events], what_waits(*k.data)) for k in keys]


async def open_connections(url: str, count: int, latency_s: float, hold_s: float) -> list[float]:
    """`count` slow requests at once: each needs its own connection, so its own fd.

    The connections stay open `hold_s` after the answers (aiohttp keeps them for reuse):
    registered, but nothing to read, so never ready.
    """
    connector = aiohttp.TCPConnector(limit=count)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> float:
            started = time.perf_counter()
            async with session.get(f"{url}/api/data?size=1000&latency={latency_s}") as response:
                await response.read()  # the fd becomes ready when the answer arrives
            return time.perf_counter() - started

        took = await asyncio.gather(*(one() for _ in range(count)))
        await asyncio.sleep(hold_s)
    return list(took)


def waiting_share(sleeps: Iterable[tuple[float, float]], since: float, until: float) -> float:
    """The share of [since, until] the thread spent asleep, waiting for anything to happen."""
    asleep = sum(max(0.0, min(end, until) - max(start, since)) for start, end in sleeps)
    return asleep / (until - since) if until > since else 0.0
