"""The work a dialog must not stop: a task ticker, a callback ticker and a download.

All three run on the asyncio loop while the panel is shown. The labels are redrawn by a
Qt timer, which keeps firing inside any nested Qt loop: when asyncio is held, the
numbers on screen stop while the window itself stays alive.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import aiohttp
from PySide6 import QtCore, QtWidgets

from guidemo.lessons.dialogs import CallbackTicker, download, tick
from guidemo.panels.dialogs.tries import Counters
from guidemo.panels.section import Host, Section
from guidemo.widgets import palette
from guidemo.widgets.kit import label, named
from guidemo.widgets.palette import colored

PERIOD_S = 0.010  # both tickers: 100 ticks a second
# A slow download from the demo server: 600 pieces of 2 kB, 50 ms apart (40 kB/s, 30 s).
CHUNKS, CHUNK_BYTES, CHUNK_INTERVAL_S = 600, 2000, 0.05
REDRAW_MS = 100
RATE_WINDOW_S = 1.0
RETRY_S = 1.0


class BackgroundSection(Section):
    """Counts task ticks, callback ticks and downloaded bytes; shows them and their rates."""

    title = "Other work on the asyncio loop (runs while this panel is shown)"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.url = (
            f"{host.context.server_url}/api/stream?chunks={CHUNKS}&size={CHUNK_BYTES}"
            f"&interval={CHUNK_INTERVAL_S}"
        )
        self.task_ticks = self.callback_ticks = self.nbytes = 0
        self.downloads = 0  # how many downloads have started
        self.download_got = 0  # bytes of the current one
        self.problem = ""  # the last download's error, until the next piece arrives
        self._tasks: list[asyncio.Task[Any]] = []
        self._callback_ticker: CallbackTicker | None = None
        self._recent: deque[Counters] = deque()  # for the rates

        self.ticker_label = label(
            "",
            "tickerLabel",
            "asyncio ticks: a task and a call_later chain, 100 a second each",
            rich=True,
        )
        self.download_bar = named(
            QtWidgets.QProgressBar(),
            "downloadBar",
            "A slow download from the demo server, read by an asyncio task piece by piece",
        )
        self.download_bar.setRange(0, CHUNKS * CHUNK_BYTES)
        self.download_bar.setTextVisible(False)
        self.download_label = label("", "downloadLabel", "The download's progress and speed")
        self.lay_out(self.ticker_label, self.download_bar, self.download_label)

        self._redraw_timer = QtCore.QTimer(self)  # a Qt timer: it runs in nested loops too
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self.redraw()

    def counters(self) -> Counters:
        return Counters(time.perf_counter(), self.task_ticks, self.callback_ticks, self.nbytes)

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def start(self) -> None:
        """Start the tickers and the download (no-op if running or outside a loop)."""
        if self._tasks:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._callback_ticker = CallbackTicker(PERIOD_S, self._on_callback_tick)
        self._tasks = [
            self.host.spawn(tick(PERIOD_S, self._on_task_tick), "ticker"),
            self.host.spawn(self._download_forever(), "download"),
        ]
        self._recent.clear()
        self._redraw_timer.start()

    def halt(self) -> None:
        """Stop the tickers and the download (the panel is hidden or shutting down)."""
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self._callback_ticker is not None:
            self._callback_ticker.stop()
            self._callback_ticker = None
        self._redraw_timer.stop()

    def _on_task_tick(self) -> None:
        self.task_ticks += 1

    def _on_callback_tick(self) -> None:
        self.callback_ticks += 1

    def _on_bytes(self, count: int) -> None:
        self.nbytes += count
        self.download_got += count
        self.problem = ""

    async def _download_forever(self) -> None:
        """One download after another; a failure (server restarted) is shown, then retried."""
        async with aiohttp.ClientSession() as session:
            while True:
                self.downloads += 1
                self.download_got = 0
                try:
                    await download(session, self.url, self._on_bytes)
                except (aiohttp.ClientError, OSError) as exc:  # TimeoutError is an OSError
                    self.problem = f"download failed: {exc or type(exc).__name__}; retrying"
                    await asyncio.sleep(RETRY_S)

    def _rates(self, now: Counters) -> tuple[float, float, float]:
        """Task ticks/s, callback ticks/s and bytes/s over the last RATE_WINDOW_S."""
        self._recent.append(now)
        while self._recent and self._recent[0].at < now.at - RATE_WINDOW_S:
            self._recent.popleft()
        first = self._recent[0]
        span = now.at - first.at
        if span < REDRAW_MS / 1000 / 2:
            return 0.0, 0.0, 0.0
        return (
            (now.task_ticks - first.task_ticks) / span,
            (now.callback_ticks - first.callback_ticks) / span,
            (now.nbytes - first.nbytes) / span,
        )

    def redraw(self) -> None:
        task_rate, callback_rate, byte_rate = self._rates(self.counters())
        expected = 1 / PERIOD_S

        def rate(value: float) -> str:
            text = f"{value:.0f}/s of {expected:.0f}/s"
            if not self.running:
                return colored("stopped", palette.MUTED)
            return colored(
                text, palette.GOOD if value >= 0.5 * expected else palette.BAD, bold=True
            )

        self.ticker_label.setText(
            f"task ticks <span style='font-size:15pt;font-weight:600'>{self.task_ticks:,}"
            f"</span> ({rate(task_rate)}) &nbsp; &nbsp; call_later ticks "
            f"<span style='font-size:15pt;font-weight:600'>{self.callback_ticks:,}</span> "
            f"({rate(callback_rate)})"
        )
        self.download_bar.setValue(min(self.download_got, self.download_bar.maximum()))
        if self.problem:
            self.download_label.setText(self.problem)
            return
        total = CHUNKS * CHUNK_BYTES
        self.download_label.setText(
            f"download #{self.downloads}: {self.download_got / 1000:,.0f} of "
            f"{total / 1000:,.0f} kB, {byte_rate / 1000:.0f} kB/s "
            f"(the server sends {CHUNK_BYTES / CHUNK_INTERVAL_S / 1000:.0f} kB/s)"
        )
