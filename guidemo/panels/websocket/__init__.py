"""Panel `websocket`: the server pushes and the GUI never asks, next to polling; and three
ways a worker thread can tell the GUI thread that something happened."""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import aiohttp
import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from yarl import URL

from guidemo.panels.base import Panel, PanelContext
from guidemo.stats import percentile
from guidemo.widgets.kit import make_button

PUSH_PATH = "/ws/ticks"
POLL_PATH = "/api/tick"
FRAME_MS = 16  # one flush per screen frame (~60 Hz), however many messages came in
LABEL_EVERY_S = 0.1  # the numbers change 10 times a second: readable, and cheap
PLOT_WINDOW_S = 5.0
LOG_LINES = 400
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 8.0
RESTART_DOWNTIME_S = 1.5
PACE_S = 0.001  # the demo worker threads send one message per millisecond
LATENCY_SAMPLES = 2000

ERROR_COLOR = QtGui.QColor("#b00020")
NOTE_COLOR = QtGui.QColor("#a05a00")
GOOD_COLOR = QtGui.QColor("#1b7f3b")


# --- receiving pushed messages, as a learner would write it ------------------------------
class BadMessage(ValueError):
    """A message that is not what the protocol promised."""


def parse_message(text: str) -> dict[str, Any]:
    """One pushed message as a dict; BadMessage says what is wrong with anything else.

    Never trust the other end: a bad message is reported and the stream carries on.
    """
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage(f"not JSON: {text[:60]!r}") from None
    if not isinstance(message, dict) or message.get("type") not in ("tick", "echo", "error"):
        raise BadMessage(f"not a message this client knows: {text[:60]!r}")
    numbers = [message.get(key) for key in ("seq", "t", "value")]
    if message["type"] == "tick" and not all(isinstance(n, int | float) for n in numbers):
        raise BadMessage(f"a tick without seq, t and value: {text[:60]!r}")
    return message


def close_reason(code: int | None) -> str:
    """ "code 1001 GOING_AWAY": the number a WebSocket closes with, and its name."""
    try:
        return f"code {code} {aiohttp.WSCloseCode(code).name}"
    except ValueError:
        return f"code {code}"


def backoff_delays(first: float = BACKOFF_FIRST_S, cap: float = BACKOFF_MAX_S) -> Iterator[float]:
    """0.25, 0.5, 1, 2, 4, 8, 8, ... s: wait longer after each failure, so a server that
    is down is not hammered, but come back quickly after a short hiccup."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


async def keep_receiving(
    session: aiohttp.ClientSession,
    url: URL,
    on_text: Callable[[str], None],
    on_state: Callable[[str, str, aiohttp.ClientWebSocketResponse | None], None],
) -> None:
    """Connect to the WebSocket and hand every message to `on_text` as it arrives.

    When the connection fails or ends, say so, wait (longer each time), and connect again.
    Nothing here polls: between messages this coroutine is simply suspended.
    """
    delays = backoff_delays()
    while True:
        on_state("connecting", str(url), None)
        try:
            async with session.ws_connect(url, heartbeat=5.0) as ws:
                delays = backoff_delays()  # connected: after the next failure start small again
                on_state("connected", str(url), ws)
                async for message in ws:  # suspended here until the server sends something
                    if message.type == aiohttp.WSMsgType.TEXT:
                        on_text(message.data)
                reason = f"the server closed the connection ({close_reason(ws.close_code)})"
        except (aiohttp.ClientError, OSError) as error:  # OSError includes TimeoutError
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        delay = next(delays)
        on_state("disconnected", f"{reason} · reconnecting in {delay:g} s", None)
        await asyncio.sleep(delay)


async def poll_ticks(
    session: aiohttp.ClientSession,
    url: URL,
    interval: Callable[[], float],
    on_tick: Callable[[dict[str, Any]], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Ask for the newest tick every `interval()` seconds: one request each time, whether
    anything changed or not, and anything that happened in between is never seen."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                response.raise_for_status()
                on_tick(await response.json())
        except (aiohttp.ClientError, OSError, ValueError) as error:
            on_error(error)
        next_at = max(next_at + interval(), loop.time())  # a slow reply never causes a burst
        await asyncio.sleep(next_at - loop.time())


async def restart_server(server: Any, downtime: float = RESTART_DOWNTIME_S) -> None:
    """Take the embedded server away for a moment, then bring it back on the same port."""
    await server.stop()  # open WebSockets get a "going away" close
    await asyncio.sleep(downtime)
    await server.start()


class FrameBatcher(QtCore.QObject):
    """Collects whatever arrives between two frames and hands it over once per frame.

    At 500 messages a second, redrawing per message would be 500 redraws a second for a
    screen that shows 60 frames. One flush per frame with all new messages keeps each of
    the loop's turns short, so clicks and repaints still get their turn.
    """

    def __init__(
        self,
        flush: Callable[[list[tuple[Any, ...]]], None],
        keep_ticking: Callable[[], bool],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pending: list[tuple[Any, ...]] = []
        self.flush, self.keep_ticking = flush, keep_ticking
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_frame)

    def add(self, item: tuple[Any, ...]) -> None:
        self.pending.append(item)  # cheap: no widget is touched per message
        if not self.timer.isActive():
            self.timer.start()

    def _on_frame(self) -> None:
        items, self.pending = self.pending, []
        self.flush(items)
        if not items and not self.keep_ticking():
            self.timer.stop()  # nothing arrives and nothing will: an idle panel costs nothing


# --- a worker thread tells the GUI thread: three ways ------------------------------------
class WorkerSignals(QtCore.QObject):
    """Created in the GUI thread. A worker emits; Qt sees the receiver lives in another
    thread and queues the call as an event that the GUI thread's loop delivers."""

    message = QtCore.Signal(int, float)  # seq, perf_counter() when sent


