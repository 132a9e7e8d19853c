"""The start page: the overview links to every panel, starts the tour, and shows the loop live."""

from __future__ import annotations

import re

import pytest
from PySide6 import QtWidgets

from guidemo.panels import PANELS
from tests.conftest import wait_until


@pytest.mark.timeout(60)
def test_every_panel_is_one_click_away(window, run):
    start = window.show_panel("start")
    for entry in PANELS[1:]:
        window.show_panel("start")
        start.findChild(QtWidgets.QPushButton, f"open-{entry.slug}").click()
        assert window.current_panel().slug == entry.slug


@pytest.mark.timeout(60)
def test_the_live_line_is_measured_and_the_tour_starts(window, run):
    start = window.show_panel("start")
    live = start.findChild(QtWidgets.QLabel, "liveLabel")

    async def scenario() -> None:
        def probes() -> int:
            found = re.search(r"<b>(\d+)</b> times", live.text())
            return int(found.group(1)) if found else 0

        await wait_until(lambda: probes() >= 3, 5, "the live line with real probes")
        start.findChild(QtWidgets.QPushButton, "startTourButton").click()
        assert window.tour.active
        window.tour.stop()

    run(scenario())


def test_the_references_open_in_the_browser(window):
    start = window.show_panel("start")
    browser = start.findChild(QtWidgets.QTextBrowser, "explanation")
    assert browser.openExternalLinks()
    html = browser.toHtml()
    for link in ("docs.python.org/3/library/asyncio", "dabeaz", "trio", "MCs5OvhV9S4"):
        assert link in html, link
