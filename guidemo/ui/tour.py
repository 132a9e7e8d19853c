"""The guided tour: the lecture in order, one control to use at a time, the number measured.

Steps are Markdown in `guidemo/explanations/tour.md` (see the top of that file for the
format): each opens a panel, presets its controls, marks the one control to use now with
a pulsing frame, says what to do and what to watch, and once the step's observation has
happened (a freeze recorded, a run finished...) shows the takeaway with the numbers just
measured. `window.tour` is the stable interface: start(), steps, index, target(),
observed(), next(), back().
"""

from __future__ import annotations

import contextlib
import html
import re
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo import settings
from guidemo.explanations import explanation
from guidemo.panels.base import HUD_NUMBERS
from guidemo.widgets import access, palette
from guidemo.widgets.kit import make_button, named
from guidemo.widgets.source_view import source_html

if TYPE_CHECKING:
    from guidemo.ui.main_window import MainWindow

Facts = dict[str, Any]
PULSE_MS = 450
LABEL_SETTLE_S = 0.6  # a watched label is read once it has not changed for this long
LABEL_SETTLE_MAX_S = 3.0  # or this long after it first changed, if it keeps changing
FREEZE_SETTLE_S = 0.4  # a freeze is quoted once the loop has run this long after it
KEEP_RESULT_S = 2.0  # a result the tour scrolled to is kept in view while layouts settle
PREPARE_TICK_MS = 60  # while a step is read, one small piece of the next step's page
ADVANCE_KEYS = {QtCore.Qt.Key.Key_PageDown, QtCore.Qt.Key.Key_Right}
RETREAT_KEYS = {QtCore.Qt.Key.Key_PageUp, QtCore.Qt.Key.Key_Left}
TEXT_INPUTS = (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox, QtWidgets.QTextEdit,
               QtWidgets.QPlainTextEdit, QtWidgets.QSlider, QtWidgets.QComboBox)  # fmt: skip


@dataclass
class Step:
    """One step of the tour, as written in tour.md."""

    title: str
    panel: str
    text: str  # Markdown: what to do and what to watch
    takeaway: str = ""  # Markdown with {placeholders} filled from the observation's facts
    target: str = ""  # objectName of the control to use now
    watch: str = "click"  # what must happen: see Tour.WATCHES
    preset: dict[str, str] = field(default_factory=dict)  # objectName -> value
    quote: str = ""  # a regex: {text} is its match (its first group) in the label's text
    show: str = ""  # objectName of a result to bring into view once the takeaway shows
    chapter: str = ""  # "" for the lecture; a later chapter's name (entered after it, or skipped)


