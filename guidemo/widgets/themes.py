"""Switching between the light and the dark theme while the app runs.

`resolve()` says which theme a choice ("light", "dark", "system") means here; `apply()`
makes it the app's palette and the colours `palette.NAME` answers; `recolor()` walks a
window once and gives what is already on screen the new theme's colours (rich text,
table cells, logs, role buttons, a widget's own style sheet), then asks every widget
that draws itself (`apply_theme()`) to follow. No style sheet for the whole window: a
zoom is a font change, and a window-wide sheet would stop the font reaching widgets.
Nothing here runs while the app idles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.widgets import kit, palette
from guidemo.widgets.palette import THEMES, Theme

CHOICES = ("system", "light", "dark")
_system_palette: QtGui.QPalette | None = None  # the platform's, before we set ours


def remember_system_palette() -> None:
    """Keep the platform's palette, to tell later what "system" means when the platform
    names no colour scheme (our own palette replaces it in the app)."""
    global _system_palette
    if _system_palette is None:
        _system_palette = QtGui.QPalette(QtWidgets.QApplication.palette())


def system_theme() -> Theme:
    """Qt's colour scheme; when the platform says Unknown, the palette's window lightness."""
    scheme = QtGui.QGuiApplication.styleHints().colorScheme()
    if scheme == QtCore.Qt.ColorScheme.Dark:
        return palette.DARK
    if scheme == QtCore.Qt.ColorScheme.Light:
        return palette.LIGHT
    remember_system_palette()
    assert _system_palette is not None
    window = _system_palette.color(QtGui.QPalette.ColorRole.Window)
    return palette.DARK if window.lightness() < 128 else palette.LIGHT


def resolve(choice: str) -> Theme:
    """The theme a choice means: "light", "dark", or "system" (what the desktop uses)."""
    if choice not in CHOICES:
        raise ValueError(f"theme must be one of {', '.join(CHOICES)}, not {choice!r}")
    return system_theme() if choice == "system" else THEMES[choice]


def qpalette(theme: Theme) -> QtGui.QPalette:
    """A QPalette with the theme's colours (Fusion draws everything from it)."""
    roles = QtGui.QPalette.ColorRole
    result = QtGui.QPalette()
    window, button = QtGui.QColor(theme.window), QtGui.QColor(theme.button)
    colors = {
        roles.Window: theme.window,
        roles.WindowText: theme.text,
        roles.Base: theme.base,
        roles.AlternateBase: theme.alternate_base,
        roles.Text: theme.text,
        roles.Button: theme.button,
        roles.ButtonText: theme.text,
        roles.BrightText: theme.bad,
        roles.ToolTipBase: theme.base,
        roles.ToolTipText: theme.text,
        roles.PlaceholderText: theme.muted,
        roles.Link: theme.link,
        roles.LinkVisited: theme.link,
        roles.Highlight: theme.focus,  # Fusion draws focus frames in it: strong, not pale
        roles.HighlightedText: theme.base,
        roles.Light: button.lighter(150).name(),
        roles.Midlight: button.lighter(115).name(),
        roles.Mid: button.darker(130).name(),
        roles.Dark: button.darker(160).name(),
        roles.Shadow: window.darker(300).name(),
    }
    for role, color in colors.items():
        result.setColor(role, QtGui.QColor(color))
    for role in (roles.Text, roles.ButtonText, roles.WindowText):
        result.setColor(QtGui.QPalette.ColorGroup.Disabled, role, QtGui.QColor(theme.disabled_text))
    return result


def apply(theme: Theme) -> None:
    """Make `theme` the app's palette (Fusion style) and the one `palette` answers."""
    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    remember_system_palette()
    style = app.style()
    if style is None or style.name().lower() != "fusion":
        app.setStyle("Fusion")  # draws everything from the palette, on every platform
    palette.use(theme)
    app.setPalette(qpalette(theme))


def color_map(old: Theme, new: Theme) -> dict[str, str]:
    """Each colour of `old` that text or a cell may carry, to its counterpart in `new`."""
    fields = [
        "text",
        "muted",
        "bad",
        "good",
        "note",
        "cancelled",
        "link",
        "highlight",
        "late_background",
    ]
    mapping = {getattr(old, name).lower(): getattr(new, name) for name in fields}
    for rgb in palette.OKABE_ITO:  # legends' swatches
        mapping[palette.css(palette.shade(rgb, old))] = palette.css(palette.shade(rgb, new))
    return {before: after for before, after in mapping.items() if before != after.lower()}


