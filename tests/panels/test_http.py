"""Panel `http`: async vs sync vs threads on real servers, every fault a readable row.

Two real servers: the app's DemoServer (its own thread), and `HostileServer`
(tests/hostile_http.py), a misbehaving HTTP server made of raw sockets in threads of its
own (so that even the sync way, which blocks the GUI thread, can talk to it).
"""

from __future__ import annotations

import asyncio
import gc
import re
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.news import count_word
from guidemo.net import MAX_URLS
from guidemo.server import expected_word_count, news_articles
from tests.helpers import wait_until
from tests.panels.http_helpers import (
    assert_all_settled,
    click,
    idle,
    own_urls,
    panel,
    raw_server,
    run_way,
    scenario,
    summary,
    table_rows,
    wall_time,
    widget,
)

__all__ = ["panel", "raw_server"]  # fixtures

pytestmark = [pytest.mark.timeout(90), pytest.mark.panels("http")]
ROOT = Path(__file__).resolve().parents[2]


# --- the comparison the panel is about -----------------------------------------------------------
@pytest.mark.needs_quiet
def test_sync_freezes_then_async_is_much_faster_and_live(window, run, panel):
    scenario(panel, count=19, latency=0.2, concurrency=20, word="async")  # 20 requests
    expected = expected_word_count("async", 19)
    freezes_before = len(window.monitor.freezes)
    label = widget(panel, "summaryLabel")

    async def sync_run() -> float:
        click(panel, "syncButton")
        await wait_until(lambda: "window freezes" in label.text(), 1, "warning first")
        warned = time.perf_counter()
        await wait_until(lambda: idle(panel), 30, "sync run to end")
        return warned

    warned = run(sync_run())
    assert len(window.monitor.freezes) > freezes_before, "the freeze was recorded"
    freeze = window.monitor.freezes[-1]
    frozen_after_warning = freeze.started + freeze.duration_s - warned
    assert frozen_after_warning > 3.5, "the warning was on screen before the freeze began"
    assert freeze.duration_s > 3.0, freeze
    assert re.match(r"wait_for_bytes\(\) \(blocking_get\.py:", freeze.where), freeze.where
    assert "frozen" in summary(panel)
    sync_s = wall_time(panel)
    assert 3.9 <= sync_s < 8, summary(panel)
    assert f"“async” appears {expected} times in 19 sources (0 failed)" in summary(panel)
    assert len(table_rows(panel)) == 20
    assert all(row[1] == "200" and row[4] == "" for row in table_rows(panel))

    started = run(run_way(panel, "asyncButton"))
    stats = window.monitor.stats_since(started)
    async_s = wall_time(panel)
    assert async_s < sync_s / 2, (async_s, sync_s)
    assert stats.max_ms < 100, stats
    assert stats.samples >= 3, "the lag probe kept running"
    text = summary(panel)
    assert f"“async” appears {expected} times in 19 sources (0 failed)" in text
    assert "async (concurrency 20) is " in text and "faster than sync" in text, text
    assert "UI: live" in text
    assert all(row[1] == "200" for row in table_rows(panel))
    # The waterfall keeps both runs: 20 bars each, the async ones packed into a short span.
    timeline = widget(panel, "timeline")
    assert timeline.spans["sync"][0] == 20 and timeline.spans["async"][0] == 20
    assert timeline.spans["async"][1] < timeline.spans["sync"][1] / 2
    assert_all_settled(panel)


@pytest.mark.needs_quiet
def test_threads_way_counts_the_same_and_stays_live(window, run, panel):
    scenario(panel, count=19, latency=0.2, concurrency=20, word="Loop")
    started = run(run_way(panel, "threadsButton"))
    stats = window.monitor.stats_since(started)
    assert wall_time(panel) < 2.0, summary(panel)  # 20 × 0.2 s = 4 s one by one
    assert stats.max_ms < 100, stats
    assert f"“Loop” appears {expected_word_count('loop', 19)} times" in summary(panel)
    assert widget(panel, "timeline").spans["threads"][0] == 20
    assert_all_settled(panel)


def test_progress_and_rows_appear_while_async_runs(run, panel):
    scenario(panel, count=40, latency=0.3, concurrency=10, word="news")
    progress = widget(panel, "progressBar")

    async def watch() -> list[int]:
        click(panel, "asyncButton")
        seen = []
        while not idle(panel):
            seen.append(progress.value())
            await asyncio.sleep(0.05)
        return seen

    seen = run(watch())
    partial = [value for value in seen if 0 < value < 41]
    assert len(set(partial)) >= 3, f"progress moved in steps while running: {seen}"
    assert progress.value() == progress.maximum() == 41
    assert f"appears {expected_word_count('news', 40)} times in 40 sources" in summary(panel)


