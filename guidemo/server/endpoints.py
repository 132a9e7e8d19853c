"""The demo server's HTTP endpoints: each one a short coroutine. Slowness is simulated with
`await asyncio.sleep(latency)`, so one thread keeps many slow requests waiting at once."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

from aiohttp import web

from guidemo.server.checks import Handler, _param, _wait_latency
from guidemo.server.guard import LIMITS, Limits
from guidemo.server.news import KNOWN_SOURCES, MAX_SOURCES, news_articles, news_sources

MAX_SIZE = 10_000_000
HUGE_SIZE = 50_000_000
FILLER = b"The event loop keeps the window alive while the network is slow.\n"
BLOCK = FILLER * 1000  # 66,000 bytes of whole lines: pieces of it join seamlessly


def _text(size: int) -> bytes:
    """Exactly `size` bytes of readable ASCII."""
    return (FILLER * (size // len(FILLER) + 1))[:size]


async def send_text(request: web.Request, response: web.StreamResponse, size: int) -> None:
    """Write `size` bytes of text in pieces of 66 KB, never much more than the client has
    taken: `write` waits while the socket's buffer is full (back-pressure), so a client
    that reads slowly costs the server one piece, not the whole body. One that reads
    nothing for `send_timeout` s is hung up on."""
    timeout = request.app[LIMITS].send_timeout if LIMITS in request.app else Limits.send_timeout
    piece = memoryview(BLOCK)
    try:
        for offset in range(0, size, len(BLOCK)):
            async with asyncio.timeout(timeout):
                await response.write(piece[: min(len(BLOCK), size - offset)])
    except TimeoutError:
        if request.transport is not None:
            request.transport.abort()


async def data(request: web.Request) -> web.StreamResponse:
    """A download of `size` bytes of text, after `latency` seconds, streamed."""
    size = _param(request.query, "size", 1000, 0, MAX_SIZE)
    await _wait_latency(request)
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.content_length = size
    await response.prepare(request)
    with suppress(ConnectionError):  # the client may hang up early; that is its right
        await send_text(request, response, size)
    return response


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
            await send_text(request, response, size)
    return response


MAX_PIECES = 1000  # /api/download: at most this many pieces
MAX_DOWNLOAD_S = 60.0  # and at most this long, all pauses together


async def download(request: web.Request) -> web.StreamResponse:
    """`size` bytes announced in Content-Length, sent in pieces of `chunk` bytes `interval`
    seconds apart: a download whose progress a client can show as it arrives."""
    size = _param(request.query, "size", 100_000, 1, MAX_SIZE)
    chunk = _param(request.query, "chunk", 10_000, 1, MAX_SIZE)
    interval = _param(request.query, "interval", 0.1, 0.0, 5.0)
    pieces = -(-size // chunk)
    if pieces > MAX_PIECES:
        raise web.HTTPBadRequest(
            text=f"size / chunk must be at most {MAX_PIECES} pieces, got {size} / {chunk} "
            f"= {pieces} pieces"
        )
    if (pieces - 1) * interval > MAX_DOWNLOAD_S:
        raise web.HTTPBadRequest(
            text=f"interval * (pieces - 1) must be at most {MAX_DOWNLOAD_S:g} s, got "
            f"{interval:g} * {pieces - 1} = {interval * (pieces - 1):g} s"
        )
    await _wait_latency(request)
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.content_length = size
    await response.prepare(request)
    with suppress(ConnectionError):  # the client may hang up early; that is its right
        for offset in range(0, size, chunk):
            if offset:
                await asyncio.sleep(interval)
            await send_text(request, response, min(chunk, size - offset))
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
    with suppress(ConnectionError):
        await send_text(request, response, HUGE_SIZE)
    return response


FAULTS: dict[str, Handler] = {
    "reset": _reset,
    "bad-utf8": _bad_utf8,
    "not-json": _not_json,
    "redirect-loop": _redirect_loop,
    "huge": _huge,
}
