"""The always-visible HUD: heartbeat, loop lag, a lag plot, and the last freeze."""

from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.monitor import WINDOW_S, Freeze, LoopMonitor

FRAME_MS = 200  # the heartbeat: 5 frames a second shows it beating and costs little
FRAMES_PER_REDRAW = 3  # numbers and plot change about twice a second: readable, and cheap
HEARTBEAT_STEPS = 5  # frames per pulse: one pulse a second
MIN_Y_MS = 20.0  # the lag plot's smallest y range


class Heartbeat(QtWidgets.QWidget):
    """A dot that pulses once per second, advanced by a timer of the event loop.

    When the loop is blocked no timer runs, so the pulse visibly stops.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heartbeat")
        self.setFixedSize(28, 28)
        # It paints its whole rectangle, so Qt need not repaint what lies beneath it
        # five times a second: a measurable part of the app's idle CPU.
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("Pulses while the event loop runs; stops when the loop is blocked")
        self._phase = 0

    def beat(self) -> None:
        self._phase = (self._phase + 1) % HEARTBEAT_STEPS
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())  # opaque: see __init__
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        pulse = abs(HEARTBEAT_STEPS / 2 - self._phase) / (HEARTBEAT_STEPS / 2)  # 1 -> 0 -> 1
        radius = 5 + 7 * (1 - pulse)
        color = QtGui.QColor(220, 40, 60)
        color.setAlphaF(0.45 + 0.55 * (1 - pulse))
        painter.setBrush(color)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.drawEllipse(QtCore.QPointF(14, 14), radius, radius)


class LagSparkline(QtWidgets.QWidget):
    """Loop lag over the last 10 s as one polyline.

    A whole plotting library redrawn twice a second cost more CPU than the rest of the
    HUD together; a HUD must stay cheap, so this one draws a single QPainter path.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lagPlot")
        self.setToolTip("Loop lag in ms over the last 10 s (the scale adapts to the worst lag)")
        self.setFixedHeight(56)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)  # as Heartbeat
        self.setMinimumWidth(260)
        self._samples: list[tuple[float, float]] = []
        self._y_max = MIN_Y_MS

    def set_samples(self, samples: list[tuple[float, float]]) -> None:
        self._samples = samples
        worst = max((lag for _, lag in samples), default=0.0)
        self._y_max = max(MIN_Y_MS, worst * 1.1)
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())  # opaque: see __init__
        width, height = self.width() - 1, self.height() - 14
        painter.setPen(QtGui.QColor(150, 150, 150))
        painter.drawRect(0, 0, width, height)
        painter.drawText(4, height + 12, f"0-{self._y_max:.0f} ms, last {WINDOW_S:.0f} s")
        if not self._samples:
            return
        now = time.perf_counter()
        points = [
            QtCore.QPointF(
                width * (1 - (now - when) / WINDOW_S), height * (1 - min(lag / self._y_max, 1))
            )
            for when, lag in self._samples
        ]
        painter.setPen(QtGui.QPen(QtGui.QColor(40, 110, 220), 1.5))
        painter.drawPolyline(points)


class Hud(QtWidgets.QFrame):
    """Shows what the LoopMonitor measures; costs a few repaints a second."""

    def __init__(
        self, monitor: LoopMonitor, loop_name: str, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("hud")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.monitor = monitor

        self.heartbeat = Heartbeat()
        self.lag_label = QtWidgets.QLabel("lag —")
        self.lag_label.setObjectName("lagLabel")
        self.lag_label.setToolTip(
            "How late the loop runs a 50 ms timer: now, and the 99th percentile of the last 10 s"
        )
        self.lag_label.setMinimumWidth(230)
        self.freeze_label = QtWidgets.QLabel("No freeze yet")
        self.freeze_label.setObjectName("freezeLabel")
        self.freeze_label.setToolTip(
            "The last time the GUI thread was blocked for over 100 ms, and where it was stuck"
        )
        self.freeze_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        loop_label = QtWidgets.QLabel(f"loop: <b>{loop_name}</b>")
        loop_label.setObjectName("loopLabel")
        loop_label.setToolTip("The event loop the app runs on (guidemo's own, or stock qasync)")

        self.plot = LagSparkline()
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self.heartbeat)
        layout.addWidget(self.lag_label)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.freeze_label, 2)
        layout.addWidget(loop_label)

        monitor.freezeDetected.connect(self._on_freeze)
        self._frame = 0
        self._refresh = QtCore.QTimer(self)
        self._refresh.setInterval(FRAME_MS)
        self._refresh.timeout.connect(self._next_frame)
        self._refresh.start()

    def _next_frame(self) -> None:
        self.heartbeat.beat()
        self._frame += 1
        if self._frame % FRAMES_PER_REDRAW == 0:
            self._redraw()

    def _redraw(self) -> None:
        samples = self.monitor.recent_lags()
        if not samples:
            return
        stats = self.monitor.stats()
        self.lag_label.setText(
            f"lag <b>{samples[-1][1]:5.1f} ms</b> &nbsp; p99 (10 s) <b>{stats.p99_ms:.1f} ms</b>"
        )
        self.plot.set_samples(samples)

    def _on_freeze(self, freeze: Freeze) -> None:
        clock = time.strftime("%H:%M:%S")
        self.freeze_label.setText(
            f"<span style='color:#b00020'><b>UI frozen {freeze.duration_s:.2f} s</b></span>"
            f" in {freeze.where} &nbsp;<span style='color:#777'>at {clock}</span>"
        )
