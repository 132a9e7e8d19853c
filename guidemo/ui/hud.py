"""The always-visible HUD: heartbeat, loop lag, a lag plot, and the last freeze."""

from __future__ import annotations

import time
from collections import deque

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.monitor import WINDOW_S, Freeze, LoopMonitor

LABEL_REFRESH_MS = 250  # numbers change 4 times a second: readable, and cheap
HEARTBEAT_STEPS = 24


class Heartbeat(QtWidgets.QWidget):
    """A dot that pulses once per second, advanced only by the event loop's own probe.

    When the loop is blocked the probe does not run, so the pulse visibly stops.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heartbeat")
        self.setFixedSize(28, 28)
        self.setToolTip("Pulses while the event loop runs; stops when the loop is blocked")
        self._phase = 0

    def beat(self) -> None:
        self._phase = (self._phase + 1) % HEARTBEAT_STEPS
        if self._phase % 2 == 0:  # 20 frames a second is smooth enough
            self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        pulse = abs(HEARTBEAT_STEPS / 2 - self._phase) / (HEARTBEAT_STEPS / 2)  # 1 -> 0 -> 1
        radius = 5 + 7 * (1 - pulse)
        color = QtGui.QColor(220, 40, 60)
        color.setAlphaF(0.45 + 0.55 * (1 - pulse))
        painter.setBrush(color)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.drawEllipse(QtCore.QPointF(14, 14), radius, radius)


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
            "How late the loop runs a 25 ms timer: now, and the 99th percentile of the last 10 s"
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

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("lagPlot")
        self.plot.setToolTip("Loop lag in ms over the last 10 s")
        self.plot.setBackground(None)
        self.plot.setFixedHeight(64)
        self.plot.setMinimumWidth(260)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideAxis("bottom")
        self.plot.getPlotItem().getAxis("left").setWidth(34)
        self.plot.setXRange(-WINDOW_S, 0, padding=0)
        self.curve = self.plot.plot(pen=pg.mkPen((40, 110, 220), width=1.5))

        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self.heartbeat)
        layout.addWidget(self.lag_label)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.freeze_label, 2)
        layout.addWidget(loop_label)

        self._samples: deque[tuple[float, float]] = deque()
        self._last_lag_ms = 0.0
        monitor.lagSampled.connect(self._on_lag)
        monitor.freezeDetected.connect(self._on_freeze)
        self._refresh = QtCore.QTimer(self)
        self._refresh.setInterval(LABEL_REFRESH_MS)
        self._refresh.timeout.connect(self._redraw)
        self._refresh.start()

    def _on_lag(self, lag_ms: float) -> None:
        now = time.perf_counter()
        self._samples.append((now, lag_ms))
        while self._samples[0][0] < now - WINDOW_S:
            self._samples.popleft()
        self._last_lag_ms = lag_ms
        self.heartbeat.beat()

    def _redraw(self) -> None:
        stats = self.monitor.stats()
        self.lag_label.setText(
            f"lag <b>{self._last_lag_ms:5.1f} ms</b> &nbsp; p99 (10 s) <b>{stats.p99_ms:.1f} ms</b>"
        )
        if self._samples:
            now = time.perf_counter()
            self.curve.setData([t - now for t, _ in self._samples], [v for _, v in self._samples])

    def _on_freeze(self, freeze: Freeze) -> None:
        clock = time.strftime("%H:%M:%S")
        self.freeze_label.setText(
            f"<span style='color:#b00020'><b>UI frozen {freeze.duration_s:.2f} s</b></span>"
            f" in {freeze.where} &nbsp;<span style='color:#777'>at {clock}</span>"
        )
