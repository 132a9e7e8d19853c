"""Panel `downloader`: the queue exercise three ways, drawn as lanes, against the real server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
from PySide6 import QtWidgets

from guidemo.panels.downloader import COLUMNS, WORD, DownloaderPanel
from guidemo.server import expected_word_count
from guidemo.widgets.lanes import LaneChart
from tests.helpers import button, wait_until, widget

pytestmark = [pytest.mark.timeout(60), pytest.mark.panels("downloader")]


def idle(panel: DownloaderPanel) -> bool:
    return button(panel, "allDownloadsButton").isEnabled()


def setup(window, sources: int, latency: float, workers: int) -> DownloaderPanel:
    panel = window.show_panel("downloader")
    widget(panel, QtWidgets.QSpinBox, "sourcesSpin").setValue(sources)
    widget(panel, QtWidgets.QDoubleSpinBox, "downloadLatencySpin").setValue(latency)
    widget(panel, QtWidgets.QSpinBox, "workersSpin").setValue(workers)
    return panel


def rows(panel: DownloaderPanel) -> list[dict[str, str]]:
    table = widget(panel, QtWidgets.QTableWidget, "downloaderTable")
    return [
        {key: table.item(r, c).text() for c, key in enumerate(COLUMNS)}
        for r in range(table.rowCount())
    ]


def worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("downloader:")]


def longest_job(lanes: LaneChart) -> float:
    """The longest a job took in the lanes (each bar: from a worker taking it, to its end)."""
    return max(
        segment.end - segment.start
        for name in lanes.lane_names()
        for segment in lanes.lane(name).segments
        if segment.end is not None
    )


def summary(panel: DownloaderPanel) -> str:
    return widget(panel, QtWidgets.QLabel, "downloaderSummary").text()


@pytest.mark.needs_quiet  # bounds each way's wall time (2.2 s for 2.0 beside a second suite)
def test_three_ways_download_every_job_and_agree_on_the_count(window, run):
    panel = setup(window, sources=12, latency=0.2, workers=4)

    async def scenario() -> None:
        button(panel, "allDownloadsButton").click()
        assert not idle(panel) and button(panel, "cancelButton").isEnabled()
        assert not widget(panel, QtWidgets.QSpinBox, "workersSpin").isEnabled()
        await wait_until(lambda: idle(panel), 30, "the three ways to end")

    run(scenario())
    pool, tasks, threads = rows(panel)[:3]  # newest first
    assert [threads["way"], tasks["way"], pool["way"]] == [
        "queue.Queue + threads",
        "asyncio.Queue + tasks",
        "ThreadPoolExecutor",
    ]
    for row in (threads, tasks, pool):
        assert row["done"] == "12" and row["failed"] == "0" and row["taken out"] == "0", row
        assert row[f"'{WORD}' found"] == str(expected_word_count(WORD, 12)), row
        assert 0.55 <= float(row["total (s)"]) < 2.0, row  # 3 rounds of 0.2 s, not 12
    assert widget(panel, QtWidgets.QProgressBar, "queueBar").value() == 0
    assert "No job failed" in summary(panel)
    assert "Same jobs and workers: queue.Queue + threads " in summary(panel)
    assert "asyncio.Queue + tasks " in summary(panel)
    lanes = widget(panel, LaneChart, "workerLanes")  # the last way's workers: pool threads
    assert len(lanes.lane_names()) == 4 and all(n.startswith("pool_") for n in lanes.lane_names())
    assert sum(len(lanes.lane(n).events) for n in lanes.lane_names()) == 12
    assert worker_threads() == []


def test_threads_take_jobs_off_the_queue_as_lanes_and_stop_at_their_stop(window, run):
    panel = setup(window, sources=30, latency=0.15, workers=3)
    bar = widget(panel, QtWidgets.QProgressBar, "queueBar")
    seen: list[int] = []

    async def scenario() -> None:
        button(panel, "threadQueueButton").click()
        while not idle(panel):  # the queue's length, as the panel shows it
            seen.append(bar.value())
            await asyncio.sleep(0.05)

    run(scenario())
    live = [value for value in seen if 0 < value < 30]
    assert len(set(live)) >= 3, seen  # it went down while the workers took jobs
    assert live == sorted(live, reverse=True), seen
    lanes = widget(panel, LaneChart, "workerLanes")
    assert lanes.lane_names() == ["thread 1", "thread 2", "thread 3"]
    for name in lanes.lane_names():
        lane = lanes.lane(name)
        assert len(lane.segments) >= 5  # about 10 jobs each, one bar per job
        assert lane.events[-1].label == "STOP" and lane.open_segment() is None
    assert rows(panel)[0]["done"] == "30"


@pytest.mark.parametrize(
    ("way", "button_name"),
    [("threads", "threadQueueButton"), ("tasks", "asyncQueueButton"), ("pool", "poolButton")],
)
def test_cancel_drains_the_queue_and_every_worker_ends(window, run, way, button_name):
    panel = setup(window, sources=60, latency=0.3, workers=3)
    bar = widget(panel, QtWidgets.QProgressBar, "queueBar")

    async def scenario() -> float:
        button(panel, button_name).click()
        await wait_until(lambda: panel._run is not None and panel._run.done >= 1, 10)
        button(panel, "cancelButton").click()
        asked = time.perf_counter()
        await wait_until(lambda: idle(panel), 10, "the cancelled run to end")
        return time.perf_counter() - asked

    took = run(scenario())
    latest = rows(panel)[0]
    assert latest["way"].endswith("(cancelled)"), latest
    assert int(latest["taken out"]) >= 40 and int(latest["done"]) < 15, latest
    assert bar.value() == 0 and worker_threads() == []
    assert "taken out of the queue, none left" in summary(panel)
    lanes = widget(panel, LaneChart, "workerLanes")
    # At most the downloads in progress had to finish: ~0.3 s quiet, as long as one job. A
    # busy machine stretches the jobs and the cancel alike: bounded by the longest job's own
    # time (from its lane), and a loop turn or two, late by up to 600 ms each under load.
    # Draining nothing, the other ~55 jobs would take 5.5 s more.
    assert took < longest_job(lanes) + 1.5, (took, longest_job(lanes))
    assert all(lanes.lane(n).open_segment() is None for n in lanes.lane_names())
    if way == "tasks":  # cancelled at their await: the bars end with a cancelled mark
        assert any(lanes.lane(n).events[-1].kind == "cancelled" for n in lanes.lane_names())


def test_closing_the_panel_mid_run_waits_for_its_threads(window, run):
    panel = setup(window, sources=60, latency=0.5, workers=4)

    async def scenario() -> float:
        button(panel, "threadQueueButton").click()
        await wait_until(lambda: panel._run is not None and panel._run.took >= 4, 10)
        asked = time.perf_counter()
        await panel.shutdown()
        return time.perf_counter() - asked

    took = run(scenario())
    # The threads finish their downloads in progress: 0.5 s quiet, as long as one job; a busy
    # machine stretches the jobs and the wait alike (bounded by the longest job's own time,
    # from its lane). Waiting for the rest of the queue would take 6 s more.
    longest = longest_job(widget(panel, LaneChart, "workerLanes"))
    assert worker_threads() == [] and took < longest + 2.0, (took, longest)
    assert idle(panel)


def test_cancel_then_close_still_waits_for_the_threads(window, run):
    panel = setup(window, sources=60, latency=0.5, workers=4)

    async def scenario() -> None:
        button(panel, "threadQueueButton").click()
        await wait_until(lambda: panel._run is not None and panel._run.took >= 4, 10)
        button(panel, "cancelButton").click()
        await asyncio.sleep(0.05)  # the run is now waiting for its threads...
        await panel.shutdown()  # ...and is cancelled a second time

    run(scenario())
    assert worker_threads() == []


def test_no_server_is_a_clear_message(window, run):
    panel = setup(window, sources=5, latency=0.0, workers=2)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    panel.news_server = f"http://127.0.0.1:{port}"
    try:

        async def scenario() -> None:
            button(panel, "allDownloadsButton").click()
            await wait_until(lambda: idle(panel), 10)

        run(scenario())
    finally:
        panel.news_server = window.panels["http"].context.server_url
    assert "could not get the list of sources" in summary(panel)
    assert "refused" in summary(panel)
