"""The guided tour, walked as a learner would: use the marked control, wait, read, next."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from guidemo.explanations import explanation
from guidemo.ui.tour import parse_tour, plain_text, quoted
from tests.helpers import wait_until
from tests.test_layout import global_rect, reflow_problems

# guidemo's own display code never burns more CPU holding the loop on a walk. The walks run
# in the parallel part, beside 7 other workers, where the same code takes longer (a lane
# chart's redraw: 152 ms of working time) and the GUI thread waits for a CPU, or for the
# GIL a lesson's thread holds (580 ms "in run_forever" beside a second suite): so CPU time
# (Freeze.cpu_s), not the freeze's length. The own freezes the walks were written against
# held the loop 0.45-0.6 s; `guidemo bench --only tour` measures the 50 ms target quietly.
OWN_STALL_MAX_S = 0.25
SCHEDSTAT = Path("/proc/thread-self/schedstat").exists()


def test_the_tour_is_written_in_lecture_order():
    steps = parse_tour(explanation("tour"))
    lecture = [step for step in steps if not step.chapter]
    assert 15 <= len(lecture) <= 30
    assert all(step.panel and step.text for step in steps)
    assert sum("{" in step.takeaway for step in steps) >= 10, "takeaways quote measurements"
    chapters = [step.chapter for step in steps]
    assert chapters == sorted(chapters, key=lambda name: name != ""), "chapters after the lecture"
    assert set(chapters) == {"", "Beyond the lecture"}


@pytest.mark.timeout(30)
def test_a_result_stays_in_view_when_a_label_above_it_grows(qapp, run):
    """The tour scrolls to a step's picture as soon as the run ends; the layout pass after
    it may grow a wrapped label above the picture. The keeper scrolls again (the test's
    projector walks missed the http waterfall's end this way at zoom 1.5)."""
    from guidemo.ui.tour import ResultKeeper

    area = QtWidgets.QScrollArea()
    area.setWidgetResizable(True)
    content = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(content)
    label = QtWidgets.QLabel("short")
    label.setWordWrap(True)
    picture = QtWidgets.QFrame()
    picture.setMinimumHeight(150)
    filler = QtWidgets.QFrame()
    filler.setMinimumHeight(400)
    for widget in (filler, label, picture):
        layout.addWidget(widget)
    area.setWidget(content)
    area.resize(300, 260)
    area.show()
    keeper = ResultKeeper(area)

    def end_in_view() -> bool:
        bottom = picture.mapTo(area.viewport(), QtCore.QPoint(0, picture.height() - 1))
        return area.viewport().rect().contains(bottom)

    async def scenario() -> None:
        await settle()
        keeper.keep(picture, bottom=True)
        assert end_in_view()
        label.setText("a run's summary that wraps over many lines " * 12)  # grows later
        await settle()
        await wait_until(end_in_view, 5, "the picture's end in view again")
        keeper.keep(None)

    try:
        run(scenario(), timeout=20)
    finally:
        area.close()


@pytest.mark.timeout(60)
def test_after_the_lecture_the_tour_offers_the_next_chapter_or_an_end(window, run):
    tour = window.tour
    start = tour.chapter_start()
    assert start is not None
    beyond = len(tour.steps) - start
    chapter_button, next_button = tour.panel.chapter_button, tour.panel.next_button

    async def scenario() -> None:
        tour.start()
        tour.go(0)
        assert chapter_button.isVisible() and tour.position() == f"Tour 1 / {start}"
        chapter_button.click()  # skip the lecture's remaining steps
        assert tour.index == start and not chapter_button.isVisible()
        assert tour.panel.heading.text().startswith(f"<b>Beyond the lecture 1 / {beyond}: ")
        tour.back()  # the lecture's last step
        assert next_button.text() == "Beyond the lecture ▶"
        target = tour.target()
        if target is not None:
            await use(target)
        await wait_until(tour.observed, 60, "the lecture's last step observed")
        assert "The lecture ends here." in tour.panel.text.toPlainText()
        next_button.click()
        assert tour.index == start and next_button.text() == "Next ▶"
        tour.go(len(tour.steps) - 1)
        assert not next_button.isEnabled()

    try:
        run(scenario())
    finally:
        tour.stop()


async def use(target: QtWidgets.QWidget) -> None:
    """What a learner does with the marked control: wait until it can be used, click it."""
    await wait_until(lambda: target.isVisible() and target.isEnabled(), 15, target.objectName())
    if isinstance(target, QtWidgets.QAbstractButton):
        target.click()


def visible_area(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> QtCore.QRect:
    """The part of the screen where `widget` can be seen: the window, cut by the viewport
    of every scroll area around it."""
    clip = global_rect(window)
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QAbstractScrollArea):
            clip = clip.intersected(global_rect(parent.viewport()))
        parent = parent.parentWidget()
    return clip


def not_fully_visible(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> str:
    """ "" if all of `widget` is on screen, else where it is and what can be seen."""
    rect, area = global_rect(widget), visible_area(widget, window)
    if widget.isVisible() and area.contains(rect):
        return ""
    return f"{widget.objectName()} {rect.getRect()} not fully inside {area.getRect()}"


def quoted_label(tour) -> QtWidgets.QWidget | None:
    """The label the step's takeaway quotes ({text} of a run: or label: watch)."""
    kind, _, name = tour.steps[tour.index].watch.partition(":")
    if kind not in ("run", "label") or not name:
        return None
    return tour.window.panel(tour.steps[tour.index].panel).findChild(QtWidgets.QLabel, name)


async def settle() -> None:
    """Let pending layout passes (a wrapped label's height follows its width) run."""
    for _ in range(3):
        QtWidgets.QApplication.sendPostedEvents()
        await asyncio.sleep(0.02)


def walk_problems(window, run, size: tuple[int, int], zoom: float) -> tuple[list[str], list]:
    """Walk the whole tour with its band open, pressing only the marked control; return what
    a class would see wrong at each step, and guidemo's own stalls during the walk."""
    tour = window.tour
    marker = window.findChild(QtWidgets.QWidget, "tourMarker")
    shown_text = window.findChild(QtWidgets.QTextBrowser, "tourText")

    async def walk() -> list[str]:
        window.set_zoom(zoom)
        window.resize(*size)
        window.build_remaining()  # as the app does once its window is up: the class sees it
        tour.start()
        tour.go(0)
        await wait_until(lambda: window.size().toTuple() == size, 5, "the window's size")
        assert window.findChild(QtWidgets.QWidget, "tourPanel").isVisible()
        found = []
        for index, step in enumerate(tour.steps):
            where = f"step {index + 1} ({step.title})"
            panel = window.current_panel()
            if (tour.index, panel.slug) != (index, step.panel):
                found.append(f"{where}: at step {tour.index + 1}, on {panel.slug}")
            target = tour.target()
            if target is not None:
                await wait_until(marker.isVisible, 5, f"the marker of {where}")
                await settle()
                # In view when the class is to click it (after the click, the tour may
                # rightly scroll to the result instead: it did, on a busy machine, at step 36)
                try:
                    await wait_until(lambda t=target: not not_fully_visible(t, window), 3)
                except AssertionError:
                    found.append(f"{where}: the marked {not_fully_visible(target, window)}")
                await use(target)
            await wait_until(tour.observed, 60, f"{where} observed")
            await settle()
            label = quoted_label(tour)
            shown = panel.findChild(QtWidgets.QWidget, step.show) if step.show else None
            if shown is not None:  # the picture the step is about: its latest (lowest) part
                latest = global_rect(shown)
                latest.setTop(latest.bottom() - min(40, latest.height()))
                if not visible_area(shown, window).contains(latest):
                    found.append(f"{where}: the end of {step.show} is not on screen")
            elif label is not None and (problem := not_fully_visible(label, window)):
                found.append(f"{where}: the quoted {problem}")
            found += [f"{where}: {problem}" for problem in reflow_problems(window, panel)]
            takeaway = tour.takeaway()
            if re.search(r"\{(?!label)", step.takeaway):  # the step promises a measurement
                if not re.search(r"\d", takeaway) or "?" in takeaway.replace("?)", ""):
                    found.append(f"{where}: no measured number in {takeaway!r}")
                text = plain_text(label.text()) if label is not None else ""
                if step.quote and label is not None and not quoted(text, step.quote)["quoted"]:
                    freezes = [
                        (round(f.duration_s, 2), f.where, f"own={f.own}", f"busy={f.machine_busy}")
                        for f in window.monitor.freezes[-3:]
                    ]
                    found.append(f"{where}: its quote missed {text!r} (freezes: {freezes})")
            if takeaway[:20] not in shown_text.toPlainText().replace("\n", " "):
                found.append(f"{where}: the band does not show {takeaway!r}")
            tour.next()
        return found

    started = time.perf_counter()
    try:
        found = run(walk(), timeout=280)
    finally:
        tour.stop()
        window.set_zoom(1.0)
    if window.findChild(QtWidgets.QWidget, "tourPanel").isVisible():
        found.append("the band stayed open after the tour stopped")
    stalls = [  # CPU time: a busy machine makes the GUI thread wait, for a CPU or the GIL
        f
        for f in window.monitor.stats().freezes
        if f.own
        and f.started >= started
        and (f.cpu_s if SCHEDSTAT else f.working_s) > OWN_STALL_MAX_S
    ]
    return found, stalls


# Not needs_quiet: the stalls it bounds count only the time the GUI thread worked, not the
# time it waited for a CPU while the other tests had them (Freeze.working_s).
@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("width", "height", "zoom"), [(1280, 720, 1.0), (1920, 1080, 1.5)])
def test_a_class_follows_the_tour_on_a_projector(window, run, width, height, zoom):
    found, stalls = walk_problems(window, run, (width, height), zoom)
    assert found == [], "\n".join(found)
    assert stalls == [], "own stalls over 250 ms of CPU: " + "; ".join(
        f"{f.cpu_s * 1000:.0f} ms on a CPU of {f.duration_s * 1000:.0f} ms"
        f" ({f.cpu_wait_s * 1000:.0f} waiting for one) on {f.panel} in {f.where}"
        for f in stalls
    )


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
                window.windowHandle(),  # as the window system delivers a key
                QtGui.QKeyEvent(
                    QtCore.QEvent.Type.KeyPress, key, QtCore.Qt.KeyboardModifier.NoModifier
                ),
            )
        assert tour.index == 3
        QtWidgets.QApplication.sendEvent(
            window.windowHandle(),
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


@pytest.mark.timeout(60)
def test_the_tour_prepares_its_next_step_only_after_the_warm_up(window, run):
    """Resumed at a later step right after the start, the tour built its next step's panel
    at once, importing pyqtgraph on the GUI thread before the warm-up thread had (a 0.53 s
    own stall in History). It now waits for the warm-up."""
    tour = window.tour
    index = next(
        i
        for i, step in enumerate(tour.steps[:-1])
        if i > 0 and tour.steps[i + 1].panel not in (step.panel, "start")
    )
    upcoming = tour.steps[index + 1].panel

    async def scenario() -> tuple[bool, bool]:
        window.build_remaining(delay_ms=600_000)  # as at start: the warm-up is due, not done
        tour.index = index  # resumed there (not at a step an earlier test left in settings)
        tour.start()
        samples = window.monitor.stats().samples
        await wait_until(lambda: window.monitor.stats().samples >= samples + 10, 10)  # 1 s
        built_while_warming = window.findChild(QtWidgets.QWidget, f"panel-{upcoming}") is not None
        window._warming_up = False  # the warm-up done, as _build_next says when it is
        await wait_until(
            lambda: window.findChild(QtWidgets.QWidget, f"panel-{upcoming}") is not None,
            10,
            f"{upcoming} prepared",
        )
        return built_while_warming, window.warming_up()

    try:
        built_while_warming, still_warming = run(scenario())
    finally:
        tour.stop()
    assert not built_while_warming and not still_warming


def key(widget: QtCore.QObject, which: QtCore.Qt.Key, modifiers=None) -> None:
    modifiers = modifiers or QtCore.Qt.KeyboardModifier.NoModifier
    QtWidgets.QApplication.sendEvent(
        widget, QtGui.QKeyEvent(QtCore.QEvent.Type.KeyPress, which, modifiers)
    )


@pytest.mark.timeout(60)
def test_the_history_popup_closes_on_tour_keys_and_lets_ctrl_q_quit(window, run):
    tour, hud = window.tour, window.hud
    quits: list[bool] = []

    async def scenario() -> None:
        window.resize(1280, 720)  # a projector: the button sits near the right edge
        await wait_until(lambda: window.width() == 1280, 5, "the window's size")
        tour.start()
        tour.go(2)
        hud.show_history()
        await wait_until(hud.history.isVisible, 5, "the history popup")
        band_top = tour.panel.mapToGlobal(QtCore.QPoint(0, 0)).y()
        popup = hud.history.frameGeometry()
        assert popup.bottom() < band_top, ("the popup covers the tour band", popup, band_top)
        inside = window.frameGeometry()
        assert inside.left() <= popup.left() and popup.right() <= inside.right(), (popup, inside)
        key(hud.history, QtCore.Qt.Key.Key_PageDown)
        assert not hud.history.isVisible(), "a tour key closes the popup"
        key(window.windowHandle(), QtCore.Qt.Key.Key_PageDown)
        assert tour.index == 3, "and the next one moves the tour on"
        hud.show_history()
        await wait_until(hud.history.isVisible, 5, "the history popup again")
        quit_action = next(
            a for a in window.findChildren(QtGui.QAction) if a.shortcut().toString() == "Ctrl+Q"
        )
        quit_action.triggered.connect(lambda: quits.append(True))
        key(hud.history, QtCore.Qt.Key.Key_Q, QtCore.Qt.KeyboardModifier.ControlModifier)
        assert quits == [True], "Ctrl+Q reached the window's Quit while the popup was open"
        assert not hud.history.isVisible()
        hud.show_history()
        await wait_until(hud.history.isVisible, 5, "the history popup, a third time")
        next_button = tour.panel.next_button
        on_next = next_button.mapToGlobal(next_button.rect().center())
        QtTest.QTest.mouseClick(
            hud.history, QtCore.Qt.MouseButton.LeftButton, pos=hud.history.mapFromGlobal(on_next)
        )
        assert not hud.history.isVisible() and tour.index == 4, "one click on Next moves on"
        tour.stop()

    run(scenario())


@pytest.mark.timeout(60)
def test_the_marker_follows_its_control_when_the_panel_scrolls(window, run):
    tour = window.tour
    marker = window.findChild(QtWidgets.QWidget, "tourMarker")

    async def scenario() -> None:
        window.resize(1280, 720)
        tour.start()
        step = next(i for i, s in enumerate(tour.steps) if s.target == "compareButton")
        tour.go(step)
        target = tour.target()
        await wait_until(marker.isVisible, 5, "the marker")

        def framed() -> bool:
            corner = target.mapTo(window, QtCore.QPoint(0, 0))
            return marker.geometry().center() == QtCore.QRect(corner, target.size()).center()

        assert framed()
        scroll = next(
            a
            for a in window.current_panel().findChildren(QtWidgets.QScrollArea)
            if a.isAncestorOf(target)
        )
        bar = scroll.verticalScrollBar()
        assert bar.maximum() > 0, "the panel must scroll for this test to mean anything"
        before = marker.geometry()
        bar.setValue(bar.maximum() if bar.value() < bar.maximum() // 2 else 0)
        QtWidgets.QApplication.sendPostedEvents()
        assert marker.geometry() != before and framed(), "at once, not at the next pulse"
        tour.stop()

    run(scenario())


@pytest.mark.panels("races")  # built before the window is shown
@pytest.mark.timeout(60)
def test_the_tour_starts_when_a_panel_was_built_before_the_window_was_shown(window, run):
    """PySide6 handed Tour.start() a stale wrapper for windowHandle() here (AttributeError):
    of a layout item whose wrapper the accessible names' itemAt() had made."""
    tour = window.tour

    async def scenario() -> None:
        tour.start()
        tour.go(0)
        window.findChild(QtWidgets.QPushButton, "tourNext").setFocus()
        page_down = QtGui.QKeyEvent(
            QtCore.QEvent.Type.KeyPress,
            QtCore.Qt.Key.Key_PageDown,
            QtCore.Qt.KeyboardModifier.NoModifier,
        )
        handle = window.windowHandle()
        assert isinstance(handle, QtGui.QWindow), type(handle)
        QtWidgets.QApplication.sendEvent(handle, page_down)  # as the window system does
        assert tour.index == 1

    try:
        run(scenario())
    finally:
        tour.stop()
