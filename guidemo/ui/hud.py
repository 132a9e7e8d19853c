"""The always-visible HUD: heartbeat, loop lag, a lag plot, the last freeze and its history.

It must stay cheap (it runs all the time) and honest: the banner shows the last freeze
the *learner* caused; guidemo's own short stalls (building a view, say) go to the
history, marked as such, and never replace it.
"""

from __future__ import annotations

import contextlib
import html
import tempfile
import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.freeze_report import report_data, save_report
from guidemo.monitor import WINDOW_S, Freeze, LoopMonitor, Pause
from guidemo.stats import percentile
from guidemo.widgets import access, palette
from guidemo.widgets.kit import make_button, named
from guidemo.widgets.palette import BANNER_POINTS

FRAMES_PER_REDRAW = 10  # numbers and plot change once a second: readable, and cheap
HEARTBEAT_STEPS = 10  # frames per pulse: one pulse a second
MIN_Y_MS = 20.0  # the lag plot's smallest y range
HISTORY_SHOWN = 10
RECENT_FREEZE_S = 10.0  # the heartbeat's description tells of a freeze this long after it
Event = Freeze | Pause


class Heartbeat(QtWidgets.QWidget):
    """A dot that pulses once per second, moved by the loop's own lag probe.

    When the loop is blocked no timer runs, so the pulse stops within a frame (100 ms).
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heartbeat")
        self.setFixedSize(28, 28)
        # It paints its whole rectangle, so Qt need not repaint what lies beneath it.
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("Pulses while the event loop runs; stops when the loop is blocked")
        self.setAccessibleName("Event loop heartbeat")
        self.setAccessibleDescription("event loop alive")
        self._phase = 0
        self._frames: list[QtGui.QPixmap] = []
        self._frames_background = 0

    def apply_theme(self) -> None:
        self._frames = []  # drawn again on the theme's background
        self.update()

    def beat(self) -> None:
        self._phase = (self._phase + 1) % HEARTBEAT_STEPS
        self.update()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self._frames = []  # drawn again at the new size (zoom)
        super().resizeEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        """Ten frames a second, all the time: each is a picture drawn once, then copied."""
        background = self.palette().window().color().rgb()
        if not self._frames or background != self._frames_background:
            # Drawn again on a new background: a theme switch, or the palette reaching this
            # widget only after its first paint (seen when the window starts in dark).
            self._frames_background = background
            self._frames = [self._draw_frame(phase) for phase in range(HEARTBEAT_STEPS)]
        painter = QtGui.QPainter(self)
        try:
            painter.drawPixmap(0, 0, self._frames[self._phase])
        finally:
            painter.end()  # never left active, whatever happens mid-paint

    def _draw_frame(self, phase: int) -> QtGui.QPixmap:
        frame = QtGui.QPixmap(self.size())
        frame.fill(self.palette().window().color())
        painter = QtGui.QPainter(frame)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            pulse = abs(HEARTBEAT_STEPS / 2 - phase) / (HEARTBEAT_STEPS / 2)  # 1 -> 0 -> 1
            scale = min(self.width(), self.height()) / 28
            radius = (5 + 7 * (1 - pulse)) * scale
            color = QtGui.QColor(palette.CURRENT.bad)
            color.setAlphaF(0.45 + 0.55 * (1 - pulse))
            painter.setBrush(color)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.drawEllipse(QtCore.QPointF(self.width() / 2, self.height() / 2), radius, radius)
        finally:
            painter.end()
        return frame


class LagSparkline(QtWidgets.QWidget):
    """Loop lag over the last 10 s as one polyline.

    A whole plotting library redrawn twice a second cost more CPU than the rest of the
    HUD together; a HUD must stay cheap, so this one draws a single QPainter path.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lagPlot")
        self.setToolTip("Loop lag in ms over the last 10 s (the scale adapts to the worst lag)")
        self.setAccessibleName("Loop lag over the last 10 s")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumWidth(160)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self._samples: list[tuple[float, float]] = []
        self._y_max = MIN_Y_MS

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(260, self.fontMetrics().height() * 4)

    def set_samples(self, samples: list[tuple[float, float]]) -> None:
        self._samples = samples
        worst = max((lag for _, lag in samples), default=0.0)
        self._y_max = max(MIN_Y_MS, worst * 1.1)
        if samples:  # once a second: the words follow the picture
            latest = samples[-1][1]
            self.setAccessibleDescription(f"latest {latest:.0f} ms, worst {worst:.0f} ms")
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QtGui.QPainter) -> None:
        painter.fillRect(self.rect(), self.palette().window())
        text_h = self.fontMetrics().height()
        width, height = self.width() - 1, self.height() - text_h - 2
        painter.setPen(QtGui.QColor(palette.CURRENT.muted))
        painter.drawRect(0, 0, width, height)
        painter.drawText(4, self.height() - 3, f"0-{self._y_max:.0f} ms, last {WINDOW_S:.0f} s")
        if not self._samples:
            return
        now = time.perf_counter()
        points = [
            QtCore.QPointF(
                width * (1 - (now - when) / WINDOW_S), height * (1 - min(lag / self._y_max, 1))
            )
            for when, lag in self._samples
        ]
        lag_color = palette.SKY_BLUE if palette.CURRENT.dark else palette.BLUE
        painter.setPen(QtGui.QPen(QtGui.QColor(*lag_color), 1.5))
        painter.drawPolyline(points)


