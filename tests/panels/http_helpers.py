"""Helpers and fixtures of the http panel's tests: find, click, read what it shows."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Iterator

import pytest
from PySide6 import QtWidgets

from guidemo.panels.http import HttpPanel
from tests.helpers import wait_until
from tests.hostile_http import HostileServer

NAMES = ["urlEdit", "countSpin", "latencySpin", "concurrencySpin", "timeoutSpin", "sizeCapSpin"]
NAMES += ["wordEdit", "asyncButton", "syncButton", "threadsButton", "cancelButton"]
NAMES += ["resultsTable", "summaryLabel", "timeline", "progressBar", "examplesCombo"]
NAMES += ["syncConfirm", "syncConfirmButton", "syncDeclineButton", "waterfallLegend"]


@pytest.fixture(scope="module")
def raw_server() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


@pytest.fixture
def panel(window) -> Iterator[HttpPanel]:
    panel = window.show_panel("http")
    assert isinstance(panel, HttpPanel)
    found = {name: panel.findChild(QtWidgets.QWidget, name) for name in NAMES}
    assert all(found.values()), [name for name, widget in found.items() if widget is None]
    yield panel
    assert not panel.tasks, panel.tasks
    gc.collect()  # an unclosed session or socket warns here, and warnings are errors


# --- helpers: what the panel shows ------------------------------------------------------------
def widget(panel: HttpPanel, name: str) -> QtWidgets.QWidget:
    return panel.findChild(QtWidgets.QWidget, name)


def click(panel: HttpPanel, name: str) -> None:
    panel.findChild(QtWidgets.QPushButton, name).click()


def idle(panel: HttpPanel) -> bool:
    return panel.findChild(QtWidgets.QPushButton, "asyncButton").isEnabled()


def table_rows(panel: HttpPanel) -> list[list[str]]:
    table = widget(panel, "resultsTable")
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def summary(panel: HttpPanel) -> str:
    return re.sub(r"<[^>]+>", "", widget(panel, "summaryLabel").text())


def wall_time(panel: HttpPanel) -> float:
    return float(re.search(r"requests in ([\d.]+) s", summary(panel)).group(1))


def scenario(panel: HttpPanel, count: int, latency: float, concurrency: int, word: str) -> None:
    widget(panel, "urlEdit").clear()
    widget(panel, "countSpin").setValue(count)
    widget(panel, "latencySpin").setValue(latency)
    widget(panel, "concurrencySpin").setValue(concurrency)
    widget(panel, "wordEdit").setText(word)


def own_urls(panel: HttpPanel, lines: list[str], timeout: float = 1.0, cap_mb: float = 1.0):
    widget(panel, "urlEdit").setPlainText("\n".join(lines))
    widget(panel, "timeoutSpin").setValue(timeout)
    widget(panel, "sizeCapSpin").setValue(cap_mb)


async def run_way(
    panel: HttpPanel, button: str, timeout: float = 30, freeze_ok: bool = False
) -> float:
    """Run one way to its end; `freeze_ok`: answer yes if sync asks before a long freeze."""
    started = time.perf_counter()
    click(panel, button)
    assert not idle(panel), "a run disables the run buttons"
    if freeze_ok:
        question = widget(panel, "syncConfirm")
        await wait_until(lambda: idle(panel) or question.isVisible(), timeout, "run or question")
        if question.isVisible():
            click(panel, "syncConfirmButton")
    await wait_until(lambda: idle(panel), timeout, f"{button} run to end")
    return started


def assert_all_settled(panel: HttpPanel) -> None:
    stuck = [row for row in table_rows(panel) if row[1] in ("queued", "running…")]
    assert stuck == [], stuck[:5]
    assert not panel.tasks
