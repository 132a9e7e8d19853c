"""Running the demo server on the current loop: LoopServer (what `guidemo serve` runs, and
what DemoServer runs on its own thread inside the app)."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from aiohttp import web

from guidemo.server.guard import LIMITS, ConnectionGuard, ErrorRelay, RequestLog
from guidemo.server.policy import BACKLOG, ErrorSink, Limits, log
from guidemo.server.ticks import STARTED_AT


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
        sock: socket.socket | None = None,
    ) -> None:
        self._sock = sock  # listening already (DemoServer.bind): the first start serves it
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
            sock, self._sock = self._sock, None
            loop = asyncio.get_running_loop()
            if sock is not None:
                listener = await loop.create_server(guard, sock=sock, backlog=BACKLOG)
            else:
                listener = await loop.create_server(
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
            await _stop_accepting(listener)
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


async def _stop_accepting(listener: asyncio.Server) -> None:
    """Accept no more connections, and let the ones accepted become transports first.

    asyncio accepts a connection in one turn and makes its transport in a later one; if
    the server closes in between, making it fails and the socket is left open for the
    garbage collector ("unclosed transport" at exit). Two turns later each accepted
    connection is a transport the server knows, so the runner's cleanup closes it.
    """
    loop = asyncio.get_running_loop()
    for sock in listener.sockets:
        loop.remove_reader(sock.fileno())
    for _ in range(2):
        await asyncio.sleep(0)


HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
QUIT_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def host_problem(host: str) -> str | None:
    """Why `host` cannot be listened on, said for a person; None if it looks right.

    An empty host would mean every interface to asyncio: refused, since an empty shell
    variable should not open the server to the network.
    """
    if not host:
        return (
            "--host is empty: give an address, 127.0.0.1 for this computer only "
            "or 0.0.0.0 for every interface"
        )
    with suppress(ValueError):
        ipaddress.ip_address(host.strip("[]") if host.startswith("[") else host)
        return None
    name = host.removesuffix(".")
    if len(name) <= 253 and all(HOST_LABEL.fullmatch(label) for label in name.split(".")):
        return None
    shown = host if len(host) <= 40 else f"{host[:30]}… ({len(host)} characters)"
    return f"--host {shown!r} is not a valid address or host name"


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
    """Run the demo server until cancelled (Ctrl+C) or, on the main thread, until SIGINT,
    SIGTERM or SIGHUP; then stop it in order (websockets told, requests given 0.25 s)."""
    quit_signal: list[str] = []
    stop = asyncio.Event()

    def on_quit_signal(name: str) -> None:
        quit_signal.append(name)
        stop.set()

    handled = _on_quit_signals(on_quit_signal)  # before the banner: a script may act on it
    try:
        async with LoopServer(host, port) as server:
            print(f"guidemo demo server on {server.url} (Ctrl+C to stop)", flush=True)
            warning = exposure_warning(host, server.port)
            if warning is not None:
                print(warning, file=sys.stderr, flush=True)
            await stop.wait()
    except asyncio.CancelledError:
        # Being cancelled is how this function is meant to end, so accept it: the
        # server still shuts down cleanly, and asyncio.run() shows no traceback.
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
    finally:
        _restore(handled)
    if quit_signal:
        print(f"guidemo demo server stopped ({quit_signal[0]})", flush=True)


def _on_quit_signals(callback: Callable[[str], None]) -> list[signal.Signals]:
    """Have the running loop call `callback(name)` on each quit signal; the ones handled."""
    if threading.current_thread() is not threading.main_thread():
        return []  # only the main thread may take signals
    loop, handled = asyncio.get_running_loop(), []
    for name in QUIT_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            with suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl+C only
                loop.add_signal_handler(number, callback, name)
                handled.append(number)
    return handled


def _restore(handled: list[signal.Signals]) -> None:
    loop = asyncio.get_running_loop()
    for number in handled:
        loop.remove_signal_handler(number)
