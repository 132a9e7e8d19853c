"""One quick test per panel, on a window that builds only that panel: it builds, says what
it is, shows its code and explanation, gives every named control a tooltip, and leaves the
loop live. The fast tier runs these; the panel's own test file goes deeper (and
tests/test_cli_screenshot.py runs every panel's demo)."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from guidemo.panels import SLUGS
from tests.helpers import wait_until, widget

pytestmark = [pytest.mark.timeout(60), pytest.mark.fast]
CONTROLS = (QtWidgets.QAbstractButton, QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)
CONTROLS += (QtWidgets.QLineEdit, QtWidgets.QPlainTextEdit, QtWidgets.QAbstractItemView)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_panel_builds_alone_named_and_live(window, panel, run, slug):
    async def scenario() -> None:
        shown = panel(slug)
        assert shown.objectName() == f"panel-{slug}" and window.current_panel() is shown
        built = {s for s in SLUGS if window.findChild(QtWidgets.QWidget, f"panel-{s}")}
        assert built <= {SLUGS[0], slug}, "a one-panel window builds no other panel"
        assert widget(shown, QtWidgets.QTextBrowser, "sourceView").toPlainText().strip()
        assert widget(shown, QtWidgets.QTextBrowser, "explanation").toPlainText().strip()
        untipped = [
            child.objectName()
            for child in shown.findChildren(QtWidgets.QWidget)
            if isinstance(child, CONTROLS)
            and child.objectName()
            and not child.objectName().startswith("qt_")
            and not child.toolTip()
        ]
        assert untipped == []

        samples = window.monitor.stats().samples
        await wait_until(lambda: window.monitor.stats().samples > samples + 2, 5, "probes")
        errors = widget(window, QtWidgets.QListWidget, "errorLog")
        assert errors.count() == 0, [errors.item(i).text() for i in range(errors.count())]

    run(scenario())
