"""Panel `selector`: the live selector view (real connections to the demo server) and the
countdowns on a loop of our own."""

from __future__ import annotations

import asyncio
import re

import pytest
from PySide6 import QtWidgets

from guidemo.lessons.own_loop import run as run_own_loop
from guidemo.panels.selector import SelectorPanel
from tests.helpers import TEST_LOOP_KIND, button, wait_until, widget

pytestmark = [pytest.mark.timeout(90), pytest.mark.panels("selector")]
SUMMARY = re.compile(r"waiting (?P<waiting>\d+) ms, working (?P<working>\d+) ms")


def fd_rows(panel: SelectorPanel) -> list[list[str]]:
    fds = widget(panel, QtWidgets.QTableWidget, "selectorFds")
    return [
        [fds.item(r, c).text() if fds.item(r, c) else "" for c in range(fds.columnCount())]
        for r in range(fds.rowCount())
    ]


def summary(panel: SelectorPanel) -> re.Match[str] | None:
    return SUMMARY.search(widget(panel, QtWidgets.QLabel, "selectorSummaryLabel").text())


@pytest.mark.skipif(TEST_LOOP_KIND != "guidemo", reason="the fds are guidemo's loop's")
def test_connections_appear_as_fds_and_become_ready(window, run, server) -> None:
    panel = window.show_panel("selector")
    assert isinstance(panel, SelectorPanel)
    assert widget(panel, QtWidgets.QWidget, "selectorView").isVisible()
    peer = f"a connection to 127.0.0.1:{server.port}"

    def peer_rows() -> list[list[str]]:
        return [row for row in fd_rows(panel) if row[2].startswith(peer)]

    async def go() -> tuple[int, int, str, re.Match[str]]:
        await wait_until(
            lambda: any(row[2].startswith("the self-pipe") for row in fd_rows(panel)),
            what="the self-pipe listed",
        )
        widget(panel, QtWidgets.QSpinBox, "selectorConnectionsSpin").setValue(4)
        button(panel, "openConnectionsButton").click()
        most = await wait_until(
            lambda: (n := len(peer_rows())) >= 4 and n, what="four connections listed"
        )
        ready = await wait_until(
            lambda: (n := sum(int(row[4]) > 0 for row in peer_rows())) >= 4 and n,
            what="each became ready when its answer came",
        )
        await wait_until(lambda: not panel.busy(), 20, "the connections closed")
        await wait_until(lambda: not peer_rows(), what="closed connections leave the table")
        log = widget(panel, QtWidgets.QPlainTextEdit, "selectorTurns").toPlainText()
        numbers = await wait_until(lambda: summary(panel), what="a waiting/working summary")
        return most, ready, log, numbers

    most, ready, log, numbers = run(go())
    assert most == ready == 4
    assert re.search(r"ready: fd \d+ read \(a connection to 127\.0\.0\.1", log), log[-2000:]
    assert re.search(r"after +[\d.]+ ms asleep, ready: fd", log), log[-2000:]
    assert "4 answers after" in log
    waiting, working = int(numbers["waiting"]), int(numbers["working"])
    assert 900 <= waiting + working <= 1100
    assert waiting > 300, "an idle window sleeps most of each second"


def test_nothing_is_recorded_while_the_view_is_hidden(window, run) -> None:
    panel = window.show_panel("selector")
    assert isinstance(panel, SelectorPanel)
    watch = panel.live.watch

    async def go() -> None:
        await wait_until(lambda: panel.live.watching, what="the watch attached")
        panel.tabs.setCurrentIndex(1)
        assert not panel.live.watching and watch.loop is None
        await asyncio.sleep(0.3)
        assert not watch.selects and not watch.sleeps
        loop = asyncio.get_running_loop()
        assert "select" not in vars(getattr(loop, "_selector", object()))
        panel.tabs.setCurrentIndex(0)
        await wait_until(lambda: panel.live.watching, what="attached again when shown")

    run(go())


@pytest.mark.skipif(TEST_LOOP_KIND != "qasync", reason="what the view says on qasync")
def test_on_qasync_it_says_what_it_cannot_show(window, run) -> None:
    panel = window.show_panel("selector")
    note = widget(panel, QtWidgets.QLabel, "selectorNote").text()
    assert "stock qasync" in note and "has no selector of asyncio" in note
    run(wait_until(lambda: summary(panel), what="the sleeps still measured"))


def test_own_loop_runs_the_countdowns_without_asyncio(window, run) -> None:
    panel = window.show_panel("selector")
    assert isinstance(panel, SelectorPanel)
    panel.tabs.setCurrentIndex(1)
    output = widget(panel, QtWidgets.QPlainTextEdit, "ownLoopOutput")

    async def go() -> None:
        button(panel, "ownLoopButton").click()
        await wait_until(lambda: not panel.busy(), 20, "the countdowns ended")
        button(panel, "ownLoopAsyncioButton").click()
        await wait_until(lambda: not panel.busy(), 20, "again on asyncio")

    run(go())
    runs = output.toPlainText().split("--- on ")
    timed = [re.findall(r"\+ *([\d.]+) s  ([AB]: \S+)", part) for part in runs[1:]]
    # Quiet, the turns come as A: 3, B: 2, A: 2, B: 1, A: 1, A: lift-off, B: lift-off: 50 ms
    # apart at the closest, and each late wake-up of a busy machine pushes a countdown's
    # later steps back. What holds on any machine: each counts down in order, both at once.
    for run_said in timed:
        lines = [line for _, line in run_said]
        assert [line for line in lines if line[0] == "A"] == ["A: 3", "A: 2", "A: 1", "A: lift-off"]
        assert [line for line in lines if line[0] == "B"] == ["B: 2", "B: 1", "B: lift-off"]
        assert lines.index("B: 1") < lines.index("A: lift-off"), "they took turns"
        # They wait together: the countdowns' spans (0.6 and 0.7 s) overlap by A's 0.6 s (at
        # least 0.4 s however late B starts: A's last two naps come after it); one after the
        # other, not at all. Late wake-ups stretch spans and the whole run alike. (The
        # summary's total also holds the worker thread's start: 1-2 s under load.)
        at = {line: float(when) for when, line in run_said}
        took = max(at.values()) - min(at.values())
        assert took >= 0.69, "B's two naps of 0.35 s"
        spans = at["A: lift-off"] - at["A: 3"] + at["B: lift-off"] - at["B: 2"]
        assert spans - took > 0.3, (spans, took)
    assert runs[1].startswith("our own loop") and runs[2].startswith("asyncio")
    total = re.search(r"On asyncio: 7 lines in ([\d.]+) s", panel.own_loop.summary.text())
    assert total is not None and float(total[1]) >= 0.69, "B's two naps of 0.35 s"
    assert "ownLoopButton" in [b.objectName() for b in panel.own_loop.buttons]
    assert button(panel, "ownLoopTrioButton").toolTip()
    assert run_own_loop in panel.source_view.objects, "the code on the right follows the tab"
