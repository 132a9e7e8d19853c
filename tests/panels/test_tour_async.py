"""The tour's steps beyond the lecture for `hidden-blocking` and `async-iteration`: walked
as a learner would (click the marked control, wait), each takeaway quotes what was
measured."""

from __future__ import annotations

import re

import pytest
from PySide6 import QtWidgets

from guidemo.ui.tour import plain_text, quoted
from tests.helpers import wait_until

pytestmark = pytest.mark.timeout(120)
SLUGS = ("hidden-blocking", "async-iteration")


def test_the_chapter_steps_quote_what_was_just_measured(window, run):
    tour = window.tour

    async def walk() -> list[tuple[str, str, str]]:
        tour.start()
        steps = [i for i, step in enumerate(tour.steps) if step.panel in SLUGS]
        assert len(steps) == 4 and all(tour.steps[i].chapter for i in steps)
        seen = []
        for index in steps:
            tour.go(index)
            step = tour.steps[index]
            target = tour.target()
            assert target is not None and isinstance(target, QtWidgets.QPushButton)
            await wait_until(lambda t=target: t.isVisible() and t.isEnabled(), 15)
            target.click()
            await wait_until(tour.observed, 60, f"{step.title} observed")
            name = step.watch.partition(":")[2]
            label = window.current_panel().findChild(QtWidgets.QLabel, name)
            text = plain_text(label.text())
            assert quoted(text, step.quote)["quoted"], (step.title, text)
            shown = window.findChild(QtWidgets.QTextBrowser, "tourText").toPlainText()
            assert tour.takeaway()[:20] in shown, (tour.takeaway(), shown)  # as it reads
            seen.append((step.title, text, tour.takeaway()))
        return seen

    try:
        seen = run(walk())
    finally:
        tour.stop()
    for title, _, takeaway in seen:
        assert re.search(r"\d", takeaway) and "{" not in takeaway, (title, takeaway)
    assert re.search(r"^The window froze [\d.]+ s: `time.sleep`", seen[0][2]), seen[0]
    assert re.search(r"^This time: no freeze, worst lag \d+ ms, with `asyncio", seen[1][2])
    first_and_last = r"the first after \d+ ms, the last after [\d.]+ s, and the loop's worst lag"
    assert re.search(first_and_last + r"\s+meanwhile was \d+ ms", seen[2][2]), seen[2]
    assert re.search(r"until `aclose\(\)` ran its `finally`, [\d.]+ ms after the break", seen[3][2])
