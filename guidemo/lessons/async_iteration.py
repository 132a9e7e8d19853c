"""`async with`, `async for` and async generators: iterating over things that arrive later.

`async with` awaits on the way in and on the way out (open a connection, close it);
`async for` awaits each next item, so the loop runs other work between chunks of a slow
download. An async iterator is any object with `__aiter__` and an `async def __anext__`;
an async generator (`yield` inside `async def`) writes one for you, and its `finally`
runs when it ends or is closed with `aclose()`. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp


def download_url(server_url: str, size: int, chunk: int, interval: float) -> str:
    """A demo-server download of `size` bytes, sent `chunk` bytes every `interval` s."""
    return f"{server_url}/api/download?size={size}&chunk={chunk}&interval={interval:g}"


@dataclass(frozen=True)
class Download:
    """What a streamed download measured: bytes, chunks, and when they came."""

    received: int
    chunks: int
    expected: int | None  # the Content-Length, if the server announced one
    first_chunk_s: float  # from the request to the first chunk
    total_s: float  # from the request to the last byte
    error: str = ""  # the server's JSON error, or a size that did not match


async def stream_download(
    url: str, chunk_size: int, on_chunk: Callable[[int, int | None], None]
) -> Download:
    """Read a response as it arrives: `async with` opens and closes the connection, and
    `async for` awaits each chunk, so the loop runs everything else in between."""
    started = time.perf_counter()
    received = chunks = 0
    first_chunk_s = 0.0
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        expected = response.content_length
        if response.status != 200:
            error = (await response.json())["error"]
            return Download(0, 0, expected, 0.0, time.perf_counter() - started, error)
        async for chunk in response.content.iter_chunked(chunk_size):
            if not chunks:
                first_chunk_s = time.perf_counter() - started
            received += len(chunk)
            chunks += 1
            on_chunk(received, expected)  # e.g. move a progress bar
    error = "" if received == expected else f"got {received} bytes, expected {expected}"
    return Download(received, chunks, expected, first_chunk_s, time.perf_counter() - started, error)


class DownloadRefused(Exception):
    """The server refused the download; the message is its JSON error."""


class Countdown:
    """An async iterator by hand: `async for` calls `__aiter__` once, then awaits
    `__anext__` for each item until it raises StopAsyncIteration."""

    def __init__(self, start: int, pause: float) -> None:
        self.current = start
        self.pause = pause

    def __aiter__(self) -> Countdown:
        return self

    async def __anext__(self) -> int:
        if self.current <= 0:
            raise StopAsyncIteration  # the end: `async for` stops here
        await asyncio.sleep(self.pause)  # each item may wait: the loop runs others meanwhile
        self.current -= 1
        return self.current + 1


async def count_down(start: int, pause: float) -> list[int]:
    """`async for` over the hand-written iterator."""
    return [number async for number in Countdown(start, pause)]


async def numbered_chunks(
    url: str, chunk_size: int, log: Callable[[str], None]
) -> AsyncGenerator[tuple[int, int], None]:
    """An async generator: the same download, yielding (chunk number, its size). Its
    `finally` closes the connection, however the loop over it ends."""
    log("generator: connecting")
    number = 0
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            if response.status != 200:
                raise DownloadRefused((await response.json())["error"])
            async for chunk in response.content.iter_chunked(chunk_size):
                number += 1
                yield number, len(chunk)  # paused here until the consumer asks for more
    finally:
        log(f"generator: finally ran after chunk {number}: connection closed")


async def read_all(chunks: AsyncIterator[tuple[int, int]], log: Callable[[str], None]) -> int:
    """Consume the generator to its end: its `finally` runs when it is exhausted."""
    total = 0
    async for number, size in chunks:
        total += size
        log(f"consumer: chunk {number}, {size} bytes")
    log("consumer: the loop ended")
    return total


async def stop_early(
    chunks: AsyncGenerator[tuple[int, int], None], wanted: int, log: Callable[[str], None]
) -> None:
    """Break out after `wanted` chunks: the generator stays paused at its `yield`, its
    `finally` not run and its connection open, until `aclose()` throws GeneratorExit in."""
    async for number, _ in chunks:
        log(f"consumer: chunk {number}")
        if number == wanted:
            log("consumer: broke out of the loop; the generator is still paused at its yield")
            break
    await chunks.aclose()  # now its finally runs (without it: whenever it is collected)
    log("consumer: aclose() returned")


async def stop_early_and_drop(
    url: str, chunk_size: int, wanted: int, hold_s: float, log: Callable[[str], None]
) -> None:
    """Break out and never call `aclose()`: the generator stays paused, its connection
    open, for as long as anything refers to it. Once the last reference goes, the loop's
    finalizer hook (sys.set_asyncgen_hooks) starts `aclose()` in a new task."""
    chunks = numbered_chunks(url, chunk_size, log)
    try:
        async for number, _ in chunks:
            log(f"consumer: chunk {number}")
            if number == wanted:
                log("consumer: broke out of the loop, no aclose()")
                break
        await asyncio.sleep(hold_s)  # meanwhile: paused at its yield, the connection open
    finally:  # also when cancelled: a traceback keeps this frame, and so `chunks`, alive
        log("consumer: del chunks (the last reference)")
        del chunks  # collected now: the loop schedules its aclose() in a task of its own
