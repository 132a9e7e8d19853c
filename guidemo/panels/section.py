"""A section: one part of a multi-part panel (a tab or a box), with the lessons it shows.

Every panel made of parts builds each part as a `Section` subclass in its own module,
`panels/<panel>/<part>.py`, class `<Part>Section`. A section builds its controls in its
constructor with `guidemo.widgets.kit` and lays them out with `self.lay_out(...)` (a
`kit.column` in the section itself: `flow`, `row`, `form`, `vsplit`, `hsplit`, ...), starts
work through its host (`self.host.spawn`), and names the lessons it runs in `sources`: in a
tabbed panel (`SectionsPanel.tabs_of`) the sourceView shows them while its tab is open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, ClassVar, Protocol

from PySide6 import QtWidgets

from guidemo.panels.base import Panel
from guidemo.services import PanelContext
from guidemo.widgets.kit import Item, column, named
from guidemo.widgets.source_marks import LineMarker
from guidemo.widgets.source_view import SourceView


class Host(Protocol):
    """What a section needs from the panel it sits in."""

    context: PanelContext
    source_view: SourceView

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...

    def adopt(self, task: asyncio.Task[Any], name: str) -> None: ...

    def show_source(self, objects: Sequence[object]) -> None: ...

    def mark_line(self, line: int | None) -> None: ...


class Section(QtWidgets.QWidget):
    """One part of a panel: its controls, and the lesson code it runs."""

    title: ClassVar[str]  # its tab's text, or its box's title
    sources: ClassVar[tuple[object, ...]] = ()  # what the sourceView shows while its tab is open

    def __init__(self, host: Host) -> None:
        super().__init__()
        self.host = host

    def lay_out(self, *items: Item, top: int | None = None) -> None:
        """Stack `items` in this section (see `kit.column`): with the style's margins all
        round (a tab's or box's body), or none but `top` pixels above."""
        column(*items, top=top, into=self)

    def show_source(self) -> None:
        """Show this section's lessons in the panel's sourceView (none named: the panel's
        own stay)."""
        if self.sources:
            self.host.show_source(self.sources)

    async def stop(self) -> None:
        """Stop what the section owns besides its tasks (the panel cancels those)."""


def boxed(section: Section) -> QtWidgets.QGroupBox:
    """`section` in a box titled with its `title` (the box adds no margins of its own)."""
    box = QtWidgets.QGroupBox(section.title)
    column(section, top=0, into=box)
    return box


class SectionsPanel(Panel):
    """A panel made of sections: it is their `Host`, and stops them when it stops."""

    sections: list[Section]
    _marker: LineMarker | None = None

    def tabs_of(self, name: str, tip: str, sections: Sequence[Section]) -> QtWidgets.QTabWidget:
        """A tab widget of `sections`, the sourceView following the open one."""
        tabs = named(QtWidgets.QTabWidget(), name, tip)
        for section in sections:
            tabs.addTab(section, section.title)
        tabs.currentChanged.connect(lambda index: sections[index].show_source())
        for scroll in tabs.tabBar().findChildren(QtWidgets.QToolButton):
            scroll.setToolTip("Show more tabs")  # the tab bar's own scroll arrows
        return tabs

    def give_height(self, explanation: int, controls: int) -> None:
        """Share the column's height between the explanation and the controls (first
        sizes, in pixels): a panel whose parts need room more than the text says so."""
        splitter = self.explanation.parentWidget()
        if isinstance(splitter, QtWidgets.QSplitter):
            splitter.setSizes([explanation, controls])

    def show_source(self, objects: Sequence[object]) -> None:
        self.source_view.show_objects(objects)

    def mark_line(self, line: int | None) -> None:
        """Give file line `line` of the source shown the highlight and bring it into view
        (None: no line marked). Only two lines' background change: nothing is rendered."""
        if self._marker is None:
            self._marker = LineMarker(self.source_view)
        if line is None:
            self._marker.clear()
        else:
            self._marker.mark(line, follow=True)

    def adopt(self, task: asyncio.Task[Any], name: str) -> None:
        """Keep a task the lesson code created itself like one from spawn(): named
        "<slug>: <name>", kept alive, cancelled at shutdown, its error logged."""
        task.set_name(f"{self.slug}: {name}")
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    async def stop_work(self) -> None:
        for section in self.sections:
            await section.stop()