def send_by_qt_signal(count: int, signals: WorkerSignals, stop: threading.Event) -> None:
    """Worker thread, way 1: emit a Qt signal (queued into the GUI thread)."""
    for seq in range(1, count + 1):
        if stop.is_set():
            return
        signals.message.emit(seq, time.perf_counter())
        time.sleep(PACE_S)


def send_by_call_soon_threadsafe(
    count: int,
    loop: asyncio.AbstractEventLoop,
    deliver: Callable[[int, float], None],
    stop: threading.Event,
) -> None:
    """Worker thread, way 2: ask the asyncio loop to call `deliver` (it wakes the loop up)."""
    for seq in range(1, count + 1):
        if stop.is_set():
            return
        loop.call_soon_threadsafe(deliver, seq, time.perf_counter())
        time.sleep(PACE_S)


def send_by_socket(count: int, sock: socket.socket, stop: threading.Event) -> None:
    """Worker thread, way 3: write a line to a socket that the GUI's loop is watching."""
    with sock:
        for seq in range(1, count + 1):
            if stop.is_set():
                return
            sock.sendall(f"{seq} {time.perf_counter()!r}\n".encode())
            time.sleep(PACE_S)


def watch_socket(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, deliver: Callable[[int, float], None]
) -> None:
    """GUI side of way 3: the loop calls `on_readable` when data is there; nobody waits."""
    buffer = bytearray()
    sock.setblocking(False)

    def on_readable() -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        if not data:  # the worker closed its end: we are done
            loop.remove_reader(sock.fileno())
            sock.close()
            return
        buffer.extend(data)
        *lines, rest = buffer.split(b"\n")
        buffer[:] = rest
        for line in lines:
            seq, sent = line.split()
            deliver(int(seq), float(sent))

    loop.add_reader(sock.fileno(), on_readable)


@dataclass
class Deliveries:
    """What one way delivered in the GUI thread: order, thread, and how long each took."""

    expected: int
    gui_thread: int = field(default_factory=threading.get_ident)
    seqs: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    off_gui_thread: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, seq: int, sent: float) -> None:
        self.latencies_ms.append((time.perf_counter() - sent) * 1000)
        self.seqs.append(seq)
        if threading.get_ident() != self.gui_thread:
            self.off_gui_thread += 1
        if len(self.seqs) >= self.expected:
            self.complete.set()

    def in_order(self) -> bool:
        return self.seqs == list(range(1, len(self.seqs) + 1))


WAYS = ("Qt signal", "call_soon_threadsafe", "socketpair + add_reader")


