"""Panel `limits`: the three ways against the real rate-limited endpoint, drawn and compared."""

from __future__ import annotations

import asyncio
import socket

import pytest
from PySide6 import QtWidgets

from guidemo.panels.limits import COLUMNS, LimitsPanel
from guidemo.panels.limits.chart import LimitsChart
from tests.helpers import button, wait_until, widget

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("limits")]


def idle(panel: LimitsPanel) -> bool:
    return button(panel, "allWaysButton").isEnabled()


def setup(window, count: int, rate: int, latency: float, in_flight: int, pace: int) -> LimitsPanel:
    panel = window.show_panel("limits")
    widget(panel, QtWidgets.QSpinBox, "requestCountSpin").setValue(count)
    widget(panel, QtWidgets.QSpinBox, "limitRateSpin").setValue(rate)
    widget(panel, QtWidgets.QDoubleSpinBox, "limitLatencySpin").setValue(latency)
    widget(panel, QtWidgets.QSpinBox, "semaphoreSpin").setValue(in_flight)
    widget(panel, QtWidgets.QSpinBox, "paceSpin").setValue(pace)
    return panel


def rows(panel: LimitsPanel) -> list[dict[str, str]]:
    table = widget(panel, QtWidgets.QTableWidget, "limitsTable")
    return [
        {key: table.item(r, c).text() for c, key in enumerate(COLUMNS)}
        for r in range(table.rowCount())
    ]


def click_and_wait(run, panel: LimitsPanel, name: str, timeout: float = 30) -> None:
    async def scenario() -> None:
        button(panel, name).click()
        assert not idle(panel) and button(panel, "cancelButton").isEnabled()
        assert not widget(panel, QtWidgets.QSpinBox, "requestCountSpin").isEnabled()
        await wait_until(lambda: idle(panel), timeout, f"{name} to end")

    run(scenario())


def most_ok(row: dict[str, str]) -> float:
    """The most requests a row's run can have had accepted: the server's bucket holds the
    limit's worth at once (burst = rate, as the panel asks) and refills at the rate while the
    run lasts (its "total (s)": every request reached the server within it), plus one for
    the rounding of the shown total."""
    rate = float(row["limit (/s)"])
    return rate + rate * (float(row["total (s)"]) + 0.01) + 1


def test_all_three_ways_throttled_then_paced(window, run):
    panel = setup(window, count=60, rate=20, latency=0.05, in_flight=10, pace=20)
    click_and_wait(run, panel, "allWaysButton")
    bucket, semaphore, gathered = rows(panel)[:3]  # newest first
    assert gathered["way"] == "gather, no limit"
    assert semaphore["way"] == "Semaphore (10 in flight)"
    assert bucket["way"] == "token bucket + retry (20/s)"
    # All at once: the bucketful of 20 (and what refilled meanwhile) gets through, the rest 429.
    # What refilled depends on how fast the burst went: bounded by the row's own span (quiet
    # ~0.3 s, so at most ~27 OK; a busy machine stretches it), not by a fixed 30.
    assert int(gathered["OK"]) <= most_ok(gathered), gathered
    assert int(gathered["failed"]) == int(gathered["429s"]) == 60 - int(gathered["OK"])
    # 10 in flight at 0.05 s is 200/s against 20/s: refused too (all but what the server's
    # bucket held and refilled during the run: at most ~27 OK quiet).
    assert int(semaphore["429s"]) >= 60 - most_ok(semaphore), semaphore
    assert int(semaphore["failed"]) == int(semaphore["429s"]), semaphore
    # Paced at the limit: every request gets through, and it takes about 60 / 20 s.
    assert bucket["OK"] == "60" and bucket["failed"] == "0", bucket
    assert 2.5 <= float(bucket["total (s)"]) <= 20, bucket
    assert int(bucket["busiest 1 s (sent)"]) <= 22 < int(gathered["busiest 1 s (sent)"])
    assert float(gathered["total (s)"]) < float(bucket["total (s)"])
    # The chart ends where the table does.
    chart = panel.findChild(LimitsChart)
    assert chart.counts("gather") == (int(gathered["sent"]), int(gathered["OK"]))
    assert chart.counts("bucket") == (60, 60)
    summary = widget(panel, QtWidgets.QLabel, "limitsSummary").text()
    assert "60 answered OK, 0 refused with 429, 0 failed in the end" in summary, summary
    assert "gather, no limit:" in summary and "20 requests/s" in summary


def test_a_pace_above_the_limit_is_refused_and_retried_until_all_get_through(window, run):
    panel = setup(window, count=30, rate=10, latency=0.0, in_flight=10, pace=60)
    click_and_wait(run, panel, "tokenBucketButton")
    [latest] = rows(panel)[:1]
    assert latest["way"] == "token bucket + retry (60/s)"
    assert int(latest["429s"]) > 0 and latest["failed"] == "0" and latest["OK"] == "30"
    assert int(latest["sent"]) == 30 + int(latest["429s"])  # each 429 was retried


def test_cancel_stops_the_run_and_its_tasks(window, run):
    panel = setup(window, count=400, rate=20, latency=0.0, in_flight=10, pace=20)

    async def scenario() -> None:
        button(panel, "tokenBucketButton").click()
        await wait_until(lambda: panel._current is not None and len(panel._current.attempts) >= 5)
        button(panel, "cancelButton").click()
        await wait_until(lambda: idle(panel), 5, "the cancelled run to end")
        await asyncio.sleep(0)  # let the cancelled request tasks finish their last step
        left = [t for t in asyncio.all_tasks() if t.get_name().startswith("limits: paced")]
        assert not [t for t in left if not t.done()]

    run(scenario())
    latest = rows(panel)[0]
    assert latest["way"].endswith("(cancelled)") and int(latest["OK"]) < 400
    assert "never answered (cancelled)" in widget(panel, QtWidgets.QLabel, "limitsSummary").text()


def test_no_server_is_said_in_the_summary(window, run):
    panel = setup(window, count=5, rate=20, latency=0.0, in_flight=10, pace=20)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    panel.api_server = f"http://127.0.0.1:{port}"
    try:
        click_and_wait(run, panel, "unlimitedButton")
    finally:
        panel.api_server = window.panels["http"].context.server_url
    latest = rows(panel)[0]
    assert latest["failed"] == "5" and latest["OK"] == "0"
    summary = widget(panel, QtWidgets.QLabel, "limitsSummary").text()
    assert "No answer at all:" in summary, summary
