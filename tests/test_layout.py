"""Every panel fits small screens: nothing cut off, nothing overlapping, at 1024x768 and 720p.

A control counts as reachable when it lies inside the window, or inside a scroll area's
content (which the learner can scroll to). Controls must not overlap one another.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from tests.headless import offscreen_platform
from tests.helpers import wait_until

CONTROLS = (
    QtWidgets.QAbstractButton,
    QtWidgets.QAbstractSpinBox,
    QtWidgets.QComboBox,
    QtWidgets.QLineEdit,
    QtWidgets.QSlider,
)
VIEWS = (QtWidgets.QAbstractItemView, QtWidgets.QPlainTextEdit, QtWidgets.QTextEdit)


def global_rect(widget: QtWidgets.QWidget) -> QtCore.QRect:
    return QtCore.QRect(widget.mapToGlobal(QtCore.QPoint(0, 0)), widget.size())


def in_scroll_content(widget: QtWidgets.QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QAbstractScrollArea) and not isinstance(parent, VIEWS):
            return True
        parent = parent.parentWidget()
    return False


def problems(window: QtWidgets.QWidget, panel: QtWidgets.QWidget) -> list[str]:
    """What is cut off or overlapping on `panel` as the window shows it now."""
    found = []
    frame = global_rect(window)
    shown = [
        w
        for w in panel.findChildren(QtWidgets.QWidget)
        if isinstance(w, CONTROLS + VIEWS)
        and w.isVisibleTo(window)
        and w.objectName()
        and not w.objectName().startswith("qt_")
    ]
    for widget in shown:
        if not in_scroll_content(widget) and not frame.contains(global_rect(widget)):
            found.append(f"{widget.objectName()} cut off: {global_rect(widget)} not in {frame}")
        if widget.width() < 8 or widget.height() < 8:
            found.append(f"{widget.objectName()} squeezed to {widget.size().toTuple()}")
    controls = [w for w in shown if isinstance(w, CONTROLS)]
    for index, first in enumerate(controls):
        for second in controls[index + 1 :]:
            if first.isAncestorOf(second) or second.isAncestorOf(first):
                continue
            overlap = global_rect(first).intersected(global_rect(second))
            if overlap.width() > 2 and overlap.height() > 2:
                found.append(f"{first.objectName()} overlaps {second.objectName()}")
    return found


@pytest.mark.timeout(120)
@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_every_panel_fits_a_small_screen(window, run, size):
    async def scenario() -> list[str]:
        window.resize(*size)
        found = []
        for slug in window.panels:
            panel = window.show_panel(slug)
            await wait_until(lambda p=panel: p.isVisible() and window.size().toTuple() == size)
            QtWidgets.QApplication.sendPostedEvents()  # pending layout requests
            found += [f"{slug}: {problem}" for problem in problems(window, panel)]
        found += [f"HUD: {problem}" for problem in problems(window, window.hud)]
        return found

    assert run(scenario()) == []


@pytest.mark.timeout(60)
def test_the_check_sees_a_control_cut_off_and_an_overlap(window, run):
    panel = window.show_panel(next(iter(window.panels)))
    wide = QtWidgets.QPushButton("too wide", panel, objectName="tooWide")
    wide.setGeometry(0, 0, 5000, 30)
    other = QtWidgets.QPushButton("under it", panel, objectName="underIt")
    other.setGeometry(10, 5, 80, 30)
    wide.show()
    other.show()
    try:
        found = problems(window, panel)
    finally:
        wide.deleteLater()
        other.deleteLater()
    assert any("tooWide cut off" in p for p in found), found
    assert any("overlaps" in p and "underIt" in p for p in found), found


@pytest.mark.timeout(60)
def test_the_window_opens_inside_a_small_screen(tmp_path):
    """On a 1280x720 screen the window opens no larger than the screen, HUD included."""
    driver = textwrap.dedent(
        """
        from guidemo.app import run_app
        def on_ready(window):
            hud = window.hud.geometry()
            print("SIZE", window.width(), window.height(), hud.right(), flush=True)
            window.close()
        run_app(on_ready=on_ready)
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM=offscreen_platform(1280, 720))
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", driver],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("SIZE"))
    width, height, hud_right = (int(x) for x in line.split()[1:])
    assert width <= 1280 and height <= 720, line
    assert hud_right <= width, line


