"""Running the demo server: on the current loop (LoopServer, `guidemo serve`), or on its own
loop in its own thread inside the app (DemoServer)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from aiohttp import web


class LoopServer:
    """The demo server on the current event loop (what `guidemo serve` runs)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port  # 0 picks a free port; after start() it is the real one
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Listen; the first start picks the port, a restart reuses it."""
        if self._runner is not None:
            return
        from guidemo.server import make_app  # the package imports this module first

        runner = web.AppRunner(make_app(), shutdown_timeout=0.25, handler_cancellation=True)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port, reuse_address=True).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Close websockets, give requests in flight 0.25 s, then cancel them."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

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
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = LoopServer(host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
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

    async def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
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


async def serve_forever(host: str, port: int) -> None:
    """Run the demo server until cancelled (Ctrl+C), then stop it and return quietly."""
    async with LoopServer(host, port) as server:
        print(f"guidemo demo server on {server.url} (Ctrl+C to stop)", flush=True)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            # Being cancelled is how this function is meant to end, so accept it: the
            # server still shuts down cleanly, and asyncio.run() shows no traceback.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
