"""The tour's "Beyond the lecture" steps on the backpressure and races panels, walked.

Not in the panels' own files: the window there is built with its panel before it is shown
(`pytest.mark.panels`), and then `windowHandle()` answers a stale QWidgetItem wrapper, so
`tour.start()` raises. Here the tour builds each panel as it opens it, as in the app.
"""

from __future__ import annotations

import re

import pytest
from PySide6 import QtWidgets

from tests.helpers import wait_until

pytestmark = pytest.mark.timeout(120)


def walk_steps(window, run, slug: str) -> list[str]:
    """The tour's steps on panel `slug`, walked: press the marked control, wait, read."""
    tour = window.tour

    async def walk() -> list[str]:
        tour.start()
        takeaways = []
        for index in [i for i, step in enumerate(tour.steps) if step.panel == slug]:
            tour.go(index)
            assert tour.steps[index].chapter == "Beyond the lecture"
            target = tour.target()
            assert isinstance(target, QtWidgets.QPushButton)
            await wait_until(lambda t=target: t.isVisible() and t.isEnabled(), 15, "target")
            target.click()
            await wait_until(tour.observed, 60, f"step {index} observed")
            takeaways.append(" ".join(tour.takeaway().split()))
        return takeaways

    try:
        return run(walk())
    finally:
        tour.stop()


def test_the_tour_quotes_the_peak_each_way(window, run):
    unbounded, bounded = walk_steps(window, run, "backpressure")
    grew = re.match(r"The queue reached ([\d,]+) items holding [\d.]+ MB: `put\(\)`", unbounded)
    assert grew and int(grew[1].replace(",", "")) > 40, unbounded
    assert re.match(
        r"At most 10 items \([\d.]+ MB\): `await put\(\)` held the producer back ", bounded
    )


def test_the_tour_quotes_the_lost_updates_then_none(window, run):
    race, lock = walk_steps(window, run, "races")
    lost = re.match(r"(\d+) updates lost, in (\d+) of 200 rounds, on one thread", race)
    assert lost and int(lost[1]) > 0, race
    assert lock.startswith("0 updates lost: the second customer waited at the lock"), lock