def describe_event(event: Event) -> str:
    """One line of plain text: "UI frozen 2.00 s in slow_sleep() (jobs.py:19)"."""
    if isinstance(event, Pause):
        return f"asyncio paused {event.duration_s:.2f} s by {event.where}"
    return f"UI frozen {event.duration_s:.2f} s in {event.where}{busy_machine(event)}"


# A freeze says the machine was busy when it waited this share of it (and 50 ms) for a CPU.
BUSY_SHARE, BUSY_MIN_S = 0.25, 0.05


def busy_machine(freeze: Freeze) -> str:
    """ " (0.31 s of it waiting for a CPU: the machine was busy)", when that is a real
    part of it: the same code takes longer while other programs have the CPUs."""
    if freeze.cpu_wait_s < max(BUSY_MIN_S, BUSY_SHARE * freeze.duration_s):
        return ""
    return f" ({freeze.cpu_wait_s:.2f} s of it waiting for a CPU: the machine was busy)"


def profile_text(freeze: Freeze, limit: int = 3) -> str:
    """ "92% slow_sleep <- run_in_click_handler; 8% ...": where the time went."""
    return "; ".join(f"{share:.0%} {path}" for path, share in freeze.profile[:limit])


CLOSING_KEYS = {
    QtCore.Qt.Key.Key_Escape,
    QtCore.Qt.Key.Key_PageDown,
    QtCore.Qt.Key.Key_PageUp,
    QtCore.Qt.Key.Key_Left,
    QtCore.Qt.Key.Key_Right,
}  # the tour's keys close the history, like Escape


