"""Ticks: the same signal by polling (/api/tick) and by push (/ws/ticks)."""

from __future__ import annotations

import asyncio
import json
import math
import time
import weakref
from collections.abc import Awaitable, Callable
from contextlib import suppress

from aiohttp import WSCloseCode, WSMsgType, web

from guidemo.server.checks import HostileValue, _param, _parse, _wait_latency
from guidemo.server.guard import LIMITS, Limits

MAX_RATE = 500.0
POLL_TICK_RATE = 100  # ticks per second of the clock behind /api/tick
MAX_COMMAND_BYTES = 4096  # what a client may send in one message
BAD_REQUEST_CLOSE = 4400  # a close code of the private range 4000-4999, like HTTP's 400
STARTED_AT = web.AppKey("started_at", float)
WEBSOCKETS = web.AppKey("websockets", weakref.WeakSet[web.WebSocketResponse])


def _signal(t: float) -> float:
    """A smooth wave that repeats every 4 s, so push and polling plots can be compared."""
    return round(math.sin(2 * math.pi * t / 4), 4)


async def latest_tick(request: web.Request) -> web.Response:
    """The newest tick of a 100-per-second clock started with the server: one poll."""
    await _wait_latency(request)
    started = request.app[STARTED_AT]
    seq = int((time.time() - started) * POLL_TICK_RATE) + 1
    t = started + (seq - 1) / POLL_TICK_RATE
    return web.json_response({"seq": seq, "t": t, "value": _signal(t)})


class _Schedule:
    """When each tick is due: origin + n / rate. A late wake-up never delays later ticks."""

    def __init__(self, rate: float, now: float) -> None:
        self.seq = 0
        self.restart(rate, now)

    def restart(self, rate: float, now: float) -> None:
        self.rate, self.origin, self.sent = rate, now, 0

    def due(self, now: float) -> range:
        """The seq numbers of every tick due by `now`: several if we woke up late."""
        count = max(0, int((now - self.origin) * self.rate) + 1 - self.sent)
        self.sent += count
        self.seq += count
        return range(self.seq - count + 1, self.seq + 1)

    def wait(self, now: float) -> float:
        """Seconds until the next tick is due."""
        return max(0.0, self.origin + self.sent / self.rate - now)


async def ticks(request: web.Request) -> web.WebSocketResponse:
    """Push ticks at `rate` per second (seq starts at 1 on each connection) and answer
    the client's messages: {"rate": n}, {"echo": "text"}, or "bad"."""
    rate = _param(request.query, "rate", 10.0, 1.0, MAX_RATE)
    # Short waits for the client's goodbye; a client's command is a few bytes, never 4 MB.
    ws = web.WebSocketResponse(timeout=0.5, max_msg_size=MAX_COMMAND_BYTES)
    await ws.prepare(request)
    request.app[WEBSOCKETS].add(ws)
    schedule = _Schedule(rate, asyncio.get_running_loop().time())
    limits = request.app[LIMITS] if LIMITS in request.app else Limits()

    async def send(message: str) -> None:
        """Send, but hang up on a client that has read nothing for send_timeout s: what
        it does not read would pile up here."""
        try:
            async with asyncio.timeout(limits.send_timeout):
                await ws.send_str(message)
        except TimeoutError:
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("the client reads nothing") from None

    async with asyncio.TaskGroup() as tasks:
        pusher = tasks.create_task(_push_ticks(ws, schedule, send))
        with suppress(ConnectionError):  # the client left while we were answering
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await _answer(ws, message.data, schedule, send)
        pusher.cancel()
    return ws


async def _push_ticks(
    ws: web.WebSocketResponse, schedule: _Schedule, send: Callable[[str], Awaitable[None]]
) -> None:
    """Send every tick that is due, then sleep until the next one."""
    loop = asyncio.get_running_loop()
    with suppress(ConnectionError):
        while not ws.closed:
            for seq in schedule.due(loop.time()):
                if ws.closed:
                    return
                now = time.time()
                await send(
                    json.dumps({"type": "tick", "seq": seq, "t": now, "value": _signal(now)})
                )
            # at most 0.1 s, so that a new rate takes effect soon
            await asyncio.sleep(min(schedule.wait(loop.time()), 0.1))


async def _answer(
    ws: web.WebSocketResponse,
    text: str,
    schedule: _Schedule,
    send: Callable[[str], Awaitable[None]],
) -> None:
    """Reply to one message from the client; a bad one gets an error, never a hang-up."""
    if text == "bad":
        await send("this is not json {")  # on request: lets clients test their errors
        return
    try:
        command = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        command = None
    if isinstance(command, dict) and "rate" in command:
        try:
            rate = _parse("rate", command["rate"], 1.0, MAX_RATE)
        except HostileValue as exc:  # no honest mistake: hang up, saying why (4400 ~ HTTP 400)
            reason = str(exc).encode()[:123].decode(errors="ignore")  # a close reason's limit
            await ws.close(code=BAD_REQUEST_CLOSE, message=reason.encode())
            return
        except ValueError as exc:
            await send(json.dumps({"type": "error", "error": str(exc)}))
            return
        schedule.restart(rate, asyncio.get_running_loop().time())
    elif isinstance(command, dict) and isinstance(command.get("echo"), str):
        await send(json.dumps({"type": "echo", "text": command["echo"]}))
    else:
        error = f'expected {{"rate": 1..500}}, {{"echo": "text"}} or bad, got {text[:80]!r}'
        await send(json.dumps({"type": "error", "error": error}))


async def close_websockets(app: web.Application) -> None:
    """Say goodbye to open websockets, so that stopping the server never waits on them."""
    open_sockets: weakref.WeakSet[web.WebSocketResponse] = app[WEBSOCKETS]
    goodbyes = [
        ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        for ws in list(open_sockets)
    ]
    await asyncio.gather(*goodbyes)
