"""The websocket panel's run-state, without a window: one flush per frame, and the push and
poll statistics that turn a frame's items into log lines, counts and summary lines."""

from __future__ import annotations

from typing import Any

import pytest

from guidemo.panels.websocket.batcher import (
    FrameBatcher,
    PollStats,
    PushStats,
    latency_text,
    sort_frame,
)
from guidemo.widgets.palette import BAD, GOOD, NOTE
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(60)


def tick(seq: int, t: float, value: float = 0.5) -> tuple[Any, ...]:
    message = {"type": "tick", "seq": seq, "t": t, "value": value}
    return ("tick", message, t + 0.002)  # received 2 ms after the server stamped it


def test_ticks_in_a_row_are_counted_and_logged() -> None:
    push, poll = PushStats(rate=50), PollStats()
    frame = sort_frame([tick(1, 100.0), tick(2, 100.02, -0.25)], push, poll, rate=50)
    assert push.messages == 2 and push.missed == 0 and push.last_seq == 2
    assert frame.pushed == [100.0, 100.02]
    assert [color for _, color in frame.lines] == [None, None]
    assert frame.lines[1][0] == "#2     -0.250  after  2.0 ms"
    assert list(push.points) == [(100.0, 0.5), (100.02, -0.25)]


def test_a_seq_gap_and_a_reconnect_are_counted_as_missed() -> None:
    push, poll = PushStats(rate=50), PollStats()
    frame = sort_frame([tick(1, 100.0), tick(4, 100.06)], push, poll, rate=50)
    assert push.missed == 2
    assert frame.lines[1] == ("seq jumped 1 → 4", NOTE)
    # The server went away for 2 s; the new connection starts again at seq 1.
    frame = sort_frame([("connected", "ws://x"), tick(1, 102.06)], push, poll, rate=50)
    assert push.connections == 1
    assert frame.lines[0] == ("· connected (ws://x)", GOOD)
    assert frame.lines[1] == ("reconnected: missed ≈ 99 ticks (2.00 s at 50/s)", NOTE)
    assert push.missed == 2 + 99


def test_bad_messages_errors_echoes_and_notes_become_coloured_lines() -> None:
    push, poll = PushStats(), PollStats()
    items = [
        ("echo", {"type": "echo", "text": "hi"}, 1.0),
        ("error", {"type": "error", "error": "rate must be 1..500"}, 1.0),
        ("bad", "not JSON: 'x'"),
        ("error", "disconnected: gone"),
        ("note", "server started again"),
    ]
    frame = sort_frame(items, push, poll, rate=20)
    assert frame.lines == [
        ("echo: 'hi'", GOOD),
        ("✖ the server says: rate must be 1..500", BAD),
        ("✖ bad message: not JSON: 'x'", BAD),
        ("✖ disconnected: gone", BAD),
        ("· server started again", NOTE),
    ]
    assert push.bad_messages == 2  # the server's error and the malformed one, not ours
    assert push.messages == 0 and frame.pushed == []


def test_shown_records_the_delays_and_the_summary_says_them() -> None:
    push, poll = PushStats(rate=50), PollStats()
    frame = sort_frame([tick(1, 100.0), tick(2, 100.01)], push, poll, rate=50)
    delays = frame.shown(100.02, push, poll)
    assert delays == pytest.approx([20.0, 10.0])
    assert list(push.redraws) == [100.02]
    text = push.summary(100.5)
    assert "<b>push</b>: 2 messages over 0 connection(s), 2/s in 1 redraws/s" in text
    assert "server → screen p50 <b>15.0 ms</b>" in text
    assert "missed 0 · bad 0 · requests: 1 per connection" in text
    assert "0/s in 0 redraws/s" in push.summary(102.0)  # a second later, the windows empty


def test_polling_counts_the_ticks_it_never_saw() -> None:
    push, poll = PushStats(), PollStats()
    assert poll.summary(polling=False) == "<b>poll</b>: off"
    items = [("poll", {"seq": s, "t": 100 + s / 100, "value": 0.0}, 0.0) for s in (5, 5, 9)]
    poll.polls = 3
    frame = sort_frame(items, push, poll, rate=20)
    assert frame.polled == [100.05, 100.05, 100.09] and frame.lines == []
    assert (poll.seen, poll.skipped) == (2, 3)
    poll.failed(TimeoutError())
    text = poll.summary(polling=True)
    assert "<b>poll</b>: 4 requests" in text and "saw 2 of 5 server ticks" in text
    assert f"color:{BAD}" in text and "1 failed (TimeoutError)" in text


def test_latency_text_before_and_after_samples() -> None:
    assert latency_text([]) == "—"
    assert latency_text([1.0, 2.0, 3.0]).startswith("p50 <b>2.0 ms</b>, p99 ")


def test_the_batcher_flushes_once_per_frame_and_stops_when_idle(run) -> None:
    flushed: list[list[tuple[Any, ...]]] = []
    batcher = FrameBatcher(flushed.append, keep_ticking=lambda: False)

    async def scenario() -> None:
        for seq in range(50):
            batcher.add(("note", seq))
        assert batcher.timer.isActive() and flushed == []  # nothing drawn per message
        await wait_until(lambda: not batcher.timer.isActive(), what="the timer stopped")

    run(scenario())
    assert flushed[0] == [("note", seq) for seq in range(50)]  # all of them in one flush
    assert flushed[1:] == [[]]  # then one empty frame, and the idle batcher stops
    batcher.deleteLater()
