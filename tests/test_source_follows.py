"""The source view shows the code of the button just pressed, and never wraps a line.

A panel's `button_lessons` says which lesson each of its buttons runs; pressing one scrolls
the `sourceView` to that code (the dialogs' exec() way to `ask_blocking`, http's sync run to
`get_news_sync`...). Wrapping long lines to column 0 broke Python's indentation.
"""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels import PANELS
from guidemo.widgets.source_marks import shows_definition
from guidemo.widgets.source_view import SourceView
from tests.helpers import wait_until

pytestmark = pytest.mark.timeout(120)


def hide_definition(view: SourceView, lesson: object) -> None:
    """Scroll `view` to whichever end does not show `lesson`'s code."""
    bar = view.verticalScrollBar()
    for value in (bar.maximum(), bar.minimum()):
        bar.setValue(value)
        if not shows_definition(view, lesson):
            return


def test_every_button_lesson_is_in_its_panels_source_view():
    for entry in PANELS:
        panel = entry.load()
        for name, lesson in panel.button_lessons.items():
            assert lesson in panel.sources, f"{entry.slug}: {name} runs {lesson}, not shown"


def test_dialogs_shows_the_function_of_each_way_pressed(window, run):
    async def scenario() -> list[str]:
        panel = window.show_panel("dialogs")
        panel.findChild(QtWidgets.QDoubleSpinBox, "autoCloseSpin").setValue(0.3)
        view = panel.findChild(SourceView, "sourceView")
        wrong = []
        for name, lesson in panel.button_lessons.items():
            hide_definition(view, lesson)
            count = len(panel.tries)
            button = panel.findChild(QtWidgets.QPushButton, name)
            QtCore.QTimer.singleShot(0, button, button.click)  # from Qt, as a person clicks
            await wait_until(lambda c=count: len(panel.tries) > c and not panel.busy, 20)
            if not shows_definition(view, lesson):
                wrong.append(f"after {name} the view does not show {lesson.__name__}")
        return wrong

    assert run(scenario()) == []


def test_http_shows_the_function_of_each_way_pressed(window, run):
    async def scenario() -> list[str]:
        panel = window.show_panel("http")
        panel.findChild(QtWidgets.QPlainTextEdit, "urlEdit").clear()
        panel.findChild(QtWidgets.QSpinBox, "countSpin").setValue(2)
        panel.findChild(QtWidgets.QDoubleSpinBox, "latencySpin").setValue(0.0)
        view = panel.findChild(SourceView, "sourceView")
        idle = panel.findChild(QtWidgets.QPushButton, "asyncButton").isEnabled
        wrong = []
        for name in ("syncButton", "threadsButton", "asyncButton"):
            lesson = panel.button_lessons[name]
            hide_definition(view, lesson)
            panel.findChild(QtWidgets.QPushButton, name).click()
            await wait_until(idle, 20, f"{name} run to end")
            if not shows_definition(view, lesson):
                wrong.append(f"after {name} the view does not show {lesson.__name__}")
        return wrong

    assert run(scenario()) == []


def test_the_source_view_never_wraps_a_line(window, run):
    async def scenario() -> list[str]:
        window.resize(1024, 768)
        panel = window.show_panel("http")
        view = panel.findChild(SourceView, "sourceView")
        await wait_until(lambda: view.isVisible())
        document = view.document()
        document.size()  # lays the whole document out
        wrapped, block = [], document.begin()
        while block.isValid():
            if block.layout().lineCount() > 1:
                wrapped.append(block.text())
            block = block.next()
        return wrapped

    wrapped = run(scenario())
    assert wrapped == [], f"{len(wrapped)} lines wrapped, e.g. {wrapped[0]!r}"


def test_a_marked_line_follows_the_code_shown_now(window, run):
    """The line marker maps the text the view shows now: after the view shows other code, a
    mark lands on the new code's line (it used the old text's map, and clear() wrote
    through a block of the old text into the new one: a segfault on a tab change)."""
    from guidemo.lessons import jobs, scheduling
    from guidemo.widgets import palette
    from guidemo.widgets.source_marks import LineMarker

    view = SourceView([scheduling])  # a long module, then a short one
    marker = LineMarker(view)
    long_last = scheduling.__loader__.get_source(scheduling.__name__).count("\n")  # type: ignore[union-attr]
    marker.mark(long_last - 2)
    view.show_objects([jobs.busy_cpu])
    marker.clear()  # the marked block belonged to the text replaced
    first = jobs.busy_cpu.__code__.co_firstlineno
    marker.mark(first + 1)
    marked = [
        block.text()
        for block in iter_blocks(view)
        if block.blockFormat().background().color() == QtGui.QColor(palette.HIGHLIGHT)
    ]
    assert len(marked) == 1 and marked[0].lstrip().startswith(str(first + 1)), marked


def iter_blocks(view: SourceView) -> list[QtGui.QTextBlock]:
    block, found = view.document().begin(), []
    while block.isValid():
        found.append(block)
        block = block.next()
    return found
