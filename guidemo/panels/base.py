"""What every panel is: a title, an explanation, live controls, and the code they run.

A panel is display and wiring only. The code a learner should read lives in
`guidemo.lessons`; a panel lists it in `sources`, builds its controls in its own
constructor, and hands them over with `set_controls()`:

    class BlockingPanel(Panel):
        slug = "blocking"
        title = "Blocking vs offloaded"
        sources = (lesson.run_in_click_handler, lesson.run_in_executor, ...)
        button_lessons = {"blockButton": lesson.run_in_click_handler, ...}  # shown on press

        def __init__(self, context: PanelContext) -> None:
            super().__init__(context)
            self._pool = None             # state first, like any class
            self.set_controls(self._build_controls())
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.explanations import explanation
from guidemo.monitor import PROBE_INTERVAL_S
from guidemo.services import PanelContext
from guidemo.widgets import access
from guidemo.widgets.kit import make_button, named
from guidemo.widgets.palette import TITLE_POINTS
from guidemo.widgets.source_marks import scroll_to_definition
from guidemo.widgets.source_view import SourceView

__all__ = ["HUD_NUMBERS", "Panel", "PanelContext", "first_sentence"]
SOURCE_SHARE_MIN = 0.3  # the source view keeps at least this share of a panel's width

# What the always-visible HUD measures, for any explanation that talks about it.
HUD_NUMBERS: Mapping[str, float] = {"probe_ms": PROBE_INTERVAL_S * 1000}


def first_sentence(markdown: str) -> str:
    """The first sentence of the first paragraph of `markdown` (for the one-line summary)."""
    paragraph = next((p for p in markdown.split("\n\n") if p.strip() and not p.startswith("#")), "")
    text = " ".join(paragraph.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class _FitLayout(QtWidgets.QVBoxLayout):
    """Holds a panel's controls in its scroll area, claiming no height-for-width.

    A scroll area gives a content whose layout has height-for-width (any word-wrapped
    label) at least its *preferred* height: tables and plots would never shrink, and the
    content would scroll even when it could fit. Without it, the scroll area only scrolls
    below the content's minimum size, and tables and plots share what is left.
    """

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setContentsMargins(0, 0, 0, 0)

    def hasHeightForWidth(self) -> bool:
        return False


class Panel(QtWidgets.QWidget):
    """Base class of a panel: title and explanation on the left above the controls, the
    `sourceView` on the right.

    Async work starts with `self.spawn(coro, name)`: the task is named "<slug>: <name>",
    kept alive by a strong reference, cancelled on shutdown, and its exception goes to
    the error log.
    """

    slug: ClassVar[str]
    title: ClassVar[str]
    sources: ClassVar[Sequence[object]] = ()  # the lesson code the sourceView shows
    # A button's objectName -> the lesson object it runs: pressing the button scrolls the
    # sourceView to that code, so the view shows what the last pressed button ran.
    button_lessons: ClassVar[Mapping[str, object]] = {}
    explanation_lines: ClassVar[int] = 7  # the explanation keeps at least this many lines
    # The constants its explanation names as {placeholders}, besides the HUD's own.
    explanation_numbers: ClassVar[Mapping[str, float]] = {}

    panelRequested = QtCore.Signal(str)  # "show me that panel" (a link, a button)
    labRequested = QtCore.Signal(str, str)  # (code, this panel's slug): "open it in the lab"
    tourRequested = QtCore.Signal()

    def __init__(self, context: PanelContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks: set[asyncio.Task[Any]] = set()
        self.shut_down = False  # set by shutdown(): a deferred start must not start work
        self.setObjectName(f"panel-{self.slug}")

        title = named(QtWidgets.QLabel(self.title), "panelTitle", self.title)
        title.setContentsMargins(0, 2, 0, 4)
        self._title_label = title
        self._zoom: float | None = None
        text = self.explained()
        self.explanation = named(QtWidgets.QTextBrowser(), "explanation", "What this panel teaches")
        self.explanation.setOpenExternalLinks(True)
        self.explanation.setMarkdown(text)
        # Presenter layout (Ctrl+E): the explanation shrinks to its first sentence.
        self.explanation_summary = named(
            QtWidgets.QLabel(first_sentence(text)),
            "explanationSummary",
            "The explanation in one line; Ctrl+E shows all of it again",
        )
        self.explanation_summary.setWordWrap(True)
        self.explanation_summary.setTextFormat(QtCore.Qt.TextFormat.MarkdownText)
        self.explanation_summary.hide()
        self.source_view = SourceView(self.sources)

        about = QtWidgets.QWidget()
        about_layout = QtWidgets.QVBoxLayout(about)
        about_layout.setContentsMargins(0, 0, 0, 0)
        about_layout.addWidget(self.explanation_summary)
        about_layout.addWidget(self.explanation)
        self._left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self._left.addWidget(about)
        self._left.setChildrenCollapsible(False)

        body = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        body.addWidget(self._left)
        body.addWidget(self._source_column())
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([640, 460])
        body.setChildrenCollapsible(False)
        body.splitterMoved.connect(self._body_moved_by_hand)
        self._body = body
        self._body_by_hand = False
        self._fit_pending = False

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(title)
        layout.addWidget(body, 1)

    def _source_column(self) -> QtWidgets.QWidget:
        """The sourceView, with "Open in the lab" above it (not on the lab itself)."""
        if self.slug == "lab":
            return self.source_view
        column = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        open_in_lab = make_button(
            "Open in the lab",
            "openInLabButton",
            "Copy the first function shown here into the code lab, with a line that runs it",
            self._open_in_lab,
        )
        layout.addWidget(open_in_lab, 0, QtCore.Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.source_view, 1)
        return column

    def _open_in_lab(self) -> None:
        from guidemo.lessons.lab import code_for_lab

        objects = self.source_view.objects
        plain = [o for o in objects if inspect.isfunction(o) and "." not in o.__qualname__]
        chosen = (plain or objects or [None])[0]
        if chosen is not None:
            self.labRequested.emit(code_for_lab(chosen), self.slug)

    def set_controls(self, controls: QtWidgets.QWidget) -> None:
        """Put the panel's live controls and results below the explanation.

        They sit in a scroll area: on a small screen (1024x768, a projector) or at a large
        zoom nothing is cut off, it scrolls; on a large one tables and plots grow.
        """
        scroll = QtWidgets.QScrollArea()
        scroll.setObjectName("controlsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        holder = QtWidgets.QWidget()
        _FitLayout(holder).addWidget(controls)
        holder.installEventFilter(self)  # its rows may need another width: see _fit_width
        scroll.setWidget(holder)
        self.controls = controls
        for name, lesson in self.button_lessons.items():
            for button in controls.findChildren(QtWidgets.QAbstractButton, name):
                # pressed, not clicked: shown before a button that freezes the window runs
                button.pressed.connect(lambda lesson=lesson: self.scroll_to_lesson(lesson))
        self._left.addWidget(scroll)
        self._left.setStretchFactor(0, 2)
        self._left.setStretchFactor(1, 3)
        self._left.setSizes([260, 420])
        self._left.splitterMoved.connect(self._splitter_moved_by_hand)
        self._fitted_by_hand = False
        access.fill_names(self)  # every control: a name and description for screen readers

    def _splitter_moved_by_hand(self) -> None:
        self._fitted_by_hand = True

    def _body_moved_by_hand(self) -> None:
        self._body_by_hand = True

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_width()
        self._fit_explanation()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.LayoutRequest and not self._fit_pending:
            self._fit_pending = True  # the controls' widths changed (laid out, zoomed)
            QtCore.QTimer.singleShot(0, self, self._fit_width)
        return False

    def _fit_width(self) -> None:
        """The controls' column gets 3/5 of the width, more if its widest row needs it
        (the source view keeps SOURCE_SHARE_MIN and scrolls sideways instead of them)."""
        self._fit_pending = False
        if self._body_by_hand or not hasattr(self, "controls"):
            return
        total = sum(self._body.sizes())
        scroll_bar = self.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
        need = self.controls.minimumSizeHint().width() + scroll_bar + 4
        left = max(total * 3 // 5, min(need, round(total * (1 - SOURCE_SHARE_MIN))))
        if abs(self._body.sizes()[0] - left) > 1:
            self._body.setSizes([left, total - left])

    def _fit_explanation(self) -> None:
        """The controls get the height they need; the explanation the rest (it scrolls),
        but never less than a few lines. Until the learner drags the splitter."""
        if self._fitted_by_hand or self._left.count() < 2:
            return
        total = sum(self._left.sizes())
        lines = self.fontMetrics().lineSpacing()
        need = self.controls.minimumSizeHint().height() + 4
        controls = max(total // 3, min(need, total - self.explanation_lines * lines))
        self._left.setSizes([total - controls, controls])

    def scroll_to_lesson(self, lesson: object) -> None:
        """Scroll the sourceView to `lesson`'s code (what the button just pressed runs)."""
        scroll_to_definition(self.source_view, lesson)

    def set_zoom(self, zoom: float) -> None:
        """Follow the window's zoom where a widget does not follow the app font itself:
        the title (larger than the text) and the code."""
        if zoom == self._zoom:
            return
        self._zoom = zoom
        font = QtGui.QFont(self._title_label.font())
        font.setPointSizeF(TITLE_POINTS * zoom)
        font.setWeight(QtGui.QFont.Weight.DemiBold)
        self._title_label.setFont(font)
        self.source_view.set_zoom(zoom)

    @classmethod
    def explained(cls) -> str:
        """The panel's explanation, with the numbers it names read from the code."""
        return explanation(cls.slug, {**HUD_NUMBERS, **cls.explanation_numbers})

    def set_explanation_collapsed(self, collapsed: bool) -> None:
        self.explanation_summary.setVisible(collapsed)
        self.explanation.setVisible(not collapsed)

    # --- what subclasses may override ---------------------------------------------------
    async def screenshot_demo(self) -> None:
        """Run something short so the README screenshot shows real numbers."""

    async def stop_work(self) -> None:
        """Stop threads, processes or other work the panel owns (tasks are cancelled anyway)."""

    # --- shared behaviour -----------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start `coro` as a task named "<slug>: <name>" that the panel keeps until it ends."""
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
        self.shut_down = True
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.stop_work()