def plain_text(rich: str) -> str:
    """A label's rich text as one line to quote: tables dropped (they are for the eye), line
    breaks and paragraphs as spaces (no "(UI live)The cost"), entities decoded."""
    text = re.sub(r"<table.*?</table>", "\n", rich, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", text, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    ended = [line if line[-1] in ".:;!?" else line + "." for line in lines[:-1]]
    return " ".join(ended + lines[-1:])


def quoted(text: str, pattern: str) -> Facts:
    """The part of `text` a step quotes: {text}, the match of `pattern` (its first unnamed
    group), else all of it; a fact for each named group; {quoted}: False if it missed."""
    found = re.search(pattern, text, flags=re.DOTALL) if pattern else None
    if found is None:
        return {"text": text, "quoted": not pattern}
    named = set(found.re.groupindex.values())
    unnamed = [number for number in range(1, found.re.groups + 1) if number not in named]
    part = found.group(unnamed[0] if unnamed else 0) or ""
    return {**found.groupdict(), "text": part.strip(), "quoted": True}


def parse_tour(markdown: str) -> list[Step]:
    """Steps from tour.md: `# Title`, then `key: value` lines, then text, then `> takeaway`."""
    steps = []
    for chunk in re.split(r"^# ", markdown, flags=re.MULTILINE)[1:]:
        title, _, rest = chunk.partition("\n")
        meta: dict[str, str] = {}
        lines = rest.strip("\n").splitlines()
        while lines and re.match(r"^[a-z]+: ", lines[0]):
            key, _, value = lines.pop(0).partition(": ")
            meta[key] = value.strip()
        text = [line for line in lines if not line.startswith(">")]
        takeaway = [line[1:].strip() for line in lines if line.startswith(">")]
        preset = dict(
            item.strip().split("=", 1) for item in meta.get("preset", "").split(";") if "=" in item
        )
        steps.append(
            Step(
                title=title.strip(),
                panel=meta["panel"],
                text="\n".join(text).strip(),
                takeaway=" ".join(takeaway),
                target=meta.get("target", ""),
                watch=meta.get("watch", "click" if meta.get("target") else "none"),
                preset={k.strip(): v.strip() for k, v in preset.items()},
                quote=meta.get("quote", ""),
                show=meta.get("show", ""),
                chapter=meta.get("chapter", ""),
            )
        )
    return steps


class TargetMarker(QtWidgets.QWidget):
    """A pulsing frame around the control to use now, drawn over the window. It follows
    its control: placed again on every pulse, and as soon as the control or any widget
    around it moves or resizes (a scroll, a re-layout, the repaint after a freeze)."""

    FOLLOWED = (QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Resize, QtCore.QEvent.Type.Show)

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setObjectName("tourMarker")
        self._target: QtWidgets.QWidget | None = None
        self._bright = True
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(PULSE_MS)
        self._timer.timeout.connect(self._pulse)
        self._watched: list[QtWidgets.QWidget] = []  # the target and the widgets around it
        self.hide()  # a child widget shows with its window unless told otherwise

    def follow(self, target: QtWidgets.QWidget | None) -> None:
        for watched in self._watched:
            with contextlib.suppress(RuntimeError):  # a widget deleted meanwhile
                watched.removeEventFilter(self)
        self._target, self._watched = target, []
        if target is None:
            self._timer.stop()
            self.hide()
            return
        window = self.parentWidget()
        widget: QtWidgets.QWidget | None = target
        while widget is not None and widget is not window:
            widget.installEventFilter(self)
            self._watched.append(widget)
            widget = widget.parentWidget()
        self._timer.start()
        self._pulse()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in self.FOLLOWED and self._target is not None:
            self.place()
        return False

    def _pulse(self) -> None:
        self._bright = not self._bright
        self.place()

    def place(self) -> None:
        """Frame the target where it is now (hidden while it is not visible)."""
        target, window = self._target, self.parentWidget()
        if target is None or window is None or not target.isVisible():
            self.hide()
            return
        margin = 5
        corner = target.mapTo(window, QtCore.QPoint(0, 0))
        self.setGeometry(
            corner.x() - margin,
            corner.y() - margin,
            target.width() + 2 * margin,
            target.height() + 2 * margin,
        )
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            color = QtGui.QColor(palette.CURRENT.marker)
            color.setAlpha(255 if self._bright else 110)
            painter.setPen(QtGui.QPen(color, 4))
            painter.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)
        finally:
            painter.end()


