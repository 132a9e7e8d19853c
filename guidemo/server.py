"""The demo server every panel talks to, so guidemo works offline.

A plain aiohttp.web application: each endpoint is one short coroutine. The app starts it on
127.0.0.1 and a free port (DemoServer); `guidemo serve` runs it alone (serve_forever).
Slowness is simulated with `await asyncio.sleep(latency)`: that is why one thread can keep
hundreds of slow requests waiting at the same time.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import suppress
from typing import Any, TypeVar

from aiohttp import WSCloseCode, WSMsgType, web

from guidemo.server_limited import add_limited_routes

MAX_LATENCY = 30.0
MAX_SIZE = 10_000_000
MAX_SOURCES = 200
MAX_RATE = 500.0
POLL_TICK_RATE = 100  # ticks per second of the clock behind /api/tick
HUGE_SIZE = 50_000_000
VOCABULARY = (
    "async", "await", "loop", "event", "task", "future", "python", "socket", "server",
    "thread", "callback", "coroutine", "gather", "queue", "signal", "timer", "widget", "news",
)  # fmt: skip
FILLER = b"The event loop keeps the window alive while the network is slow.\n"

Number = TypeVar("Number", int, float)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STARTED_AT = web.AppKey("started_at", float)
WEBSOCKETS = web.AppKey("websockets", weakref.WeakSet[web.WebSocketResponse])


# ---- news data: made up, but the same on every run, so a word count has a known answer


def news_sources(count: int) -> list[dict]:
    """The first `count` news sources; ids look like "source-07"."""
    return [{"id": f"source-{i:02d}", "name": f"Demo News {i:02d}"} for i in range(count)]


def news_articles(source_id: str) -> list[dict]:
    """A source's articles: random sentences, seeded by the id so they never change."""
    rng = random.Random(source_id)
    count = rng.randint(3, 8)
    return [{"title": _sentence(rng, 6), "description": _sentence(rng, 18)} for _ in range(count)]


def expected_word_count(word: str, sources: int) -> int:
    """How often `word` (any case, whole words) is in the first `sources` sources' articles."""
    articles = [a for s in news_sources(sources) for a in news_articles(s["id"])]
    return sum(_words(f"{a['title']} {a['description']}").count(word.lower()) for a in articles)


def _sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(length)).capitalize() + "."


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


KNOWN_SOURCES = frozenset(source["id"] for source in news_sources(MAX_SOURCES))


# ---- input checking, in one place: bad input is a 400 that says what is allowed


