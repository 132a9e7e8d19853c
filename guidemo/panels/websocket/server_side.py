"""The websocket panel's "server side" section: the source view can show the demo server's
own handlers, and a button measures why an async server holds many slow connections
cheaply, next to a thread-per-connection server doing the same."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Sequence
from typing import Any

from PySide6 import QtWidgets
from yarl import URL

from guidemo.lessons import server_side
from guidemo.lessons.server_side import Holding, ThreadPerConnectionServer, measure_holding
from guidemo.panels.section import Host, Section
from guidemo.server import DemoServer
from guidemo.server.endpoints import send_text
from guidemo.server.guard import ConnectionGuard
from guidemo.server.ticks import TickClock, _answer, _push_ticks, latest_tick, ticks
from guidemo.widgets import palette
from guidemo.widgets.kit import label, make_button, named, row, set_row, spin, ways_table

WAYS = ("async (the demo server)", "a thread per connection")
HEADERS = [
    "server",
    "held at once / answered",
    "threads added",
    "RAM added",
    "address space added",
    "new request",
    "app's worst lag",
]
SERVER_CODE = (ticks, _push_ticks, _answer, latest_tick, TickClock, send_text, ConnectionGuard)
THREADED_CODE = (
    server_side.ThreadPerConnectionServer,
    server_side.measure_holding,
    server_side.hold_slow_requests,
    server_side.Footprint,
)


def _size(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return "n/a"
    added = after - before
    return f"{added / 2**30:+.1f} GB" if abs(added) >= 2**30 else f"{added / 2**20:+.1f} MB"


class ServerSideSection(Section):
    """Source switch, count spin, run button, results table and verdict."""

    title = "The server side"

    def __init__(self, host: Host, client_code: Sequence[object]) -> None:
        super().__init__(host)
        server = host.context.server
        self._held = (lambda: server.open_connections) if isinstance(server, DemoServer) else None
        url = URL(host.context.server_url)
        self._host, self._port = url.host or "127.0.0.1", url.port or 80
        self.task: asyncio.Task[Any] | None = None
        self._codes = (tuple(client_code), SERVER_CODE, THREADED_CODE)

        self.source_switch = named(
            QtWidgets.QComboBox(),
            "sourceSwitch",
            "Which code the source view on the right shows: this panel's client side, the "
            "demo server's own handlers, or the thread-per-connection server",
        )
        self.source_switch.addItems(
            [
                "the client (this panel)",
                "the demo server's handlers",
                "a thread-per-connection server",
            ]
        )
        self.source_switch.currentIndexChanged.connect(self._switch_code)
        self.count_spin = spin(
            "serverSideCountSpin", 10, 1000, 1000, "How many clients wait at once", " clients"
        )
        self.button = make_button(
            "Hold them: async vs a thread each",
            "serverSideButton",
            f"From a separate process, open that many connections to each server, each "
            f"waiting {server_side.LATENCY_S:g} s for its answer; measure the server's "
            "threads, memory and a fresh request meanwhile",
            self.start,
        )
        self.table = ways_table(
            "serverSideTable",
            WAYS,
            HEADERS,
            "Per server (the async demo server: one thread, one event loop), while the "
            "clients wait: connections it held at once (and answered in the end), threads "
            "and memory the process added, how long one more request took, and the app's "
            "worst lag meanwhile",
            self.fontMetrics().height(),
        )
        self.verdict = label(
            "Not measured yet.",
            "serverSideLabel",
            "What holding the connections cost each server, in measured numbers",
            rich=True,
        )
        self.lay_out(
            row("<b>The server side:</b> code shown", self.source_switch),
            row(self.count_spin, self.button),
            self.table,
            self.verdict,
            top=6,
        )

    def _switch_code(self, index: int) -> None:
        self.host.show_source(self._codes[index])

    def _worst_lag_since(self, started: float) -> float:
        return self.host.context.monitor.stats_since(started).max_ms

    def start(self) -> None:
        if self.task is None:
            self.button.setEnabled(False)
            self.task = self.host.spawn(self._run(self.count_spin.value()), "server side: measure")

    async def _run(self, count: int) -> None:
        results: list[Holding] = []
        lags: list[float] = []
        blank = [""] * (len(HEADERS) - 2)
        try:
            for row, way in enumerate(WAYS):
                set_row(self.table, row, [way, "waiting…", *blank])
            set_row(self.table, 0, [WAYS[0], "holding…", *blank])
            started = time.perf_counter()
            results.append(await measure_holding(self._host, self._port, count, held=self._held))
            lags.append(self._worst_lag_since(started))
            self._show(0, results[0], lags[0])
            set_row(self.table, 1, [WAYS[1], "holding…", *blank])
            threaded = ThreadPerConnectionServer(self._host)
            threaded.start()

            def alive() -> int:
                return sum(thread.is_alive() for thread in threaded.threads)

            started = time.perf_counter()
            try:
                results.append(await measure_holding(self._host, threaded.port, count, held=alive))
            finally:
                await asyncio.get_running_loop().run_in_executor(None, threaded.stop)
            lags.append(self._worst_lag_since(started))
            self._show(1, results[1], lags[1])
            self.verdict.setText(verdict(results[0], results[1], lags))
        except (OSError, TimeoutError) as error:
            text = html.escape(f"Could not measure: {error}")
            self.verdict.setText(f"<span style='color:{palette.BAD}'>{text}</span>")
        finally:
            self.task = None
            self.button.setEnabled(True)

    def _show(self, row: int, h: Holding, lag_ms: float) -> None:
        at_once = "—" if h.held_at_once is None else f"{h.held_at_once:,}"
        held = f"{at_once} / {h.answered:,}"
        if h.failed:
            held += f" ({h.failed:,} failed)"
        set_row(
            self.table,
            row,
            [
                WAYS[row],
                held,
                f"{h.during.threads - h.before.threads:+,}",
                _size(h.before.resident, h.during.resident),
                _size(h.before.virtual, h.during.virtual),
                f"{h.request_ms_during:.1f} ms",
                f"{lag_ms:.0f} ms",
            ],
        )


def verdict(a: Holding, t: Holding, lags: Sequence[float]) -> str:
    """A few sentences from the two measurements, numbers as measured."""
    at_once = t.held_at_once if t.held_at_once is not None else t.count
    slower = "" if at_once >= t.count else f" (it held only {at_once:,} at once)"
    return (
        f"Holding {a.count:,} waiting clients, the async server added "
        f"<b>{a.during.threads - a.before.threads:+,} threads</b> and "
        f"{_size(a.before.resident, a.during.resident)} of RAM; the thread-per-connection "
        f"server <b>{t.during.threads - t.before.threads:+,} threads</b>, "
        f"{_size(t.before.resident, t.during.resident)} of RAM and "
        f"{_size(t.before.virtual, t.during.virtual)} of address space (a stack reserved "
        f"per thread){slower}. One more request meanwhile: {a.request_ms_during:.1f} ms vs "
        f"{t.request_ms_during:.1f} ms; the app's worst lag {lags[0]:.0f} ms vs "
        f"{lags[1]:.0f} ms (both servers run in this process). Every waiting client of the "
        "async server is a small object in one event loop; of the other, a whole thread."
    )
