"""A section: one part of a multi-part panel (a tab or a box), with the lessons it shows.

Every panel made of parts builds each part as a `Section` subclass in its own module,
`panels/<panel>/<part>.py`, class `<Part>Section`. A section builds its controls in its
constructor with `guidemo.widgets.kit` (`column`, `vsplit`, `form`, `flow`, ...), starts work
through its host (`self.host.spawn`), and names the lessons it runs in `sources`: the panel
shows them in its sourceView while the section is the one in view.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, ClassVar, Protocol

from PySide6 import QtWidgets

from guidemo.services import PanelContext


class Host(Protocol):
    """What a section needs from the panel it sits in."""

    context: PanelContext

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...

    def adopt(self, task: asyncio.Task[Any], name: str) -> None: ...

    def show_source(self, objects: Sequence[object]) -> None: ...

    def mark_line(self, line: int | None) -> None: ...


class Section(QtWidgets.QWidget):
    """One part of a panel: its controls, and the lesson code it runs."""

    tab_title: ClassVar[str]
    sources: ClassVar[tuple[object, ...]]  # what the sourceView shows while this tab is open

    def __init__(self, host: Host) -> None:
        super().__init__()
        self.host = host

    def show_source(self) -> None:
        """Show this section's lessons in the panel's sourceView."""
        self.host.show_source(self.sources)

    async def stop(self) -> None:
        """Stop what the section owns besides its tasks (the panel cancels those)."""
