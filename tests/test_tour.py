"""The guided tour, walked as a learner would: use the marked control, wait, read, next."""

from __future__ import annotations

import re

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.explanations import explanation
from guidemo.ui.tour import parse_tour
from tests.helpers import wait_until


def test_the_tour_is_written_in_lecture_order():
    steps = parse_tour(explanation("tour"))
    assert 15 <= len(steps) <= 30
    assert all(step.panel and step.text for step in steps)
    assert sum("{" in step.takeaway for step in steps) >= 10, "takeaways quote measurements"


async def use(target: QtWidgets.QWidget) -> None:
    """What a learner does with the marked control: wait until it can be used, click it."""
    await wait_until(lambda: target.isVisible() and target.isEnabled(), 15, target.objectName())
    if isinstance(target, QtWidgets.QAbstractButton):
        target.click()


@pytest.mark.timeout(300)
def test_a_learner_walks_the_whole_tour(window, run):
    tour = window.tour
    marker = window.findChild(QtWidgets.QWidget, "tourMarker")

    async def walk() -> list[str]:
        tour.start()
        tour.go(0)
        text = window.findChild(QtWidgets.QTextBrowser, "tourText")
        assert window.findChild(QtWidgets.QWidget, "tourPanel").isVisible()
        seen = []
        for index, step in enumerate(tour.steps):
            assert tour.index == index
            assert window.current_panel().slug == step.panel
            target = tour.target()
            if target is not None:
                await wait_until(marker.isVisible, 5, f"the marker of step {index}")
                await use(target)
            await wait_until(tour.observed, 60, f"step {index} ({step.title}) observed")
            takeaway = tour.takeaway()
            if "{" in step.takeaway:
                assert re.search(r"\d", takeaway), (step.title, takeaway)
                assert "?" not in takeaway.replace("?)", ""), (step.title, takeaway)
                assert takeaway in text.toPlainText().replace("\n", " ") or takeaway[:20] in (
                    text.toPlainText()
                )
            seen.append(f"{step.title}: {takeaway}")
            tour.next()
        return seen

    seen = run(walk(), timeout=280)
    assert len(seen) == len(tour.steps)
    tour.stop()
    assert not window.findChild(QtWidgets.QWidget, "tourPanel").isVisible()


@pytest.mark.timeout(60)
def test_keys_move_through_the_tour_and_it_remembers_the_step(window, run):
    tour = window.tour

    async def scenario() -> None:
        tour.start()
        tour.go(0)
        window.findChild(QtWidgets.QPushButton, "tourNext").setFocus()  # not a text field
        for key in (
            QtCore.Qt.Key.Key_PageDown,
            QtCore.Qt.Key.Key_PageDown,
            QtCore.Qt.Key.Key_Right,
        ):
            QtWidgets.QApplication.sendEvent(
                window,
                QtGui.QKeyEvent(
                    QtCore.QEvent.Type.KeyPress, key, QtCore.Qt.KeyboardModifier.NoModifier
                ),
            )
        assert tour.index == 3
        QtWidgets.QApplication.sendEvent(
            window,
            QtGui.QKeyEvent(
                QtCore.QEvent.Type.KeyPress,
                QtCore.Qt.Key.Key_PageUp,
                QtCore.Qt.KeyboardModifier.NoModifier,
            ),
        )
        assert tour.index == 2
        window.findChild(QtWidgets.QPushButton, "tourBack").click()
        assert tour.index == 1
        window.findChild(QtWidgets.QPushButton, "tourNext").click()
        assert tour.index == 2
        tour.stop()
        tour.start()
        assert tour.index == 2, "the tour remembers where it was"
        tour.stop()

    run(scenario())
