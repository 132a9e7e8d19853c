"""Ticks: one signal the server publishes, read by polling (/api/tick) or pushed (/ws/ticks).

Both read the same clock: tick n of a `rate`-per-second stream is due at
STARTED_AT + n / rate and carries the signal's value at that moment. A client that polls
with ?rate=R sees the very ticks a WebSocket at rate R receives (same seq, t and value), so
it can count exactly which ones it never saw.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time
import weakref
from collections.abc import Awaitable, Callable
from contextlib import suppress

from aiohttp import WSCloseCode, WSMsgType, web

from guidemo.server.checks import HostileValue, _param, _parse, _wait_latency
from guidemo.server.guard import LIMITS, Limits

MAX_RATE = 500.0  # ticks a second one client may ask for
MAX_TOTAL_RATE = 2_000.0  # ticks a second all websockets together get: the rest are skipped
DEFAULT_RATE = 10.0
MAX_COMMAND_BYTES = 4096  # what a client may send in one message
SEND_BUFFER_BYTES = 32 * 1024  # the socket's send buffer (Linux doubles it: 64 KB)
MAX_QUEUED_BYTES = 64 * 1024  # queued in the server beyond that; then ticks are skipped
PING_EVERY_S = 10.0  # a ping after this long without a word from the client...
# ...and a hang-up if no pong came back in half that (aiohttp rounds both up to a second)
NON_READER_DROP_S = 1.5 * PING_EVERY_S + 2
BAD_REQUEST_CLOSE = 4400  # a close code of the private range 4000-4999, like HTTP's 400
STARTED_AT = web.AppKey("started_at", float)
WEBSOCKETS = web.AppKey("websockets", weakref.WeakSet[web.WebSocketResponse])
Send = Callable[[str], Awaitable[None]]


def _scramble(n: int) -> int:
    """A cheap, repeatable pseudo-random number from n (a multiplicative hash)."""
    return (n * 2654435761) % 2**32 >> 8


def signal(t: float) -> float:
    """The server's value at time t: a level that jumps about once a second, and spikes of
    50 ms now and then. Sudden changes: a client that polls now and then misses many of
    them; one that is pushed every tick does not."""
    spike = _scramble(math.floor(t * 20))
    if spike % 12 == 0:
        return 0.95 if spike & 16 else -0.95
    return (_scramble(math.floor(t)) % 7 - 3) / 4


class TickClock:
    """Tick `seq` of a `rate`-per-second stream is due at started + seq / rate."""

    def __init__(self, started: float, rate: float) -> None:
        self.started, self.rate = started, rate

    def latest(self, now: float) -> int:
        """The seq of the newest tick due by `now`."""
        return math.floor((now - self.started) * self.rate)

    def due_at(self, seq: int) -> float:
        return self.started + seq / self.rate

    def tick(self, seq: int) -> dict[str, object]:
        t = self.due_at(seq)
        return {"type": "tick", "seq": seq, "t": t, "value": signal(t)}


async def latest_tick(request: web.Request) -> web.Response:
    """One poll: the newest tick of the `rate`-per-second stream, the same ticks a
    WebSocket at that rate is pushed."""
    rate = _param(request.query, "rate", DEFAULT_RATE, 1.0, MAX_RATE)
    await _wait_latency(request)
    clock = TickClock(request.app[STARTED_AT], rate)
    return web.json_response({**clock.tick(clock.latest(time.time())), "rate": rate})


async def ticks(request: web.Request) -> web.WebSocketResponse:
    """Push every tick of the `rate`-per-second stream, from the newest on, and answer the
    client's messages: {"rate": n}, {"echo": "text"}, or "bad"."""
    rate = _param(request.query, "rate", DEFAULT_RATE, 1.0, MAX_RATE)
    # Short waits for the client's goodbye; a client's command is a few bytes, never 4 MB; a
    # client that reads nothing answers no ping: it is hung up on after NON_READER_DROP_S.
    ws = web.WebSocketResponse(timeout=0.5, max_msg_size=MAX_COMMAND_BYTES, heartbeat=PING_EVERY_S)
    await ws.prepare(request)
    transport = request.transport
    if transport is not None:  # a small send buffer: a client that stops reading shows soon
        with suppress(OSError, AttributeError):
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    open_sockets = request.app[WEBSOCKETS]
    open_sockets.add(ws)
    clock = TickClock(request.app[STARTED_AT], rate)

    def stride(rate: float) -> int:
        """Send every n-th tick, so that all websockets together get at most MAX_TOTAL_RATE."""
        return max(1, math.ceil(rate * len(open_sockets) / MAX_TOTAL_RATE))

    def behind() -> bool:
        """The client has not taken what was sent: queue no more for it."""
        return transport is None or transport.get_write_buffer_size() > MAX_QUEUED_BYTES

    send_timeout = (request.app[LIMITS] if LIMITS in request.app else Limits()).send_timeout

    async def send(text: str) -> None:
        """Send; hang up on a client that has read nothing for send_timeout s (what it
        does not read would pile up here)."""
        try:
            async with asyncio.timeout(send_timeout):
                await ws.send_str(text)
        except TimeoutError:
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("the client reads nothing") from None

    async with asyncio.TaskGroup() as tasks:
        pusher = tasks.create_task(_push_ticks(ws, clock, send, stride, behind))
        with suppress(ConnectionError):  # the client left while we were answering
            async for message in ws:  # suspended here until the client says something
                if message.type == WSMsgType.TEXT:
                    await _answer(ws, message.data, clock, send)
        pusher.cancel()
    if transport is not None and transport.get_write_buffer_size():
        # Not read by the client (one that answered no ping): close() would wait for it to
        # drain, that is for ever. Hang up.
        transport.abort()
    return ws


