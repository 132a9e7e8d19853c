"""Panel `websocket` against hostile peers made of raw sockets: every bad message is one
bounded row, the rest of its batch is kept, logging is rate-limited, the plot and the log
stay bounded, a flood of 10,000 messages/s leaves the loop live, and bad URLs or a server
that never answers the handshake get a clear message instead of an error or a hang."""

from __future__ import annotations

import socket
import time

import pytest
from PySide6 import QtWidgets

from guidemo.panels.websocket import WebSocketPanel
from tests.helpers import live_probes, wait_until
from tests.ws_peer import BINARY, RawWebSocketPeer, frame, tick_frame

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("websocket")]

MAX_ROW = 300  # no log row may be longer than this


def log_lines(panel: WebSocketPanel) -> list[str]:
    log = panel.findChild(QtWidgets.QPlainTextEdit, "wsLog")
    return log.toPlainText().splitlines()


def error_rows(window) -> int:
    return window.findChild(QtWidgets.QListWidget, "errorLog").count()


def connect_to(panel: WebSocketPanel, url: str) -> None:
    panel.findChild(QtWidgets.QLineEdit, "wsUrlEdit").setText(url)
    panel.findChild(QtWidgets.QPushButton, "connectButton").click()


def test_each_hostile_message_is_one_bounded_row_and_the_batch_goes_on(window, run):
    panel = window.show_panel("websocket")
    now = time.time()
    script = [
        tick_frame(1, now),
        frame('{"type": "tick", "seq": 2, "t": ' + "9" * 400 + ', "value": 0.5}'),
        frame('{"type": "echo"}'),  # an echo without its text
        frame('{"type": "error", "error": "' + "x" * 2_000_000 + '"}'),
        frame(b"\x00\x01\x02binary", BINARY),
        tick_frame(3, now + 3600),  # stamped an hour ahead
        frame("this is not json {"),
        *(tick_frame(seq, now) for seq in range(4, 31)),
    ]
    errors_before = error_rows(window)

    with RawWebSocketPeer(script) as peer:

        async def scenario() -> None:
            connect_to(panel, peer.url)
            await wait_until(lambda: any(line.startswith("#30 ") for line in log_lines(panel)))

        run(scenario())
        panel.disconnect_push()

    lines = log_lines(panel)
    bad = [line for line in lines if line.startswith("✖")]
    assert len(bad) == 6, bad
    assert any(line.startswith("✖ the server says: xxx") for line in bad), bad
    assert all(len(line) <= MAX_ROW for line in lines), max(map(len, lines))
    assert any("binary" in line for line in bad) and any("in the future" in line for line in bad), (
        bad
    )
    shown = [int(line.split()[0][1:]) for line in lines if line.startswith("#")]
    assert shown == [1, *range(4, 31)]  # the rest of the batch was kept
    assert panel.push_stats.bad_messages == 6
    assert error_rows(window) == errors_before
    xs, _ = panel.view.push_curve.getData()
    assert max(xs) <= 1.0  # nothing drawn from the future


def test_a_flood_of_bad_messages_is_counted_but_listed_at_a_limited_rate(window, run):
    panel = window.show_panel("websocket")
    script = [frame(f"garbage {n} " + "y" * 500) for n in range(3000)]

    with RawWebSocketPeer(script) as peer:

        async def scenario() -> None:
            connect_to(panel, peer.url)
            await wait_until(lambda: panel.push_stats.bad_messages >= 3000, 20, "3000 counted")
            await wait_until(lambda: "bad 3,000" in panel.view.push_label.text(), 5, "label")
            await wait_until(lambda: any("not listed" in x for x in log_lines(panel)), 5, "sum")

        run(scenario())
        panel.disconnect_push()

    lines = log_lines(panel)
    listed = [line for line in lines if line.startswith("✖ bad message")]
    assert 1 <= len(listed) <= 50, len(listed)
    unlisted = [line for line in lines if "not listed" in line]
    assert sum(int(line.split()[2].replace(",", "")) for line in unlisted) == 3000 - len(listed)
    assert all(len(line) <= MAX_ROW for line in lines)


def test_a_tick_from_the_future_does_not_pin_old_points_in_the_plot(window, run):
    panel = window.show_panel("websocket")
    now = time.time()
    old = [tick_frame(seq, now - 30 + seq / 1000) for seq in range(2, 2002)]  # 30 s old

    with RawWebSocketPeer([tick_frame(1, now + 3600), *old]) as peer:

        async def scenario() -> None:
            connect_to(panel, peer.url)
            await wait_until(lambda: panel.push_stats.messages >= 2000, what="2000 ticks")
            await wait_until(lambda: len(panel.push_stats.points) < 10, 5, "old points dropped")

        run(scenario())
        panel.disconnect_push()


@pytest.mark.needs_quiet
def test_10000_messages_a_second_leave_the_loop_live_and_memory_bounded(window, run):
    panel = window.show_panel("websocket")

    with RawWebSocketPeer(flood_rate=10_000) as peer:

        async def scenario() -> tuple[float, int]:
            connect_to(panel, peer.url)
            # Six seconds in, the plot's 5 s window is full: measure from then on.
            await wait_until(lambda: panel.push_stats.messages >= 60_000, 30, "flood arriving")
            started, first = time.perf_counter(), panel.push_stats.messages
            await wait_until(lambda: panel.push_stats.messages >= first + 30_000, 30, "30k more")
            return started, panel.push_stats.messages - first

        started, received = run(scenario())
        took = time.perf_counter() - started
        panel.disconnect_push()

    stats = window.monitor.stats_since(started)
    assert received / took > 5000, f"{received} in {took:.1f} s"
    # The old code, in this very test: p99 196 ms, freezes of 0.18-0.25 s in the plot and
    # the log; now about 40 ms on a busy machine.
    assert stats.samples >= live_probes(took) and stats.p99_ms < 100, stats
    assert len(panel.push_stats.points) <= 5000
    assert len(log_lines(panel)) <= 400


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ws://[::1", "not a valid URL"),
        ("ws://127.0.0.1:99999/ws/ticks", "port"),
        ("", "empty"),
        ("/ws/ticks", "ws://"),
        ("ws://" + "a" * 300 + "/ws/ticks", "host"),
        ("http://127.0.0.1:1/ws/ticks", "ws://"),
    ],
)
def test_a_bad_url_is_refused_with_a_message_before_connecting(window, run, url, says):
    panel = window.show_panel("websocket")
    errors_before = error_rows(window)

    async def scenario() -> None:
        connect_to(panel, url)
        panel.findChild(QtWidgets.QPushButton, "pollButton").click()  # polling checks it too
        await wait_until(lambda: not panel.tasks, 2, "no task started")

    run(scenario())
    status = panel.view.status_label.text()
    assert says.lower() in status.lower(), status
    assert "Connecting" not in status
    assert panel.poll_stats.polls == 0
    assert not panel.view.poll_button.isChecked()
    assert error_rows(window) == errors_before


def test_a_server_that_never_answers_the_handshake_times_out(window, run):
    panel = window.show_panel("websocket")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, then says nothing
        port = silent.getsockname()[1]

        async def scenario() -> None:
            connect_to(panel, f"ws://127.0.0.1:{port}/ws/ticks")
            await wait_until(lambda: "timed out" in panel.view.status_label.text(), 15, "a timeout")

        run(scenario())
        panel.disconnect_push()
    assert "reconnecting in" in panel.view.status_label.text() or "Not connected" in (
        panel.view.status_label.text()
    )