# --- bad input and faults: a readable row each, the others carry on ------------------------
def fault_lines(server: str, raw: str) -> list[tuple[str, str, str]]:
    """(line in the URL box, status shown, words in the error column)."""
    return [
        (f"{server}/api/json?items=2", "200", ""),
        (f"   {server}/api/data?size=300   ", "200", ""),
        ("example.com/page", "—", "no scheme"),
        ("ftp://example.com/file.txt", "—", "unsupported scheme ftp:"),
        ("file:///etc/passwd", "—", "unsupported scheme file:"),
        ("javascript:alert(1)", "—", "unsupported scheme javascript:"),
        ("http://[::1/broken", "—", "malformed URL"),
        ("http://exa mple.com/", "—", "contains a space"),
        ("http://no-such-host.invalid/", "—", "unknown host no-such-host.invalid"),
        ("http://127.0.0.1:1/", "—", "connection refused"),
        (f"{raw}/hang", "—", "(limit 1 s)"),
        (f"{server}/api/data?latency=10", "—", "(limit 1 s)"),
        (f"{server}/api/status/404", "404", "HTTP 404 Not Found"),
        (f"{server}/api/status/503", "503", "HTTP 503 Service Unavailable"),
        (f"{raw}/reset", "200", "connection closed mid-body after 100 of 1,000 bytes"),
        (f"{raw}/hangup", "200", "connection closed mid-body after 100 of 1,000 bytes"),
        (f"{server}/api/fault/reset", "200", "connection closed mid-body after 100 of 1,000"),
        (f"{raw}/silence", "—", "closed the connection without an answer"),
        (f"{raw}/garbage", "—", "not a valid HTTP answer: bad status line"),
        (f"{raw}/bad-utf8", "200", "not valid UTF-8: byte 0xc3 at offset 3"),
        (f"{server}/api/fault/bad-utf8", "200", "not valid UTF-8"),
        (f"{server}/api/fault/not-json", "200", "not JSON"),
        (f"{raw}/endless", "200", "the first 1,000,000 bytes were read, then reading stopped"),
        (f"{server}/api/fault/huge", "200", "the server announced 50,000,000"),
        (f"{server}/api/fault/redirect-loop", "", "redirect loop"),
        (f"{server}/api/data?size=10", "200", ""),
    ]


@pytest.mark.needs_quiet  # its URLs' 1 s timeout: the demo server missed it beside a second suite
@pytest.mark.parametrize("button", ["asyncButton", "threadsButton", "syncButton"])
def test_every_fault_gets_its_own_readable_row(window, run, panel, raw_server, button):
    cases = fault_lines(window.server_url, raw_server.url)
    lines = [line for line, _, _ in cases]
    lines[2:2] = ["", "   ", "\t"]  # empty and all-space lines are skipped
    own_urls(panel, lines, timeout=1.0, cap_mb=1.0)
    error_log = window.findChild(QtWidgets.QListWidget, "errorLog")
    errors_before = error_log.count()

    # sync asks first: the hostile server's URLs may each take their whole 1 s timeout
    started = run(run_way(panel, button, timeout=40, freeze_ok=True))
    rows = table_rows(panel)
    assert len(rows) == len(cases), "one row per non-empty line, in order"
    for (line, status, words), row in zip(cases, rows, strict=True):
        assert row[0] == line.strip(), (row, line)
        if status:
            assert row[1] == status, (line, row)
        if words:
            assert words in row[4], (line, row)
        else:
            assert row[4] == "", (line, row)
    text = summary(panel)
    good = sum(1 for _, _, words in cases if not words)
    assert f"{good} ok" in text and f"{len(cases) - good} failed" in text, text
    assert "6 bad lines rejected without a request" in text, text
    assert "3 empty lines skipped" in text, text
    assert error_log.count() == errors_before, "nothing unhandled"
    assert time.perf_counter() - started < 30
    assert_all_settled(panel)


@pytest.mark.parametrize("button", ["asyncButton", "threadsButton", "syncButton"])
def test_news_with_broken_sources_counts_the_rest(run, panel, raw_server, button):
    scenario(panel, count=5, latency=0, concurrency=5, word="python")
    panel.news_server = raw_server.url
    run(run_way(panel, button))
    rows = {urllib.parse.urlsplit(row[0]).query: row for row in table_rows(panel)}
    assert (
        rows["source=wrong-shape&latency=0"][4] == 'not the JSON expected: no "articles" list in it'
    )
    assert "not valid UTF-8" in rows["source=bad-utf8&latency=0"][4]
    assert rows["source=missing&latency=0"][4].startswith("HTTP 404")
    good = [news_articles(source) for source in ("source-00", "source-01")]
    expected = sum(count_word("python", articles) for articles in good)
    assert expected > 0
    assert f"“python” appears {expected} times in 5 sources (3 failed)" in summary(panel)


