"""Panel `websocket`: the server pushes and the GUI never asks, next to polling; three
ways a worker thread can tell the GUI thread that something happened; and the server side:
its code, and why an async server holds many connections cheaply.

The lessons are `guidemo.lessons.push`, `guidemo.lessons.thread_to_gui(_qt)` and
`guidemo.lessons.server_side`; the frame batcher and the statistics are in `batcher`, the
sections in `stream`, `threads` and `server_side`.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import aiohttp
from yarl import URL

from guidemo.lessons.push import (
    BACKOFF_FIRST_S,
    BACKOFF_MAX_S,
    CONNECT_TIMEOUT_S,
    POLL_PATH,
    RESTART_DOWNTIME_S,
    BadMessage,
    backoff_delays,
    check_url,
    is_tick,
    keep_receiving,
    parse_message,
    poll_ticks,
    preview,
    restart_server,
)
from guidemo.lessons.thread_to_gui import send_by_call_soon_threadsafe, send_by_socket, watch_socket
from guidemo.lessons.thread_to_gui_qt import WorkerSignals, send_by_qt_signal
from guidemo.panels.base import PanelContext
from guidemo.panels.section import SectionsPanel
from guidemo.panels.websocket.batcher import (
    BAD_ROWS_PER_S,
    Connected,
    FrameBatcher,
    Item,
    Note,
    Polled,
    PollStats,
    Problem,
    Pushed,
    PushStats,
    Rejected,
    Sorter,
    Tick,
    bounded,
    sample_ages,
)
from guidemo.panels.websocket.server_side import ServerSideSection
from guidemo.panels.websocket.stream import StreamSection
from guidemo.panels.websocket.threads import ThreadsSection
from guidemo.services import ServerControl
from guidemo.widgets import palette
from guidemo.widgets.kit import column

__all__ = ["WebSocketPanel"]

LABEL_EVERY_S = 0.1  # the numbers change 10 times a second: readable, and cheap


class WebSocketPanel(SectionsPanel):
    """Push and poll side by side. What the bench drives: `rate_spin`, `connect_push()`,
    `ws` (set while connected), `latency_sink` and `disconnect_push()`."""

    slug = "websocket"
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "restart_downtime_s": RESTART_DOWNTIME_S,
        "backoff_first_s": BACKOFF_FIRST_S,
        "backoff_max_s": BACKOFF_MAX_S,
        "connect_timeout_s": CONNECT_TIMEOUT_S,
        "bad_rows_per_s": BAD_ROWS_PER_S,
    }
    title = "Server push (WebSocket) vs polling"
    sources = (
        keep_receiving,
        backoff_delays,
        check_url,
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
    button_lessons: ClassVar[dict[str, object]] = {
        "connectButton": keep_receiving,
        "pollButton": poll_ticks,
        "restartServerButton": restart_server,
        "threadDemoButton": send_by_qt_signal,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        # When a list, each frame flush appends the push -> screen delays (ms) of its ticks.
        self.latency_sink: list[float] | None = None
        self._stream_task: asyncio.Task[Any] | None = None
        self._poll_task: asyncio.Task[Any] | None = None
        self._restart_task: asyncio.Task[Any] | None = None
        self._last_labels = 0.0
        self.push_stats = PushStats()
        self.poll_stats = PollStats()
        self.sorter = Sorter(self.push_stats, self.poll_stats)
        self.view = StreamSection(self)
        self.rate_spin = self.view.rate_spin  # the benchmark sets the rate through it
        self.threads = ThreadsSection(self)
        self.server_side = ServerSideSection(self, client_code=self.sources)
        self.sections = [self.view, self.threads, self.server_side]
        self.set_controls(column((self.view, 1), self.threads, self.server_side))
        v = self.view  # its widgets do what the methods below say
        v.url_edit.returnPressed.connect(self.connect_push)
        v.rate_spin.valueChanged.connect(self._rate_changed)
        v.connect_button.clicked.connect(self.connect_push)
        v.disconnect_button.clicked.connect(self.disconnect_push)
        v.message_edit.returnPressed.connect(self.send_echo)
        v.send_button.clicked.connect(self.send_echo)
        v.bad_button.clicked.connect(self.provoke_bad)
        v.restart_button.clicked.connect(self.restart_embedded_server)
        v.poll_button.toggled.connect(self.set_polling)
        self.batcher = FrameBatcher(self._flush, self._streaming, self)

    # --- push -----------------------------------------------------------------------------
    def connect_push(self) -> None:
        """(Re)connect to the URL in wsUrlEdit; counters start from zero."""
        url = self._checked_url()
        if url is None:
            return
        self._stop_stream()
        # What the old connection left for the next frame belongs to the old counts.
        self.batcher.pending = [item for item in self.batcher.pending if isinstance(item, Polled)]
        self.push_stats = self.sorter.push = PushStats()
        self._stream_task = self.spawn(
            keep_receiving(
                self._session(),
                # asked anew for every attempt: a reconnect uses the rate shown *now*
                lambda: url.update_query(rate=self.rate_spin.value()),
                self._on_message,
                self._on_state,
            ),
            "stream ticks",
        )
        self.view.set_connected(True)

    def _checked_url(self) -> URL | None:
        """The URL box's WebSocket URL, or None after saying what is wrong with it."""
        try:
            return check_url(self.view.url_edit.text())
        except ValueError as error:
            self.view.set_status(html.escape(f"Cannot use this URL: {error}."), palette.BAD)
            return None

    def disconnect_push(self) -> None:
        self._stop_stream()
        self.view.set_status("Not connected (you disconnected).", None)
        self.view.set_connected(False)

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT_S)
            )
        return self.session

    def _stop_stream(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
            self._stream_task = None
        self.ws = None

    def _on_message(self, data: str | bytes) -> None:
        """Called once per message, up to thousands a second: parse, stamp, queue. No widgets."""
        received = time.time()
        try:
            message = parse_message(data, now=received)
        except BadMessage as error:
            self.batcher.add(Rejected(str(error)))
            return
        tick = message["type"] == "tick"
        self.batcher.add(Tick(message, received) if tick else Pushed(message, received))

    def _on_state(
        self, state: str, detail: str, ws: aiohttp.ClientWebSocketResponse | None
    ) -> None:
        self.ws = ws
        shown = html.escape(bounded(detail))
        if state == "connecting":
            self.view.set_status(f"Connecting to {shown}…", palette.NOTE)
        elif state == "connected":
            self.view.set_status(f"Connected to {shown}: the server pushes, we wait.", palette.GOOD)
            rate = URL(detail).query.get("rate", "0")
            self.batcher.add(Connected(detail, float(rate) if rate.isdigit() else 0.0))
        else:
            self.view.set_status(f"<b>Disconnected</b>: {shown}", palette.BAD)
            self.batcher.add(Problem(f"disconnected: {detail}"))

    def _rate_changed(self, rate: int) -> None:
        if self.ws is not None and not self.ws.closed:
            self.spawn(self._send(json.dumps({"rate": rate})), f"set rate {rate}")

    def send_echo(self) -> None:
        self._send_if_connected(json.dumps({"echo": self.view.message_edit.text()}), "send echo")

    def provoke_bad(self) -> None:
        self._send_if_connected("bad", "ask for a bad message")

    def _send_if_connected(self, text: str, name: str) -> None:
        if self.ws is None or self.ws.closed:
            self.view.set_status("Not connected: press Connect first.", palette.BAD)
            return
        self.spawn(self._send(text), name)

    async def _send(self, text: str) -> None:
        ws = self.ws
        if ws is None:
            return
        try:
            await ws.send_str(text)
        except (aiohttp.ClientError, ConnectionError) as error:
            self.batcher.add(Problem(f"could not send {text[:60]!r}: {error}"))

    def restart_embedded_server(self) -> None:
        if self._restart_task is None and self.context.server is not None:
            self.view.restart_button.setEnabled(False)
            self._restart_task = self.spawn(self._restart(self.context.server), "restart server")

    async def _restart(self, server: ServerControl) -> None:
        self.batcher.add(Problem(f"server stopping; back in {RESTART_DOWNTIME_S:g} s"))
        try:
            await restart_server(server)
            self.batcher.add(Note("server started again"))
        finally:
            self._restart_task = None
            self.view.restart_button.setEnabled(True)

    # --- polling ----------------------------------------------------------------------------
    def set_polling(self, on: bool) -> None:
        if self._poll_task is not None:
            self._poll_task.cancel()
            self._poll_task = None
        self.view.poll_button.setText("Stop polling" if on else "Poll over HTTP")
        if not on:
            return
        url = self._checked_url()
        if url is None:
            self.view.poll_button.setChecked(False)  # says "off" again
            return
        self.poll_stats = self.sorter.poll = PollStats()
        base = url.with_scheme("https" if url.scheme == "wss" else "http").with_path(POLL_PATH)
        interval = self.view.poll_interval_spin.value
        self._poll_task = self.spawn(
            poll_ticks(
                self._session(),
                lambda: base.with_query(rate=self.rate_spin.value()),  # the ticks push gets
                lambda: interval() / 1000,
                self._on_poll,
                self.poll_stats.failed,
            ),
            "poll /api/tick",
        )
        self.batcher.add(Note(f"polling {base}"))

    def _on_poll(self, tick: Any) -> None:
        if not is_tick(tick):
            self.poll_stats.failed(BadMessage(f"not a tick: {preview(str(tick))}"))
            return
        self.poll_stats.polls += 1
        self.batcher.add(Polled(tick, time.time()))

    # --- once per frame -------------------------------------------------------------------
    def _streaming(self) -> bool:
        return self._stream_task is not None or self._poll_task is not None

    def _flush(self, items: list[Item]) -> None:
        """Everything that arrived since the last frame, into the widgets in one go."""
        frame = self.sorter.sort(items, time.time())
        points = (self.push_stats.points, self.poll_stats.points)
        self.view.draw(frame.lines, *points, time.time(), force=not self._streaming())
        shown = time.time()  # the widgets have the new data now; Qt repaints them next
        delays = frame.shown(shown, self.push_stats, self.poll_stats)
        sample_ages(
            shown,
            self.push_stats if self._stream_task is not None else None,
            self.poll_stats if self._poll_task is not None else None,
        )
        if self.latency_sink is not None:
            self.latency_sink.extend(delays)
        if shown - self._last_labels >= LABEL_EVERY_S or not self._streaming():
            self._last_labels = shown
            self.view.push_label.setText(self.push_stats.summary(shown))
            self.view.poll_label.setText(self.poll_stats.summary(self._poll_task is not None))

    # --- lifecycle ---------------------------------------------------------------------------
    async def shutdown(self) -> None:
        self.threads.halt()  # first, so the workers stop while their tasks are cancelled
        await super().shutdown()

    async def stop_work(self) -> None:
        self.batcher.timer.stop()
        await super().stop_work()  # the worker threads end
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def screenshot_demo(self) -> None:
        self.rate_spin.setValue(50)
        self.connect_push()
        self.view.poll_interval_spin.setValue(200)
        self.view.poll_button.setChecked(True)
        self.threads.count_spin.setValue(300)
        await asyncio.sleep(0.3)
        self.send_echo()
        self.threads.start()
        await asyncio.sleep(1.0)
        self.provoke_bad()
        while self.threads.task is not None:
            await asyncio.sleep(0.05)
        await asyncio.sleep(3.0)  # nearly fills the chart's 5 s