class ResultKeeper(QtCore.QObject):
    """Keeps a step's marked control, then its result, in view for a moment after the tour
    scrolled to it: the layout pass that follows a run (a wrapped label above the result
    growing a line), or a panel's first ones, can push it out of view; each move or resize
    around it scrolls to it again."""

    def __init__(self, parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self._result: QtWidgets.QWidget | None = None
        self._bottom = False
        self._until = 0.0
        self._watched: list[QtWidgets.QWidget] = []  # the result, then scroll areas' contents

    def keep(self, result: QtWidgets.QWidget | None, bottom: bool = False) -> None:
        """Scroll to `result` now, and again on each re-layout for KEEP_RESULT_S (a learner's
        own scrolling moves the contents without resizing them: it is left alone)."""
        for watched in self._watched:
            with contextlib.suppress(RuntimeError):  # a widget deleted meanwhile
                watched.removeEventFilter(self)
        self._result, self._bottom, self._watched = result, bottom, []
        if result is None:
            return
        self._until = time.perf_counter() + KEEP_RESULT_S
        reveal(result, bottom)
        self._watched.append(result)
        parent = result.parentWidget()
        while parent is not None:
            content = parent.widget() if isinstance(parent, QtWidgets.QScrollArea) else None
            if content is not None:  # it grows when a label above the result does
                self._watched.append(content)
            parent = parent.parentWidget()
        for widget in self._watched:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        moved = kind == QtCore.QEvent.Type.Move and watched is self._result
        if (moved or kind == QtCore.QEvent.Type.Resize) and self._result is not None:
            if time.perf_counter() < self._until:
                # After the scroll area has heard of the new size too (its scroll range).
                QtCore.QTimer.singleShot(0, self, self._reveal_again)
            else:
                self.keep(None)
        return False

    def _reveal_again(self) -> None:
        if self._result is not None:
            reveal(self._result, self._bottom)


class TourPanel(QtWidgets.QFrame):
    """objectName `tourPanel`: the step's text, its takeaway, and Back / Next / Restart."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tourPanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.apply_theme()
        self.heading = named(QtWidgets.QLabel(), "tourHeading", "The step of the tour")
        self.text = named(
            QtWidgets.QTextBrowser(), "tourText", "What to do now, what to watch, and the takeaway"
        )
        self.text.setOpenExternalLinks(True)
        self.back_button = make_button("◀ Back", "tourBack", "The previous step (Left, PageUp)")
        self.next_button = make_button("Next ▶", "tourNext", "The next step (Right, PageDown)")
        self.restart_button = make_button("Restart", "tourRestart", "Start the tour again")
        self.chapter_button = make_button(
            "Beyond the lecture ▶▶",
            "tourChapterButton",
            "Skip to the chapter after the lecture: questions a learner asks next",
        )
        self.close_button = make_button("Leave tour", "tourClose", "Close the tour (the app stays)")
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.chapter_button)
        buttons.addWidget(self.restart_button)
        buttons.addWidget(self.close_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)

    def apply_theme(self) -> None:
        """A light tint of the theme's highlight: the tour stands out, its text stays
        readable. Its palette, not a style sheet: a style sheet's widgets do not follow
        the window's font, and each zoom key restyled the whole tour."""
        theme = palette.CURRENT
        tint, window = QtGui.QColor(theme.highlight), QtGui.QColor(theme.window)
        share = 60 / 255  # the tint's opacity
        pairs = zip(
            (tint.redF(), tint.greenF(), tint.blueF()),
            (window.redF(), window.greenF(), window.blueF()),
            strict=True,
        )
        mixed = QtGui.QColor.fromRgbF(*(w + (t - w) * share for t, w in pairs))
        colors = self.palette()
        colors.setColor(QtGui.QPalette.ColorRole.Window, mixed)
        self.setPalette(colors)
        self.setAutoFillBackground(True)


class Tour(QtCore.QObject):
    """Walks the learner through the steps; `window.tour`."""

    changed = QtCore.Signal()  # a step was entered or its observation happened

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.steps = parse_tour(explanation("tour", HUD_NUMBERS))
        # Where the learner left it (or the first step): start() opens there.
        self.index = settings.read_int(window.settings, "tourStep", 0, 0, len(self.steps) - 1)
        self.active = False
        self._facts: Facts | None = None  # the observation's numbers, once it happened
        self._since = self._step_started = time.perf_counter()
        self._clicked = False
        self._seen_enabled_off = False
        self._label_before: str | None = None
        self._label_seen: str | None = None
        self._label_seen_at = self._label_changed_at = 0.0
        self.panel = TourPanel()
        self.panel.back_button.clicked.connect(self.back)
        self.panel.next_button.clicked.connect(self.next)
        self.panel.restart_button.clicked.connect(lambda: self.go(0))
        self.panel.chapter_button.clicked.connect(self.enter_chapter)
        self.panel.close_button.clicked.connect(self.stop)
        self.marker = TargetMarker(window)
        self._keeper = ResultKeeper(self)
        self._watch_timer = QtCore.QTimer(self)
        self._watch_timer.setInterval(100)
        self._watch_timer.timeout.connect(self._check)
        self._connected: QtWidgets.QAbstractButton | None = None
        self._preparing: Iterator[None] = iter(())
        self._prepare_timer = QtCore.QTimer(self)
        self._prepare_timer.setInterval(PREPARE_TICK_MS)
        self._prepare_timer.timeout.connect(self._prepare_a_piece)

    # --- the stable interface -------------------------------------------------------------
    def start(self) -> None:
        """Open the tour where the learner left it (or at the first step)."""
        self.active = True
        self.window.show_tour_panel(True)
        self._listen_to_keys(True)
        self._watch_timer.start()
        self.go(self.index)

    def stop(self) -> None:
        """Leave the tour; the app stays as it is, with no control locked."""
        self.active = False
        self._watch_timer.stop()
        self._prepare_timer.stop()
        self.marker.follow(None)
        self._keeper.keep(None)
        self._disconnect_target()
        self._listen_to_keys(False)
        self.window.show_tour_panel(False)

    def _listen_to_keys(self, on: bool) -> None:
        """Hear the window's key presses, and only its input events: a filter on the whole
        application crossed into Python for every event of every widget (a page change is
        thousands of them), and froze the window 0.45 s at zoom 1.5 while a thread held
        the GIL. The window's QWindow sees its input before any widget does."""
        self.window.winId()  # its QWindow exists from now on
        handle = self.window.windowHandle()
        if handle is None:
            return
        if on:
            handle.installEventFilter(self)
        else:
            handle.removeEventFilter(self)

    def target(self) -> QtWidgets.QWidget | None:
        """The control to use now, or None when the step only asks to read or watch."""
        step = self.steps[self.index]
        if not step.target:
            return None
        panel = self.window.panel(step.panel)
        found = panel.findChild(QtWidgets.QWidget, step.target)
        return found or self.window.findChild(QtWidgets.QWidget, step.target)

    def observed(self) -> bool:
        """True once the thing this step asks to watch has happened."""
        return self._facts is not None

    def next(self) -> None:
        self.go(min(self.index + 1, len(self.steps) - 1))

    def back(self) -> None:
        self.go(max(self.index - 1, 0))

    def chapter_start(self) -> int | None:
        """The first step after the lecture (of the chapter "Beyond the lecture"), if any."""
        return next((i for i, step in enumerate(self.steps) if step.chapter), None)

    def enter_chapter(self) -> None:
        """Skip the rest of the lecture: go to the chapter after it."""
        start = self.chapter_start()
        if start is not None:
            self.go(start)

    def position(self) -> str:
        """ "Tour 3 / 28" in the lecture, "Beyond the lecture 2 / 9" in a later chapter."""
        chapter = self.steps[self.index].chapter
        same = [i for i, step in enumerate(self.steps) if step.chapter == chapter]
        return f"{chapter or 'Tour'} {same.index(self.index) + 1} / {len(same)}"

    # --- behaviour ------------------------------------------------------------------------
    def go(self, index: int) -> None:
        self.index = index
        step = self.steps[index]
        self.window.settings.setValue("tourStep", index)
        self.window.show_panel(step.panel)
        self._apply_preset(step)
        self._facts = {} if step.watch == "none" else None
        self._since = self._step_started = time.perf_counter()
        self._clicked = False
        self._seen_enabled_off = False
        self._label_before = self._label_text()  # the click's own slot may change it at once
        self._label_seen = None
        self._label_seen_at = self._label_changed_at = 0.0
        self._disconnect_target()
        target = self.target()
        # In view now, and after the layout passes of a panel just shown (they moved it out
        # of view at 1280x720 when they came late, on a busy machine).
        self._keeper.keep(target)
        if isinstance(target, QtWidgets.QAbstractButton):
            target.clicked.connect(self._on_target_clicked)
            self._connected = target
        self.marker.follow(target)
        self._show()
        self._preparing = self._preparations(index + 1)
        self._prepare_timer.start()

    def _preparations(self, index: int) -> Iterator[None]:
        """What step `index` will need, made ready one piece per tick while the learner
        reads this one: its panel built, its code highlighted (the cached HTML its source
        view shows), so Next does not do that work in front of the class."""
        if index >= len(self.steps):
            return
        yield  # this step's own page is drawn first
        while self.window.warming_up():  # the heavy imports first, off the GUI thread
            yield
        panel = self.window.panel(self.steps[index].panel)
        yield
        sections = getattr(panel, "sections", ())
        sources = [*panel.source_view.objects, *(o for s in sections for o in s.sources)]
        for source in sources:
            source_html(source)  # cached: the view's render is then only its layout
            yield

    def _prepare_a_piece(self) -> None:
        if next(self._preparing, StopIteration) is StopIteration or not self.active:
            self._prepare_timer.stop()

    def _apply_preset(self, step: Step) -> None:
        panel = self.window.panel(step.panel)
        for name, value in step.preset.items():
            widget = panel.findChild(QtWidgets.QWidget, name)
            if isinstance(widget, (QtWidgets.QSpinBox, QtWidgets.QAbstractSlider)):
                widget.setValue(int(float(value)))
            elif isinstance(widget, QtWidgets.QDoubleSpinBox):
                widget.setValue(float(value))
            elif isinstance(widget, QtWidgets.QComboBox):
                widget.setCurrentText(value)
            elif isinstance(widget, QtWidgets.QCheckBox):
                widget.setChecked(value.lower() in ("1", "true", "yes", "on"))
            elif isinstance(widget, QtWidgets.QLineEdit):
                widget.setText(value)
            elif isinstance(widget, QtWidgets.QPlainTextEdit):
                widget.setPlainText(value.replace("\\n", "\n"))
            elif isinstance(widget, QtWidgets.QAbstractButton) and value == "click":
                widget.click()  # a step's set-up the learner has seen before (it is logged)
            elif isinstance(widget, QtWidgets.QAbstractButton) and widget.isCheckable():
                widget.setChecked(value.lower() in ("1", "true", "yes", "on"))

    def _disconnect_target(self) -> None:
        if self._connected is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # the target is gone already
                self._connected.clicked.disconnect(self._on_target_clicked)
            self._connected = None

    def _on_target_clicked(self) -> None:
        if not self._clicked:
            self._clicked = True
            self._since = time.perf_counter()

    def _label_text(self) -> str | None:
        """The text of the label a `label:` step watches, before the click changes it."""
        kind, _, name = self.steps[self.index].watch.partition(":")
        label = self._label(name) if kind == "label" else None
        return plain_text(label.text()) if label is not None else None

    def _reveal_result(self, step: Step) -> None:
        """Scroll what the takeaway talks about into view: the label it quotes, then the
        `show:` result's latest part (the picture the step is about wins where both do not
        fit; the number is in the takeaway too)."""
        kind, _, name = step.watch.partition(":")
        label = self._label(name) if kind in ("run", "label") and name else None
        label = label if label is not None and label.isVisible() else None
        shown = self._panel_widget(step.show) if step.show else None
        if shown is not None:
            if label is not None:
                reveal(label)
            self._keeper.keep(shown, bottom=True)
        elif label is not None:
            self._keeper.keep(label)

    def _panel_widget(self, name: str) -> QtWidgets.QWidget | None:
        return self.window.panel(self.steps[self.index].panel).findChild(QtWidgets.QWidget, name)

    def _label(self, name: str) -> QtWidgets.QLabel | None:
        """The step's panel's label `name` (objectNames repeat across panels)."""
        panel = self.window.panel(self.steps[self.index].panel)
        return panel.findChild(QtWidgets.QLabel, name) or self.window.findChild(
            QtWidgets.QLabel, name
        )

    def _busy(self) -> bool:
        """The step's panel says a run the learner started is still going (a toy loop still
        handling its queue, coroutines not yet stopped): its labels are not results yet."""
        busy = getattr(self.window.panel(self.steps[self.index].panel), "busy", None)
        return bool(busy()) if callable(busy) else False

    def _result(self, label: QtWidgets.QLabel | None) -> Facts:
        """The facts every label watch gives: {text}, the part of the label the step quotes,
        and {label[name]}, the text of any label of the panel at that moment."""
        text = plain_text(label.text()) if label is not None else ""
        return {**quoted(text, self.steps[self.index].quote), "label": _Labels(self)}

    def _check(self) -> None:
        """Has the step's thing happened? (10 times a second while the tour is open)"""
        if self._facts is not None or not self.active:
            return
        step = self.steps[self.index]
        kind, _, argument = step.watch.partition(":")
        facts = self.WATCHES.get(kind, Tour._watch_click)(self, argument)
        if facts is not None:
            self._facts = facts
            self.marker.follow(None)
            self._show()
            self._reveal_result(step)

    # Each watch returns the facts for the takeaway once its thing has happened, else None.
    def _watch_click(self, argument: str) -> Facts | None:
        return {} if self._clicked else None

    def _watch_freeze(self, argument: str) -> Facts | None:
        # Since the step began, not since the click: a click handler that freezes runs
        # before the tour hears of the click.
        # A busy machine's freezes only when the code caused none: code that works until a
        # clock says so (the greedy coroutine) may get under 0.1 s of CPU in its second.
        monitor = self.window.monitor
        freezes = monitor.code_freezes_since(self._step_started) or monitor.code_freezes_since(
            self._step_started, busy_machine_too=True
        )
        target = self.target()
        if target is not None and not target.isEnabled():
            return None  # the run it started is still going (and may freeze again)
        if not self._clicked or not freezes:
            return None
        if time.perf_counter() - max(f.started + f.duration_s for f in freezes) < FREEZE_SETTLE_S:
            return None
        freeze = max(freezes, key=lambda f: f.duration_s)  # the click's, not a hiccup beside it
        return {"duration": freeze.duration_s, "where": freeze.where}

    def _watch_pause(self, argument: str) -> Facts | None:
        pauses = [
            p for p in self.window.monitor.pauses if p.started + p.duration_s >= self._step_started
        ]
        if not pauses:
            return None
        return {"duration": pauses[-1].duration_s, "where": pauses[-1].where}

    def _watch_run(self, argument: str) -> Facts | None:
        """The target was clicked and has come back enabled: the run it started ended.
        Facts: its wall time and the loop's lag meanwhile (and the text of a label)."""
        target = self.target()
        if not self._clicked or target is None:
            return None
        if not target.isEnabled():
            self._seen_enabled_off = True
            return None
        if not self._seen_enabled_off and time.perf_counter() - self._since < 0.3:
            return None
        if self._busy():
            return None
        stats = self.window.monitor.stats_since(self._since)
        facts: Facts = {
            "seconds": time.perf_counter() - self._since,
            "lag_max": stats.max_ms,
            "lag_p99": stats.p99_ms,
        }
        if argument:
            facts.update(self._result(self._label(argument)))
        return facts

    def _watch_label(self, argument: str) -> Facts | None:
        """A label changed after the click and then settled: its text is the takeaway's
        {text}. A text ending in "…" ("running…") is no result, however long it stays (on a
        busy machine two requests can take longer than LABEL_SETTLE_S). A label that keeps
        changing (a live rate) counts once it has changed for LABEL_SETTLE_MAX_S."""
        label = self._label(argument)
        if not self._clicked or label is None:
            return None
        text = plain_text(label.text())
        now = time.perf_counter()
        if text == self._label_before or text.endswith("…"):  # "running…" is no result yet
            return None
        if self._busy():  # still running: whatever the label says now is not the result
            self._label_seen, self._label_changed_at = None, 0.0
            return None
        if text != self._label_seen:
            self._label_seen, self._label_seen_at = text, now
            self._label_changed_at = self._label_changed_at or now
        settled = now - self._label_seen_at >= LABEL_SETTLE_S
        if settled or now - self._label_changed_at >= LABEL_SETTLE_MAX_S:
            return self._result(label)
        return None

    WATCHES: ClassVar[dict[str, Callable[[Tour, str], Facts | None]]] = {
        "click": _watch_click,
        "freeze": _watch_freeze,
        "pause": _watch_pause,
        "run": _watch_run,
        "label": _watch_label,
    }

    def takeaway(self) -> str:
        """The step's takeaway with this run's numbers, or "" before it happened."""
        step = self.steps[self.index]
        if self._facts is None or not step.takeaway:
            return ""
        try:
            return string.Formatter().vformat(step.takeaway, (), _Lenient(self._facts))
        except (ValueError, KeyError):
            return step.takeaway

    def _show(self) -> None:
        step = self.steps[self.index]
        self.panel.heading.setText(f"<b>{self.position()}: {step.title}</b>")
        following = self.steps[self.index + 1] if self.index + 1 < len(self.steps) else None
        chapter_next = following is not None and following.chapter != step.chapter
        text = step.text
        if self._facts is not None and step.takeaway:
            text += f"\n\n---\n\n**Takeaway:** {self.takeaway()}"
        elif self._facts is None and step.watch != "none":
            text += "\n\n*Waiting for it to happen…*"
        if (
            chapter_next
            and following is not None
            and (self._facts is not None or not step.takeaway)
        ):
            count = sum(1 for later in self.steps if later.chapter == following.chapter)
            text += (
                f"\n\n---\n\nThe lecture ends here. **{following.chapter} ▶** goes on with"
                f" {count} questions learners ask next; **Leave tour** ends it."
            )
        self.panel.text.setMarkdown(text)
        if self._facts is not None and step.takeaway:
            access.announce(self.panel.text, f"Takeaway: {access.plain(self.takeaway())}")
        self.panel.back_button.setEnabled(self.index > 0)
        self.panel.next_button.setEnabled(following is not None)
        self.panel.next_button.setText(
            f"{following.chapter} ▶" if chapter_next and following is not None else "Next ▶"
        )
        start = self.chapter_start()
        self.panel.chapter_button.setVisible(start is not None and self.index < start)
        self.changed.emit()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        """PageDown/PageUp (presenter remotes) and Right/Left outside text fields, as they
        reach the window."""
        if event.type() != QtCore.QEvent.Type.KeyPress or not self.active:
            return False
        if not isinstance(event, QtGui.QKeyEvent):
            return False
        key = event.key()
        focus = QtWidgets.QApplication.focusWidget()
        arrows_free = not isinstance(focus, TEXT_INPUTS)
        is_page = key in (QtCore.Qt.Key.Key_PageDown, QtCore.Qt.Key.Key_PageUp)
        popup = QtWidgets.QApplication.activePopupWidget()
        if popup is not None and key in ADVANCE_KEYS | RETREAT_KEYS:
            popup.close()  # the History popup, a menu: a tour key moves on, they close
            arrows_free = True
        if key in ADVANCE_KEYS and (is_page or arrows_free):
            self.next()
            return True
        if key in RETREAT_KEYS and (is_page or arrows_free):
            self.back()
            return True
        return False


def reveal(widget: QtWidgets.QWidget, bottom: bool = False) -> None:
    """Make `widget` visible: switch the tabs it sits in, scroll its scroll area to it
    (to its bottom edge if `bottom`: where a chart draws its latest run)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QTabWidget):
            for index in range(parent.count()):
                page = parent.widget(index)
                if page is widget or (page is not None and page.isAncestorOf(widget)):
                    parent.setCurrentIndex(index)
        if isinstance(parent, QtWidgets.QScrollArea):
            parent.ensureWidgetVisible(widget)
            content = parent.widget()
            if bottom and content is not None:
                corner = widget.mapTo(content, QtCore.QPoint(0, widget.height()))
                parent.ensureVisible(corner.x(), corner.y(), 0, 10)
        parent = parent.parentWidget()


class _Labels(dict[str, str]):
    """{label[name]} in a takeaway: the plain text of the step's panel's label `name`."""

    def __init__(self, tour: Tour) -> None:
        super().__init__()
        for name in re.findall(r"\{label\[(\w+)\]", tour.steps[tour.index].takeaway):
            label = tour._label(name)
            self[name] = plain_text(label.text()) if label is not None else "?"

    def __missing__(self, key: str) -> str:
        return "?"


class _Lenient(dict[str, Any]):
    """Format facts; a missing one shows as "?" rather than breaking the takeaway."""

    def __missing__(self, key: str) -> str:
        return "?"
