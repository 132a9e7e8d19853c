"""Lesson `scheduling`: each kind of scheduled call runs when asked and in the loop's thread,
call_soon is first in first out, a cancelled handle never runs, and the await-style job
gets its answer from the real demo server. Plain asyncio where no server is needed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import aiohttp
import pytest

from guidemo.lessons import scheduling
from guidemo.lessons.scheduling import (
    ScheduledCall,
    fetch_twice_with_await,
    schedule_at,
    schedule_from_thread,
    schedule_later,
    schedule_soon,
    summarize,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]


async def until(condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def test_every_kind_runs_in_the_loops_thread_soon_ones_first_then_by_time():
    ran: list[ScheduledCall] = []
    stop = threading.Event()

    async def scenario() -> list[ScheduledCall]:
        loop = asyncio.get_running_loop()
        calls = [ScheduledCall(n, kind) for n, kind in enumerate(["later", "at", "soon"], 1)]
        calls += [ScheduledCall(4, "thread"), ScheduledCall(5, "soon")]
        schedule_later(loop, 0.2, calls[0], ran.append)
        schedule_at(loop, 0.1, calls[1], ran.append)
        schedule_soon(loop, calls[2], ran.append)
        thread = schedule_from_thread(loop, 0.0, calls[3], ran.append, stop)
        schedule_soon(loop, calls[4], ran.append)
        await until(lambda: len(ran) == 5)
        thread.join(timeout=5)
        return calls

    later, at, soon, threaded, soon_again = asyncio.run(scenario())
    # call_soon: first in, first out, before any timer. The worker may beat the second
    # call_soon to the queue: it ran meanwhile, on a thread of its own.
    assert ran[0] is soon and ran.index(soon_again) < ran.index(at), ran
    assert ran.index(at) < ran.index(later)
    # The worker's call runs ahead of every timer not yet due when it asked (quiet, both of
    # them: it asks at once). Not "before the 0.1 s timer": beside a second suite a new
    # thread may wait 1-2 s for a CPU before it asks.
    not_due = [call for call in (at, later) if call.asked_for > threaded.asked_for]
    assert all(ran.index(threaded) < ran.index(call) for call in not_due), ran
    for call in (later, at):
        # Never early, exactly; late under 100 ms quiet, 0.1-0.6 s beside a second suite.
        assert -1 <= call.error_ms < 2000, f"a timer runs on time, never early: {call}"
    assert 190 <= (later.ran_at - soon.asked_for) * 1000 < 2200  # 200 quiet, as above
    main = threading.current_thread().name
    assert all(call.ran_in == main for call in ran), "every callback ran in the loop's thread"
    assert threaded.from_thread == "worker-4"


def test_a_cancelled_handle_never_runs():
    ran: list[ScheduledCall] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        kept, cancelled = ScheduledCall(1, "call_later"), ScheduledCall(2, "call_at")
        schedule_later(loop, 0.05, kept, ran.append)
        schedule_at(loop, 0.02, cancelled, ran.append).cancel()
        await until(lambda: ran)
        await asyncio.sleep(0.1)  # well past the cancelled one's time

    asyncio.run(scenario())
    assert [call.number for call in ran] == [1]


def test_a_worker_told_to_stop_hands_the_loop_nothing():
    ran: list[ScheduledCall] = []
    stop = threading.Event()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        thread = schedule_from_thread(loop, 10.0, ScheduledCall(1, "thread"), ran.append, stop)
        stop.set()
        await loop.run_in_executor(None, thread.join, 5.0)
        assert not thread.is_alive()
        await asyncio.sleep(0.02)

    asyncio.run(scenario())
    assert ran == []


def test_summarize_counts_the_items_and_sums_the_second_ids():
    first = {"items": [{"id": 1}, {"id": 2}]}
    second = {"items": [{"id": i} for i in range(1, 5)]}
    assert summarize(first, second) == "2 items, then 4 items, ids summing to 10"


def test_fetch_twice_with_await_against_the_demo_server(run, server):
    async def scenario() -> str:
        async with aiohttp.ClientSession() as session:
            return await fetch_twice_with_await(session, server.url)

    assert run(scenario()) == "3 items, then 6 items, ids summing to 15"


def test_fetch_twice_with_await_raises_on_an_http_error(run, server):
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            await fetch_twice_with_await(session, f"{server.url}/nothing-here")

    with pytest.raises(aiohttp.ClientResponseError):
        run(scenario())


def test_importing_the_lesson_leaves_qt_out():
    code = f"import sys, {scheduling.__name__}; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
