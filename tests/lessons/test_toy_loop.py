"""Lesson `toy_loop`: first in, first out; a slow handler delays every event behind it;
slow motion and the line markers tell the truth about where the toy is. No window."""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from guidemo.lessons import toy_loop
from guidemo.lessons.toy_loop import (
    TOY_LINE_MARKERS,
    ToyEvent,
    ToyEventLoop,
    drive_toy_loop,
    quick_handler,
    slow_handler,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]


async def handle_all(toy: ToyEventLoop, count: int, timeout: float = 10.0) -> None:
    """Drive `toy` with its real driver until `count` events are handled."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="toy-test") as cpu:
        go = asyncio.Event()
        go.set()
        driver = asyncio.create_task(drive_toy_loop(toy, cpu, go))
        deadline = loop.time() + timeout
        try:
            while len(toy.handled) < count:
                assert loop.time() < deadline, f"handled {len(toy.handled)} of {count}"
                await asyncio.sleep(0.01)
        finally:
            toy.stopping.set()
            driver.cancel()
            await asyncio.gather(driver, return_exceptions=True)


def test_events_are_handled_in_order_and_a_slow_one_delays_those_behind():
    toy = ToyEventLoop()
    kinds = ["quick", "slow", "quick", "quick"]
    for number, kind in enumerate(kinds, 1):
        toy.post(ToyEvent(number, kind, slow_handler if kind == "slow" else quick_handler))
    asyncio.run(handle_all(toy, len(kinds)))

    assert [event.name for event in toy.handled] == ["quick #1", "slow #2", "quick #3", "quick #4"]
    took = [event.handler_ms for event in toy.handled]
    waited = [event.waited_ms for event in toy.handled]
    # Quiet: 20 ms and 1 s of work, the first event waited under 0.5 s and those behind the
    # slow one 0.9 s or more. The first one's wait includes starting the toy's thread, which
    # a busy machine can make last seconds (a thread may wait 1-2 s for a CPU), and so can
    # any wake-up: each is measured against the slow handler's own time, which the same
    # load stretches. Those behind it waited all of that, the first one far less (less
    # the time posting them took, microseconds quiet).
    assert 15 <= took[0] < took[1] / 2 and took[1] >= 950, took
    posting = (toy.handled[-1].posted_at - toy.handled[0].posted_at) * 1000
    assert min(waited[2:]) >= took[1] - posting, (waited, took)
    assert min(waited[2:]) - waited[0] >= 0.8 * took[1] - posting, (waited, took)
    assert toy.current is None and not toy.queue


def test_run_one_on_an_empty_queue_does_nothing():
    toy = ToyEventLoop()
    assert toy.run_one() is None
    assert not toy.handled and toy.line == "wait"


def test_stopping_cuts_a_slow_handler_short():
    toy = ToyEventLoop()
    toy.stopping.set()
    toy.post(ToyEvent(1, "slow", slow_handler))
    event = toy.run_one()
    assert event is not None and event.handler_ms < 200, "quitting does not wait a second"


def test_the_toy_says_which_line_it_is_on_and_pauses_before_each_in_slow_motion():
    toy = ToyEventLoop()
    toy.slow_motion_s = 0.05
    seen: list[tuple[str, ToyEvent | None]] = []

    def spy(toy: ToyEventLoop) -> None:
        seen.append((toy.line, toy.current))

    toy.post(ToyEvent(1, "quick", spy))
    event = toy.run_one()
    assert seen == [("call", event)], "the handler runs while the toy is on 'call'"
    assert toy.line == "log" and toy.current is None
    assert event is not None and event.waited_ms >= 2 * 50 - 5, "stops before pop and call"
    # The toy counts its pauses: the log can say how much of a wait was slow motion.
    assert 2 * 50 - 5 <= event.slow_motion_ms <= event.waited_ms, event
    assert toy.slowed_s * 1000 >= 3 * 50 - 5, "three stops a turn: pop, call, log"


def test_at_full_speed_no_part_of_a_wait_is_slow_motion():
    toy = ToyEventLoop()
    toy.post(ToyEvent(1, "quick", lambda toy: None))
    toy.post(ToyEvent(2, "quick", lambda toy: None))
    toy.run_one()
    toy.slow_motion_s = 0.02  # slowed down while #2 waits: its wait includes those pauses
    toy.run_one()
    assert toy.handled[0].slow_motion_ms == 0.0
    assert toy.handled[1].slow_motion_ms >= 2 * 20 - 5, toy.handled[1]


def test_the_log_keeps_the_latest_events_only():
    toy = ToyEventLoop()
    for number in range(1, toy_loop.KEEP_HANDLED + 51):
        toy.post(ToyEvent(number, "quick", lambda toy: None))
        toy.run_one()
    assert len(toy.handled) == toy_loop.KEEP_HANDLED, "bounded: a long session never grows it"
    assert toy.handled[0].number == 51 and toy.handled[-1].number == toy_loop.KEEP_HANDLED + 50


def line_value_before(obj: Callable[..., object], fragment: str) -> str:
    """The value the toy's `line` was last set to above the line holding `fragment`."""
    lines = inspect.getsource(obj).splitlines()
    index = next(i for i, text in enumerate(lines) if fragment in text)
    for text in reversed(lines[:index]):
        setting = re.search(r'(?:_at\(|\.line = )"(\w+)"', text)
        if setting:
            return setting.group(1)
    raise AssertionError(f"nothing sets the line above {fragment!r}")


def test_each_line_marker_points_at_a_line_that_runs_while_the_toy_says_so():
    assert set(TOY_LINE_MARKERS) == {"wait", "pop", "call", "log"}
    for name, (obj, fragment) in TOY_LINE_MARKERS.items():
        assert line_value_before(obj, fragment) == name, (name, fragment)


def test_importing_the_lesson_leaves_qt_out():
    code = f"import sys, {toy_loop.__name__}; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
