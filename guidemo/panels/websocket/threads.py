"""The websocket panel's "GUI via sockets" section: a worker thread sends numbered messages
to the GUI thread three ways in turn, and a table shows what arrived, in which order and
thread, and how fast."""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
from functools import partial
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.lessons.thread_to_gui import (
    PACE_S,
    Deliveries,
    send_by_call_soon_threadsafe,
    send_by_socket,
    watch_socket,
)
from guidemo.lessons.thread_to_gui_qt import WorkerSignals, send_by_qt_signal
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import make_button, named, row, set_row, ways_table

WAYS = ("Qt signal", "call_soon_threadsafe", "socketpair + add_reader")
HEADERS = ["way", "delivered", "in order", "in GUI thread", "p50 ms", "max ms"]


class ThreadsSection(Section):
    """Count spin, run button and results table; runs the three ways as the panel's tasks.

    `halt()` tells running worker threads to finish early; `stop()` waits for them.
    """

    title = "GUI via sockets"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.task: asyncio.Task[Any] | None = None
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._deliveries: Deliveries | None = None
        self.signals = WorkerSignals(self)
        self.signals.message.connect(self._on_signal_message)

        self.count_spin = named(
            QtWidgets.QSpinBox(),
            "threadCountSpin",
            "How many numbered messages each worker thread sends",
        )
        self.count_spin.setRange(10, 20000)
        self.count_spin.setSingleStep(100)
        self.count_spin.setValue(1000)
        self.count_spin.setSuffix(" messages")
        self.button = make_button(
            "Run the three ways",
            "threadDemoButton",
            "A worker thread sends numbered messages to the GUI thread, one per ms, each way "
            "in turn",
            self.start,
        )
        self.table = ways_table(
            "threadWaysTable",
            WAYS,
            HEADERS,
            "Per way: messages that arrived, whether in order and in the GUI thread, and "
            "how long each took from the worker to the GUI thread",
            self.fontMetrics().height(),
        )

        self.lay_out(
            row("<b>GUI via sockets:</b> a worker thread sends", self.count_spin, self.button),
            self.table,
            top=0,
        )

    def start(self) -> None:
        if self.task is None:
            self.button.setEnabled(False)
            self.task = self.host.spawn(
                self._run(self.count_spin.value()), "three ways from a thread"
            )

    def halt(self) -> None:
        """Tell the worker threads to finish early (the panel is shutting down)."""
        self.stopping.set()

    async def stop(self) -> None:
        """Wait (two seconds at most) for the worker threads `halt()` told to finish."""
        for thread in self._threads:
            thread.join(timeout=2)

    @QtCore.Slot(int, float)
    def _on_signal_message(self, seq: int, sent: float) -> None:
        if self._deliveries is not None:
            self._deliveries.add(seq, sent)

    async def _run(self, count: int) -> None:
        try:
            for row in range(len(WAYS)):
                set_row(self.table, row, [WAYS[row], "…", "", "", "", ""])
            for row, way in enumerate(WAYS):
                set_row(self.table, row, [way, "running…", "", "", "", ""])
                record = await self._one_way(way, count)
                self._show_way(row, way, record)
        finally:
            self.task = None
            self.button.setEnabled(True)

    async def _one_way(self, way: str, count: int) -> Deliveries:
        """Start a worker thread that sends `count` messages `way`; wait for all of them."""
        loop = asyncio.get_running_loop()
        record = Deliveries(count)
        self._deliveries = record
        gui_end: socket.socket | None = None
        if way == WAYS[0]:
            target = partial(send_by_qt_signal, count, self.signals, self.stopping)
        elif way == WAYS[1]:
            target = partial(send_by_call_soon_threadsafe, count, loop, record.add, self.stopping)
        else:
            gui_end, worker_end = socket.socketpair()
            watch_socket(loop, gui_end, record.add)
            target = partial(send_by_socket, count, worker_end, self.stopping)
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
        set_row(
            self.table,
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
