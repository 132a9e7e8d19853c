"""Lesson `async_iteration`: a streamed download read chunk by chunk against the real demo
server, the hand-written async iterator, and an async generator's `finally` when it is
read to the end and when its consumer stops early. Plain asyncio, no Qt."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from guidemo.lessons import async_iteration as lesson
from guidemo.server import DemoServer
from tests.helpers import wait_until

pytestmark = [pytest.mark.no_qt, pytest.mark.fast, pytest.mark.timeout(60)]


def test_a_streamed_download_reports_each_chunk_as_it_arrives(server: DemoServer):
    # Five pieces 0.25 s apart. The server sends them from its own thread: a client that
    # stalls longer than the gaps gets the pieces sent meanwhile as one chunk (beside a
    # second suite the loop can turn 0.1-0.6 s late), so the checks ask for the chunks to
    # come over time, not one by one (quiet: 5 chunks, the first within 0.3 s).
    interval = 0.25
    url = lesson.download_url(server.url, 5000, 1000, interval)
    progress: list[tuple[int, int | None, float]] = []

    def on_chunk(received: int, expected: int | None) -> None:
        progress.append((received, expected, time.perf_counter()))

    got = asyncio.run(lesson.stream_download(url, 4096, on_chunk))
    assert got.error == "" and (got.received, got.expected) == (5000, 5000), got
    assert got.chunks == len(progress) >= 2, progress
    assert [received for received, _, _ in progress][-1] == 5000
    assert all(expected == 5000 for _, expected, _ in progress)
    assert got.total_s >= 4 * interval, got  # four pauses, never shorter
    # The first chunk came a pause or more before the last byte: the bar moved over time
    # (a client that read the whole body first would report it all at the end).
    assert got.first_chunk_s <= got.total_s - interval, got
    assert progress[-1][2] - progress[0][2] >= interval, progress


def test_a_bad_parameter_comes_back_as_the_servers_message(server: DemoServer):
    url = lesson.download_url(server.url, 5000, 1, 0.0)
    got = asyncio.run(lesson.stream_download(url, 4096, lambda *_: None))
    assert got.received == 0 and "at most 1000 pieces" in got.error, got


def test_the_hand_written_iterator_counts_down_awaiting_each_item():
    started = time.perf_counter()
    assert asyncio.run(lesson.count_down(3, 0.05)) == [3, 2, 1]
    assert time.perf_counter() - started >= 0.14


def test_the_generators_finally_runs_when_read_to_the_end(server: DemoServer):
    log: list[str] = []
    url = lesson.download_url(server.url, 3000, 1000, 0.02)

    async def scenario() -> int:
        return await lesson.read_all(lesson.numbered_chunks(url, 4096, log.append), log.append)

    assert asyncio.run(scenario()) == 3000
    assert log[0] == "generator: connecting"
    # Three pieces 20 ms apart come as up to three chunks (one, beside a second suite, where
    # all had arrived before the first read): the finally runs after the last, whichever.
    chunks = [line for line in log if line.startswith("consumer: chunk")]
    assert 1 <= len(chunks) <= 3, log
    assert log[-2:] == [
        f"generator: finally ran after chunk {len(chunks)}: connection closed",
        "consumer: the loop ended",
    ], log


def test_stopping_early_leaves_the_finally_for_aclose(server: DemoServer):
    log: list[str] = []
    url = lesson.download_url(server.url, 200_000, 1000, 0.05)  # 200 pieces, ~10 s

    async def scenario() -> float:
        started = time.perf_counter()
        await lesson.stop_early(lesson.numbered_chunks(url, 4096, log.append), 2, log.append)
        return time.perf_counter() - started

    took = asyncio.run(scenario())
    assert log[-4:] == [
        "consumer: chunk 2",
        "consumer: broke out of the loop; the generator is still paused at its yield",
        "generator: finally ran after chunk 2: connection closed",
        "consumer: aclose() returned",
    ], log
    # It did not read the other 198 pieces (10 s at least). Quiet it took about 0.1 s, a busy
    # machine adds a few loop turns (0.1-0.6 s late each beside a second suite).
    assert took < 5.0, took


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.async_iteration; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_dropped_generator_is_closed_by_the_loop_in_a_task_of_its_own(server: DemoServer):
    log: list[str] = []
    ran_in: list[asyncio.Task[object] | None] = []
    url = lesson.download_url(server.url, 20_000, 1000, 0.05)

    def note(text: str) -> None:
        log.append(text)
        if "finally" in text:
            ran_in.append(asyncio.current_task())

    async def scenario() -> asyncio.Task[object] | None:
        started = time.perf_counter()
        await lesson.stop_early_and_drop(url, 4096, 2, 0.3, note)
        assert time.perf_counter() - started >= 0.3
        assert not ran_in, log  # not even when the consumer is done: only scheduled
        await wait_until(lambda: ran_in, 5, "the finally")
        return asyncio.current_task()

    consumer = asyncio.run(scenario())
    assert log[-4:] == [
        "consumer: chunk 2",
        "consumer: broke out of the loop, no aclose()",
        "consumer: del chunks (the last reference)",
        "generator: finally ran after chunk 2: connection closed",
    ], log
    assert ran_in[0] is not None and ran_in[0] is not consumer  # a task the loop started


def test_a_refused_download_raises_the_servers_reason_from_the_generator(server: DemoServer):
    log: list[str] = []
    url = lesson.download_url(server.url, 5000, 1, 0.0)

    async def scenario() -> int:
        return await lesson.read_all(lesson.numbered_chunks(url, 4096, log.append), log.append)

    with pytest.raises(lesson.DownloadRefused, match="at most 1000 pieces"):
        asyncio.run(scenario())
    assert log[-1] == "generator: finally ran after chunk 0: connection closed"
