"""Lesson `own_loop`: async def coroutines driven by a twenty-line loop, without asyncio."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from guidemo.lessons.own_loop import (
    Nap,
    nap,
    on_asyncio,
    on_own_loop,
    on_trio,
    run,
    trio_installed,
)

pytestmark = [pytest.mark.no_qt, pytest.mark.fast, pytest.mark.timeout(30)]
TAKING_TURNS = ["A: 3", "B: 2", "A: 2", "B: 1", "A: 1", "A: lift-off", "B: lift-off"]


def test_it_needs_no_asyncio_at_all() -> None:
    code = (
        "import sys; from guidemo.lessons.own_loop import on_own_loop; "
        "on_own_loop(lambda line: None, 0.01); assert 'PySide6' not in sys.modules; "
        "assert not sys.modules['asyncio'].events._get_running_loop()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def assert_taking_turns(said: list[str]) -> None:
    """Each countdown in its own order, and they took turns. The lift-offs are 50 ms apart:
    beside a second suite, A's three late wake-ups put its lift-off after B's (on asyncio,
    then on this loop)."""
    assert sorted(said) == sorted(TAKING_TURNS)
    for name in "AB":
        assert [x for x in said if x[0] == name] == [x for x in TAKING_TURNS if x[0] == name]
    assert said.index("B: 2") < said.index("A: 2"), "they took turns"


def test_coroutines_take_turns_and_wait_together() -> None:
    said: list[tuple[float, str]] = []
    started = time.monotonic()
    on_own_loop(lambda line: said.append((time.monotonic() - started, line)), pause_s=0.1)
    assert_taking_turns([line for _, line in said])
    at = {line: when for when, line in said}
    took = max(at.values())
    assert took >= 0.34, "B's two naps of 0.175 s"
    # They wait together: the countdowns' spans (0.3 and 0.35 s) overlap by A's 0.3 s; one
    # after the other, not at all. Late wake-ups on a busy machine stretch both alike.
    spans = at["A: lift-off"] - at["A: 3"] + at["B: lift-off"] - at["B: 2"]
    assert spans - took > 0.25, (spans, took)


def test_send_none_runs_to_the_next_await_and_hands_back_the_nap() -> None:
    steps: list[str] = []

    async def two_steps() -> str:
        steps.append("first")
        await nap(0.05)
        steps.append("second")
        return "done"

    coro = two_steps()
    request = coro.send(None)
    assert isinstance(request, Nap) and request.seconds == 0.05 and steps == ["first"]
    with pytest.raises(StopIteration) as stopped:
        coro.send(None)
    assert stopped.value.value == "done" and steps == ["first", "second"]
    run()  # no coroutines: the loop ends at once


def test_the_same_program_on_asyncio_says_the_same() -> None:
    said: list[str] = []
    on_asyncio(said.append, pause_s=0.1)
    assert_taking_turns(said)


@pytest.mark.skipif(not trio_installed(), reason="trio is optional and not installed")
def test_the_same_program_on_trio() -> None:
    said: list[str] = []
    on_trio(said.append, pause_s=0.1)
    assert_taking_turns(said)