# --- reflow: no sideways scrolling, nothing drawn over anything ---------------------------
SCREENS = [  # (width, height, zoom, tour band open)
    (1280, 720, 1.0, True),
    (1024, 768, 1.0, False),
    (1920, 1080, 1.5, True),
]


def overlapping_siblings(root: QtWidgets.QWidget) -> list[str]:
    """Visible sibling widgets under `root` whose rectangles overlap (text over text)."""
    found = []
    for parent in [root, *root.findChildren(QtWidgets.QWidget)]:
        if not parent.isVisible() or isinstance(parent, (QtWidgets.QSplitter, *VIEWS)):
            continue
        if isinstance(parent, QtWidgets.QAbstractScrollArea):
            continue  # its viewport, scroll bars and corner are Qt's own business
        children = [
            child
            for child in parent.children()
            if isinstance(child, QtWidgets.QWidget)
            and child.isVisible()
            and not child.isWindow()
            and not child.objectName().startswith("qt_")
            and child.width() > 0
            and child.height() > 0
        ]
        for index, first in enumerate(children):
            for second in children[index + 1 :]:
                overlap = first.geometry().intersected(second.geometry())
                if overlap.width() > 2 and overlap.height() > 2:
                    name = parent.objectName() or type(parent).__name__
                    found.append(
                        f"in {name}: {first.objectName() or type(first).__name__} "
                        f"{first.geometry().getRect()} overlaps "
                        f"{second.objectName() or type(second).__name__} "
                        f"{second.geometry().getRect()}"
                    )
    return found


def reflow_problems(window: QtWidgets.QWidget, panel: QtWidgets.QWidget) -> list[str]:
    """Sideways scroll bars, buttons out of reach, overlapping siblings on `panel`."""
    found = []
    for area in panel.findChildren(QtWidgets.QScrollArea):
        bar = area.horizontalScrollBar()
        if area.isVisible() and bar.isVisible() and bar.maximum() > 0:
            found.append(
                f"{area.objectName()} scrolls sideways: content {area.widget().width()} px "
                f"(at least {area.widget().minimumSizeHint().width()}) "
                f"in {area.viewport().width()} px"
            )
    frame = global_rect(window)
    for button in panel.findChildren(QtWidgets.QAbstractButton):
        if not button.objectName() or not button.isVisibleTo(window) or not button.isVisible():
            continue
        rect = global_rect(button)
        area = next(
            (a for a in panel.findChildren(QtWidgets.QScrollArea) if a.isAncestorOf(button)),
            None,
        )
        if area is not None:
            view = global_rect(area.viewport())
            inside = view.left() <= rect.left() and rect.right() <= view.right()
        else:
            inside = frame.contains(rect)
        if not inside:
            found.append(f"{button.objectName()} out of reach: {rect.getRect()}")
    found += overlapping_siblings(panel)
    return found


async def show_for_layout(window, slug: str, size: tuple[int, int]):
    panel = window.show_panel(slug)
    await wait_until(lambda: panel.isVisible() and window.size().toTuple() == size)
    for _ in range(3):  # a wrapped label's height follows its width one pass later
        QtWidgets.QApplication.sendPostedEvents()
        await asyncio.sleep(0.02)
    return panel


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("width", "height", "zoom", "tour"), SCREENS)
def test_every_panel_reflows_without_sideways_scrolling(window, run, width, height, zoom, tour):
    async def scenario() -> list[str]:
        window.set_zoom(zoom)
        window.show_tour_panel(tour)
        window.resize(width, height)
        found = []
        for slug in window.panels:
            panel = await show_for_layout(window, slug, (width, height))
            found += [f"{slug}: {problem}" for problem in reflow_problems(window, panel)]
            for tabs in panel.findChildren(QtWidgets.QTabWidget):  # every page, as the tour
                for page in range(1, tabs.count()):
                    tabs.setCurrentIndex(page)
                    await show_for_layout(window, slug, (width, height))
                    where = f"{slug} ({tabs.tabText(page)})"
                    found += [f"{where}: {problem}" for problem in reflow_problems(window, panel)]
                tabs.setCurrentIndex(0)
        return found

    try:
        found = run(scenario())
        assert found == [], "\n".join(found)
    finally:
        window.show_tour_panel(False)
        window.set_zoom(1.0)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("width", "height", "zoom"), [(1280, 720, 1.0), (1920, 1080, 1.5)])
