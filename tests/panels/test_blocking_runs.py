"""The blocking panel's verdict follows the measured numbers, whichever way they fall."""

from __future__ import annotations

import pytest

from guidemo.monitor import LagStats
from guidemo.panels.blocking.runs import RunRecord, verdict_html

pytestmark = pytest.mark.fast


def record(way: str, p99_ms: float, ticks: float) -> RunRecord:
    lag = LagStats(p50_ms=1.0, p99_ms=p99_ms, max_ms=p99_ms + 5, samples=60)
    return RunRecord(way, "cpu", 3.0, lag, "30.0 M loops", 30_000_000, ui_ticks_per_s=ticks)


def test_a_plain_gil_cost_is_called_so():
    text = verdict_html(record("thread", 35.0, 100), record("process", 4.0, 700), 0.4)
    assert "7.0x less done" in text and "(100 vs 700 ticks a second)" in text
    assert "lagged more than beside the process (p99 35.0 vs 4.0 ms)" in text
    assert "starting the worker process (0.40 s) came first and is not counted" in text


def test_no_claim_the_numbers_do_not_make():
    text = verdict_html(record("thread", 40.0, 300), record("process", 51.0, 350), 0.0)
    assert "less done" not in text and "no plain difference" in text
    assert "lagged no more than beside the process (p99 40.0 vs 51.0 ms)" in text
    assert "the worker process was already running" in text
