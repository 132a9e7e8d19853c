"""The demo server inside the app: on its own event loop, in its own thread.

Light to import (no aiohttp): the app binds its port and builds its window first; aiohttp
is imported on the server's thread when it starts.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from guidemo.server.policy import BACKLOG, ClientError, ErrorSink, Limits, log

if TYPE_CHECKING:
    from guidemo.server.running import LoopServer


class DemoServer:
    """The demo server on its own event loop in its own thread: `async with DemoServer() as s:`.

    Like a real remote server it keeps answering while the app's GUI thread is blocked (the
    http panel's sync way fetches from it *in* the GUI thread), and its work never shows up
    as lag in the app's loop. stop() and start() restart it on the same port.

    `on_error(error, where)`, when set, hears of the errors clients cause (a malformed
    request, a refused connection), called on the loop that started the server, so the app
    can show them in its error log; never on the server's own thread.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, limits: Limits | None = None
    ) -> None:
        self._host, self._port, self._limits = host, port, limits or Limits()
        self._sock: socket.socket | None = None
        self._server: LoopServer | None = None  # made on the server's thread (aiohttp)
        self.on_error: ErrorSink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._caller: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def port(self) -> int:
        return self._server.port if self._server is not None else self._port

    @property
    def host(self) -> str:
        return self._host

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def open_connections(self) -> int:
        """Connections the server holds right now (read from another thread: a snapshot)."""
        return self._server.open_connections if self._server is not None else 0

    def bind(self) -> str:
        """Listen now, without aiohttp: the URL is known at once, and clients that connect
        before start() wait in the queue. Returns the URL."""
        if self._sock is None and self._server is None:
            family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
            self._sock = socket.create_server(
                (self._host, self._port), family=family, backlog=BACKLOG
            )
            self._port = self._sock.getsockname()[1]
        return self.url

    def _relay_error(self, error: BaseException, where: str) -> None:
        """On the server's thread: hand the error to the caller's loop, or log one line."""
        sink, caller = self.on_error, self._caller
        if sink is not None and caller is not None:
            with suppress(RuntimeError):  # the caller's loop closed meanwhile
                caller.call_soon_threadsafe(sink, error, where)
                return
        log.warning("%s: %s", where, error)

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception") or ClientError(context.get("message", "unknown"))
        self._relay_error(error, "the demo server's event loop")

    async def start(self) -> None:
        self._caller = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._loop.set_exception_handler(self._loop_error)
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="guidemo-demo-server", daemon=True
            )
            self._thread.start()
        await self._on_server_loop(self._start_on_server_thread())

    async def _start_on_server_thread(self) -> None:
        """aiohttp is imported here, on the server's own thread, the first time."""
        if self._server is None:
            from guidemo.server.running import LoopServer

            sock, self._sock = self._sock, None
            self._server = LoopServer(
                self._host,
                self._port,
                limits=self._limits,
                on_error=self._relay_error,
                sock=sock,
            )
        await self._server.start()

    async def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            await self._on_server_loop(self._server.stop())

    async def _on_server_loop(self, coro: Coroutine[Any, Any, None]) -> None:
        assert self._loop is not None
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the server, then its loop and thread (a listening socket never served too)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        await self.stop()
        loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        # The server loop's last callback stops it; the thread then ends within a turn.
        stopped = asyncio.get_running_loop().create_future()
        loop.call_soon_threadsafe(_stop_then_tell, loop, stopped)
        await stopped
        thread.join()
        loop.close()


def _stop_then_tell(loop: asyncio.AbstractEventLoop, stopped: asyncio.Future[None]) -> None:
    """Runs on the server's loop: stop it, and tell the caller's loop."""
    loop.stop()
    caller = stopped.get_loop()
    if not caller.is_closed():
        caller.call_soon_threadsafe(_set_done, stopped)


def _set_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
