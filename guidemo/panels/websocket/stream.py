"""The websocket panel's stream controls, built apart from what they do: connection and
talk rows, status, chart and log side by side, the push summary, the polling row.

No behaviour here: the panel connects the signals and feeds the views once per frame.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from PySide6 import QtWidgets
from yarl import URL

from guidemo.lessons.push import PUSH_PATH, RESTART_DOWNTIME_S
from guidemo.panels.section import Host, Section
from guidemo.panels.websocket.batcher import BAD_ROWS_PER_S, MAX_ROW, TICK_ROWS_PER_FRAME
from guidemo.widgets.colored_log import ColoredLog
from guidemo.widgets.kit import hsplit, label, make_button, named, row
from guidemo.widgets.palette import BLUE, ORANGE
from guidemo.widgets.rolling_plot import RollingPlot

PLOT_WINDOW_S = 5.0
LOG_LINES = 400
LOG_EVERY_S = 0.05


class StreamSection(Section):
    """Every stream control of the panel, with its objectName and tooltip."""

    title = "Push and poll"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        ws_url = URL(host.context.server_url).with_scheme("ws").with_path(PUSH_PATH)
        self.url_edit = named(
            QtWidgets.QLineEdit(str(ws_url)),
            "wsUrlEdit",
            "The WebSocket to connect to. Point it at a dead port (e.g. :9) to watch the "
            "reconnect backoff; polling uses the same host and port",
        )
        self.rate_spin = named(
            QtWidgets.QSpinBox(), "rateSpin", "How many ticks a second the server pushes (1 to 500)"
        )
        self.rate_spin.setRange(1, 500)
        self.rate_spin.setValue(20)
        self.rate_spin.setSuffix(" msg/s")
        self.rate_spin.setKeyboardTracking(False)
        self.connect_button = make_button(
            "Connect", "connectButton", "Open the WebSocket and show what the server pushes"
        )
        self.disconnect_button = make_button(
            "Disconnect", "disconnectButton", "Close the WebSocket and stop reconnecting"
        )
        self.message_edit = named(
            QtWidgets.QLineEdit("hello"), "messageEdit", "Text to send; the server echoes it back"
        )
        self.send_button = make_button(
            "Send", "sendButton", "Send the text; the echo appears in the log"
        )
        self.bad_button = make_button(
            'Send "bad"',
            "provokeBadButton",
            "Ask the server for one malformed message: it shows as an error row, the stream "
            "carries on",
        )
        self.restart_button = make_button(
            f"Restart server ({RESTART_DOWNTIME_S:g} s down)",
            "restartServerButton",
            "Stop the embedded server, keep it down a moment, start it again on the same port",
        )
        if host.context.server is None:
            self.restart_button.setEnabled(False)
            self.restart_button.setToolTip("No embedded server to restart in this window")
        self.status_label = label(
            "Not connected.",
            "wsStatusLabel",
            "The WebSocket's state, and the reconnect backoff",
            rich=True,
        )
        self.plot = named(
            RollingPlot(PLOT_WINDOW_S, (-1.1, 1.1), "seconds ago (server time)"),
            "wsPlot",
            "The server's value over the last 5 s as each way shows it: pushed (solid line) "
            "and polled (dots: the answers; dashed: what the screen shows until the next "
            "poll). The value jumps and spikes: polling misses what happens between polls",
        )
        # Okabe-Ito blue and orange (readable on both themes' backgrounds), and solid vs
        # dashed with dots: the two ways differ in shape too.
        self.push_curve = self.plot.line("pushed", BLUE, steps=True)
        self.poll_curve = self.plot.line("polled", ORANGE, steps=True, dashed=True)
        self.poll_dots = self.plot.dots(None, ORANGE)
        self.log = named(
            ColoredLog(LOG_LINES, MAX_ROW),
            "wsLog",
            "Messages received, newest last: a tick is #seq, value, and how long after the "
            f"server stamped it it arrived; errors in red. Every row is cut to {MAX_ROW} "
            f"characters; at most {BAD_ROWS_PER_S} bad messages a second and "
            f"{TICK_ROWS_PER_FRAME} ticks a frame are listed (the counts below include all)",
        )
        self.log.setPlaceholderText("Pushed messages appear here: #seq  value  delay")
        self.push_label = label(
            "push: —",
            "wsLatencyLabel",
            "Messages received, the delay from the server stamping a tick to the panel "
            "showing it, how old the value on screen is (sampled every frame, the same way "
            "as for polling), missed ticks, bad messages",
            rich=True,
        )
        self.poll_interval_spin = named(
            QtWidgets.QSpinBox(),
            "pollIntervalSpin",
            "How often to ask /api/tick for the newest value",
        )
        self.poll_interval_spin.setRange(10, 5000)
        self.poll_interval_spin.setSingleStep(50)
        self.poll_interval_spin.setValue(200)
        self.poll_interval_spin.setSuffix(" ms")
        self.poll_button = make_button(
            "Poll over HTTP", "pollButton", "Start or stop asking the server for the newest tick"
        )
        self.poll_button.setCheckable(True)
        self.poll_label = label(
            "poll: —",
            "pollLatencyLabel",
            "Requests made; how old the value on screen is between polls (sampled every "
            "frame, on the same clock as push); how many of the ticks a WebSocket at the "
            "same rate gets polling never saw",
            rich=True,
        )
        self._log_pending: list[tuple[str, str | None]] = []
        self._log_shown = 0.0
        self.log.setMinimumWidth(self.log.fontMetrics().horizontalAdvance("x" * 26) + 30)
        self.lay_out(
            row((self.url_edit, 1), self.rate_spin, self.connect_button, self.disconnect_button),
            row((self.message_edit, 1), self.send_button, self.bad_button, self.restart_button),
            self.status_label,
            (hsplit(self.plot, self.log, stretches=(3, 2)), 1),
            self.push_label,
            row("Poll every", self.poll_interval_spin, self.poll_button, (self.poll_label, 1)),
            top=0,
        )
        self.set_connected(False)

    def set_status(self, text: str, color: str | None) -> None:
        """`text` (rich text) in `color`, a palette name, or the default colour for None."""
        style = f" style='color:{color}'" if color is not None else ""
        self.status_label.setText(f"<span{style}>{text}</span>")

    def set_connected(self, connected: bool) -> None:
        self.disconnect_button.setEnabled(connected)
        self.connect_button.setText("Reconnect" if connected else "Connect")

    def draw(
        self,
        lines: Sequence[tuple[str, str | None]],
        pushed: deque[tuple[float, float]],
        polled: deque[tuple[float, float]],
        now: float,
        force: bool = False,
    ) -> None:
        """One frame: both series of the chart if it is on screen; the new log lines at
        most LOG_EVERY_S apart (the log is read, not watched: fewer, larger batches cost
        less), or at once with `force`."""
        self._log_pending += lines
        del self._log_pending[:-LOG_LINES]
        if self._log_pending and (force or now - self._log_shown >= LOG_EVERY_S):
            self.log.append_lines(self._log_pending)
            self._log_pending, self._log_shown = [], now
        if self.isVisible():
            self.plot.show_recent(self.push_curve, pushed, now, hold=True)
            self.plot.show_recent(self.poll_curve, polled, now, hold=True)
            self.plot.show_recent(self.poll_dots, polled, now)
