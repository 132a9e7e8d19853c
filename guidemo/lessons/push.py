"""Server push over a WebSocket, next to polling over HTTP, as a learner would write them.

With push, the receiving coroutine is suspended until the server has news: it costs
nothing in between. With polling, the client asks again and again, and anything that
happened between two questions is never seen. Qt-free: plain asyncio and aiohttp.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import aiohttp
from yarl import URL

PUSH_PATH = "/ws/ticks"
POLL_PATH = "/api/tick"
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 8.0
RESTART_DOWNTIME_S = 1.5


class BadMessage(ValueError):
    """A message that is not what the protocol promised."""


def is_tick(data: object) -> bool:
    """A tick carries a number for each of seq, t (the server's time stamp) and value."""
    if not isinstance(data, dict):
        return False
    return all(isinstance(data.get(key), int | float) for key in ("seq", "t", "value"))


def parse_message(text: str) -> dict[str, Any]:
    """Never trust the other end: anything but a known message raises BadMessage.

    The caller reports a bad message and the stream carries on.
    """
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage(f"not JSON: {text[:60]!r}") from None
    if not isinstance(message, dict) or message.get("type") not in ("tick", "echo", "error"):
        raise BadMessage(f"not a message this client knows: {text[:60]!r}")
    if message["type"] == "tick" and not is_tick(message):
        raise BadMessage(f"a tick without seq, t and value: {text[:60]!r}")
    return message


def close_reason(code: int | None) -> str:
    """ "code 1001 GOING_AWAY": the number a WebSocket closes with, and its name."""
    names = {member.value: member.name for member in aiohttp.WSCloseCode}
    return f"code {code} {names[code]}" if code in names else f"code {code}"


def backoff_delays(first: float = BACKOFF_FIRST_S, cap: float = BACKOFF_MAX_S) -> Iterator[float]:
    """0.25, 0.5, 1, 2, 4, 8, 8, ... s: wait longer after each failure, so a server that
    is down is not hammered, but come back quickly after a short hiccup."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


async def keep_receiving(
    session: aiohttp.ClientSession,
    url: URL,
    on_text: Callable[[str], None],
    on_state: Callable[[str, str, aiohttp.ClientWebSocketResponse | None], None],
) -> None:
    """Connect to the WebSocket and hand every message to `on_text` as it arrives.

    When the connection fails or ends, say so, wait (longer each time), and connect again.
    Nothing here polls: between messages this coroutine is simply suspended.
    """
    delays = backoff_delays()
    while True:
        on_state("connecting", str(url), None)
        try:
            async with session.ws_connect(url, heartbeat=5.0) as ws:
                delays = backoff_delays()  # connected: after the next failure start small again
                on_state("connected", str(url), ws)
                async for message in ws:  # suspended here until the server sends something
                    if message.type == aiohttp.WSMsgType.TEXT:
                        on_text(message.data)
                reason = f"the server closed the connection ({close_reason(ws.close_code)})"
        except (aiohttp.ClientError, OSError) as error:  # OSError includes TimeoutError
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        delay = next(delays)
        on_state("disconnected", f"{reason} · reconnecting in {delay:g} s", None)
        await asyncio.sleep(delay)


async def poll_ticks(
    session: aiohttp.ClientSession,
    url: URL,
    interval: Callable[[], float],
    on_tick: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Ask for the newest tick every `interval()` seconds: one request each time, whether
    anything changed or not, and anything that happened in between is never seen."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                response.raise_for_status()
                on_tick(await response.json())
        except (aiohttp.ClientError, OSError, ValueError) as error:
            on_error(error)
        next_at = max(next_at + interval(), loop.time())  # a slow reply never causes a burst
        await asyncio.sleep(next_at - loop.time())


class Restartable(Protocol):
    """Anything that can be stopped and started again, like the embedded demo server."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def restart_server(server: Restartable, downtime: float = RESTART_DOWNTIME_S) -> None:
    """Take the embedded server away for a moment, then bring it back on the same port."""
    await server.stop()  # open WebSockets get a "going away" close
    await asyncio.sleep(downtime)
    await server.start()
