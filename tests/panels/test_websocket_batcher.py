"""The websocket panel's run-state, without a window: one flush per frame, and the push and
poll statistics that turn a frame's items into bounded log lines, counts and summaries."""

from __future__ import annotations

import pytest

from guidemo.panels.websocket.batcher import (
    BAD_ROWS_PER_S,
    MAX_ROW,
    POINTS_MAX,
    TICK_ROWS_PER_FRAME,
    Connected,
    FrameBatcher,
    Item,
    Note,
    Polled,
    PollStats,
    Problem,
    Pushed,
    PushStats,
    Rejected,
    Sorter,
    Tick,
    age_text,
    bounded,
    latency_text,
    sample_ages,
)
from guidemo.widgets.palette import BAD, GOOD, NOTE
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(60), pytest.mark.fast]


def tick(seq: int, t: float, value: float = 0.5) -> Tick:
    message = {"type": "tick", "seq": seq, "t": t, "value": value}
    return Tick(message, t + 0.002)  # received 2 ms after the server stamped it


def sorter(rate: float = 50) -> Sorter:
    return Sorter(PushStats(rate=rate), PollStats())


def test_ticks_in_a_row_are_counted_and_logged() -> None:
    s = sorter()
    frame = s.sort([tick(1, 100.0), tick(2, 100.02, -0.25)], now=100.1)
    assert s.push.messages == 2 and s.push.missed == 0 and s.push.last_seq == 2
    assert frame.pushed == [100.0, 100.02]
    assert [color for _, color in frame.lines] == [None, None]
    assert frame.lines[1][0] == "#2      -0.250   2.0 ms"
    assert list(s.push.points) == [(100.0, 0.5), (100.02, -0.25)]


def test_a_seq_gap_and_a_reconnect_are_counted_as_missed() -> None:
    s = sorter()
    frame = s.sort([tick(1, 100.0), tick(4, 100.06)], now=100.1)
    assert s.push.missed == 2
    assert frame.lines[1] == ("seq jumped 1 → 4", NOTE)
    # The server went away for 2 s; the new connection goes on with the same clock.
    frame = s.sort([Connected("ws://x", 50.0), tick(104, 102.08)], now=102.1)
    assert s.push.connections == 1
    assert frame.lines[0] == ("· connected (ws://x)", GOOD)
    assert frame.lines[1] == ("reconnected: missed 100 ticks (2.02 s away at 50/s)", NOTE)
    assert s.push.missed == 2 + 100


def test_a_rate_change_starts_counting_afresh() -> None:
    s = sorter(rate=10)
    s.sort([tick(100, 10.0)], now=10.1)
    frame = s.sort([Pushed({"type": "rate", "rate": 100}, 10.2), tick(1020, 10.2)], now=10.3)
    assert frame.lines[0] == ("· the server now pushes 100 ticks/s", NOTE)
    assert s.push.missed == 0 and s.push.rate == 100  # seq 100 -> 1020 is no gap


def test_bad_messages_errors_echoes_and_notes_become_coloured_lines() -> None:
    s = sorter()
    items = [
        Pushed({"type": "echo", "text": "hi"}, 1.0),
        Pushed({"type": "error", "error": "rate must be 1..500"}, 1.0),
        Rejected("not JSON: 'x'"),
        Problem("disconnected: gone"),
        Note("server started again"),
    ]
    frame = s.sort(items, now=1.0)
    assert frame.lines == [
        ("echo: 'hi'", GOOD),
        ("✖ the server says: rate must be 1..500", BAD),
        ("✖ bad message: not JSON: 'x'", BAD),
        ("✖ disconnected: gone", BAD),
        ("· server started again", NOTE),
    ]
    assert s.push.bad_messages == 2  # the server's error and the malformed one, not ours
    assert s.push.messages == 0 and frame.pushed == []


def test_one_broken_item_is_one_row_and_the_rest_of_the_frame_is_kept() -> None:
    s = sorter()
    items = [tick(1, 100.0), Pushed({"type": "echo"}, 1.0), tick(2, 100.02)]
    frame = s.sort(items, now=100.1)
    assert [line for line, _ in frame.lines if line.startswith("#")] == [
        "#1      +0.500   2.0 ms",
        "#2      +0.500   2.0 ms",
    ]
    assert ("✖ bad message: could not use it (KeyError: 'text')", BAD) in frame.lines


def test_rows_are_bounded_and_bad_ones_rate_limited() -> None:
    s = sorter()
    huge = Pushed({"type": "error", "error": "x" * 1_000_000}, 1.0)
    frame = s.sort([huge] * 500, now=1.0)
    assert len(frame.lines) == BAD_ROWS_PER_S
    assert all(len(line) <= MAX_ROW for line, _ in frame.lines)
    assert s.push.bad_messages == 500
    later = s.sort([], now=2.1)  # the second is over: one row says how many were not listed
    assert later.lines == [(f"✖ … 490 more bad not listed (at most {BAD_ROWS_PER_S}/s)", BAD)]
    assert bounded("a\nb") == "a b"