class FreezeHistory(QtWidgets.QFrame):
    """The last freezes and pauses, newest first: when, panel, what, where the time went."""

    COLUMNS = ("when", "panel", "what", "where the time went")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, QtCore.Qt.WindowType.Popup)
        self.setObjectName("freezeHistoryPopup")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.tree = named(
            QtWidgets.QTreeWidget(),
            "freezeHistoryList",
            "The last freezes and pauses, newest first; guidemo's own stalls are greyed",
        )
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        """A popup has the keyboard: the window's shortcuts (Ctrl+Q) must still work, and
        the keys that move a tour on close it."""
        pressed = QtGui.QKeySequence(event.keyCombination())
        owner = self.parentWidget()
        for action in owner.window().findChildren(QtGui.QAction) if owner is not None else []:
            if action.isEnabled() and pressed in action.shortcuts():
                self.close()
                action.trigger()
                return
        if event.key() in CLOSING_KEYS:
            self.close()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        """A click outside closes the popup, and a button under it is pressed too: with the
        tour open, one click on Next moves on (Qt's popup swallowed that click)."""
        if self.rect().contains(event.position().toPoint()):
            super().mousePressEvent(event)
            return
        self.close()
        owner = self.parentWidget()
        if owner is None:
            return
        window = owner.window()
        under = window.childAt(window.mapFromGlobal(event.globalPosition().toPoint()))
        opener = getattr(owner, "history_button", None)
        if (
            isinstance(under, QtWidgets.QAbstractButton)
            and under.isEnabled()
            and under is not opener
        ):
            under.click()

    def show_events(self, events: list[Event]) -> None:
        self.tree.clear()
        for event in events[:HISTORY_SHOWN]:
            own = isinstance(event, Freeze) and event.own
            what = describe_event(event) + ("  (guidemo's own)" if own else "")
            detail = profile_text(event) if isinstance(event, Freeze) else event.where
            item = QtWidgets.QTreeWidgetItem(
                [time.strftime("%H:%M:%S", time.localtime(event.at)), event.panel, what, detail]
            )
            if own:
                for column in range(len(self.COLUMNS)):
                    item.setForeground(column, QtGui.QColor(palette.MUTED))
            item.setToolTip(3, profile_text(event, 10) if isinstance(event, Freeze) else detail)
            self.tree.addTopLevelItem(item)
        if not events:
            self.tree.addTopLevelItem(QtWidgets.QTreeWidgetItem(["", "", "No freeze yet", ""]))
        for column in range(3):
            self.tree.resizeColumnToContents(column)


