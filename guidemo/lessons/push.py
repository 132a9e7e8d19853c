"""Server push over a WebSocket, next to polling over HTTP, as a learner would write them.

With push, the receiving coroutine is suspended until the server has news: it costs
nothing in between. With polling, the client asks again and again, and anything that
happened between two questions is never seen. Qt-free: plain asyncio and aiohttp.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import aiohttp
from yarl import URL

PUSH_PATH = "/ws/ticks"
POLL_PATH = "/api/tick"
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 8.0
STABLE_AFTER_S = 5.0  # a connection that lived this long was a success: back-off starts over
CONNECT_TIMEOUT_S = 5.0  # for the TCP connection and the WebSocket handshake together
RESTART_DOWNTIME_S = 1.5
MAX_AHEAD_S = 1.0  # a tick stamped further ahead of our clock than this is refused
YIELD_EVERY = 50  # messages handled in a row before letting the loop run other things
MAX_HOST = 253  # characters in a host name (DNS limit)


class BadMessage(ValueError):
    """A message that is not what the protocol promised."""


def preview(data: str | bytes, limit: int = 60) -> str:
    """The start of `data` as a message may show it, with its length when it is cut."""
    shown = repr(data[:limit])
    return shown if len(data) <= limit else f"{shown}… ({len(data):,} characters)"


def _plain_number(value: object, limit: float) -> bool:
    """A real, finite number no larger than `limit` (JSON may bring a 400-digit integer)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return abs(value) <= limit
    return math.isfinite(value) and abs(value) <= limit


def is_tick(data: object) -> bool:
    """A tick: a whole seq, a time stamp t and a value, each a plain, finite number."""
    if not isinstance(data, dict):
        return False
    return (
        isinstance(data.get("seq"), int)
        and _plain_number(data.get("seq"), 2**53)
        and _plain_number(data.get("t"), 1e11)  # seconds since 1970: until year 5138
        and _plain_number(data.get("value"), 1e6)
    )


def parse_message(data: str | bytes, now: float | None = None) -> dict[str, Any]:
    """Never trust the other end: anything but a known, well-formed message raises
    BadMessage, with a short reason. The caller reports it and the stream carries on.

    `now` (this computer's time.time()) also refuses ticks stamped in the future.
    """
    if isinstance(data, bytes):
        raise BadMessage(f"a binary message of {len(data):,} bytes: this stream is JSON text")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        raise BadMessage(f"not JSON: {preview(data)}") from None
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "tick":
        if not is_tick(message):
            raise BadMessage(f"a tick without a proper seq, t and value: {preview(data)}")
        if now is not None and message["t"] > now + MAX_AHEAD_S:
            ahead = message["t"] - now
            raise BadMessage(f"tick #{message['seq']} is stamped {ahead:,.1f} s in the future")
    elif kind == "echo" and not isinstance(message.get("text"), str):
        raise BadMessage(f"an echo without its text: {preview(data)}")
    elif kind == "error" and not isinstance(message.get("error"), str):
        raise BadMessage(f"an error without its message: {preview(data)}")
    elif kind == "rate" and not _plain_number(message.get("rate"), 1e6):
        raise BadMessage(f"a rate that is not a number: {preview(data)}")
    elif kind not in ("tick", "echo", "error", "rate"):
        raise BadMessage(f"not a message this client knows: {preview(data)}")
    return message


def check_url(text: str, schemes: tuple[str, ...] = ("ws", "wss")) -> URL:
    """The URL typed in a box, checked before anything connects; ValueError says what is
    wrong with it (it is empty, not a URL, another scheme, no host, a port out of range)."""
    text = text.strip()
    if not text:
        raise ValueError("the URL is empty")
    try:
        url = URL(text)
        port = url.port  # yarl checks the port only when asked
    except ValueError as error:
        raise ValueError(f"not a valid URL ({error})") from None
    if url.scheme not in schemes:
        raise ValueError(f"the URL must start with {' or '.join(s + '://' for s in schemes)}")
    if not url.host:
        raise ValueError("the URL has no host")
    if len(url.host) > MAX_HOST or any(len(label) > 63 for label in url.host.split(".")):
        raise ValueError(f"the host name is too long ({len(url.host)} characters)")
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range (1 to 65535)")
    return url


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
    url: Callable[[], URL],
    on_message: Callable[[str | bytes], None],
    on_state: Callable[[str, str, aiohttp.ClientWebSocketResponse | None], None],
) -> None:
    """Connect to the WebSocket at `url()` and hand every message to `on_message` as it
    arrives. When the connection fails or ends, say so, wait (longer each time, unless it
    had lived STABLE_AFTER_S s), and connect again, to `url()` as it is *then*: a rate
    changed meanwhile is kept.

    Nothing here polls: between messages this coroutine is simply suspended.
    """
    loop = asyncio.get_running_loop()
    delays = backoff_delays()
    while True:
        target = url()
        on_state("connecting", str(target), None)
        connected_at = math.inf
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):  # a server that never answers
                ws = await session.ws_connect(target, heartbeat=5.0)
            async with ws:
                connected_at = loop.time()
                on_state("connected", str(target), ws)
                handled = 0
                async for message in ws:  # suspended here until the server sends something
                    if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                        on_message(message.data)
                    handled += 1
                    if handled % YIELD_EVERY == 0:  # a flood must not starve everyone else
                        await asyncio.sleep(0)
                reason = f"the server closed the connection ({close_reason(ws.close_code)})"
        except TimeoutError:
            reason = f"timed out: no answer within {CONNECT_TIMEOUT_S:g} s"
        except (aiohttp.ClientError, OSError) as error:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if loop.time() - connected_at >= STABLE_AFTER_S:
            delays = backoff_delays()  # it worked for a while: a hiccup, come back quickly
        # else: a server that accepts and drops us at once is failing too: wait longer
        delay = next(delays)
        on_state("disconnected", f"{reason} · reconnecting in {delay:g} s", None)
        await asyncio.sleep(delay)


async def poll_ticks(
    session: aiohttp.ClientSession,
    url: Callable[[], URL],
    interval: Callable[[], float],
    on_tick: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Ask `url()` for the newest tick every `interval()` seconds: one request each time,
    whether anything changed or not, and anything that happened in between is never seen."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        try:
            async with session.get(url(), timeout=aiohttp.ClientTimeout(total=5)) as response:
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
