"""Panel `http`: every number honest (issue 11) and every way bounded (issue 17).

The waterfall says what each run ran with and fades runs with other inputs; the speed-up
is said only under runs of the same requests; the time axis says its unit; a timeout row
says when it was cut off (and the sync and threads ways keep to the timeout against a
server that trickles); progress bar and sentence agree; a long sync freeze is asked
first; the table and the chart get the room; a 1 MB URL does not slow the table down.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from PySide6 import QtCore, QtWidgets

from tests.helpers import wait_until
from tests.panels.http_helpers import (
    click,
    idle,
    own_urls,
    panel,
    raw_server,
    run_way,
    scenario,
    summary,
    table_rows,
    widget,
)

__all__ = ["panel", "raw_server"]  # fixtures
pytestmark = [pytest.mark.timeout(90), pytest.mark.panels("http")]


# --- the waterfall and the speed-up compare like with like ------------------------------------
def test_the_waterfall_says_what_each_run_ran_with_and_fades_other_inputs(run, panel):
    timeline = widget(panel, "timeline")
    scenario(panel, count=4, latency=0.05, concurrency=5, word="news")
    run(run_way(panel, "threadsButton"))
    assert timeline.caption_shown("threads") == "5 requests · latency 0.05 s · concurrency 5"
    assert not timeline.bands_state["threads"].faded

    scenario(panel, count=9, latency=0.05, concurrency=5, word="news")  # other requests
    run(run_way(panel, "asyncButton"))
    assert timeline.caption_shown("async") == "10 requests · latency 0.05 s · concurrency 5"
    assert timeline.bands_state["threads"].faded, "its requests differ from the latest run's"
    assert "other inputs than the latest run: not comparable" in timeline.caption_shown("threads")

    scenario(panel, count=4, latency=0.05, concurrency=5, word="news")  # threads' inputs again
    run(run_way(panel, "asyncButton"))
    assert not timeline.bands_state["threads"].faded
    assert timeline.caption_shown("threads") == "5 requests · latency 0.05 s · concurrency 5"

    widget(panel, "concurrencySpin").setValue(2)  # the same requests, less concurrency
    run(run_way(panel, "asyncButton"))
    assert timeline.caption_shown("async") == "5 requests · latency 0.05 s · concurrency 2"
    assert timeline.bands_state["threads"].faded, "concurrency 5 vs 2: not comparable"


def test_the_speedup_is_said_only_under_a_run_of_the_same_requests(run, panel):
    scenario(panel, count=4, latency=0.1, concurrency=5, word="news")
    run(run_way(panel, "syncButton"))
    run(run_way(panel, "threadsButton"))
    same = summary(panel)
    assert "faster than sync" in same, same
    scenario(panel, count=6, latency=0.1, concurrency=5, word="news")  # other requests
    run(run_way(panel, "asyncButton"))
    assert "faster" not in summary(panel), summary(panel)
    assert "Same requests: threads (concurrency 5) is" in same, "with what it ran"


def test_the_time_axis_says_s_or_ms_and_fits(window, run, panel, raw_server):
    timeline = widget(panel, "timeline")
    axis = timeline.getPlotItem().getAxis("bottom")

    def label() -> str:
        return axis.label.toPlainText().strip()

    def fits() -> bool:  # the text itself, without the empty margin around it
        margin = axis.label.document().documentMargin()
        text = axis.label.boundingRect().adjusted(margin, margin, -margin, -margin)
        return timeline.sceneRect().contains(axis.label.mapRectToScene(text))

    scenario(panel, count=3, latency=0.05, concurrency=5, word="news")
    run(run_way(panel, "asyncButton"))
    assert label() == "time since the run started (ms)", label()
    assert axis.scale == 1000 and "x0.001" not in label()
    assert fits(), (axis.label.mapRectToScene(axis.label.boundingRect()), timeline.sceneRect())

    own_urls(panel, [f"{window.server_url}/api/data?size=10&latency=2.2"], timeout=5.0)
    run(run_way(panel, "asyncButton"))
    assert label() == "time since the run started (s)", label()
    assert axis.scale == 1 and fits()


# --- timeouts: a deadline for every way, and rows that say when they were cut off ---------------
@pytest.mark.parametrize("button", ["syncButton", "threadsButton", "asyncButton"])
def test_a_trickling_server_is_cut_off_at_the_timeout_in_every_way(
    window, run, panel, raw_server, button
):
    """Before: the sync way froze the window 20 s per request for a 1 s timeout and the row
    said 200. Now every row is cut off at 1 s and says so, as its ms column does."""
    own_urls(panel, [f"{raw_server.url}/slow-head?n={n}" for n in range(2)], timeout=1.0)
    widget(panel, "concurrencySpin").setValue(2)
    started = run(run_way(panel, button, timeout=20))
    took = time.perf_counter() - started
    # Quiet: ~1.1 s (sync, one after the other: ~2.1 s); not cut off, 20 s a request. Each cut
    # may come 1.5 s late beside a second suite (as below), and the run's turns later still.
    assert took < (8.0 if button == "syncButton" else 6.0), took
    for url, status, _bytes, ms, error in table_rows(panel):
        assert status == "—", (url, status, error)
        cut = re.fullmatch(r"timed out after ([\d.]+) s \(limit 1 s\)", error)
        assert cut, error
        assert abs(float(cut.group(1)) * 1000 - float(ms.replace(",", ""))) <= 5, (ms, error)
        # Never before the 1 s limit; quiet 1.00-1.05 s, 1.57 s beside a second suite (as in
        # tests/test_net.py); not cut off, the trickle goes on for 20 s.
        assert 950 <= float(ms.replace(",", "")) < 2500, ms
    if button == "syncButton":  # two cuts one after the other: ~2 s quiet (40 s uncut)
        assert window.monitor.freezes[-1].duration_s < 8.0


# --- progress bar and summary, the same numbers at the same moment ----------------------------
def test_the_progress_bar_and_the_summary_agree_mid_run(run, panel):
    scenario(panel, count=40, latency=0.3, concurrency=10, word="news")
    progress = widget(panel, "progressBar")

    async def watch() -> tuple[list[tuple[int, int]], list[str]]:
        click(panel, "asyncButton")
        seen, disagreements = [], []
        while not idle(panel):
            said = re.search(r"async: ([\d,]+) of ([\d,]+) answered", summary(panel))
            if said:
                numbers = tuple(int(group.replace(",", "")) for group in said.groups())
                shown = (progress.value(), progress.maximum())
                seen.append(shown)
                if numbers != shown:
                    disagreements.append(f"summary {numbers} vs bar {shown}")
            await asyncio.sleep(0.01)
        return seen, disagreements

    seen, disagreements = run(watch())
    assert disagreements == [], disagreements[:5]
    assert len({done for done, _ in seen if 0 < done < 41}) >= 3, seen
    assert progress.text() == "41 / 41 answered"


# --- a long sync freeze is asked first, in the panel ------------------------------------------
def test_a_sync_run_expected_to_freeze_over_10_s_asks_first(window, run, panel, raw_server):
    # The hostile server ignores `latency` and answers 404 at once, but it is not the demo
    # server: the panel expects the worst, 3 x the 10 s timeout = 30 s of freeze.
    scenario(panel, count=2, latency=0, concurrency=5, word="news")
    run(run_way(panel, "asyncButton"))
    before = table_rows(panel)
    freezes = len(window.monitor.freezes)
    lines = [f"{raw_server.url}/api/data?latency=5&n={n}" for n in range(3)]
    own_urls(panel, lines, timeout=10.0)
    question = widget(panel, "syncConfirm")

    async def ask_and_answer(answer: str) -> str:
        click(panel, "syncButton")
        await wait_until(question.isVisible, 5, "the question")
        text = re.sub(r"<[^>]+>", "", widget(panel, "syncConfirmText").text())
        assert not widget(panel, "asyncButton").isEnabled(), "one run (or question) at a time"
        click(panel, answer)
        await wait_until(lambda: idle(panel), 10, "the end of the run")
        return text

    text = run(ask_and_answer("syncDeclineButton"))
    assert "3 requests one after another in the GUI thread" in text, text
    assert "freeze for about 30 s (from 3 URLs not on the demo server × the 10 s timeout)" in text
    assert "up to 30 s if every request ran into its timeout" in text
    assert not question.isVisible()
    assert table_rows(panel) == before, "declined: nothing requested, the last rows stay"
    assert "sync: not run" in summary(panel)
    froze = [f for f in window.monitor.freezes[freezes:] if not (f.machine_busy or f.own)]
    assert froze == [], "no freeze (but a busy machine's)"
    assert raw_server.requests.count("GET /api/data?latency=5&n=0 HTTP/1.1") == 0

    run(ask_and_answer("syncConfirmButton"))
    assert [row[1] for row in table_rows(panel)] == ["404", "404", "404"], table_rows(panel)
    assert summary(panel).startswith("sync: 3 requests in"), summary(panel)


def test_urls_of_another_server_are_asked_about_from_their_timeout(window, run, panel, raw_server):
    """A host that accepts and never answers: the worst case (requests x timeout) is what
    sync may freeze for, so it asks; the demo server's latency says nothing about it."""
    freezes = len(window.monitor.freezes)
    own_urls(panel, [f"{raw_server.url}/hang?n={n}" for n in range(3)], timeout=5.0)
    question = widget(panel, "syncConfirm")

    async def ask_and_decline() -> str:
        click(panel, "syncButton")
        await wait_until(question.isVisible, 5, "the question")
        text = re.sub(r"<[^>]+>", "", widget(panel, "syncConfirmText").text())
        click(panel, "syncDeclineButton")
        await wait_until(lambda: idle(panel), 10, "the end of the run")
        return text

    started = time.perf_counter()
    text = run(ask_and_decline())
    assert time.perf_counter() - started < 5, "nothing froze"
    assert "freeze for about 15 s" in text and "not on the demo server" in text, text
    froze = [f for f in window.monitor.freezes[freezes:] if not (f.machine_busy or f.own)]
    assert froze == [], "no freeze (but a busy machine's)"
    assert not any("/hang" in request for request in raw_server.requests)