def test_gathers_four_runs_are_readable_one_run_at_a_time(window, run, width, height, zoom):
    """All four in a row makes 16 lanes: where they do not fit at 12 px, one run at a time."""
    from guidemo.widgets.lanes import MIN_LANE_PX, LaneChart

    async def scenario() -> list[str]:
        window.set_zoom(zoom)
        window.show_tour_panel(True)
        window.resize(width, height)
        panel = await show_for_layout(window, "gather", (width, height))
        panel.findChild(QtWidgets.QDoubleSpinBox, "stepSpin").setValue(0.05)
        runs = panel.findChild(QtWidgets.QComboBox, "gatherRunCombo")
        chart = panel.findChild(LaneChart, "gatherLanes")
        panel.findChild(QtWidgets.QPushButton, "runAllButton").click()
        await wait_until(lambda: runs.count() == 5, 20, "four runs in the selector")
        await wait_until(lambda: panel.findChild(QtWidgets.QPushButton, "gatherButton").isEnabled())
        await show_for_layout(window, "gather", (width, height))
        least = max(MIN_LANE_PX, chart.fontMetrics().height())
        found = []
        if len(chart.shown_lane_names()) == 16:
            found.append(f"all 16 lanes shown at {chart.lane_px():.1f} px")
        for index in range(1, runs.count()):
            runs.setCurrentIndex(index)
            runs.activated.emit(index)
            await asyncio.sleep(0.1)
            way = runs.itemText(index).split(". ", 1)[1]
            shown = chart.shown_lane_names()
            if shown != [f"{way} · {lane}" for lane in ("caller", *"ABC")]:
                found.append(f"{runs.itemText(index)} shows {shown}")
            if chart.lane_px() < least:
                found.append(f"{runs.itemText(index)}: lanes {chart.lane_px():.1f} px < {least}")
        found += reflow_problems(window, panel)
        return found

    try:
        found = run(scenario())
        assert found == [], "\n".join(found)
    finally:
        window.show_tour_panel(False)
        window.set_zoom(1.0)


@pytest.mark.timeout(120)
def test_tables_keep_five_rows_and_the_toys_buttons_stay_put(window, run):
    """At 1280x720 with the tour open: the callbacks table and the toy's log show 5 rows
    or more, and the toy's buttons do not move while it runs (a moving Clear was missed)."""

    def rows_shown(table: QtWidgets.QTableView) -> float:
        height = table.viewport().height()
        return height / table.verticalHeader().defaultSectionSize()

    async def scenario() -> list[str]:
        window.show_tour_panel(True)
        window.resize(1280, 720)
        found = []
        for slug, name in [("callbacks", "callbacksTable"), ("event-loop", "handledTable")]:
            panel = await show_for_layout(window, slug, (1280, 720))
            table = panel.findChild(QtWidgets.QTableView, name)
            if rows_shown(table) < 5:
                found.append(f"{name} shows {rows_shown(table):.1f} rows")
        names = ["quickEventButton", "slowEventButton", "burstButton", "toyRunButton"]
        buttons = [panel.findChild(QtWidgets.QPushButton, n) for n in [*names, "clearToyButton"]]
        before = [global_rect(b) for b in buttons]
        panel.findChild(QtWidgets.QPushButton, "burstButton").click()
        panel.findChild(QtWidgets.QPushButton, "toyRunButton").click()  # paused: its text
        panel.findChild(QtWidgets.QPushButton, "toyRunButton").click()  # running again
        for _ in range(20):
            await asyncio.sleep(0.05)
            moved = [
                b.objectName() for b, r in zip(buttons, before, strict=True) if global_rect(b) != r
            ]
            if moved:
                found.append(f"moved while the toy ran: {moved}")
                break
        panel.findChild(QtWidgets.QPushButton, "clearToyButton").click()
        return found

    try:
        found = run(scenario())
        assert found == [], "\n".join(found)
    finally:
        window.show_tour_panel(False)


