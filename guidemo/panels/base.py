"""What every panel is: a title, an explanation, live controls, and the code they run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from PySide6 import QtCore, QtWidgets

from guidemo.monitor import LoopMonitor
from guidemo.ui.source_view import SourceView

ASSETS_DIR = Path(__file__).resolve().parent.parent.parent / "assets"
log = logging.getLogger(__name__)


@dataclass
class PanelContext:
    """What the main window hands every panel."""

    server_url: str
    monitor: LoopMonitor
    executor: ThreadPoolExecutor  # the app's thread pool: shut down by the app on exit
    report_error: Callable[[BaseException, str], None]
    server: Any = None  # the embedded DemoServer, when the window was given one (restartable)


def make_button(
    text: str, name: str, tip: str, slot: Callable[[], Any] | None = None
) -> QtWidgets.QPushButton:
    """A push button with the objectName tests find it by and the tooltip every control has."""
    button = QtWidgets.QPushButton(text, objectName=name)
    button.setToolTip(tip)
    if slot is not None:
        button.clicked.connect(slot)
    return button


class Panel(QtWidgets.QWidget):
    """Base class of a panel: subclasses set slug/title and build their controls.

    Subclasses implement `build_controls()` and `source_objects()`; they start async work
    with `self.spawn(coro, name)` so every task is named, kept alive by a strong
    reference, cancelled on shutdown, and reports its exception to the error log.
    """

    slug: ClassVar[str]
    title: ClassVar[str]

    def __init__(self, context: PanelContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks: set[asyncio.Task[Any]] = set()
        self.setObjectName(f"panel-{self.slug}")

        title = QtWidgets.QLabel(self.title)
        title.setObjectName("panelTitle")
        title.setStyleSheet("font-size: 18pt; font-weight: 600; margin: 2px 0 4px 0;")

        self.explanation = QtWidgets.QTextBrowser()
        self.explanation.setObjectName("explanation")
        self.explanation.setOpenExternalLinks(True)
        self.explanation.setMarkdown(self.explanation_markdown())
        self.explanation.setToolTip("What this panel teaches")

        self.source_view = SourceView(self.source_objects())

        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        left.addWidget(self.explanation)
        left.addWidget(self.build_controls())
        left.setStretchFactor(0, 2)
        left.setStretchFactor(1, 3)
        left.setSizes([260, 420])
        left.setChildrenCollapsible(False)

        body = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(self.source_view)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([640, 460])
        body.setChildrenCollapsible(False)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(title)
        layout.addWidget(body, 1)

    # --- what subclasses provide -------------------------------------------------
    def build_controls(self) -> QtWidgets.QWidget:
        """The live controls and results of this panel."""
        raise NotImplementedError

    def source_objects(self) -> list[object]:
        """The functions (or classes) whose source the sourceView shows."""
        return []

    async def screenshot_demo(self) -> None:
        """Run something short so the README screenshot shows real numbers."""

    async def stop_work(self) -> None:
        """Stop threads, processes or other work the panel owns (tasks are cancelled anyway)."""

    # --- shared behaviour ----------------------------------------------------------
    def explanation_markdown(self) -> str:
        path = ASSETS_DIR / "explanations" / f"{self.slug}.md"
        return path.read_text(encoding="utf-8")

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start `coro` as a named task that the panel keeps until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.slug}: {name}")
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self.context.report_error(error, f"task {task.get_name()!r}")

    async def shutdown(self) -> None:
        """Cancel every task of this panel and wait for them, then stop owned work."""
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.stop_work()
