"""Readable for everyone: both themes reach WCAG AA contrast on every panel, a switch
repaints live, every control has an accessible name, self-drawn widgets say what they
show, and the keyboard reaches every control."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Iterator

import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from guidemo.panels import SLUGS
from guidemo.panels.base import Panel
from guidemo.widgets import palette, themes
from guidemo.widgets.palette import contrast
from guidemo.widgets.source_view import code_style
from tests.helpers import wait_until

AA = 4.5  # text
NON_TEXT = 3.0  # a glyph that marks a colour in a legend (WCAG 1.4.11)
SPAN = re.compile(r"color:\s*(#[0-9a-fA-F]{6}|rgb\s*\([^)]*\))[^>]*>(.*?)</", re.S)
CONTROLS = (
    QtWidgets.QAbstractButton,
    QtWidgets.QAbstractSpinBox,
    QtWidgets.QComboBox,
    QtWidgets.QLineEdit,
    QtWidgets.QPlainTextEdit,
    QtWidgets.QTextEdit,
    QtWidgets.QAbstractItemView,
    QtWidgets.QSlider,
)


@pytest.fixture
def light_again(window) -> Iterator[None]:
    """Whatever a test switches to, the next test starts in the light theme."""
    yield
    window.set_theme("light")


def hex_of(css: str) -> str:
    if css.startswith("#"):
        return css.lower()
    r, g, b = (int(part) for part in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def shown(widget: QtWidgets.QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def rich_problems(where: str, text: str, background: str) -> list[str]:
    """Each coloured run of rich text against the background it sits on."""
    found = []
    for color, inner in SPAN.findall(text):
        words = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        if not words:
            continue
        least = NON_TEXT if len(words) == 1 and not words.isalnum() else AA
        ratio = contrast(hex_of(color), background)
        if ratio < least:
            found.append(f"{where}: {words[:30]!r} {hex_of(color)} on {background} {ratio:.2f}")
    return found


def contrast_problems(root: QtWidgets.QWidget) -> list[str]:
    """Every visible label, button and table cell of `root` whose text reads below AA."""
    roles = QtGui.QPalette.ColorRole
    problems: list[str] = []

    def check(where: str, fg: QtGui.QColor, bg: QtGui.QColor, least: float = AA) -> None:
        ratio = contrast(fg.name(), bg.name())
        if ratio < least:
            problems.append(f"{where}: {fg.name()} on {bg.name()} {ratio:.2f}")

    for widget in root.findChildren(QtWidgets.QWidget):
        if not shown(widget):
            continue
        where = f"{type(widget).__name__} {widget.objectName() or '?'}"
        colors = widget.palette()
        if isinstance(widget, QtWidgets.QLabel) and widget.text():
            background = colors.color(widget.backgroundRole())
            check(where, colors.color(widget.foregroundRole()), background)
            problems += rich_problems(where, widget.text(), background.name())
        elif isinstance(widget, QtWidgets.QAbstractButton) and widget.isEnabled():
            check(where, colors.color(roles.ButtonText), colors.color(roles.Button))
        elif isinstance(widget, QtWidgets.QTableWidget):
            base = colors.color(roles.Base)
            check(where, colors.color(roles.Text), base)
            for row in range(min(widget.rowCount(), 100)):
                for column in range(widget.columnCount()):
                    item = widget.item(row, column)
                    if item is None or not item.text():
                        continue
                    fg, bg = item.foreground(), item.background()
                    text = fg.color() if fg.style() != QtCore.Qt.BrushStyle.NoBrush else None
                    back = bg.color() if bg.style() != QtCore.Qt.BrushStyle.NoBrush else base
                    check(f"{where} cell {row},{column}", text or colors.color(roles.Text), back)
        elif isinstance(widget, QtWidgets.QTextEdit | QtWidgets.QPlainTextEdit):
            base = colors.color(roles.Base)
            check(where, colors.color(roles.Text), base)
            if isinstance(widget, QtWidgets.QTextBrowser):
                check(f"{where} link", colors.color(roles.Link), base)
            problems += document_problems(where, widget.document(), base)
    return problems


def document_problems(where: str, document: QtGui.QTextDocument, base: QtGui.QColor) -> list[str]:
    """The coloured runs of a rich text document (a log, the code) against their block's
    background (the view's base where the block has none)."""
    found = []
    block = document.begin()
    while block.isValid() and block.blockNumber() < 400:
        back = block.blockFormat().background()
        behind = back.color() if back.style() != QtCore.Qt.BrushStyle.NoBrush else base
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.background().style() != QtCore.Qt.BrushStyle.NoBrush:
                behind_text = fmt.background().color()
                if behind_text.alpha() == 0:
                    behind_text = behind
            else:
                behind_text = behind
            brush = fmt.foreground()
            if brush.style() != QtCore.Qt.BrushStyle.NoBrush and fragment.text().strip():
                ratio = contrast(brush.color().name(), behind_text.name())
                if ratio < AA:
                    found.append(
                        f"{where}: {fragment.text()[:20]!r} {brush.color().name()} on "
                        f"{behind_text.name()} {ratio:.2f}"
                    )
            it += 1
        block = block.next()
    return found


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_code_colour_reads_on_its_background_and_on_a_marked_line(name):
    """The Pygments style of each theme: every token's colour at 4.5:1 or more."""
    theme = palette.THEMES[name]
    style = code_style(name)
    assert style.background_color == theme.base
    colors = {rule["color"] for _, rule in style} - {"", None}
    assert len(colors) > 5  # a highlighted style, not plain text
    for color in colors:
        for background in (theme.base, theme.highlight):
            assert contrast(f"#{color}", background) >= AA, (name, color, background)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_text_colour_of_the_palette_reads_on_every_background(name):
    theme = palette.THEMES[name]
    for text in ("text", "muted", "bad", "good", "note", "cancelled", "link"):
        for back in ("window", "base", "alternate_base", "late_background", "button"):
            ratio = contrast(getattr(theme, text), getattr(theme, back))
            assert ratio >= AA, (name, text, back, ratio)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_every_panel_reads_at_aa_in_both_themes(window, run, light_again):
    """Every panel rendered in light and in dark: every visible label (and each coloured
    run in it), enabled button, table cell, log line and line of code reaches 4.5:1.
    The http and gather panels run first, so coloured results are on screen; switching
    recolours them, and a gather run in dark makes new ones."""

    async def scenario() -> list[str]:
        for slug in ("http", "gather"):
            await window.show_panel(slug).screenshot_demo()
        problems = []
        for theme in ("light", "dark"):
            window.set_theme(theme)
            assert window.theme() == theme
            for slug in window.panels:
                panel = window.show_panel(slug)
                await asyncio.sleep(0.12)  # painted, so the code is rendered
                panel.source_view.document()
                problems += [f"{theme} {slug} {p}" for p in contrast_problems(window)]
            # The check sees the style sheet's colours (a red button's text is red):
            sync = window.panels["http"].findChild(QtWidgets.QPushButton, "syncButton")
            seen = sync.palette().color(QtGui.QPalette.ColorRole.ButtonText).name()
            assert seen == palette.THEMES[theme].bad
        await window.show_panel("gather").screenshot_demo()
        problems += [f"dark gather (new run) {p}" for p in contrast_problems(window)]
        return problems

    problems = run(scenario(), timeout=380)
    assert not problems, "\n".join(problems[:40])


def mean_lightness(widget: QtWidgets.QWidget) -> float:
    image = widget.grab().toImage()
    values = [
        image.pixelColor(x, y).lightnessF()
        for y in range(2, image.height() - 2, 7)
        for x in range(2, image.width() - 2, 7)
    ]
    return sum(values) / len(values)


@pytest.mark.timeout(120)
def test_switching_theme_repaints_code_and_plots_live(window, run, light_again):
    """Rendered pixels: the source view, the waterfall and a lane chart turn dark and light
    again without a restart; the check also sees the old light plots (white on dark)."""
    panel = window.show_panel("http")
    lanes = window.panels["gather"].findChild(QtWidgets.QWidget, "gatherLanes")
    views = {"sourceView": panel.source_view, "timeline": panel.ui.timeline}

    async def scenario() -> dict[str, list[float]]:
        seen: dict[str, list[float]] = {name: [] for name in [*views, "gatherLanes"]}
        for theme in ("light", "dark", "light"):
            window.set_theme(theme)
            window.show_panel("http")
            await asyncio.sleep(0.15)
            for name, view in views.items():
                seen[name].append(mean_lightness(view))
            window.show_panel("gather")
            await asyncio.sleep(0.15)
            seen["gatherLanes"].append(mean_lightness(lanes.plot))
        return seen

    seen = run(scenario())
    for name, (light, dark, light_again_) in seen.items():
        assert light > 0.8 and light_again_ > 0.8, (name, seen[name])
        assert dark < 0.25, (name, seen[name])


def test_system_follows_the_platform_and_a_wrong_name_is_refused(window, light_again):
    system = themes.system_theme().name
    window.set_theme("system")
    assert window.theme() == system == "light"  # the offscreen platform: a light palette
    assert window.theme_choice() == "system"
    with pytest.raises(ValueError, match="light, dark"):
        window.set_theme("purple")
    assert window.theme() == "light"
    window.next_theme()  # system -> light -> dark: Ctrl+Shift+T
    window.next_theme()
    assert window.theme() == "dark" and window.theme_choice() == "dark"
    checked = [a.data() for a in window.theme_menu.actions() if a.isChecked()]
    assert checked == ["dark"]


def accessible_name(widget: QtWidgets.QWidget) -> str:
    interface = QtGui.QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, widget.objectName()
    return interface.text(QtGui.QAccessible.Text.Name)


@pytest.mark.timeout(200)
def test_every_visible_control_has_an_accessible_name(window, run):
    async def scenario() -> list[str]:
        missing = []
        for slug in window.panels:
            window.show_panel(slug)
            await asyncio.sleep(0.05)
            for widget in window.findChildren(QtWidgets.QWidget):
                name = widget.objectName()
                if not isinstance(widget, CONTROLS) or not shown(widget) or not name:
                    continue
                if not name.startswith("qt_") and not accessible_name(widget):
                    missing.append(f"{slug}: {name}")
        return missing

    missing = run(scenario())
    assert not missing, missing
    spin = window.panels["http"].findChild(QtWidgets.QSpinBox, "countSpin")
    assert accessible_name(spin) == "Sources"  # from the label beside it
    interface = QtGui.QAccessible.queryAccessibleInterface(spin)
    assert "sources" in interface.text(QtGui.QAccessible.Text.Description).lower()


@pytest.mark.timeout(60)
def test_self_drawn_widgets_say_what_they_show_and_a_freeze_changes_it(window, run):
    heartbeat = window.hud.heartbeat
    described = QtGui.QAccessible.Text.Description

    def said(widget: QtWidgets.QWidget) -> str:
        interface = QtGui.QAccessible.queryAccessibleInterface(widget)
        return interface.text(described) if interface is not None else ""

    async def scenario() -> None:
        await wait_until(lambda: "event loop alive, lag" in said(heartbeat), 5, "alive")
        assert "ms" in said(window.hud.plot)
        freezes = len(window.monitor.stats().freezes)
        time.sleep(0.4)  # the GUI thread is blocked: a freeze, as a learner's code does
        await wait_until(lambda: len(window.monitor.stats().freezes) > freezes, 5, "freeze")
        await wait_until(lambda: "frozen" in said(heartbeat), 5, "the heartbeat says so")
        # and still does after its next redraw, with the lag (for 10 s: a screen reader, or
        # this test beside a second suite, may read it a second or two late)
        await wait_until(
            lambda: "event loop alive, lag" in said(heartbeat) and "frozen" in said(heartbeat),
            5,
            "the heartbeat still says so",
        )
        assert "frozen" in accessible_name(window.hud.freeze_label)
        gather = window.show_panel("gather")
        await gather.screenshot_demo()
        lanes = gather.findChild(QtWidgets.QWidget, "gatherLanes")
        await wait_until(lambda: "ended" in said(lanes.plot), 5, "the lanes' states")
        http = window.show_panel("http")
        await http.screenshot_demo()
        await wait_until(lambda: "async" in said(http.ui.timeline), 5, "the waterfall")

    run(scenario())


def focus_chain(start: QtWidgets.QWidget, steps: int) -> list[QtWidgets.QWidget]:
    """Press Tab `steps` times from `start`: the widgets focus visits, in order."""
    start.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
    visited = []
    for _ in range(steps):
        focused = QtWidgets.QApplication.focusWidget()
        assert focused is not None
        QtTest.QTest.keyClick(focused, QtCore.Qt.Key.Key_Tab)
        now = QtWidgets.QApplication.focusWidget()
        if now is None or (visited and now is visited[0]):
            break
        visited.append(now)
    return visited


@pytest.mark.timeout(120)
@pytest.mark.parametrize("slug", SLUGS)
def test_tab_from_the_navigator_reaches_every_control_of_a_panel(window, run, slug):
    """Keyboard only: from the navigator, Tab visits every enabled control of the panel
    (nothing traps focus: the walk comes round to where it started)."""
    window.activateWindow()

    async def scenario() -> tuple[Panel, list[QtWidgets.QWidget]]:
        shown_panel = window.show_panel(slug)  # in the loop: the tasks panel needs it running
        await asyncio.sleep(0.1)
        return shown_panel, focus_chain(window.panel_list, 300)

    panel, visited = run(scenario())
    wanted = [
        widget
        for widget in panel.controls.findChildren(QtWidgets.QWidget)
        if isinstance(widget, CONTROLS)
        and widget.objectName()
        and not widget.objectName().startswith("qt_")  # a spin box's own line edit
        and shown(widget)
        and widget.isEnabled()
        and widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
    ]
    assert wanted
    missed = [widget.objectName() for widget in wanted if widget not in visited]
    assert not missed, missed
    assert window.panel_list in visited  # round the whole window and back: no trap
    button = next(w for w in visited if isinstance(w, QtWidgets.QPushButton))
    button.setFocus(QtCore.Qt.FocusReason.TabFocusReason)  # a visible ring around it
    ring = window.focus_ring
    assert ring.isVisible() and ring.parentWidget() is button.parentWidget()
    assert ring.geometry().contains(button.geometry())
    in_order = [widget for widget in visited if widget in wanted]
    places = [widget.mapTo(window, QtCore.QPoint(0, 0)) for widget in in_order]
    backwards = [
        f"{a.objectName()} -> {b.objectName()}"
        for a, b, here, there in zip(in_order, in_order[1:], places, places[1:], strict=False)
        if there.y() < here.y() - 8 or (abs(there.y() - here.y()) <= 8 and there.x() < here.x())
    ]
    assert not backwards, f"Tab goes against the reading order: {backwards}"


def test_the_command_line_takes_a_theme():
    from guidemo.cli import build_parser

    assert build_parser().parse_args(["--theme", "dark"]).theme == "dark"
    assert build_parser().parse_args([]).theme is None  # the remembered one
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--theme", "purple"])


@pytest.mark.timeout(60)
def test_a_new_window_opens_in_the_remembered_theme(window, run, server, light_again):
    from guidemo.app import MainWindow

    async def scenario() -> str:
        window.settings.setValue("theme", "dark")
        other = MainWindow(server.url, server=server, lazy=True)
        other.remember_state = False
        try:
            return other.theme()
        finally:
            other.close()
            await other.shutdown()
            other.deleteLater()
            window.settings.setValue("theme", "system")

    assert run(scenario()) == "dark"
