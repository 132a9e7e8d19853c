"""What keeps the demo server standing against careless or hostile clients.

- a cap on open connections: one more gets a 503 and is hung up on;
- a deadline: a connection must send a complete request within `request_timeout` s, and
  one idle between requests is closed after `idle_timeout` s (longer than the 15 s a
  client such as aiohttp keeps an idle connection, so the client closes it first);
- a client that reads nothing of a body for `send_timeout` s is dropped (endpoints.py);
- websockets (ticks.py): at most MAX_TOTAL_RATE ticks a second for all clients together,
  about 128 KB queued per client (then its ticks are skipped), and a client that answers
  no ping, one that reads nothing, is hung up on within NON_READER_DROP_S;
- errors caused by clients (malformed requests, refusals) go to whoever runs the server,
  at most a few a second, instead of as tracebacks on stderr.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import MutableMapping
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from guidemo.server.checks import Handler
from guidemo.server.policy import MAX_ERROR_TEXT, WHERE, ClientError, ErrorSink, Limits, log

LIMITS = web.AppKey("limits", Limits)


def cut(text: str, limit: int = MAX_ERROR_TEXT) -> str:
    """`text`, at most `limit` characters: an error message must never be a flood itself."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 30]}… ({len(text):,} characters)"


class ErrorRelay:
    """Client errors to `sink(error, where)`, at most `per_second` a second; the others are
    counted and reported as one line when the second is over. Runs on the server's loop."""

    def __init__(self, sink: ErrorSink, per_second: int) -> None:
        self.sink, self.per_second = sink, per_second
        self._window_end = 0.0
        self._count = 0
        self._suppressed = 0
        self._summary: asyncio.TimerHandle | None = None

    def report(self, error: BaseException) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._window_end:
            self._window_end, self._count = now + 1.0, 0
        self._count += 1
        if self._count <= self.per_second:
            self.sink(error, WHERE)
            return
        self._suppressed += 1
        if self._summary is None:
            self._summary = loop.call_at(self._window_end, self._say_how_many_more)

    def _say_how_many_more(self) -> None:
        self._summary = None
        count, self._suppressed = self._suppressed, 0
        more = f"… and {count} more client errors in that second"
        self.sink(ClientError(f"{more} (at most {self.per_second} a second are listed)"), WHERE)

    def close(self) -> None:
        if self._summary is not None:
            self._summary.cancel()
            self._summary = None


class RequestLog(logging.LoggerAdapter[logging.Logger]):
    """The logger aiohttp's request handlers use: errors go to the relay as one clear line,
    everything quieter to the "guidemo.server" logger."""

    def __init__(self, relay: ErrorRelay) -> None:
        super().__init__(log, {})
        self.relay = relay

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if level < logging.ERROR:
            super().log(level, msg, *args, **kwargs)
            return
        exc_info = kwargs.get("exc_info")
        error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(error, ConnectionResetError | BrokenPipeError):
            # The client hung up before its answer was out: its right, not an error. (A
            # busy machine had `serve` print "client error: Cannot write to closing
            # transport" for downloads whose clients had gone before the headers went.)
            super().log(logging.DEBUG, msg, *args, **kwargs)
            return
        text = str(msg) % args if args else str(msg)
        if error is None or isinstance(error, HttpProcessingError):  # the client's fault
            detail = f": {type(error).__name__}: {error}" if error is not None else ""
            self.relay.report(ClientError(cut(" ".join(f"{text}{detail}".split()))))
        else:
            self.relay.report(error)  # a bug in a handler: keep its traceback


class _Refuse(asyncio.Protocol):
    """Answers 503 and hangs up: the server already holds as many connections as it may."""

    BODY = b'{"error": "too many connections: the demo server is full, try again later"}'

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.BODY)}\r\nConnection: close\r\n\r\n"
        )
        transport.write(head.encode() + self.BODY)
        transport.close()


class ConnectionGuard:
    """The protocol factory the listening socket uses: aiohttp's handler for each new
    connection up to the cap, `_Refuse` beyond it; and a sweep that closes connections
    that have not sent a complete request `request_timeout` s after they were accepted."""

    def __init__(self, limits: Limits, relay: ErrorRelay) -> None:
        self.limits, self.relay = limits, relay
        self.server: web.Server | None = None  # aiohttp's, once the runner is set up
        self.refused = 0
        self._fresh: MutableMapping[Any, float] = {}  # handler -> when it was accepted
        self._sweep: asyncio.TimerHandle | None = None

    def __call__(self) -> asyncio.BaseProtocol:
        assert self.server is not None
        open_now = len(self.server.connections)
        if open_now >= self.limits.max_connections:
            self.refused += 1
            cap = self.limits.max_connections
            self.relay.report(ClientError(f"refused a connection: {open_now} open, cap {cap}"))
            return _Refuse()
        handler = self.server()
        loop = asyncio.get_running_loop()
        self._fresh[handler] = loop.time()
        if self._sweep is None:
            self._sweep = loop.call_later(self._period(), self._close_the_silent)
        return handler

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A request arrived on this connection: it is no longer silent."""
        self._fresh.pop(request.protocol, None)
        return await handler(request)

    def _period(self) -> float:
        return min(1.0, self.limits.request_timeout / 4)

    def _close_the_silent(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() - self.limits.request_timeout
        for handler, accepted in list(self._fresh.items()):
            if handler.transport is None:  # already gone
                del self._fresh[handler]
            elif accepted <= deadline:
                del self._fresh[handler]
                handler.force_close()  # closes the transport
        self._sweep = None
        if self._fresh:
            self._sweep = loop.call_later(self._period(), self._close_the_silent)

    def close(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        self._fresh.clear()