@pytest.mark.timeout(120)
def test_zoom_fills_the_screen_and_keeps_its_size_across_the_tour(tmp_path):
    """`--zoom 1.5` on a 1920x1080 screen: the window takes the whole screen and keeps
    that size through every step of the tour (a panel's minimum width grew it before)."""
    driver = textwrap.dedent(
        """
        from PySide6 import QtCore
        from guidemo.app import run_app
        def on_ready(window):
            room = window.screen().availableGeometry()
            print("ROOM", room.width(), room.height(), flush=True)
            def step():
                frame = window.frameGeometry()
                print("STEP", window.tour.index, frame.width(), frame.height(), flush=True)
                if window.tour.index < len(window.tour.steps) - 1:
                    window.tour.next()
                    QtCore.QTimer.singleShot(100, window, step)
                else:
                    window.close()
            QtCore.QTimer.singleShot(200, window, step)
        run_app(on_ready=on_ready, zoom=1.5, tour=True)
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM=offscreen_platform(1920, 1080))
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", driver],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    room = tuple(int(x) for x in next(x for x in lines if x.startswith("ROOM")).split()[1:])
    sizes = {tuple(int(x) for x in line.split()[2:]) for line in lines if line.startswith("STEP")}
    assert len([line for line in lines if line.startswith("STEP")]) > 20, result.stdout
    assert sizes == {room}, f"the window was {sorted(sizes)} on a screen of {room}"


@pytest.mark.timeout(60)
def test_the_heartbeat_and_the_freeze_banner_grow_with_the_zoom(window, run):
    def measure() -> tuple[int, int]:
        QtWidgets.QApplication.sendPostedEvents()
        banner = window.hud.freeze_label
        return window.hud.heartbeat.width(), banner.fontMetrics().height()

    async def scenario() -> tuple[tuple[int, int], tuple[int, int]]:
        window.set_zoom(1.0)
        normal = measure()
        window.set_zoom(1.5)
        return normal, measure()

    try:
        (beat, banner), (beat_zoomed, banner_zoomed) = run(scenario())
    finally:
        window.set_zoom(1.0)
    assert beat_zoomed >= 1.4 * beat, (beat, beat_zoomed)
    assert banner_zoomed >= 1.4 * banner, (banner, banner_zoomed)


@pytest.mark.timeout(60)
def test_zoom_keys_restyle_nothing_and_at_the_limit_do_nothing(window, run):
    """A zoom key changes fonts only (the whole-window restyle cost 0.3-0.6 s a press),
    and at the limit it changes nothing at all."""

    class Counter(QtCore.QObject):
        def __init__(self) -> None:
            super().__init__()
            self.counts = {"style": 0, "font": 0}

        def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
            if event.type() == QtCore.QEvent.Type.StyleChange:
                self.counts["style"] += 1
            elif event.type() == QtCore.QEvent.Type.FontChange:
                self.counts["font"] += 1
            return False

    async def scenario() -> tuple[dict[str, int], dict[str, int]]:
        panel = window.show_panel("http")
        watched = panel.findChild(QtWidgets.QPushButton, "asyncButton")
        window.set_zoom(1.75)
        changing, at_limit = Counter(), Counter()
        watched.installEventFilter(changing)
        window.zoom_in()  # 1.75 -> 2.0
        QtWidgets.QApplication.sendPostedEvents()
        watched.removeEventFilter(changing)
        watched.installEventFilter(at_limit)
        for _ in range(20):
            window.zoom_in()  # at 2.0 already
        QtWidgets.QApplication.sendPostedEvents()
        watched.removeEventFilter(at_limit)
        return changing.counts, at_limit.counts

    try:
        changing, at_limit = run(scenario())
    finally:
        window.set_zoom(1.0)
    assert window.zoom == 1.0
    assert changing["font"] >= 1 and changing["style"] == 0, changing
    assert at_limit == {"style": 0, "font": 0}, at_limit


@pytest.mark.timeout(60)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_zoom_key_restyles_neither_the_tour_nor_role_buttons_in_either_theme(window, run, theme):
    """Themes are palettes, not style sheets: with the tour open in either theme, a zoom
    key sends no StyleChange to the tour's widgets or any role button (the tour's tinted
    style sheet restyled 23 widgets a press)."""
    restyled: list[str] = []

    class Counter(QtCore.QObject):
        def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
            if event.type() == QtCore.QEvent.Type.StyleChange and isinstance(
                watched, QtWidgets.QWidget
            ):
                tour = window.tour.panel
                if watched is tour or tour.isAncestorOf(watched) or watched.property("role"):
                    restyled.append(watched.objectName() or type(watched).__name__)
            return False

    async def scenario() -> None:
        window.set_theme(theme)
        window.show_panel("http")
        window.tour.start()
        await asyncio.sleep(0.1)
        counter = Counter()
        QtWidgets.QApplication.instance().installEventFilter(counter)
        try:
            for zoom in (1.25, 1.5):
                window.set_zoom(zoom)
                QtWidgets.QApplication.sendPostedEvents()
        finally:
            QtWidgets.QApplication.instance().removeEventFilter(counter)

    try:
        run(scenario())
    finally:
        window.tour.stop()
        window.set_zoom(1.0)
        window.set_theme("light")
    assert restyled == [], restyled
    assert not window.styleSheet()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("zoom", ["0.5", "2.5", "3", "nan"])
def test_zoom_outside_the_windows_range_is_refused(zoom):
    result = subprocess.run(
        [sys.executable, "-m", "guidemo", "--zoom", zoom],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert result.returncode == 2, result.stderr
    assert "out of range (0.8 to 2)" in result.stderr, result.stderr


@pytest.mark.timeout(120)
def test_every_text_follows_the_zoom(window, run):
    """Fonts only, no restyle: every button and label of every panel, the HUD and the
    tour grow 1.5 times at zoom 1.5 (a widget under a style sheet would not)."""

    def sizes() -> dict[str, float]:
        QtWidgets.QApplication.sendPostedEvents()
        found = {}
        for widget in window.findChildren(QtWidgets.QWidget):
            if isinstance(widget, QtWidgets.QAbstractButton | QtWidgets.QLabel):
                name = widget.objectName()
                if name and not name.startswith("qt_") and widget.isVisibleTo(window):
                    found[name] = widget.font().pointSizeF()
        return found

    async def scenario() -> list[str]:
        window.tour.start()
        normal: dict[str, float] = {}
        zoomed: dict[str, float] = {}
        for zoom, seen in ((1.0, normal), (1.5, zoomed)):
            window.set_zoom(zoom)
            for slug in window.panels:
                window.show_panel(slug)
                await asyncio.sleep(0)
                seen.update(sizes())
        return [
            f"{name}: {normal[name]:g} pt -> {zoomed[name]:g} pt"
            for name in normal
            if name in zoomed and zoomed[name] < 1.4 * normal[name]
        ]

    try:
        found = run(scenario())
    finally:
        window.tour.stop()
        window.set_zoom(1.0)
    assert found == [], "\n".join(found)


@pytest.mark.timeout(60)
def test_the_tour_band_is_bounded_and_folds_to_one_strip(window, run):
    async def scenario() -> tuple[int, int, str]:
        window.resize(1280, 720)
        window.tour.start()
        window.tour.go(0)  # the tour remembers its step (another test's, in this settings folder)
        band = window.findChild(QtWidgets.QWidget, "tourDock")
        await wait_until(lambda: band.isVisible() and window.height() == 720)
        QtWidgets.QApplication.sendPostedEvents()
        opened = band.height()
        for _ in range(3):  # a few steps in, as a class would fold it
            window.tour.next()
            await asyncio.sleep(0.1)
        fold = window.findChild(QtWidgets.QToolButton, "tourCollapse")
        fold.click()
        await asyncio.sleep(0.1)
        folded, title = band.height(), fold.text()
        fold.click()
        return opened, folded, title

    try:
        opened, folded, title = run(scenario())
    finally:
        window.tour.stop()
    button = window.findChild(QtWidgets.QPushButton, "tourNext").sizeHint().height()
    assert opened <= 0.3 * 720, opened
    assert folded <= 2 * button, f"folded to {folded} px: more than one row of buttons"
    assert title.startswith("▸ Tour "), title