def test_a_flood_of_ticks_lists_the_newest_and_says_how_many_were_not() -> None:
    s = sorter(rate=500)
    frame = s.sort([tick(n, 100 + n / 10_000) for n in range(1, 201)], now=101.0)
    listed = [line for line, _ in frame.lines if line.startswith("#")]
    assert len(listed) == TICK_ROWS_PER_FRAME and listed[-1].startswith("#200 ")
    assert frame.lines[-1] == ("· 160 ticks not listed (at most 40 a frame)", NOTE)
    assert s.push.messages == 200 and len(frame.pushed) == 200
    # Points closer than 1.9 ms are thinned out; never more than POINTS_MAX are kept.
    assert len(s.push.points) == 11  # 200 ticks in 20 ms: one point per 1.9 ms or more
    s.sort([tick(n, 200 + n / 100) for n in range(1, 2 * POINTS_MAX)], now=300.0)
    assert len(s.push.points) == POINTS_MAX


def test_shown_records_delays_and_ages_and_the_summary_says_them() -> None:
    s = sorter()
    frame = s.sort([tick(1, 100.0), tick(2, 100.01)], now=100.02)
    delays = frame.shown(100.02, s.push, s.poll)
    assert delays == pytest.approx([20.0, 10.0])
    assert list(s.push.redraws) == [100.02] and s.push.shown_t == 100.01
    sample_ages(100.06, s.push, None)  # a frame later: the value on screen is 50 ms old
    assert list(s.push.ages) == pytest.approx([50.0])
    text = s.push.summary(100.5)
    assert "<b>push</b>: 2 messages over 0 connection(s), 2/s in 1 redraws/s" in text
    assert "server → screen p50 <b>15.0 ms</b>" in text
    assert "value on screen p50 <b>50 ms</b>, max 50 ms old" in text
    assert "missed 0 · bad 0 · requests: 1 per connection" in text
    assert "0/s in 0 redraws/s" in s.push.summary(102.0)  # a second later, the windows empty


def test_polling_counts_the_ticks_of_the_same_stream_it_never_saw() -> None:
    s = sorter()
    assert s.poll.summary(polling=False) == "<b>poll</b>: off"
    items = [
        Polled({"seq": seq, "t": 100 + seq / 50, "value": 0.0, "rate": 50}, 0.0)
        for seq in (5, 5, 9)
    ]
    s.poll.polls = 3
    frame = s.sort(items, now=1.0)
    assert frame.polled == [100.1, 100.1, 100.18] and frame.lines == []
    assert (s.poll.seen, s.poll.skipped) == (2, 3)
    frame.shown(100.2, s.push, s.poll)
    sample_ages(100.3, None, s.poll)  # between polls the screen gets older
    sample_ages(100.4, None, s.poll)
    s.poll.failed(TimeoutError())
    text = s.poll.summary(polling=True)
    assert "<b>poll</b>: 4 requests" in text and "saw 2 of 5 ticks (at 50/s" in text
    assert "missed 3" in text and "value on screen p50 <b>170 ms</b>, max 220 ms old" in text
    assert f"color:{BAD}" in text and "1 failed (TimeoutError)" in text
    # Another rate: other seqs, so no gap is counted across the change.
    s.sort([Polled({"seq": 900, "t": 101.0, "value": 0.0, "rate": 100}, 0.0)], now=2.0)
    assert s.poll.skipped == 3 and s.poll.rate == 100


def test_latency_and_age_text_before_and_after_samples() -> None:
    assert latency_text([]) == "—" and age_text([]) == "—"
    assert latency_text([1.0, 2.0, 3.0]).startswith("p50 <b>2.0 ms</b>, p99 ")
    assert age_text([10.0, 20.0, 90.0]) == "p50 <b>20 ms</b>, max 90 ms"


def test_the_batcher_flushes_once_per_frame_and_stops_when_idle(run) -> None:
    flushed: list[list[Item]] = []
    batcher = FrameBatcher(flushed.append, keep_ticking=lambda: False)

    async def scenario() -> None:
        for seq in range(50):
            batcher.add(Note(str(seq)))
        assert batcher.timer.isActive() and flushed == []  # nothing drawn per message
        await wait_until(lambda: not batcher.timer.isActive(), what="the timer stopped")

    run(scenario())
    assert flushed[0] == [Note(str(seq)) for seq in range(50)]  # all of them in one flush
    assert flushed[1:] == [[]]  # then one empty frame, and the idle batcher stops
    batcher.deleteLater()
