"""Tab "The selector": which fds the loop waits on, which became ready, how long it slept."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.selector import (
    WATCHING,
    open_connections,
    registrations,
    waiting_share,
    what_waits,
)
from guidemo.loop import GuidemoEventLoop, Select, SelectorWatch, Sleep
from guidemo.panels.section import Host, Section
from guidemo.widgets import palette
from guidemo.widgets.kit import (
    SteadyBox,
    column,
    flow,
    keep_rows,
    label,
    log_view,
    make_button,
    named,
    set_row,
    spin,
    table,
)
from guidemo.widgets.palette import colored

REFRESH_MS = 250  # the view reads what the watch recorded this often
WINDOW_S = 1.0  # "per second": waiting and working over the last second
LINES_PER_REFRESH = 12  # ready turns listed per refresh; the rest are counted
LATENCY_S = 1.0  # each request waits this long at the demo server
HOLD_S = 3.0  # the connections stay open (idle, registered) this long after
FD_COLUMNS = ("fd", "waits for", "what waits on it", "ready, last s", "ready in all")
NO_SELECTOR = (
    "This app runs on stock qasync (--loop qasync): it has no selector of asyncio's to "
    "watch. qasync gives each socket its own QSocketNotifier and Qt's own poll() watches "
    "them, so there is no select() to record and no list of fds to show. The thread's "
    "sleeps below are Qt's, seen from its event dispatcher; run with --loop guidemo to see "
    "the fds."
)


class LiveSection(Section):
    title = "The selector"
    sources = (
        registrations,
        what_waits,
        open_connections,
        waiting_share,
        GuidemoEventLoop.watch_selector,
    )

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.watch = SelectorWatch()
        self.ready_counts: collections.Counter[int] = collections.Counter()  # since shown
        self.recent: collections.deque[tuple[float, int]] = collections.deque()  # (at, fd)
        self.sleeps: collections.deque[Sleep] = collections.deque()  # the last WINDOW_S
        self.names: dict[int, str] = {}  # fd -> what waits on it, as last seen
        self.shown_since = 0.0
        self.watching = False  # the watch is attached (while shown, once the loop ran)
        self.connecting: asyncio.Task[Any] | None = None
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

        self.count_spin = spin(
            "selectorConnectionsSpin", 1, 20, 5, "How many requests to send at once"
        )
        self.open_button = make_button(
            "Open connections",
            "openConnectionsButton",
            f"Fetch from the demo server with that many requests at once, each answered after "
            f"{LATENCY_S:g} s: each opens a connection, a new fd in the table, ready when its "
            f"answer arrives; they stay open {HOLD_S:g} s, idle",
            self.start_connections,
            role="good",
        )
        self.note = label("", "selectorNote", "What this loop can show, and where the server is")
        self.fds = table(
            "selectorFds", FD_COLUMNS, "Every fd the loop's selector watches now, and what "
            "waits on it (asyncio's callback for it)",
        )  # fmt: skip
        keep_rows(self.fds, 6)
        header = self.fds.horizontalHeader()
        header.setStretchLastSection(False)
        for at in range(len(FD_COLUMNS)):
            fit = QtWidgets.QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(
                at, QtWidgets.QHeaderView.ResizeMode.Stretch if at == 2 else fit
            )
        self.turn_log = log_view(
            "selectorTurns",
            "Each turn that found an fd ready: how long the thread slept before it, which fds",
            "Open connections: their answers show up here as ready fds",
            max_lines=300,
        )
        self.turn_log.setMinimumHeight(110)
        view = named(
            QtWidgets.QWidget(),
            "selectorView",
            "The selector under guidemo's loop, live: the fds it watches, the turns that "
            "found one ready, and how long the thread waited",
        )
        column((self.fds, 3), (self.turn_log, 2), top=0, into=view)
        self.summary = label(
            "", "selectorSummaryLabel", "Over the last second: time asleep (waiting) and awake"
        )
        self.summary_box = SteadyBox(self.summary, 2)
        self.lay_out(
            flow("requests", self.count_spin, self.open_button),
            self.note,
            self.summary_box,
            (view, 1),
            top=4,
        )
        self._show_note()

    # --- what the learner does ---------------------------------------------------------
    def start_connections(self) -> None:
        if self.connecting is not None:
            return
        self.open_button.setEnabled(False)
        self.connecting = self.host.spawn(self._connections(), "open connections")

    async def _connections(self) -> None:
        count = self.count_spin.value()
        url = self.host.context.server_url
        try:
            took = await open_connections(url, count, LATENCY_S, HOLD_S)
            self.turn_log.appendPlainText(
                f"--- {count} answers after {min(took):.2f}-{max(took):.2f} s, all at once "
                f"(not {count * LATENCY_S:g} s): one thread waited for every fd together; "
                "the connections are closed now"
            )
        finally:
            self.connecting = None
            self.open_button.setEnabled(True)

    def busy(self) -> bool:
        return self.connecting is not None

    # --- recording only while shown ----------------------------------------------------
    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()  # the first refresh attaches the watch, inside the loop

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        super().hideEvent(event)
        self._stop_watching()

    def _stop_watching(self) -> None:
        self._timer.stop()
        self.watch.detach()  # unwatched, the loop runs its selector untouched
        self.watching = False
        self.ready_counts.clear()
        self.recent.clear()
        self.sleeps.clear()

    async def stop(self) -> None:
        self._stop_watching()

    # --- drawing -----------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.watching:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # Qt runs without asyncio (a test's wait): nothing to watch
                return
            self.watch.attach(loop)
            self.watching = True
            self.shown_since = time.perf_counter()
            return
        now = time.perf_counter()
        selects, sleeps, turns = self.watch.take()
        self.sleeps.extend(sleeps)
        while self.sleeps and self.sleeps[0].end < now - WINDOW_S:
            self.sleeps.popleft()
        for select in selects:
            for fd, _events in select.ready:
                self.ready_counts[fd] += 1
                self.recent.append((select.at, fd))
        while self.recent and self.recent[0][0] < now - WINDOW_S:
            self.recent.popleft()
        self._draw_fds()
        self._log_turns(selects)
        self._draw_summary(now, turns, len(selects))

    def _draw_fds(self) -> None:
        if not self.watch.has_selector:
            self._show_rows([["-", "-", "(qasync: no selector of asyncio's)", "-", "-"]])
            return
        found = registrations(self.watch.registered())
        self.names = {reg.fd: reg.what for reg in found}
        last_second = collections.Counter(fd for _, fd in self.recent)
        rows = [
            [str(reg.fd), reg.watching, reg.what, str(last_second[reg.fd]),
             str(self.ready_counts[reg.fd])]
            for reg in found
        ]  # fmt: skip
        self._show_rows(rows)

    def _show_rows(self, rows: list[list[str]]) -> None:
        """Only the cells whose text changed are touched (the items stay: a table that
        replaced its items four times a second made Qt delete and allocate thousands)."""
        t = self.fds
        t.setUpdatesEnabled(False)
        if t.rowCount() != len(rows):
            t.setRowCount(len(rows))
        for at, cells in enumerate(rows):
            for place, text in enumerate(cells):
                item = t.item(at, place)
                if item is None:
                    set_row(t, at, cells)
                    break
                if item.text() != text:
                    item.setText(text)
        t.setUpdatesEnabled(True)

    def _log_turns(self, selects: list[Select]) -> None:
        """One line per turn that found an fd ready, with how long the thread slept before."""
        lines = []
        for select in selects[:LINES_PER_REFRESH]:
            if select.slept is None:
                before = "no sleep before it (the thread was busy),"
            else:
                before = f"after {select.slept * 1000:6.1f} ms asleep,"
            fds = ", ".join(
                f"fd {fd} {WATCHING[events]} ({self.names.get(fd, '?').split(':')[0]})"
                for fd, events in select.ready
            )
            lines.append(f"+{select.at - self.shown_since:8.3f} s  {before} ready: {fds}")
        if len(selects) > LINES_PER_REFRESH:
            lines.append(f"           ... and {len(selects) - LINES_PER_REFRESH} more turns")
        if lines:
            self.turn_log.appendPlainText("\n".join(lines))

    def _draw_summary(self, now: float, turns: int, found_ready: int) -> None:
        since = max(now - WINDOW_S, self.shown_since)
        span = now - since
        if span <= 0:
            return
        waiting = waiting_share(((s.start, s.end) for s in self.sleeps), since, now)
        per_s = 1000 / REFRESH_MS
        self.summary.setText(
            f"Per second: waiting {waiting * 1000:.0f} ms, working {(1 - waiting) * 1000:.0f} "
            f"ms (the thread asleep in poll() {waiting:.0%} of the time); "
            + (
                f"{turns * per_s:.0f} asyncio turns/s, {found_ready * per_s:.0f} found an fd ready."
                if self.watch.has_selector
                else "no selector of asyncio's to count turns on (qasync)."
            )
        )

    def _show_note(self) -> None:
        thread = (
            f"The demo server at {self.host.context.server_url} runs its own loop on its own "
            "thread: its listening socket and its ends of the connections are in that loop's "
            "selector, not in this one."
        )
        if self.host.context.loop_kind == "guidemo":
            self.note.setText(thread)
        else:
            self.note.setTextFormat(QtCore.Qt.TextFormat.RichText)
            self.note.setText(colored(NO_SELECTOR, palette.NOTE) + "<br>" + thread)
