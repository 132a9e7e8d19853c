"""Every character the window shows has a font to draw it: a symbol no installed font has
is drawn as an empty box (the tour's "Beyond the lecture ⏭" was, on this machine)."""

from __future__ import annotations

import functools

import pytest
from PySide6 import QtGui, QtWidgets

from guidemo.explanations import explanation
from guidemo.ui.tour import parse_tour


@functools.cache
def installed_fonts() -> tuple[QtGui.QRawFont, ...]:
    families = QtGui.QFontDatabase.families()
    return tuple(QtGui.QRawFont.fromFont(QtGui.QFont(family)) for family in families)


def drawable(character: str) -> bool:
    return any(font.supportsCharacter(ord(character)) for font in installed_fonts())


def shown_texts(window: QtWidgets.QWidget) -> list[str]:
    """Buttons, labels, tabs, the navigator and every text browser (plain text)."""
    texts = [button.text() for button in window.findChildren(QtWidgets.QAbstractButton)]
    for label in window.findChildren(QtWidgets.QLabel):
        document = QtGui.QTextDocument()
        document.setHtml(label.text())
        texts.append(document.toPlainText())
    for tabs in window.findChildren(QtWidgets.QTabWidget):
        texts += [tabs.tabText(index) for index in range(tabs.count())]
    for items in window.findChildren(QtWidgets.QListWidget):
        texts += [items.item(row).text() for row in range(items.count())]
    for browser in window.findChildren(QtWidgets.QTextEdit):
        texts.append(browser.toPlainText())
    return texts


@pytest.mark.timeout(120)
def test_every_character_the_window_shows_has_a_font(full_window):
    steps = parse_tour(explanation("tour"))
    texts = shown_texts(full_window) + [step.text + step.takeaway for step in steps]
    characters = {c for text in texts for c in text if ord(c) > 0x7F and not c.isspace()}
    assert len(characters) > 10  # the texts were read: arrows, ×, ≤, … at least
    missing = sorted(c for c in characters if not drawable(c))
    assert missing == [], [f"U+{ord(c):04X} {c}" for c in missing]