# --- room for the results -----------------------------------------------------------------------
def test_the_table_shows_ten_rows_and_the_whole_chart_at_1600_by_1000(window, run, panel):
    window.resize(1600, 1000)
    scenario(panel, count=19, latency=0, concurrency=20, word="news")
    run(run_way(panel, "asyncButton"))
    table, timeline = widget(panel, "resultsTable"), widget(panel, "timeline")
    scroll = panel.findChild(QtWidgets.QScrollArea, "controlsScroll").viewport()

    def visible(item: QtWidgets.QWidget) -> int:
        area = QtCore.QRect(item.mapTo(scroll, QtCore.QPoint(0, 0)), item.size())
        return area.intersected(scroll.rect()).height()

    rows_seen = visible(table.viewport()) // table.rowHeight(0)
    assert rows_seen >= 10, (rows_seen, visible(table.viewport()), scroll.height())
    assert visible(timeline) == timeline.height() >= 180, (visible(timeline), timeline.height())
    assert visible(widget(panel, "summaryLabel")) > 0


# --- a 1 MB URL ---------------------------------------------------------------------------------
def test_a_megabyte_url_is_elided_in_a_bounded_cell(run, panel, raw_server):
    """Before: the cell held the whole URL and every repaint of the table took ~0.5 s."""
    huge = f"{raw_server.url}/huge?pad={'x' * 1_000_000}"
    own_urls(panel, [huge, f"{raw_server.url}/json"], timeout=5.0)
    run(run_way(panel, "asyncButton"))
    table = widget(panel, "resultsTable")
    cell = table.item(0, 0).text()
    assert len(cell) < 400 and "1,000,0" in cell, len(cell)
    assert all(len(table.item(0, column).text()) < 400 for column in range(5))
    # The GUI thread's CPU time, as in tests/panels/test_tasks.py: waiting for a CPU on a
    # busy machine does not count. Measured so: 0.3 ms a repaint elided, 0.29 s with the
    # whole URL in the cell.
    began = time.thread_time()
    for _ in range(3):
        table.viewport().repaint()
    assert (time.thread_time() - began) / 3 < 0.1