def _parse(name: str, raw: Any, lo: Number, hi: Number) -> Number:
    """`raw` as a number of lo's type within lo..hi, else ValueError naming the range."""
    try:
        value = type(lo)(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not lo <= value <= hi:  # the comparison is also False for nan
        kind = "an integer" if isinstance(lo, int) else "a number"
        raise ValueError(f"{name} must be {kind} from {lo} to {hi}, got {raw!r}")
    return value


def _param(values: Mapping[str, str], name: str, default: Number, lo: Number, hi: Number) -> Number:
    """One query (or path) parameter, checked; a missing one gets the default."""
    if name not in values:
        return default
    try:
        return _parse(name, values[name], lo, hi)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


async def _wait_latency(request: web.Request) -> None:
    """Pretend to be a slow server: sleep without blocking anyone else."""
    await asyncio.sleep(_param(request.query, "latency", 0.0, 0.0, MAX_LATENCY))


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every HTTP error into {"error": ...}, so a client always has a message to show."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # a redirect is not an error
        message = {
            404: f"no such endpoint: {request.path} (GET / lists them)",
            405: f"method {request.method} not allowed: every endpoint is GET",
        }.get(exc.status, exc.text)
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.json_response({"error": message}, status=exc.status, headers=headers)


def _text(size: int) -> bytes:
    """Exactly `size` bytes of readable ASCII."""
    return (FILLER * (size // len(FILLER) + 1))[:size]


# ---- the endpoints


async def index(request: web.Request) -> web.Response:
    """List the endpoints, for people trying the server with curl or a browser."""
    return web.json_response({"server": "guidemo demo server", "endpoints": ENDPOINT_HELP})


async def data(request: web.Request) -> web.Response:
    """A download of `size` bytes of text, after `latency` seconds."""
    size = _param(request.query, "size", 1000, 0, MAX_SIZE)
    await _wait_latency(request)
    return web.Response(body=_text(size), content_type="text/plain")


async def json_items(request: web.Request) -> web.Response:
    """A small JSON document, stamped with the time it was served."""
    count = _param(request.query, "items", 10, 0, 1000)
    await _wait_latency(request)
    items = [{"id": i, "name": f"item {i}"} for i in range(count)]
    return web.json_response({"items": items, "served_at": time.time()})


async def status(request: web.Request) -> web.Response:
    """Answer with the status code from the URL, to show how a client sees errors."""
    code = _param(request.match_info, "code", 200, 200, 599)
    await _wait_latency(request)
    return web.json_response({"status": code}, status=code)


async def stream(request: web.Request) -> web.StreamResponse:
    """`chunks` pieces of `size` bytes, `interval` seconds apart: data arriving over time."""
    chunks = _param(request.query, "chunks", 10, 1, 1000)
    size = _param(request.query, "size", 100, 1, 1_000_000)
    interval = _param(request.query, "interval", 0.2, 0.0, 5.0)
    await _wait_latency(request)
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    with suppress(ConnectionError):  # the client may hang up early; that is its right
        for number in range(chunks):
            await asyncio.sleep(interval if number else 0)
            await response.write(_text(size))
    return response


async def sources(request: web.Request) -> web.Response:
    """The news sources, step one of the news downloader."""
    count = _param(request.query, "count", 10, 1, MAX_SOURCES)
    await _wait_latency(request)
    return web.json_response({"sources": news_sources(count)})


async def articles(request: web.Request) -> web.Response:
    """One source's articles, step two: one request per source."""
    source = request.query.get("source", "")
    if source not in KNOWN_SOURCES:
        raise web.HTTPBadRequest(text=f"source must be an id like 'source-07', got {source!r}")
    await _wait_latency(request)
    return web.json_response({"source": source, "articles": news_articles(source)})


async def fault(request: web.Request) -> web.StreamResponse:
    """Misbehave on purpose, so the panels can show how a client copes."""
    kind = request.match_info["kind"]
    if kind not in FAULTS:
        raise web.HTTPBadRequest(text=f"kind must be one of {', '.join(FAULTS)}, got {kind!r}")
    return await FAULTS[kind](request)


async def _reset(request: web.Request) -> web.StreamResponse:
    """Promise 1000 bytes, send 100, then drop the connection: a reset mid-body."""
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.content_length = 1000
    await response.prepare(request)
    await response.write(_text(100))
    await asyncio.sleep(0.1)  # let the client see the start of the body first
    if request.transport is not None:  # None if the client has already gone
        request.transport.abort()
    return response


async def _bad_utf8(request: web.Request) -> web.Response:
    """Claim UTF-8, send bytes that are not UTF-8."""
    return web.Response(body=b"caf\xc3 \xff\xfe\xfd", content_type="text/plain", charset="utf-8")


async def _not_json(request: web.Request) -> web.Response:
    """Claim JSON, send something that does not parse."""
    return web.Response(text="{'this': is not json", content_type="application/json")


async def _redirect_loop(request: web.Request) -> web.Response:
    """Redirect to this very URL, forever."""
    raise web.HTTPFound(location=request.path)


async def _huge(request: web.Request) -> web.StreamResponse:
    """Announce 50 MB and make it up as we go: a client with a size cap should stop early."""
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.content_length = HUGE_SIZE
    await response.prepare(request)
    chunk = _text(64 * 1024)
    with suppress(ConnectionError):
        for offset in range(0, HUGE_SIZE, len(chunk)):
            await response.write(chunk[: HUGE_SIZE - offset])
    return response


FAULTS: dict[str, Handler] = {
    "reset": _reset,
    "bad-utf8": _bad_utf8,
    "not-json": _not_json,
    "redirect-loop": _redirect_loop,
    "huge": _huge,
}


# ---- ticks: the same signal by polling (/api/tick) and by push (/ws/ticks)


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
    ws = web.WebSocketResponse(timeout=0.5)  # don't wait long for the client's goodbye
    await ws.prepare(request)
    request.app[WEBSOCKETS].add(ws)
    schedule = _Schedule(rate, asyncio.get_running_loop().time())
    async with asyncio.TaskGroup() as tasks:
        pusher = tasks.create_task(_push_ticks(ws, schedule))
        with suppress(ConnectionError):  # the client left while we were answering
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await _answer(ws, message.data, schedule)
        pusher.cancel()
    return ws


async def _push_ticks(ws: web.WebSocketResponse, schedule: _Schedule) -> None:
    """Send every tick that is due, then sleep until the next one."""
    loop = asyncio.get_running_loop()
    with suppress(ConnectionError):
        while not ws.closed:
            for seq in schedule.due(loop.time()):
                if ws.closed:
                    return
                now = time.time()
                await ws.send_json({"type": "tick", "seq": seq, "t": now, "value": _signal(now)})
            # at most 0.1 s, so that a new rate takes effect soon
            await asyncio.sleep(min(schedule.wait(loop.time()), 0.1))


async def _answer(ws: web.WebSocketResponse, text: str, schedule: _Schedule) -> None:
    """Reply to one message from the client; a bad one gets an error, never a hang-up."""
    if text == "bad":
        await ws.send_str("this is not json {")  # on request: lets clients test their errors
        return
    try:
        command = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        command = None
    if isinstance(command, dict) and "rate" in command:
        try:
            rate = _parse("rate", command["rate"], 1.0, MAX_RATE)
        except ValueError as exc:
            await ws.send_json({"type": "error", "error": str(exc)})
            return
        schedule.restart(rate, asyncio.get_running_loop().time())
    elif isinstance(command, dict) and isinstance(command.get("echo"), str):
        await ws.send_json({"type": "echo", "text": command["echo"]})
    else:
        error = f'expected {{"rate": 1..500}}, {{"echo": "text"}} or bad, got {text[:80]!r}'
        await ws.send_json({"type": "error", "error": error})


async def close_websockets(app: web.Application) -> None:
    """Say goodbye to open websockets, so that stopping the server never waits on them."""
    open_sockets: weakref.WeakSet[web.WebSocketResponse] = app[WEBSOCKETS]
    goodbyes = [
        ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        for ws in list(open_sockets)
    ]
    await asyncio.gather(*goodbyes)


# ---- the application and how to run it

ROUTES: list[tuple[str, Handler, str]] = [
    ("/", index, "this list"),
    ("/api/data", data, "size=0..10000000 bytes of text (default 1000), latency=0..30 s"),
    ("/api/json", json_items, "items=0..1000 (default 10), latency"),
    ("/api/status/{code}", status, "answer with status code 200..599, latency"),
    ("/api/stream", stream, "chunks=1..1000 (10) of size=1..1000000 (100), interval=0..5 s"),
    ("/api/news/sources", sources, "count=1..200 (default 10), latency"),
    ("/api/news/articles", articles, "source=ID from /api/news/sources, latency"),
    ("/api/fault/{kind}", fault, f"kind: {', '.join(FAULTS)}"),
    ("/api/tick", latest_tick, "newest tick of a 100/s clock, latency"),
    ("/ws/ticks", ticks, 'websocket: ticks at rate=1..500/s; send {"rate": n}, {"echo": s}'),
]
ENDPOINT_HELP = {path: help_text for path, _, help_text in ROUTES}


def make_app() -> web.Application:
    """The aiohttp application: routes, JSON errors, and websockets closed on shutdown."""
    app = web.Application(middlewares=[json_errors])
    app[STARTED_AT] = time.time()
    app[WEBSOCKETS] = weakref.WeakSet()
    app.add_routes([web.get(path, handler) for path, handler, _ in ROUTES])
    add_limited_routes(app)
    app.on_shutdown.append(close_websockets)
    return app


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