async def _push_ticks(
    ws: web.WebSocketResponse,
    clock: TickClock,
    send: Send,
    stride: Callable[[float], int],
    behind: Callable[[], bool],
) -> None:
    """Send every tick that is due (every `stride(rate)`-th one when many clients share the
    server), then sleep until the next one. After a late wake-up the missed ticks follow at
    once (at most a second's worth); a client that has not read what was sent skips ticks
    (it sees the gap); after a change of rate the stream goes on from the new rate's newest
    tick."""
    rate, next_seq = clock.rate, clock.latest(time.time())
    with suppress(ConnectionError):
        while not ws.closed:
            if clock.rate != rate:  # the client asked for another rate
                rate, next_seq = clock.rate, clock.latest(time.time())
            step, latest = stride(rate), clock.latest(time.time())
            first = max(next_seq, latest - int(rate) + 1)
            for seq in range(first + -first % step, latest + 1, step):  # multiples of step
                if clock.rate != rate or behind():
                    break
                await send(json.dumps(clock.tick(seq)))
            next_seq = max(next_seq, latest + 1)
            upcoming = next_seq + -next_seq % step
            # at most 0.1 s, so that a new rate takes effect soon
            await asyncio.sleep(min(max(0.0, clock.due_at(upcoming) - time.time()), 0.1))


async def _answer(ws: web.WebSocketResponse, text: str, clock: TickClock, send: Send) -> None:
    """Reply to one message from the client; a bad one gets an error, never a hang-up
    (except an absurd one, say a rate of 400 digits: that closes with 4400 and a reason)."""
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
        except HostileValue as exc:  # no honest mistake: hang up, saying why
            reason = str(exc).encode()[:123].decode(errors="ignore")  # a close reason's limit
            await ws.close(code=BAD_REQUEST_CLOSE, message=reason.encode())
            return
        except ValueError as exc:
            await send(json.dumps({"type": "error", "error": str(exc)}))
            return
        clock.rate = rate
        await send(json.dumps({"type": "rate", "rate": rate}))  # the ticks after it: new rate
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
