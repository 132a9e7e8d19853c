"""Panel `websocket`: pushed ticks reach the screen, the panel survives the server going
away and bad messages, stays live at 500 msg/s, and threads reach the GUI three ways."""

from __future__ import annotations

import re
import socket
import time

import pytest
from PySide6 import QtWidgets

from guidemo.panels.websocket import WebSocketPanel
from guidemo.panels.websocket.threads import WAYS
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(60)


def widget(panel: WebSocketPanel, kind: type, name: str):
    found = panel.findChild(kind, name)
    assert found is not None, name
    return found


def button(panel: WebSocketPanel, name: str) -> QtWidgets.QPushButton:
    return widget(panel, QtWidgets.QPushButton, name)


def log_text(panel: WebSocketPanel) -> str:
    return widget(panel, QtWidgets.QPlainTextEdit, "wsLog").toPlainText()


def label(panel: WebSocketPanel, name: str) -> str:
    return widget(panel, QtWidgets.QLabel, name).text()


def shown_count(panel: WebSocketPanel) -> int:
    """The number of messages the panel says it received."""
    match = re.search(r"(\d+) messages", label(panel, "wsLatencyLabel"))
    return int(match.group(1)) if match else 0


def connect(panel: WebSocketPanel, rate: int) -> None:
    widget(panel, QtWidgets.QSpinBox, "rateSpin").setValue(rate)
    button(panel, "connectButton").click()


def test_pushed_ticks_reach_plot_log_and_labels(window, run):
    panel = window.show_panel("websocket")

    async def scenario() -> None:
        connect(panel, 50)
        await wait_until(lambda: shown_count(panel) >= 25, what="25 ticks shown")
        assert "Connected" in label(panel, "wsStatusLabel")
        widget(panel, QtWidgets.QLineEdit, "messageEdit").setText("hi there")
        button(panel, "sendButton").click()
        await wait_until(lambda: "echo: 'hi there'" in log_text(panel), what="echo row")

    run(scenario())
    ticks = [line for line in log_text(panel).splitlines() if line.startswith("#")]
    seqs = [int(line.split()[0][1:]) for line in ticks]
    assert len(seqs) >= 25 and seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    xs, ys = panel.view.push_curve.getData()
    assert len(xs) >= 25 and min(xs) > -6 and max(xs) <= 0.5 and max(abs(ys)) <= 1.0
    text = label(panel, "wsLatencyLabel")
    p50 = float(re.search(r"server → screen p50 <b>([\d.]+) ms", text).group(1))
    assert 0 < p50 < 200, text  # a live loop shows a pushed tick within a frame or two
    assert "missed 0" in text and "bad 0" in text


def test_reconnects_after_server_restart_and_says_what_was_missed(window, run):
    panel = window.show_panel("websocket")

    async def scenario() -> None:
        connect(panel, 50)
        await wait_until(lambda: shown_count(panel) >= 10, what="first ticks")
        button(panel, "restartServerButton").click()
        await wait_until(
            lambda: "Disconnected" in label(panel, "wsStatusLabel"), 5, "disconnected state"
        )
        assert "reconnecting in" in label(panel, "wsStatusLabel")
        await wait_until(lambda: "reconnected: missed" in log_text(panel), 15, "reconnect")
        before = shown_count(panel)
        await wait_until(lambda: shown_count(panel) >= before + 10, what="ticks after reconnect")

    run(scenario())
    log = log_text(panel)
    assert "server going away" in log.lower() or "code 1001" in log, log[-2000:]
    assert "reconnecting in 0.25 s" in log
    lost = int(re.search(r"reconnected: missed ≈ (\d+) ticks", log).group(1))
    # Down 1.5 s, back after the next backoff step: at 50/s that is roughly 75..200 ticks.
    assert 50 <= lost <= 300, lost
    assert f"missed {lost}" in label(panel, "wsLatencyLabel")
    assert "Connected" in label(panel, "wsStatusLabel")
    assert button(panel, "restartServerButton").isEnabled()


def test_dead_port_backs_off_exponentially(window, run):
    panel = window.show_panel("websocket")
    with socket.socket() as probe:  # a port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    widget(panel, QtWidgets.QLineEdit, "wsUrlEdit").setText(f"ws://127.0.0.1:{port}/ws/ticks")

    async def scenario() -> None:
        button(panel, "connectButton").click()
        await wait_until(lambda: "reconnecting in 1 s" in log_text(panel), 10, "third failure")

    run(scenario())
    delays = re.findall(r"reconnecting in ([\d.]+) s", log_text(panel))
    assert delays[:3] == ["0.25", "0.5", "1"], delays
    assert "Disconnected" in label(panel, "wsStatusLabel")
    assert "ClientConnectorError" in log_text(panel)
    button(panel, "disconnectButton").click()
    assert "Not connected" in label(panel, "wsStatusLabel")


