"""Colours mean something: a red or green button that cannot be pressed must not look
pressable, so its colour goes when it is disabled (checked on rendered pixels)."""

from __future__ import annotations

import pytest
from PySide6 import QtGui, QtWidgets

from guidemo.widgets.palette import BAD, GOOD


def coloured_pixels(widget: QtWidgets.QWidget, color: str) -> int:
    """How many pixels of the rendered widget are close to `color`."""
    image = widget.grab().toImage()
    want = QtGui.QColor(color)
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            close = (
                abs(pixel.red() - want.red())
                + abs(pixel.green() - want.green())
                + abs(pixel.blue() - want.blue())
            )
            count += close < 90
    return count


@pytest.mark.timeout(120)
def test_coloured_buttons_lose_their_colour_when_disabled(full_window):
    window = full_window
    checked = []
    for slug in window.panels:
        panel = window.show_panel(slug)
        for button in panel.findChildren(QtWidgets.QPushButton):
            role = button.property("role")
            if role not in ("danger", "good"):
                continue
            color = BAD if role == "danger" else GOOD
            was = button.isEnabled()
            try:
                button.setEnabled(True)
                enabled = coloured_pixels(button, color)
                button.setEnabled(False)
                disabled = coloured_pixels(button, color)
            finally:
                button.setEnabled(was)
            checked.append(button.objectName())
            assert enabled > 5, f"{slug}/{button.objectName()} shows no {role} colour"
            assert disabled == 0, f"{slug}/{button.objectName()} keeps its colour disabled"
    assert {"blockButton", "syncButton", "asyncButton", "greedyButton"} <= set(checked), checked