# --- measuring, for the benchmark --------------------------------------------------------
async def measure_push_latency(
    window: Any, rate: int, seconds: float = 3.0, warmup: float = 0.5
) -> dict[str, float]:
    """Push-to-screen delay at `rate` messages/s through the real panel of `window`.

    The delay of a message is the time from the server stamping it (its "t") to the
    panel's frame flush having put it into the plot, log and labels. Returns
    rate, messages, p50_ms, p99_ms, max_ms and the loop's worst lag meanwhile.
    """
    panel: WebSocketPanel = window.show_panel("websocket")
    panel.rate_spin.setValue(rate)
    panel.connect_push()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while panel.ws is None:
        if loop.time() > deadline:
            raise TimeoutError("the websocket panel did not connect within 10 s")
        await asyncio.sleep(0.02)
    await asyncio.sleep(warmup)
    sink: list[float] = []
    panel.latency_sink = sink
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    panel.latency_sink = None
    panel.disconnect_push()
    lag = window.monitor.stats_since(started)
    return {
        "rate": float(rate),
        "messages": float(len(sink)),
        "p50_ms": statistics.median(sink) if sink else float("nan"),
        "p99_ms": percentile(sink, 0.99),
        "max_ms": max(sink, default=float("nan")),
        "loop_lag_max_ms": lag.max_ms,
    }


# --- the panel -------------------------------------------------------------------------
def _stats_text(latencies: deque[float]) -> str:
    if not latencies:
        return "—"
    values = list(latencies)
    return f"p50 <b>{statistics.median(values):.1f} ms</b>, p99 {percentile(values, 0.99):.1f} ms"


