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
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.explanations import explanation
from guidemo.widgets.kit import make_button, named
from guidemo.widgets.palette import HIGHLIGHT

if TYPE_CHECKING:
    from guidemo.ui.main_window import MainWindow

Facts = dict[str, Any]
PULSE_MS = 450
LABEL_SETTLE_S = 0.6  # a watched label is read once it has not changed for this long
LABEL_SETTLE_MAX_S = 3.0  # or this long after it first changed, if it keeps changing
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
            )
        )
    return steps


class TargetMarker(QtWidgets.QWidget):
    """A pulsing frame around the control to use now, drawn over the window."""

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setObjectName("tourMarker")
        self._target: QtWidgets.QWidget | None = None
        self._bright = True
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(PULSE_MS)
        self._timer.timeout.connect(self._pulse)
        self.hide()  # a child widget shows with its window unless told otherwise

    def follow(self, target: QtWidgets.QWidget | None) -> None:
        self._target = target
        if target is None:
            self._timer.stop()
            self.hide()
        else:
            self._timer.start()
            self._pulse()

    def _pulse(self) -> None:
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
        self._bright = not self._bright
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            color = QtGui.QColor("#ff8c00")
            color.setAlpha(255 if self._bright else 110)
            painter.setPen(QtGui.QPen(color, 4))
            painter.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)
        finally:
            painter.end()