def test_malformed_message_is_an_error_row_and_the_stream_carries_on(window, run):
    panel = window.show_panel("websocket")

    async def scenario() -> int:
        connect(panel, 50)
        await wait_until(lambda: shown_count(panel) >= 5, what="first ticks")
        button(panel, "provokeBadButton").click()
        await wait_until(lambda: "✖ bad message" in log_text(panel), what="error row")
        after = shown_count(panel)
        await wait_until(lambda: shown_count(panel) >= after + 20, what="ticks after it")
        return after

    run(scenario())
    lines = log_text(panel).splitlines()
    bad = [i for i, line in enumerate(lines) if line.startswith("✖ bad message")]
    assert len(bad) == 1 and "not JSON: 'this is not json {'" in lines[bad[0]]
    assert sum(line.startswith("#") for line in lines[bad[0] :]) >= 10
    text = label(panel, "wsLatencyLabel")
    assert "bad 1" in text and "missed 0" in text, text
    assert "Connected" in label(panel, "wsStatusLabel")


def test_500_messages_per_second_keep_the_loop_live(window, run):
    panel = window.show_panel("websocket")

    async def scenario() -> tuple[float, float, int]:
        connect(panel, 500)
        await wait_until(lambda: shown_count(panel) >= 100, what="stream running")
        started, first = time.perf_counter(), panel.push_stats.messages
        await wait_until(
            lambda: panel.push_stats.messages >= first + 1000, 10, "1000 more messages"
        )
        took = time.perf_counter() - started
        await wait_until(lambda: shown_count(panel) >= first + 1000, what="label caught up")
        return started, took, panel.push_stats.messages - first

    started, took, received = run(scenario())
    stats = window.monitor.stats_since(started)
    assert stats.samples >= 40, "the lag probe kept running"
    assert stats.max_ms < 100, stats
    assert received / took > 350, f"{received} messages in {took:.2f} s"
    # Batched per frame: the panel says it drew the ~500 messages a second in ~60 redraws.
    text = label(panel, "wsLatencyLabel")
    per_s, redraws = map(int, re.search(r"(\d+)/s in (\d+) redraws/s", text).groups())
    assert per_s > 300 and 20 <= redraws <= 75, text
    assert "missed 0" in label(panel, "wsLatencyLabel")


def test_polling_counts_requests_and_ticks_it_never_saw(window, run):
    panel = window.show_panel("websocket")
    widget(panel, QtWidgets.QSpinBox, "pollIntervalSpin").setValue(50)

    async def scenario() -> None:
        button(panel, "pollButton").click()
        await wait_until(
            lambda: (
                "20 requests" in label(panel, "pollLatencyLabel")
                or (panel.poll_stats.polls > 20 and "requests" in label(panel, "pollLatencyLabel"))
            ),
            what="20 polls",
        )

    run(scenario())
    button(panel, "pollButton").click()  # stop
    text = label(panel, "pollLatencyLabel")
    seen, total = map(int, re.search(r"saw (\d+) of (\d+) server ticks", text).groups())
    assert total > 2 * seen, text  # a 100/s clock polled every 50 ms: most ticks are missed
    assert len(panel.view.poll_curve.getData()[0]) >= 10


def test_three_ways_from_a_thread_deliver_everything_in_order(window, run):
    panel = window.show_panel("websocket")
    widget(panel, QtWidgets.QSpinBox, "threadCountSpin").setValue(400)
    table = widget(panel, QtWidgets.QTableWidget, "threadWaysTable")

    async def scenario() -> None:
        button(panel, "threadDemoButton").click()
        assert not button(panel, "threadDemoButton").isEnabled()
        await wait_until(lambda: button(panel, "threadDemoButton").isEnabled(), 30, "demo end")

    run(scenario())
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(3)]
    assert [row[0] for row in rows] == list(WAYS)
    for row in rows:
        assert row[1:4] == ["400 / 400", "yes", "yes"], row
        assert 0 < float(row[4]) <= float(row[5]) < 1000, row


def test_the_hooks_the_benchmark_drives(window, run):
    """guidemo.bench measures push -> screen through exactly these: keep them working."""
    panel = window.show_panel("websocket")

    async def scenario() -> list[float]:
        panel.rate_spin.setValue(100)
        panel.connect_push()
        await wait_until(lambda: panel.ws is not None, what="connected")
        sink: list[float] = []
        panel.latency_sink = sink
        await wait_until(lambda: len(sink) >= 30, what="30 delays in the sink")
        panel.latency_sink = None
        panel.disconnect_push()
        return sink

    sink = run(scenario())
    assert all(0 < delay < 500 for delay in sink), sink
    assert panel.ws is None
    assert "Not connected" in label(panel, "wsStatusLabel")
