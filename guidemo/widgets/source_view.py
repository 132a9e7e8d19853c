"""Shows the real source of the functions a panel runs, read from the running code."""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import palette

CODE_CONTRAST = 4.6  # every token's colour against the code's background and highlight


@functools.cache
def code_style(theme_name: str) -> Any:
    """The Pygments style of a theme: its base style (`Theme.code_style`) on the theme's
    background, each token colour moved towards the text colour until it reads at 4.5:1
    or more on the background and on a highlighted line (no stock style does both)."""
    from pygments.style import Style
    from pygments.styles import get_style_by_name

    theme = palette.THEMES[theme_name]
    base = get_style_by_name(theme.code_style)
    backgrounds = (theme.base, theme.highlight)

    def readable(match: re.Match[str]) -> str:
        color, target = QtGui.QColor("#" + match.group(1)), QtGui.QColor(theme.text)
        start = (color.redF(), color.greenF(), color.blueF())
        end = (target.redF(), target.greenF(), target.blueF())
        for step in range(21):
            mixed = QtGui.QColor.fromRgbF(
                *(a + (b - a) * step / 20 for a, b in zip(start, end, strict=True))
            )
            name = mixed.name()
            if min(palette.contrast(name, bg) for bg in backgrounds) >= CODE_CONTRAST:
                return name
        return theme.text

    styles = {
        token: re.sub(r"(?<!bg:)(?<!border:)#([0-9a-fA-F]{3,6})\b", readable, rule)
        for token, rule in base.styles.items()
    }
    styles = {token: re.sub(r"bg:#[0-9a-fA-F]{3,6}", "", rule) for token, rule in styles.items()}
    return type(
        f"Guidemo{theme_name.title()}Style",
        (Style,),
        {
            "styles": styles,
            "background_color": theme.base,
            "highlight_color": theme.highlight,
            "line_number_color": theme.muted,
            "line_number_background_color": "transparent",
        },
    )


def source_html(obj: object, highlight_lines: Sequence[int] = ()) -> str:
    """One function's (class's, module's) source as highlighted HTML, with its file and lines.

    `highlight_lines` are file line numbers to mark, e.g. the line a toy loop is on.
    Cached: panels show the same functions again and again (tabs, slow motion).
    """
    return _source_html(obj, tuple(highlight_lines), palette.CURRENT.name)


@functools.lru_cache(maxsize=1024)
def _source_html(obj: object, highlight_lines: tuple[int, ...], theme_name: str) -> str:
    from pygments import highlight  # imported on first use: not on the start-up path
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    lines, first = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    first = max(first, 1)  # a whole module comes back as starting at line 0
    filename = os.path.basename(inspect.getsourcefile(obj) or "?")  # type: ignore[arg-type]
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj))
    formatter = HtmlFormatter(
        style=code_style(theme_name),
        noclasses=True,
        linenos="inline",
        linenostart=first,
        hl_lines=[n - first + 1 for n in highlight_lines],
        prestyles="white-space: pre;",  # no wrapping: a wrapped line broke the indentation
    )
    body = highlight("".join(lines), PythonLexer(), formatter)
    header = (
        f'<p style="margin:8px 0 2px 0; color:{palette.THEMES[theme_name].muted};"><b>{name}</b> '
        f"&nbsp;·&nbsp; {filename}:{first}-{first + len(lines) - 1}</p>"
    )
    return header + body


def warm_up(objects: Iterable[object] = ()) -> None:
    """Import Pygments and highlight `objects` (else one function), so the first source a
    learner opens does not pay for it (the window calls it on a thread once it is up)."""
    for obj in objects or (warm_up,):
        _source_html(obj, (), palette.CURRENT.name)


RENDER_AFTER_PAINT_MS = 50  # the window reaches the screen first, then the code is drawn


class SourceView(QtWidgets.QTextBrowser):
    """objectName `sourceView`: the highlighted source of the code a panel runs.

    Highlighting is work for the GUI thread, so it waits until the view is shown, and
    then until the panel itself has been painted (or until its text is asked for).
    """

    def __init__(self, objects: Iterable[object] = (), parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sourceView")
        self.setOpenLinks(False)
        # Python's indentation is its syntax: a long line scrolls sideways, never wraps.
        self.setLineWrapMode(QtWidgets.QTextEdit.LineWrapMode.NoWrap)
        self._font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self._points = self._font.pointSizeF()
        super().document().setDefaultFont(self._font)
        self.setToolTip("The source of the functions this panel's controls run, read live")
        self.objects: list[object] = list(objects)
        self._rendered = False
        self._render_pending = False
        self.renders = 0  # how many times its text was replaced (a text block outlives it)
        self._highlight_lines: Sequence[int] = ()
        self.apply_theme()

    def apply_theme(self) -> None:
        """The code's background and plain text follow the theme; shown code is redrawn."""
        colors = self.palette()
        colors.setColor(QtGui.QPalette.ColorRole.Base, QtGui.QColor(palette.CURRENT.base))
        colors.setColor(QtGui.QPalette.ColorRole.Text, QtGui.QColor(palette.CURRENT.text))
        self.setPalette(colors)
        self.viewport().setPalette(colors)  # the viewport paints the background
        if self._rendered:
            self.show_objects(self.objects, self._highlight_lines)

    def _ensure_rendered(self) -> None:
        if not self._rendered:
            self.show_objects(self.objects)

    def render_now(self) -> None:
        """Highlight the code now, not after the first paint: the window does for the panel
        it opens at, while it starts, before anything is on screen."""
        self._ensure_rendered()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        """The first paint shows the view empty; the code follows right after it, so
        highlighting never delays the panel appearing."""
        super().paintEvent(event)
        if not self._rendered and not self._render_pending:
            self._render_pending = True
            QtCore.QTimer.singleShot(RENDER_AFTER_PAINT_MS, self, self._ensure_rendered)

    def set_zoom(self, zoom: float) -> None:
        """The code's font follows the window's zoom (it is not the app's font)."""
        if abs(self._font.pointSizeF() - self._points * zoom) > 0.01:
            self._font.setPointSizeF(self._points * zoom)
            super().document().setDefaultFont(self._font)

    def document(self) -> QtGui.QTextDocument:
        self._ensure_rendered()
        return super().document()

    def toPlainText(self) -> str:
        self._ensure_rendered()
        return super().toPlainText()

    def toHtml(self) -> str:
        self._ensure_rendered()
        return super().toHtml()

    def show_objects(self, objects: Iterable[object], highlight_lines: Sequence[int] = ()) -> None:
        """Render the given functions, marking `highlight_lines` (file line numbers)."""
        self.objects = list(objects)
        self._highlight_lines = tuple(highlight_lines)
        self._rendered = True
        scroll = self.verticalScrollBar().value()
        self.renders += 1
        self.setHtml("".join(source_html(obj, highlight_lines) for obj in self.objects))
        self.verticalScrollBar().setValue(scroll)