def _swap(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(color) for color in mapping), re.IGNORECASE)
    return pattern.sub(lambda found: mapping[found.group(0).lower()], text)


def _swap_brush(brush: QtGui.QBrush, mapping: dict[str, str]) -> QtGui.QBrush | None:
    if brush.style() == QtCore.Qt.BrushStyle.NoBrush:
        return None
    name = brush.color().name()
    return QtGui.QBrush(QtGui.QColor(mapping[name])) if name in mapping else None


def _recolor_document(document: QtGui.QTextDocument, mapping: dict[str, str]) -> None:
    """Char formats (foreground) and block formats (background) of a rich text document."""
    cursor = QtGui.QTextCursor(document)
    block = document.begin()
    while block.isValid():
        background = _swap_brush(block.blockFormat().background(), mapping)
        if background is not None:
            fmt = QtGui.QTextBlockFormat(block.blockFormat())
            fmt.setBackground(background)
            QtGui.QTextCursor(block).setBlockFormat(fmt)
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt_char = fragment.charFormat()
            foreground = _swap_brush(fmt_char.foreground(), mapping)
            if foreground is not None:
                fmt_char.setForeground(foreground)
                cursor.setPosition(fragment.position())
                cursor.setPosition(
                    fragment.position() + fragment.length(), QtGui.QTextCursor.MoveMode.KeepAnchor
                )
                cursor.setCharFormat(fmt_char)
            it += 1
        block = block.next()


def _recolor_items(view: QtWidgets.QWidget, mapping: dict[str, str]) -> None:
    if isinstance(view, QtWidgets.QTableWidget):
        for row in range(view.rowCount()):
            for column in range(view.columnCount()):
                item = view.item(row, column)
                if item is not None:
                    for get, put in ((item.foreground, item.setForeground),
                                     (item.background, item.setBackground)):  # fmt: skip
                        brush = _swap_brush(get(), mapping)
                        if brush is not None:
                            put(brush)
    elif isinstance(view, QtWidgets.QTreeWidget):
        items = [top for i in range(view.topLevelItemCount()) if (top := view.topLevelItem(i))]
        while items:
            tree_item = items.pop()
            items.extend(
                child for i in range(tree_item.childCount()) if (child := tree_item.child(i))
            )
            for column in range(view.columnCount()):
                brush = _swap_brush(tree_item.foreground(column), mapping)
                if brush is not None:
                    tree_item.setForeground(column, brush)


def recolor(widgets: Iterable[QtWidgets.QWidget], old: Theme, new: Theme) -> None:
    """Give these widgets (and all below them) the colours of `new` in place of `old`'s,
    then let each self-drawn widget follow (its `apply_theme()`)."""
    mapping = color_map(old, new)
    for root in widgets:
        for widget in [root, *root.findChildren(QtWidgets.QWidget)]:
            if isinstance(widget, QtWidgets.QPushButton) and widget.property("role"):
                kit.recolour_role(widget)
            sheet = widget.styleSheet()
            if sheet:
                swapped = _swap(sheet, mapping)
                if swapped != sheet:
                    widget.setStyleSheet(swapped)
            if isinstance(widget, QtWidgets.QLabel) and widget.textFormat() != (
                QtCore.Qt.TextFormat.PlainText
            ):
                text = widget.text()
                if "color" in text:
                    widget.setText(_swap(text, mapping))
            elif isinstance(widget, (QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)):
                _recolor_document(widget.document(), mapping)
            elif isinstance(widget, (QtWidgets.QTableWidget, QtWidgets.QTreeWidget)):
                _recolor_items(widget, mapping)
            follow = getattr(widget, "apply_theme", None)
            if callable(follow):
                follow()


def style_plot(widget: QtWidgets.QGraphicsView) -> None:
    """A pyqtgraph PlotWidget in the theme in force: its background, axes and their text."""
    theme = palette.CURRENT
    widget.setBackground(theme.base)  # type: ignore[attr-defined]
    item = widget.getPlotItem()  # type: ignore[attr-defined]
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(theme.plot_axis)
        axis.setTextPen(theme.text)
