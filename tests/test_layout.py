"""Every panel fits small screens: nothing cut off, nothing overlapping, at 1024x768 and 720p.

A control counts as reachable when it lies inside the window, or inside a scroll area's
content (which the learner can scroll to). Controls must not overlap one another.
"""

from __future__ import annotations

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
