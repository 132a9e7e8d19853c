"""Running the demo server: on the current loop (LoopServer, `guidemo serve`), or on its own
loop in its own thread inside the app (DemoServer)."""

from __future__ import annotations

import asyncio
import ipaddress
import sys
import threading
import time
from collections.abc import Coroutine
from contextlib import suppress
from typing import Any

from aiohttp import web

from guidemo.server.guard import (
    LIMITS,
    ClientError,
    ConnectionGuard,
    ErrorRelay,
    ErrorSink,
    Limits,
    RequestLog,
    log,
)
from guidemo.server.ticks import STARTED_AT

BACKLOG = 1024  # a thousand clients connecting at once are queued, not dropped and retried


class LoopServer:
    """The demo server on the current event loop (what `guidemo serve` runs).

    `limits` bounds what clients can make it hold (guard.py); errors clients cause go to
    `on_error(error, where)` if set, else one warning line each to the "guidemo.server"
    logger, at most `limits.errors_per_s` a second either way.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: Limits | None = None,
        on_error: ErrorSink | None = None,
    ) -> None:
        self.host = host
        self.port = port  # 0 picks a free port; after start() it is the real one
        self.limits = limits or Limits()
        self.on_error = on_error
        self.started = time.time()  # the tick clock's origin, kept across restarts
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._guard: ConnectionGuard | None = None
        self._relay: ErrorRelay | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def addresses(self) -> list[Any]:
        """The (host, port, ...) addresses it listens on; [] when stopped."""
        listener = self._listener
        return [sock.getsockname() for sock in listener.sockets] if listener else []

    @property
    def open_connections(self) -> int:
        runner = self._runner
        return len(runner.server.connections) if runner and runner.server else 0

    async def start(self) -> None:
        """Listen; the first start picks the port, a restart reuses it."""
        if self._runner is not None:
            return
        from guidemo.server import make_app  # the package imports this module first

        app = make_app()
        app[LIMITS] = self.limits
        app[STARTED_AT] = self.started  # a restart goes on with the same ticks
        relay = ErrorRelay(self._report, self.limits.errors_per_s)
        runner = web.AppRunner(
            app,
            shutdown_timeout=0.25,
            handler_cancellation=True,
            keepalive_timeout=self.limits.idle_timeout,  # idle between two requests
            access_log=None,
            logger=RequestLog(relay),
        )
        guard = ConnectionGuard(self.limits, relay)
        app.middlewares.insert(0, guard.middleware)  # before setup() freezes the app
        await runner.setup()
        assert runner.server is not None
        guard.server = runner.server
        try:
            listener = await asyncio.get_running_loop().create_server(
                guard, self.host, self.port, reuse_address=True, backlog=BACKLOG
            )
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._listener, self._guard, self._relay = runner, listener, guard, relay
        self.port = listener.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening, close websockets, give requests in flight 0.25 s, cancel them."""
        runner, listener, guard, relay = self._runner, self._listener, self._guard, self._relay
        self._runner = self._listener = self._guard = self._relay = None
        if listener is not None:
            listener.close()
        if guard is not None:
            guard.close()
        if runner is not None:
            await runner.cleanup()
        if relay is not None:
            relay.close()

    def _report(self, error: BaseException, where: str) -> None:
        if self.on_error is not None:
            self.on_error(error, where)
        else:
            log.warning("client error: %s", error)

    async def __aenter__(self) -> LoopServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


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
        self._server = LoopServer(host, port, limits=limits, on_error=self._relay_error)
        self.on_error: ErrorSink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._caller: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def limits(self) -> Limits:
        return self._server.limits

    @property
    def open_connections(self) -> int:
        """Connections the server holds right now (read from another thread: a snapshot)."""
        return self._server.open_connections

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
        await self._on_server_loop(self._server.start())

    async def stop(self) -> None:
        if self._loop is not None:
            await self._on_server_loop(self._server.stop())

    async def _on_server_loop(self, coro: Coroutine[Any, Any, None]) -> None:
        assert self._loop is not None
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the server, then its loop and thread."""
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


def exposure_warning(host: str, port: int) -> str | None:
    """What binding to `host` exposes, when it is more than this computer; else None."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host in ("localhost", "ip6-localhost"):
            return None
        where = f"every address the name {host!r} stands for"
    else:
        if address.is_loopback:
            return None
        where = "every network interface" if address.is_unspecified else f"address {host}"
    return (
        f"guidemo serve: warning: listening on {where}, port {port}: any machine that can "
        "reach this one may use the demo server (no password; downloads up to 50 MB each). "
        "Use --host 127.0.0.1 to keep it to this computer."
    )


async def serve_forever(host: str, port: int) -> None:
    """Run the demo server until cancelled (Ctrl+C), then stop it and return quietly."""
    async with LoopServer(host, port) as server:
        print(f"guidemo demo server on {server.url} (Ctrl+C to stop)", flush=True)
        warning = exposure_warning(host, server.port)
        if warning is not None:
            print(warning, file=sys.stderr, flush=True)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            # Being cancelled is how this function is meant to end, so accept it: the
            # server still shuts down cleanly, and asyncio.run() shows no traceback.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