class WebSocketPanel(Panel):
    slug = "websocket"
    title = "Server push (WebSocket) vs polling"
    sources = (
        keep_receiving,
        backoff_delays,
        parse_message,
        FrameBatcher,
        poll_ticks,
        restart_server,
        WorkerSignals,
        send_by_qt_signal,
        send_by_call_soon_threadsafe,
        send_by_socket,
        watch_socket,
    )

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.latency_sink: list[float] | None = None  # set by measure_push_latency
        self._stream_task: asyncio.Task[Any] | None = None
        self._poll_task: asyncio.Task[Any] | None = None
        self._restart_task: asyncio.Task[Any] | None = None
        self._thread_task: asyncio.Task[Any] | None = None
        self._threads: list[threading.Thread] = []
        self._stop_threads = threading.Event()
        self._deliveries: Deliveries | None = None
        self._last_labels = 0.0
        self._reset_push_stats()
        self._reset_poll_stats()
        self.set_controls(self.build_controls())
        self.batcher = FrameBatcher(self._flush, self._streaming, self)
        self.signals = WorkerSignals(self)
        self.signals.message.connect(self._on_signal_message)

    # --- widgets -------------------------------------------------------------------------
    def build_controls(self) -> QtWidgets.QWidget:
        url = URL(self.context.server_url)
        self.url_edit = QtWidgets.QLineEdit(
            str(url.with_scheme("ws").with_path(PUSH_PATH)), objectName="wsUrlEdit"
        )
        self.url_edit.setToolTip(
            "The WebSocket to connect to. Point it at a dead port (e.g. :9) to watch the "
            "reconnect backoff; polling uses the same host and port"
        )
        self.url_edit.returnPressed.connect(self.connect_push)
        self.rate_spin = QtWidgets.QSpinBox(objectName="rateSpin")
        self.rate_spin.setRange(1, 500)
        self.rate_spin.setValue(20)
        self.rate_spin.setSuffix(" msg/s")
        self.rate_spin.setKeyboardTracking(False)
        self.rate_spin.setToolTip("How many ticks a second the server pushes (1 to 500)")
        self.rate_spin.valueChanged.connect(self._rate_changed)

        self.connect_button = make_button(
            "Connect",
            "connectButton",
            "Open the WebSocket and show what the server pushes",
            self.connect_push,
        )
        self.disconnect_button = make_button(
            "Disconnect",
            "disconnectButton",
            "Close the WebSocket and stop reconnecting",
            self.disconnect_push,
        )
        self.message_edit = QtWidgets.QLineEdit("hello", objectName="messageEdit")
        self.message_edit.setToolTip("Text to send; the server echoes it back")
        self.message_edit.returnPressed.connect(self.send_echo)
        self.send_button = make_button(
            "Send", "sendButton", "Send the text; the echo appears in the log", self.send_echo
        )
        self.bad_button = make_button(
            'Send "bad"',
            "provokeBadButton",
            "Ask the server for one malformed message: it shows as an error row, the stream "
            "carries on",
            self.provoke_bad,
        )
        self.restart_button = make_button(
            f"Restart server ({RESTART_DOWNTIME_S:g} s down)",
            "restartServerButton",
            "Stop the embedded server, keep it down a moment, start it again on the same port",
            self.restart_embedded_server,
        )
        if self.context.server is None:
            self.restart_button.setEnabled(False)
            self.restart_button.setToolTip("No embedded server to restart in this window")

        self.status_label = QtWidgets.QLabel("Not connected.", objectName="wsStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.status_label.setToolTip("The WebSocket's state, and the reconnect backoff")

        self.plot = pg.PlotWidget(objectName="wsPlot")
        self.plot.setToolTip(
            "The server's value over the last 5 s: pushed (line) and polled (dots)"
        )
        self.plot.setBackground(None)
        self.plot.setMinimumHeight(150)
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setXRange(-PLOT_WINDOW_S, 0, padding=0)
        self.plot.setYRange(-1.1, 1.1, padding=0)
        self.plot.setLabel("bottom", "seconds ago (server time)")
        self.plot.addLegend(offset=(8, 4), labelTextSize="8pt")
        self.push_curve = self.plot.plot(pen=pg.mkPen((40, 110, 220), width=1.5), name="pushed")
        self.poll_curve = self.plot.plot(
            pen=None, symbol="o", symbolSize=5, symbolBrush=(230, 120, 20), name="polled"
        )
        self.log = QtWidgets.QPlainTextEdit(objectName="wsLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(LOG_LINES)
        self.log.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.log.setPlaceholderText("Pushed messages appear here, one line each")
        self.log.setToolTip("Every message received, newest last; errors in red")
        self.log.document().setDefaultFont(
            QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        )

        self.ws_latency_label = QtWidgets.QLabel("push: —", objectName="wsLatencyLabel")
        self.ws_latency_label.setToolTip(
            "Messages received, the delay from the server stamping a tick to the panel "
            "showing it, missed ticks, bad messages"
        )
        self.poll_interval_spin = QtWidgets.QSpinBox(objectName="pollIntervalSpin")
        self.poll_interval_spin.setRange(10, 5000)
        self.poll_interval_spin.setSingleStep(50)
        self.poll_interval_spin.setValue(200)
        self.poll_interval_spin.setSuffix(" ms")
        self.poll_interval_spin.setToolTip("How often to ask /api/tick for the newest value")
        self.poll_button = QtWidgets.QPushButton("Poll over HTTP", objectName="pollButton")
        self.poll_button.setCheckable(True)
        self.poll_button.setToolTip("Start or stop asking the server for the newest tick")
        self.poll_button.toggled.connect(self.set_polling)
        self.poll_latency_label = QtWidgets.QLabel("poll: —", objectName="pollLatencyLabel")
        self.poll_latency_label.setToolTip(
            "Requests made, how old the value shown was, and how many of the server's "
            "ticks polling never saw"
        )
        for label in (self.ws_latency_label, self.poll_latency_label):
            label.setTextFormat(QtCore.Qt.TextFormat.RichText)
            label.setWordWrap(True)

        self.thread_count_spin = QtWidgets.QSpinBox(objectName="threadCountSpin")
        self.thread_count_spin.setRange(10, 20000)
        self.thread_count_spin.setSingleStep(100)
        self.thread_count_spin.setValue(1000)
        self.thread_count_spin.setSuffix(" messages")
        self.thread_count_spin.setToolTip("How many numbered messages each worker thread sends")
        self.thread_button = make_button(
            "Run the three ways",
            "threadDemoButton",
            "A worker thread sends numbered messages to the GUI thread, one per ms, each way "
            "in turn",
            self.start_thread_demo,
        )
        self.thread_table = QtWidgets.QTableWidget(len(WAYS), 6, objectName="threadWaysTable")
        self.thread_table.setHorizontalHeaderLabels(
            ["way", "delivered", "in order", "in GUI thread", "p50 ms", "max ms"]
        )
        self.thread_table.setToolTip(
            "Per way: messages that arrived, whether in order and in the GUI thread, and "
            "how long each took from the worker to the GUI thread"
        )
        self.thread_table.verticalHeader().setVisible(False)
        self.thread_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.thread_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, way in enumerate(WAYS):
            self._set_cells(row, [way, "—", "—", "—", "—", "—"])
        header = self.thread_table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            header.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        rows_height = sum(self.thread_table.rowHeight(r) for r in range(len(WAYS)))
        self.thread_table.setFixedHeight(header.sizeHint().height() + rows_height + 4)

        # layout
        connection = QtWidgets.QHBoxLayout()
        connection.addWidget(self.url_edit, 1)
        connection.addWidget(self.rate_spin)
        connection.addWidget(self.connect_button)
        connection.addWidget(self.disconnect_button)
        talk = QtWidgets.QHBoxLayout()
        talk.addWidget(self.message_edit, 1)
        talk.addWidget(self.send_button)
        talk.addWidget(self.bad_button)
        talk.addWidget(self.restart_button)
        views = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        views.addWidget(self.plot)
        views.addWidget(self.log)
        views.setStretchFactor(0, 1)
        views.setStretchFactor(1, 1)
        views.setChildrenCollapsible(False)
        polling = QtWidgets.QHBoxLayout()
        polling.addWidget(QtWidgets.QLabel("Poll every"))
        polling.addWidget(self.poll_interval_spin)
        polling.addWidget(self.poll_button)
        polling.addWidget(self.poll_latency_label, 1)
        threads = QtWidgets.QHBoxLayout()
        threads.addWidget(QtWidgets.QLabel("<b>GUI via sockets:</b> a worker thread sends"))
        threads.addWidget(self.thread_count_spin)
        threads.addWidget(self.thread_button)
        threads.addStretch(1)

        controls = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(controls)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(connection)
        layout.addLayout(talk)
        layout.addWidget(self.status_label)
        layout.addWidget(views, 1)
        layout.addWidget(self.ws_latency_label)
        layout.addLayout(polling)
        layout.addLayout(threads)
        layout.addWidget(self.thread_table)
        self._set_connected_ui(False)
        return controls

    # --- push -----------------------------------------------------------------------------
    def _reset_push_stats(self) -> None:
        self.messages = 0
        self.bad_messages = 0
        self.missed = 0
        self.connections = 0
        self._last_seq: int | None = None
        self._last_t: float | None = None
        self._last_rate = 0
        self._just_connected = False
        self.push_latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.push_points: deque[tuple[float, float]] = deque()
        self._rate_window: deque[float] = deque()  # when ticks arrived, the last second
        self._flush_window: deque[float] = deque()  # when ticks were drawn, the last second

    def connect_push(self) -> None:
        """(Re)connect to the URL in wsUrlEdit; counters start from zero."""
        url = URL(self.url_edit.text().strip())
        if url.scheme not in ("ws", "wss") or not url.host:
            self._set_status(f"Not a WebSocket URL: {url}", ERROR_COLOR)
            return
        self._stop_stream()
        # What the old connection left for the next frame belongs to the old counts.
        self.batcher.pending = [item for item in self.batcher.pending if item[0] == "poll"]
        self._reset_push_stats()
        self._last_rate = self.rate_spin.value()
        self.session = self.session or aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, connect=3)
        )
        target = url.update_query(rate=self.rate_spin.value())
        self._stream_task = self.spawn(
            keep_receiving(self.session, target, self._on_text, self._on_state), "stream ticks"
        )
        self._set_connected_ui(True)

    def disconnect_push(self) -> None:
        self._stop_stream()
        self._set_status("Not connected (you disconnected).", None)
        self._set_connected_ui(False)

    def _stop_stream(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
            self._stream_task = None
        self.ws = None

    def _on_text(self, text: str) -> None:
        """Called once per message, at up to 500 a second: parse, stamp, queue. No widgets."""
        received = time.time()
        try:
            message = parse_message(text)
        except BadMessage as error:
            self.batcher.add(("bad", str(error)))
            return
        self.batcher.add((message["type"], message, received))

    def _on_state(
        self, state: str, detail: str, ws: aiohttp.ClientWebSocketResponse | None
    ) -> None:
        self.ws = ws
        if state == "connecting":
            self._set_status(f"Connecting to {detail}…", NOTE_COLOR)
        elif state == "connected":
            self._set_status(f"Connected to {detail}: the server pushes, we wait.", GOOD_COLOR)
            self.batcher.add(("connected", detail))
        else:
            self._set_status(f"<b>Disconnected</b>: {detail}", ERROR_COLOR)
            self.batcher.add(("error", f"disconnected: {detail}"))

    def _rate_changed(self, rate: int) -> None:
        if self.ws is not None and not self.ws.closed:
            self.spawn(self._send(json.dumps({"rate": rate})), f"set rate {rate}")

    def send_echo(self) -> None:
        self._send_if_connected(json.dumps({"echo": self.message_edit.text()}), "send echo")

    def provoke_bad(self) -> None:
        self._send_if_connected("bad", "ask for a bad message")

    def _send_if_connected(self, text: str, name: str) -> None:
        if self.ws is None or self.ws.closed:
            self._set_status("Not connected: press Connect first.", ERROR_COLOR)
            return
        self.spawn(self._send(text), name)

    async def _send(self, text: str) -> None:
        ws = self.ws
        if ws is None:
            return
        try:
            await ws.send_str(text)
        except (aiohttp.ClientError, ConnectionError) as error:
            self.batcher.add(("error", f"could not send {text!r}: {error}"))

    def restart_embedded_server(self) -> None:
        if self._restart_task is None and self.context.server is not None:
            self.restart_button.setEnabled(False)
            self._restart_task = self.spawn(self._restart(), "restart server")

    async def _restart(self) -> None:
        self.batcher.add(("error", f"server stopping; back in {RESTART_DOWNTIME_S:g} s"))
        try:
            await restart_server(self.context.server)
            self.batcher.add(("note", "server started again"))
        finally:
            self._restart_task = None
            self.restart_button.setEnabled(True)

    # --- polling ----------------------------------------------------------------------------
    def _reset_poll_stats(self) -> None:
        self.polls = 0
        self.poll_errors = 0
        self.poll_skipped = 0
        self.poll_seen = 0
        self._last_poll_seq: int | None = None
        self._last_poll_error = ""
        self.poll_latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.poll_points: deque[tuple[float, float]] = deque()

    def set_polling(self, on: bool) -> None:
        if self._poll_task is not None:
            self._poll_task.cancel()
            self._poll_task = None
        self.poll_button.setText("Stop polling" if on else "Poll over HTTP")
        if not on:
            return
        self._reset_poll_stats()
        url = URL(self.url_edit.text().strip())
        target = url.with_scheme("https" if url.scheme == "wss" else "http").with_path(POLL_PATH)
        self.session = self.session or aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, connect=3)
        )
        self._poll_task = self.spawn(
            poll_ticks(
                self.session,
                target,
                lambda: self.poll_interval_spin.value() / 1000,
                self._on_poll,
                self._on_poll_error,
            ),
            "poll /api/tick",
        )
        self.batcher.add(("note", f"polling {target}"))

    def _on_poll(self, tick: Any) -> None:
        fields = [tick.get(k) for k in ("seq", "t", "value")] if isinstance(tick, dict) else []
        if not fields or not all(isinstance(field, int | float) for field in fields):
            self._on_poll_error(BadMessage(f"not a tick: {str(tick)[:60]!r}"))
            return
        self.polls += 1
        self.batcher.add(("poll", tick, time.time()))

    def _on_poll_error(self, error: BaseException) -> None:
        self.polls += 1
        self.poll_errors += 1
        self._last_poll_error = type(error).__name__

    # --- once per frame -------------------------------------------------------------------
    def _streaming(self) -> bool:
        return self._stream_task is not None or self._poll_task is not None

    def _flush(self, items: list[tuple[Any, ...]]) -> None:
        """Everything that arrived since the last frame, into the widgets in one go."""
        lines: list[tuple[str, QtGui.QColor | None]] = []
        ticks: list[float] = []
        polled: list[float] = []
        for kind, *rest in items:
            if kind == "tick":
                ticks.append(self._take_tick(rest[0], rest[1], lines))
            elif kind == "poll":
                polled.append(self._take_poll(rest[0]))
            elif kind == "echo":
                lines.append((f"echo: {rest[0]['text']!r}", GOOD_COLOR))
            elif kind == "error" and isinstance(rest[0], dict):
                self.bad_messages += 1
                lines.append((f"✖ the server says: {rest[0].get('error')}", ERROR_COLOR))
            elif kind == "bad":
                self.bad_messages += 1
                lines.append((f"✖ bad message: {rest[0]}", ERROR_COLOR))
            elif kind == "error":
                lines.append((f"✖ {rest[0]}", ERROR_COLOR))
            elif kind == "connected":  # in order with the ticks: the next one starts a new seq
                self.connections += 1
                self._just_connected = True
                lines.append((f"· connected ({rest[0]})", GOOD_COLOR))
            else:
                lines.append((f"· {rest[0]}", NOTE_COLOR))
        visible = self.isVisible()
        if lines:
            self._append_log(lines)
        if visible:
            self._redraw_plot()
        shown = time.time()  # the widgets have the new data now; Qt repaints them next
        if ticks:
            self._flush_window.append(shown)
        for sent in ticks:
            self.push_latencies.append((shown - sent) * 1000)
        if self.latency_sink is not None:
            self.latency_sink.extend((shown - sent) * 1000 for sent in ticks)
        for sent in polled:
            self.poll_latencies.append((shown - sent) * 1000)
        if shown - self._last_labels >= LABEL_EVERY_S or not self._streaming():
            self._last_labels = shown
            self._update_labels()

    def _take_tick(
        self, tick: dict[str, Any], received: float, lines: list[tuple[str, QtGui.QColor | None]]
    ) -> float:
        seq, t, value = tick["seq"], tick["t"], tick["value"]
        if self._just_connected and self._last_t is not None:
            # A new connection starts again at seq 1: estimate the loss from the time gap.
            gap = t - self._last_t
            lost = max(0, round(gap * self._last_rate) - 1)
            self.missed += lost
            note = f"reconnected: missed ≈ {lost} ticks ({gap:.2f} s at {self._last_rate}/s)"
            lines.append((note, NOTE_COLOR))
        elif self._last_seq is not None and seq > self._last_seq + 1:
            self.missed += seq - self._last_seq - 1
            lines.append((f"seq jumped {self._last_seq} → {seq}", NOTE_COLOR))
        self._just_connected = False
        self._last_seq, self._last_t = seq, t
        self._last_rate = self.rate_spin.value()
        self.messages += 1
        self._rate_window.append(received)
        self.push_points.append((t, value))
        delay_ms = (received - t) * 1000
        lines.append((f"#{seq:<5} {value:+.3f}  after {delay_ms:4.1f} ms", None))
        return t

    def _take_poll(self, tick: dict[str, Any]) -> float:
        seq, t = tick["seq"], tick["t"]
        if self._last_poll_seq is not None and seq > self._last_poll_seq:
            self.poll_skipped += seq - self._last_poll_seq - 1
        if self._last_poll_seq is None or seq != self._last_poll_seq:
            self.poll_seen += 1
        self._last_poll_seq = seq
        self.poll_points.append((t, tick["value"]))
        return t

    def _append_log(self, lines: list[tuple[str, QtGui.QColor | None]]) -> None:
        """All new lines in one edit: one layout pass per frame, not one per message."""
        bar = self.log.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QtGui.QTextCursor(self.log.document())
        cursor.movePosition(QtGui.QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        plain = QtGui.QTextCharFormat()
        for text, color in lines:
            if not self.log.document().isEmpty():
                cursor.insertBlock()
            fmt = plain
            if color is not None:
                fmt = QtGui.QTextCharFormat()
                fmt.setForeground(color)
            cursor.insertText(text, fmt)
        cursor.endEditBlock()
        if at_bottom:
            bar.setValue(bar.maximum())

    def _redraw_plot(self) -> None:
        now = time.time()
        pairs = [(self.push_points, self.push_curve), (self.poll_points, self.poll_curve)]
        for points, curve in pairs:
            while points and points[0][0] < now - PLOT_WINDOW_S - 0.5:
                points.popleft()
            if points:
                data = np.array(points)
                curve.setData(data[:, 0] - now, data[:, 1], skipFiniteCheck=True)
            else:
                curve.setData([], [])

    def _update_labels(self) -> None:
        now = time.time()
        for window in (self._rate_window, self._flush_window):
            while window and window[0] < now - 1.0:
                window.popleft()
        self.ws_latency_label.setText(
            f"<b>push</b>: {self.messages} messages over {self.connections} connection(s), "
            f"{len(self._rate_window)}/s in {len(self._flush_window)} redraws/s · server → "
            f"screen {_stats_text(self.push_latencies)} · missed {self.missed} · "
            f"bad {self.bad_messages} · requests: 1 per connection"
        )
        if self._poll_task is None and self.polls == 0:
            self.poll_latency_label.setText("<b>poll</b>: off")
            return
        seen_of = self.poll_seen + self.poll_skipped
        errors = ""
        if self.poll_errors:
            errors = (
                f" · <span style='color:#b00020'>{self.poll_errors} failed"
                f" ({self._last_poll_error})</span>"
            )
        self.poll_latency_label.setText(
            f"<b>poll</b>: {self.polls} requests · value on screen was "
            f"{_stats_text(self.poll_latencies)} old · saw {self.poll_seen} of {seen_of} "
            f"server ticks{errors}"
        )

    def _set_status(self, text: str, color: QtGui.QColor | None) -> None:
        style = f" style='color:{color.name()}'" if color is not None else ""
        self.status_label.setText(f"<span{style}>{text}</span>")

    def _set_connected_ui(self, connected: bool) -> None:
        self.disconnect_button.setEnabled(connected)
        self.connect_button.setText("Reconnect" if connected else "Connect")

    # --- three ways from a worker thread ----------------------------------------------------
    def start_thread_demo(self) -> None:
        if self._thread_task is None:
            self.thread_button.setEnabled(False)
            self._thread_task = self.spawn(
                self._run_three_ways(self.thread_count_spin.value()), "three ways from a thread"
            )

    @QtCore.Slot(int, float)
    def _on_signal_message(self, seq: int, sent: float) -> None:
        if self._deliveries is not None:
            self._deliveries.add(seq, sent)

    async def _run_three_ways(self, count: int) -> None:
        try:
            for row in range(len(WAYS)):
                self._set_cells(row, [WAYS[row], "…", "", "", "", ""])
            for row, way in enumerate(WAYS):
                self._set_cells(row, [way, "running…", "", "", "", ""])
                record = await self._one_way(way, count)
                self._show_way(row, way, record)
        finally:
            self._thread_task = None
            self.thread_button.setEnabled(True)

    async def _one_way(self, way: str, count: int) -> Deliveries:
        loop = asyncio.get_running_loop()
        record = Deliveries(count)
        self._deliveries = record
        gui_end: socket.socket | None = None
        if way == WAYS[0]:
            target = partial(send_by_qt_signal, count, self.signals, self._stop_threads)
        elif way == WAYS[1]:
            target = partial(
                send_by_call_soon_threadsafe, count, loop, record.add, self._stop_threads
            )
        else:
            gui_end, worker_end = socket.socketpair()
            watch_socket(loop, gui_end, record.add)
            target = partial(send_by_socket, count, worker_end, self._stop_threads)
        thread = threading.Thread(target=target, name=f"guidemo-{way}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        try:
            await asyncio.wait_for(record.complete.wait(), timeout=5 + count * PACE_S * 5)
            while thread.is_alive():
                await asyncio.sleep(0.01)
        except TimeoutError:
            pass  # the table shows how many arrived
        finally:
            self._deliveries = None
            if gui_end is not None and gui_end.fileno() != -1:  # stopped early
                loop.remove_reader(gui_end.fileno())
                gui_end.close()
        return record

    def _show_way(self, row: int, way: str, record: Deliveries) -> None:
        latencies = record.latencies_ms
        self._set_cells(
            row,
            [
                way,
                f"{len(record.seqs)} / {record.expected}",
                "yes" if record.in_order() else "NO",
                "yes" if record.off_gui_thread == 0 else f"NO ({record.off_gui_thread})",
                f"{statistics.median(latencies):.2f}" if latencies else "—",
                f"{max(latencies):.2f}" if latencies else "—",
            ],
        )

    def _set_cells(self, row: int, texts: list[str]) -> None:
        for column, text in enumerate(texts):
            item = QtWidgets.QTableWidgetItem(text)
            if column:
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.thread_table.setItem(row, column, item)

    # --- lifecycle ---------------------------------------------------------------------------
    async def shutdown(self) -> None:
        self._stop_threads.set()  # first, so the workers stop while their tasks are cancelled
        await super().shutdown()

    async def stop_work(self) -> None:
        self.batcher.timer.stop()
        for thread in self._threads:
            thread.join(timeout=2)
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def screenshot_demo(self) -> None:
        self.rate_spin.setValue(50)
        self.connect_push()
        self.poll_interval_spin.setValue(100)
        self.poll_button.setChecked(True)
        self.thread_count_spin.setValue(300)
        await asyncio.sleep(0.3)
        self.send_echo()
        self.start_thread_demo()
        await asyncio.sleep(1.0)
        self.provoke_bad()
        while self._thread_task is not None:
            await asyncio.sleep(0.05)
        await asyncio.sleep(max(0.0, 2.5 - 1.3))