def test_news_with_a_broken_list_of_sources_says_so(run, panel, raw_server):
    scenario(panel, count=5, latency=0, concurrency=5, word="python")
    panel.news_server = f"{raw_server.url}/broken"
    run(run_way(panel, "asyncButton"))
    assert len(table_rows(panel)) == 1
    assert 'not the JSON expected: no "sources" list' in table_rows(panel)[0][4]
    assert "The list of sources failed" in summary(panel)


def test_bad_word_or_empty_list_starts_nothing(run, panel):
    scenario(panel, count=3, latency=0, concurrency=3, word="two words")
    click(panel, "asyncButton")
    assert idle(panel) and not panel.tasks
    assert "Type one word" in summary(panel)
    widget(panel, "urlEdit").setPlainText("\n   \n\t\n")  # looks empty: the scenario runs
    widget(panel, "wordEdit").setText("event")
    run(run_way(panel, "asyncButton"))
    assert len(table_rows(panel)) == 4
    assert f"appears {expected_word_count('event', 3)} times" in summary(panel)


@pytest.mark.needs_quiet
def test_ten_thousand_urls_are_capped_and_the_ui_stays_live(window, run, panel):
    combo = widget(panel, "examplesCombo")
    index = next(i for i in range(combo.count()) if "over the cap" in combo.itemText(i))
    combo.activated.emit(index)  # as a user picking it: fills the box with 10,500 lines
    assert widget(panel, "urlEdit").document().blockCount() == MAX_URLS + 500
    widget(panel, "concurrencySpin").setValue(100)
    table = widget(panel, "resultsTable")
    # Start from a clean heap, and keep the whole test session's objects out of the
    # collector's way as the app does with its start-up objects (app.collect_and_freeze):
    # a full collection over 700 tests' garbage is a pause of its own, not the panel's.
    gc.collect()
    gc.freeze()

    async def watch() -> tuple[float, set[int]]:
        started = time.perf_counter()
        click(panel, "asyncButton")
        counts = set()
        while not idle(panel):
            counts.add(table.rowCount())
            await asyncio.sleep(0.005)
        return started, counts

    try:
        started, counts = run(watch(), timeout=60)
    finally:
        gc.unfreeze()
    stats = window.monitor.stats_since(started)
    rows = table_rows(panel)
    assert len(rows) == MAX_URLS
    assert all(row[1] == "200" for row in rows)
    text = summary(panel)
    assert f"{MAX_URLS:,} requests" in text and "0 failed" in text, text
    assert f"500 more lines beyond the cap of {MAX_URLS:,} not requested" in text
    # Rows are added a batch per frame, not 10,000 at once, and the loop stays live.
    assert len([count for count in counts if 0 < count < MAX_URLS]) >= 5, sorted(counts)
    assert stats.max_ms < 150, stats


# --- cancel ---------------------------------------------------------------------------------
def test_cancel_stops_an_async_run_at_once(window, run, panel):
    own_urls(panel, [f"{window.server_url}/api/data?latency=5&n={n}" for n in range(40)], 10)
    widget(panel, "concurrencySpin").setValue(5)

    async def scenario_() -> float:
        click(panel, "asyncButton")
        await wait_until(lambda: sum(r[1] == "running…" for r in table_rows(panel)) == 5)
        asked = time.perf_counter()
        click(panel, "cancelButton")
        await wait_until(lambda: idle(panel), 4, "cancelled run to end")
        return time.perf_counter() - asked

    # A few ms quiet; the loop's own lateness on a busy machine is 100-600 ms. Not cancelled,
    # the five in flight would take their 5 s latency (and the 35 queued more).
    assert run(scenario_()) < 2.5
    rows = table_rows(panel)
    assert [row[4] for row in rows].count("cancelled while in flight") == 5
    assert [row[4] for row in rows].count("cancelled before it started") == 35
    assert "Cancelled" in summary(panel)
    assert_all_settled(panel)
    assert not [t for t in asyncio.all_tasks(window.loop) if t.get_name().startswith("http")]


def test_cancel_threads_drops_the_queue_and_lets_running_ones_finish(window, run, panel):
    own_urls(panel, [f"{window.server_url}/api/data?latency=1&n={n}" for n in range(20)], 10)
    widget(panel, "concurrencySpin").setValue(4)

    async def scenario_() -> float:
        click(panel, "threadsButton")
        await wait_until(lambda: sum(r[1] == "running…" for r in table_rows(panel)) == 4)
        asked = time.perf_counter()
        click(panel, "cancelButton")
        await wait_until(lambda: "left to finish" in summary(panel), 3, "cancel note")
        await wait_until(lambda: idle(panel), 8, "threads to finish")
        return time.perf_counter() - asked

    # The running ones finished (what was left of their 1 s latency: ~1 s quiet, 2.76 s beside
    # a second suite); the queued never started (they would add 4 rounds of 1 s: ~5 s).
    assert run(scenario_()) < 4.0
    rows = table_rows(panel)
    assert sum(row[1] == "200" for row in rows) == 4, rows
    assert sum(row[4] == "cancelled before it started" for row in rows) == 16
    assert "Python cannot stop a thread" in summary(panel)
    assert_all_settled(panel)