class TourPanel(QtWidgets.QFrame):
    """objectName `tourPanel`: the step's text, its takeaway, and Back / Next / Restart."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tourPanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        tint = QtGui.QColor(HIGHLIGHT)
        rgba = f"rgba({tint.red()}, {tint.green()}, {tint.blue()}, 60)"
        self.setStyleSheet(f"QFrame#tourPanel {{ background: {rgba}; }}")
        self.heading = named(QtWidgets.QLabel(), "tourHeading", "The step of the tour")
        self.text = named(
            QtWidgets.QTextBrowser(), "tourText", "What to do now, what to watch, and the takeaway"
        )
        self.text.setOpenExternalLinks(True)
        self.back_button = make_button("◀ Back", "tourBack", "The previous step (Left, PageUp)")
        self.next_button = make_button("Next ▶", "tourNext", "The next step (Right, PageDown)")
        self.restart_button = make_button("Restart", "tourRestart", "Start the tour again")
        self.close_button = make_button("Leave tour", "tourClose", "Close the tour (the app stays)")
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restart_button)
        buttons.addWidget(self.close_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)


class Tour(QtCore.QObject):
    """Walks the learner through the steps; `window.tour`."""

    changed = QtCore.Signal()  # a step was entered or its observation happened

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.steps = parse_tour(explanation("tour"))
        self.index = 0
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
        self.panel.close_button.clicked.connect(self.stop)
        self.marker = TargetMarker(window)
        self._watch_timer = QtCore.QTimer(self)
        self._watch_timer.setInterval(100)
        self._watch_timer.timeout.connect(self._check)
        self._connected: QtWidgets.QAbstractButton | None = None

    # --- the stable interface -------------------------------------------------------------
    def start(self) -> None:
        """Open the tour where the learner left it (or at the first step)."""
        saved = self.window.settings.value("tourStep", 0)
        self.active = True
        self.window.show_tour_panel(True)
        QtWidgets.QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        self._watch_timer.start()
        index = int(str(saved)) if str(saved).isdigit() else 0
        self.go(index if index < len(self.steps) else 0)

    def stop(self) -> None:
        """Leave the tour; the app stays as it is, with no control locked."""
        self.active = False
        self._watch_timer.stop()
        self.marker.follow(None)
        self._disconnect_target()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.window.show_tour_panel(False)

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
        if target is not None:
            reveal(target)
        if isinstance(target, QtWidgets.QAbstractButton):
            target.clicked.connect(self._on_target_clicked)
            self._connected = target
        self.marker.follow(target)
        self._show()

    def _apply_preset(self, step: Step) -> None:
        panel = self.window.panel(step.panel)
        for name, value in step.preset.items():
            widget = panel.findChild(QtWidgets.QWidget, name)
            if isinstance(widget, QtWidgets.QSpinBox):
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
        return re.sub(r"<[^>]+>", "", label.text()) if label is not None else None

    def _label(self, name: str) -> QtWidgets.QLabel | None:
        """The step's panel's label `name` (objectNames repeat across panels)."""
        panel = self.window.panel(self.steps[self.index].panel)
        return panel.findChild(QtWidgets.QLabel, name) or self.window.findChild(
            QtWidgets.QLabel, name
        )

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

    # Each watch returns the facts for the takeaway once its thing has happened, else None.
    def _watch_click(self, argument: str) -> Facts | None:
        return {} if self._clicked else None

    def _watch_freeze(self, argument: str) -> Facts | None:
        # Since the step began, not since the click: a click handler that freezes runs
        # before the tour hears of the click.
        freezes = [
            f
            for f in self.window.monitor.freezes
            if f.started + f.duration_s >= self._step_started and not f.own
        ]
        if not self._clicked or not freezes:
            return None
        freeze = freezes[-1]
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
        stats = self.window.monitor.stats_since(self._since)
        facts: Facts = {
            "seconds": time.perf_counter() - self._since,
            "lag_max": stats.max_ms,
            "lag_p99": stats.p99_ms,
        }
        if argument:
            label = self._label(argument)
            facts["text"] = re.sub(r"<[^>]+>", "", label.text()) if label else ""
        return facts

    def _watch_label(self, argument: str) -> Facts | None:
        """A label changed after the click and then settled: its text is the takeaway's
        {text}. A text ending in "…" ("running…") is no result, however long it stays (on a
        busy machine two requests can take longer than LABEL_SETTLE_S). A label that keeps
        changing (a live rate) counts once it has changed for LABEL_SETTLE_MAX_S."""
        label = self._label(argument)
        if not self._clicked or label is None:
            return None
        text = re.sub(r"<[^>]+>", "", label.text())
        now = time.perf_counter()
        if text == self._label_before or text.endswith("…"):  # "running…" is no result yet
            return None
        if text != self._label_seen:
            self._label_seen, self._label_seen_at = text, now
            self._label_changed_at = self._label_changed_at or now
        settled = now - self._label_seen_at >= LABEL_SETTLE_S
        if settled or now - self._label_changed_at >= LABEL_SETTLE_MAX_S:
            return {"text": text}
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
        self.panel.heading.setText(
            f"<b>Tour {self.index + 1} / {len(self.steps)}: {step.title}</b>"
        )
        text = step.text
        if self._facts is not None and step.takeaway:
            text += f"\n\n---\n\n**Takeaway:** {self.takeaway()}"
        elif self._facts is None and step.watch != "none":
            text += "\n\n*Waiting for it to happen…*"
        self.panel.text.setMarkdown(text)
        self.panel.back_button.setEnabled(self.index > 0)
        self.panel.next_button.setEnabled(self.index < len(self.steps) - 1)
        self.changed.emit()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        """PageDown/PageUp (presenter remotes) and Right/Left outside text fields."""
        if event.type() != QtCore.QEvent.Type.KeyPress or not self.active:
            return False
        if not isinstance(event, QtGui.QKeyEvent):
            return False
        key = event.key()
        focus = QtWidgets.QApplication.focusWidget()
        arrows_free = not isinstance(focus, TEXT_INPUTS)
        is_page = key in (QtCore.Qt.Key.Key_PageDown, QtCore.Qt.Key.Key_PageUp)
        if key in ADVANCE_KEYS and (is_page or arrows_free):
            self.next()
            return True
        if key in RETREAT_KEYS and (is_page or arrows_free):
            self.back()
            return True
        return False


def reveal(widget: QtWidgets.QWidget) -> None:
    """Make `widget` visible: switch the tabs it sits in, scroll its scroll area to it."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QTabWidget):
            for index in range(parent.count()):
                page = parent.widget(index)
                if page is widget or (page is not None and page.isAncestorOf(widget)):
                    parent.setCurrentIndex(index)
        if isinstance(parent, QtWidgets.QScrollArea):
            parent.ensureWidgetVisible(widget)
        parent = parent.parentWidget()


class _Lenient(dict[str, Any]):
    """Format facts; a missing one shows as "?" rather than breaking the takeaway."""

    def __missing__(self, key: str) -> str:
        return "?"