def test_a_megabyte_url_in_the_url_box_keeps_repaints_quick(panel):
    """Unwrapped, a 1 MB line is laid out again for every repaint of the box (0.5 s)."""
    edit = widget(panel, "urlEdit")
    edit.setPlainText("http://example.com/short\nhttp://example.com/?" + "x" * 1_000_000)
    assert edit.lineWrapMode() == QtWidgets.QPlainTextEdit.LineWrapMode.WidgetWidth
    edit.verticalScrollBar().setValue(edit.verticalScrollBar().maximum())  # the long line
    # The GUI thread's CPU time: a busy machine's waits for a CPU do not count. Measured so:
    # 10 ms a repaint wrapped, 96 ms unwrapped (in wall time here, not the 0.5 s above: the
    # former bound of 0.25 s let the unwrapped box pass).
    began = time.thread_time()
    for _ in range(3):
        edit.viewport().repaint()
    assert (time.thread_time() - began) / 3 < 0.05
    edit.setPlainText("http://example.com/short")
    assert edit.lineWrapMode() == QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap, "one URL a line"


# --- names ---------------------------------------------------------------------------------------
def test_the_tasks_of_an_async_run_have_names(window, run, panel):
    scenario(panel, count=6, latency=0.3, concurrency=3, word="news")

    async def watch() -> dict[str, str]:
        before = asyncio.all_tasks()  # this test's own tasks among them
        click(panel, "asyncButton")
        names: dict[str, str] = {}  # task name: the file of its coroutine
        while not idle(panel):
            for task in asyncio.all_tasks() - before:
                names[task.get_name()] = task.get_coro().cr_code.co_filename
            await asyncio.sleep(0.02)
        return names

    names = run(watch())
    assert {"http: async run", "http: worker 1", "http: worker 3"} <= set(names), names
    ours = [
        name for name, path in names.items() if re.search(r"guidemo.(panels.http|lessons)", path)
    ]
    assert not [name for name in ours if name.startswith("Task-")], names
