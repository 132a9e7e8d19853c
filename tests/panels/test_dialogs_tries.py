"""The dialogs panel's models, without a window: a try's numbers and words, and the catcher
of refused task wake-ups (other errors pass through; refused ones are delivered again)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from guidemo.panels.dialogs.refused import RefusedWakeups
from guidemo.panels.dialogs.tries import COLUMNS, Counters, Try, short_refusal

REFUSAL = (
    "Cannot enter into task <Task pending name='dialogs: ticker' coro=<tick() running at "
    "/x/dialogs.py:112> wait_for=<Future finished result=None> cb=[Panel._task_done()]> while "
    "another task <Task pending name='dialogs: exec() in a coroutine' coro=<DialogsPanel._try()"
    " running at /x/__init__.py:151> cb=[Panel._task_done()]> is being executed."
)

pytestmark = pytest.mark.fast


def a_try(way: str, ticks: int, callbacks: int, nbytes: int, **extra: Any) -> Try:
    return Try(
        way,
        0.01,
        Counters(10.0, 500, 500, 40_000),
        Counters(12.0, 500 + ticks, 500 + callbacks, 40_000 + nbytes),
        answer="OK",
        **extra,
    )


def test_a_held_loop_reads_as_stood_still_with_its_pause():
    held = a_try("exec", 0, 0, 0, pauses=[(1.97, "exec() in ask_blocking() (dialogs.py:89)")])
    assert (held.open_s, held.expected_ticks, held.kept_going) == (2.0, 200, False)
    assert held.cells() == [
        "exec() in a coroutine",
        "OK",
        "2.00",
        "0 of ~200",
        "0",
        "0.0",
        "1.97 s by exec() in ask_blocking() (dialogs.py:89)",
    ]
    assert len(held.cells()) == len(COLUMNS)
    text = held.summary_html()
    assert "asyncio stood still" in text and "asyncio paused 1.97 s by exec()" in text


def test_a_live_loop_reads_as_kept_going_and_names_why_for_the_slot():
    live = a_try("slot", 198, 199, 80_000)
    assert live.kept_going and live.cells()[3:6] == ["198 of ~200", "199", "80.0"]
    assert live.pause_text() == "none"
    assert "kept going" in live.summary_html() and "Qt called the slot" in live.summary_html()
    assert a_try("await", 3, 0, 0).kept_going  # held, the loop runs none
    assert not a_try("await", 2, 0, 0).kept_going  # a tick at either edge of the dialog
    slow = a_try("await", 24, 0, 0)  # a busy machine's late timers: not "stood still"
    assert slow.kept_going and "asyncio stood still" not in slow.summary_html()


def test_on_qasync_the_refusals_are_named_and_no_pause_is_claimed():
    refused = a_try("exec", 0, 199, 0, refused=[REFUSAL], loop_kind="qasync")
    assert refused.pause_text() == "none: stock qasync records no pauses"
    text = refused.summary_html()
    assert "qasync kept running plain callbacks" in text and "1 RuntimeError(s)" in text
    assert short_refusal(REFUSAL) == (
        "RuntimeError: Cannot enter into task 'dialogs: ticker' while another task "
        "'dialogs: exec() in a coroutine' is being executed"
    )
    assert short_refusal("something else") == "something else"


def test_refused_wakeups_are_delivered_again_and_other_errors_pass_through():
    loop = asyncio.new_event_loop()
    seen: list[str] = []
    ran: list[tuple[str, int]] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context["message"]))
    try:
        catcher = RefusedWakeups(loop)
        with catcher:
            refused = asyncio.Handle(lambda *args: ran.append(args), ("again", 7), loop)
            loop.call_exception_handler(
                {"message": "refused", "exception": RuntimeError(REFUSAL), "handle": refused}
            )
            loop.call_exception_handler({"message": "other", "exception": ValueError("x")})
            assert ran == [] and seen == ["other"]
        loop.run_until_complete(asyncio.sleep(0))
        assert ran == [("again", 7)], "delivered once the `with` block is left"
        assert catcher.messages == [REFUSAL] and seen == ["other"]
        loop.call_exception_handler({"message": "after", "exception": RuntimeError(REFUSAL)})
        assert seen == ["other", "after"], "the previous handler is back"
    finally:
        loop.close()