class Hud(QtWidgets.QFrame):
    """Shows what the LoopMonitor measures; costs a few small repaints a second."""

    def __init__(
        self, monitor: LoopMonitor, loop_name: str, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("hud")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.monitor = monitor
        self.loop_name = loop_name
        self.report_dir = Path.home() / "guidemo-reports"  # where exportFreezesButton saves
        self.fallback_dir = Path(tempfile.gettempdir()) / "guidemo-reports"  # if it cannot
        self.events: list[Event] = []  # newest first

        self.heartbeat = Heartbeat()
        self.lag_label = named(
            QtWidgets.QLabel("lag —"),
            "lagLabel",
            "How late the loop runs its 100 ms probe timer: now, and the 99th percentile of the "
            "last 10 s",
        )
        self.lag_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.lag_label.setAutoFillBackground(True)  # opaque: the HUD beneath is not repainted
        self.freeze_label = named(
            QtWidgets.QLabel("No freeze yet"),
            "freezeLabel",
            "The last time your code blocked the GUI thread (over 100 ms) or held asyncio, "
            "and where",
        )
        self.freeze_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.freeze_label.setWordWrap(True)
        self.history_button = named(
            QtWidgets.QToolButton(),
            "freezeHistory",
            "The last 10 freezes and pauses: when, which panel, where the time went (Ctrl+H)",
        )
        self.history_button.setText("History")
        self.history_button.clicked.connect(self.show_history)
        self.history = FreezeHistory(self)
        self.export_button = make_button(
            "Save report",
            "exportFreezesButton",
            "Save the freeze history with profiles, versions and the lag series "
            "as Markdown (and JSON beside it), to attach to a question (Ctrl+Shift+S)",
            self.export_report,
        )
        loop_label = named(
            QtWidgets.QLabel(f"loop: <b>{loop_name}</b>"),
            "loopLabel",
            "The event loop the app runs on (guidemo's own, or stock qasync)",
        )

        self.plot = LagSparkline()
        # Two rows: the live numbers and the buttons on top, the freeze banner below it,
        # the whole width, big enough to read from the back of a room.
        top = self._top = QtWidgets.QHBoxLayout()
        top.addWidget(self.heartbeat)
        top.addWidget(self.lag_label)
        top.addWidget(self.plot, 1)
        top.addWidget(self.history_button)
        top.addWidget(self.export_button)
        top.addWidget(loop_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.freeze_label)
        self._fit_lag_label()

        monitor.freezeDetected.connect(self._on_event)
        monitor.pauseDetected.connect(self._on_event)
        monitor.probe_listeners.append(self._on_probe)
        self._probes = 0
        self._shown_lag_text = ""
        self._recent_freeze: tuple[float, str] | None = None  # (time.monotonic(), spoken)
        self._on_screen = False  # shown, and its window not minimised (see showEvent)

    def detach(self) -> None:
        """Stop listening to the monitor (it may outlive this HUD)."""
        if self._on_probe in self.monitor.probe_listeners:
            self.monitor.probe_listeners.remove(self._on_probe)
        for signal, slot in ((self.monitor.freezeDetected, self._on_event),
                             (self.monitor.pauseDetected, self._on_event)):  # fmt: skip
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def add_button(self, button: QtWidgets.QAbstractButton) -> None:
        """A window-level button beside the HUD's own (the tour's)."""
        self._top.insertWidget(self._top.indexOf(self.history_button), button)

    def _fit_lag_label(self) -> None:
        """A fixed width: a changing number must not re-lay out the whole HUD."""
        bold = QtGui.QFont(QtWidgets.QApplication.font())
        bold.setBold(True)
        sample = "lag 999.9 ms   p99 (10 s) 9999.9 ms"
        metrics = QtGui.QFontMetrics(bold)
        # Fixed in both directions: then its setText asks for no layout pass at all.
        self.lag_label.setFixedSize(metrics.horizontalAdvance(sample) + 8, metrics.height() + 4)
        self.plot.setFixedHeight(QtGui.QFontMetrics(QtWidgets.QApplication.font()).height() * 3)
        side = 2 * metrics.height()  # grows with the zoom as the text does: seen from the back
        self.heartbeat.setFixedSize(side, side)

    def set_zoom(self, zoom: float) -> None:
        """The freeze banner: BANNER_POINTS times the zoom, read from the back of a room."""
        font = QtGui.QFont(QtWidgets.QApplication.font())
        font.setPointSizeF(BANNER_POINTS * zoom)
        self.freeze_label.setFont(font)
        self._fit_lag_label()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit_lag_label()
        super().changeEvent(event)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self._on_screen = True  # also sent (spontaneous) when the window is restored
        super().showEvent(event)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self._on_screen = False  # also sent (spontaneous) when the window is minimised
        super().hideEvent(event)

    def _on_probe(self) -> None:
        """Called on every lag probe (10 a second); draws only what is on screen.

        An idle app runs little else, so each call into Qt here is a cost (about 25 µs
        each with cold caches, measured): the show/hide events keep `_on_screen`, rather
        than asking Qt three questions ten times a second.
        """
        self._probes += 1
        if not self._on_screen:
            return
        self.heartbeat.beat()
        if self._probes % FRAMES_PER_REDRAW == 0:
            self._redraw()

    def _redraw(self) -> None:
        samples = self.monitor.recent_lags()
        if not samples:
            return
        p99 = percentile([lag for _, lag in samples], 0.99)
        text = f"lag {samples[-1][1]:.1f} ms   p99 (10 s) {p99:.1f} ms"  # plain text: cheap
        if text != self._shown_lag_text:
            self._shown_lag_text = text
            self.lag_label.setText(text)
            self._describe_heartbeat(samples[-1][1])
        self.plot.set_samples(samples)

    def _on_event(self, event: Event) -> None:
        self.events.insert(0, event)
        del self.events[HISTORY_SHOWN * 10 :]
        self.history_button.setText(f"History ({len(self.events)})")
        if isinstance(event, Freeze) and event.own:
            return  # guidemo's own stall: in the history, never on the banner
        clock = time.strftime("%H:%M:%S", time.localtime(event.at))
        if isinstance(event, Pause):
            headline, where = f"asyncio paused {event.duration_s:.2f} s", f"by {event.where}"
        else:
            headline = f"UI frozen {event.duration_s:.2f} s"
            where = f"in {event.where}{busy_machine(event)}"
        self.freeze_label.setText(
            f"<span style='color:{palette.BAD}'><b>{headline}</b></span> {html.escape(where)}"
            f" &nbsp;<span style='color:{palette.MUTED}'>at {clock}</span>"
        )
        spoken = f"{headline} {where}"
        self.freeze_label.setAccessibleName(spoken)
        self._recent_freeze = (time.monotonic(), spoken)
        samples = self.monitor.recent_lags()
        self._describe_heartbeat(samples[-1][1] if samples else 0.0)
        access.announce(self.freeze_label, spoken)
        if isinstance(event, Freeze) and event.profile:
            self.freeze_label.setToolTip(f"Where the time went: {profile_text(event, 10)}")

    def _describe_heartbeat(self, lag_ms: float) -> None:
        """ "event loop alive, lag 3 ms", and "; was frozen: UI frozen 0.40 s in ..." for
        RECENT_FREEZE_S after a freeze. The next redraw, a second later, used to say only
        the lag: a screen reader reading the heartbeat a moment after the freeze (or a test,
        beside a second suite) missed it."""
        said = f"event loop alive, lag {lag_ms:.0f} ms"
        if self._recent_freeze is not None:
            at, spoken = self._recent_freeze
            said += f"; was frozen: {spoken}" if time.monotonic() - at < RECENT_FREEZE_S else ""
        if self.heartbeat.accessibleDescription() != said:
            self.heartbeat.setAccessibleDescription(said)

    def show_history(self) -> None:
        """Open the history under its button (one click from the HUD), inside the window
        (at 1280x720 it ran off the screen's right edge), above the tour's band if it is
        open: the popup never covers the takeaway."""
        self.history.show_events(self.events)
        below = self.history_button.mapToGlobal(QtCore.QPoint(0, self.history_button.height()))
        height = 260
        band = self.window().findChild(QtWidgets.QWidget, "tourPanel")
        if band is not None and band.isVisible():
            band_top = band.mapToGlobal(QtCore.QPoint(0, 0)).y()
            height = max(120, min(height, band_top - below.y() - 4))
        window = self.window()
        left = window.mapToGlobal(QtCore.QPoint(0, 0)).x()
        width = min(max(640, self.width() // 2), window.width())
        x = max(left, min(below.x(), left + window.width() - width))
        self.history.resize(width, height)
        self.history.move(x, below.y())
        self.history.show()

    def export_report(self) -> Path | None:
        """Save the report to `report_dir` (else to `fallback_dir`) and say where on the
        button and in its tooltip; None if neither could be written."""
        stats = self.monitor.stats()
        data = report_data(self.loop_name, stats.freezes, stats.pauses, self.monitor.recent_lags())
        button = self.export_button
        try:
            path = save_report(self.report_dir, data)
        except OSError as error:
            problem = f"Could not write in {self.report_dir} ({error.strerror or error})"
            try:
                path = save_report(self.fallback_dir, data)
            except OSError as again:
                button.setText("Not saved ⚠")
                button.setToolTip(
                    f"{problem}, nor in {self.fallback_dir} ({again.strerror or again}). "
                    "Click to try again"
                )
                return None
            button.setText("Saved in temp ⚠")
            button.setToolTip(f"{problem}: saved {path} (and .json beside it) instead")
            QtWidgets.QToolTip.showText(button.mapToGlobal(QtCore.QPoint(0, 0)), button.toolTip())
            return path
        button.setToolTip(f"Saved {path} (and .json beside it); click to save again")
        button.setText("Saved ✓")
        QtCore.QTimer.singleShot(3000, button, lambda: button.setText("Save report"))
        return path