def test_clicks_made_during_the_sync_freeze_start_nothing_and_are_counted(run, panel):
    scenario(panel, count=5, latency=0.2, concurrency=5, word="async")  # frozen for ~1.2 s
    button = widget(panel, "syncButton")
    label = widget(panel, "summaryLabel")

    def press_twice() -> None:  # another thread: the GUI thread is frozen meanwhile
        for _ in range(2):
            for kind in (
                QtCore.QEvent.Type.MouseButtonPress,
                QtCore.QEvent.Type.MouseButtonRelease,
            ):
                spot = QtCore.QPointF(5, 5)
                event = QtGui.QMouseEvent(
                    kind,
                    spot,
                    button.mapToGlobal(spot),
                    QtCore.Qt.MouseButton.LeftButton,
                    QtCore.Qt.MouseButton.LeftButton,
                    QtCore.Qt.KeyboardModifier.NoModifier,
                )
                QtCore.QCoreApplication.postEvent(button, event)

    async def sync_run() -> None:
        click(panel, "syncButton")
        await wait_until(lambda: "window freezes" in label.text(), 1, "warning first")
        presser = threading.Timer(0.5, press_twice)
        presser.start()
        await wait_until(lambda: idle(panel), 30, "sync run to end")
        presser.join()

    run(sync_run())
    text = summary(panel)
    assert "2 clicks made while the window was frozen were ignored" in text, text
    assert text.startswith("sync: 6 requests in"), "no second run was started"
    assert len(table_rows(panel)) == 6
    assert not panel.tasks


def test_one_run_at_a_time(window, run, panel):
    own_urls(panel, [f"{window.server_url}/api/data?latency=0.3&n={n}" for n in range(5)])

    async def scenario_() -> None:
        click(panel, "asyncButton")
        for name in ("asyncButton", "syncButton", "threadsButton"):
            assert not widget(panel, name).isEnabled()
        panel.start_run("threads")  # even a programmatic second start is refused
        assert len(panel.tasks) == 1
        await wait_until(lambda: idle(panel), 10)

    run(scenario_())
    assert len(table_rows(panel)) == 5
    assert widget(panel, "timeline").spans.get("threads") is None


def test_source_view_shows_the_code_the_buttons_run(panel):
    text = widget(panel, "sourceView").toPlainText()
    for name in (
        "async def fetch_all_async",
        "def fetch_all_sync",
        "async def fetch(",
        "def fetch_blocking",
    ):
        assert name in text, name


# --- the whole app, after heavy use: exit code 0, nothing on stderr ---------------------------
DRIVER = textwrap.dedent(
    """
    import sys
    from PySide6 import QtCore, QtWidgets
    from guidemo.app import run_app

    def on_ready(window):
        panel = window.show_panel("http")
        lines = [f"{window.server_url}/api/data?size=200&n={n}" for n in range(2000)]
        panel.findChild(QtWidgets.QPlainTextEdit, "urlEdit").setPlainText("\\n".join(lines))
        panel.findChild(QtWidgets.QSpinBox, "concurrencySpin").setValue(100)
        panel.findChild(QtWidgets.QPushButton, "asyncButton").click()
        button = panel.findChild(QtWidgets.QPushButton, "asyncButton")
        label = panel.findChild(QtWidgets.QLabel, "summaryLabel")

        def check():
            if button.isEnabled():
                print("DONE", label.text(), flush=True)
                window.close()
            else:
                QtCore.QTimer.singleShot(100, check)

        QtCore.QTimer.singleShot(100, check)

    sys.exit(run_app(on_ready=on_ready))
    """
)


@pytest.mark.timeout(120)
def test_app_exits_cleanly_after_thousands_of_requests(tmp_path):
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    env.update(XDG_CONFIG_HOME=str(tmp_path), PYTHONWARNINGS="error::ResourceWarning")
    result = subprocess.run(
        [sys.executable, "-c", DRIVER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.stderr == "", result.stderr
    assert result.returncode == 0
    done = re.sub(r"<[^>]+>", "", result.stdout.split("DONE", 1)[1])
    assert "2,000 requests" in done and "2,000 ok" in done and "0 failed" in done, done
