"""The real thing's section: a batch of events posted into Qt's own queue, one of them slow,
and each one's delay from post to handler, measured."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.lessons.qt_events import EventReceiver, handle_demo_event, post_qt_events
from guidemo.panels.section import Host, Section
from guidemo.widgets import kit, palette
from guidemo.widgets.kit import make_button
from guidemo.widgets.source_marks import LineMarker, scroll_to_definition, source_line

LATE_MS = 100  # a delay this long is drawn as late
STRETCH = QtWidgets.QHeaderView.ResizeMode.Stretch  # the columns share the width


@dataclass
class Batch:
    """One batch of posted events: when it was posted, its size, its slow one, the delays."""

    t0: float  # time.perf_counter() when it was posted
    count: int
    slow_at: int
    delays_ms: list[float] = field(default_factory=list)  # post -> handler start, in order


class RealEventsSection(Section):
    """Posts a batch into Qt's queue and draws a row per event as Qt hands it over."""

    title = "The real thing: events posted into Qt's own loop"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._marker = LineMarker(host.source_view)
        self._batch: Batch | None = None
        self._receiver = EventReceiver(self)
        self._receiver.handled.connect(self._handled)

        self.real_count = kit.spin(
            "realCountSpin", 2, 40, 8, "How many events to post into Qt's queue at once"
        )
        self.real_slow_at = kit.spin(
            "realSlowAtSpin", 1, 40, 3, "Which of them has the slow handler"
        )
        self.real_slow_at.setPrefix("#")
        self.real_slow = kit.spin(
            "realSlowSpin",
            0,
            2000,
            300,
            "How long the slow handler blocks the GUI thread (it really does: see the HUD)",
            suffix=" ms",
        )
        self.real_slow.setSingleStep(50)
        post = make_button(
            "Post into Qt's loop",
            "realPostButton",
            "QCoreApplication.postEvent() each event to a receiver; measure post -> handled",
            slot=self.post,
        )
        self.real_table = kit.table(
            "realEventsTable",
            ["#", "handler", "posted +ms", "handled +ms", "delay ms", "handler ms"],
            "Each event posted into Qt's loop: its delay from post to handler start. "
            "Every event behind the slow one is late by its handler's time",
        )
        self.real_table.verticalHeader().setDefaultSectionSize(22)
        kit.keep_rows(self.real_table, 5)
        self.real_table.horizontalHeader().setSectionResizeMode(STRETCH)
        self.real_summary = kit.label(
            "Post a batch: Qt hands the events over one by one, in order.",
            "realSummaryLabel",
            "What the measured delays say",
            rich=True,
        )

        self.lay_out(
            kit.flow(
                ("Post", self.real_count, "events;"),
                ("event", self.real_slow_at, "blocks for", self.real_slow),
                post,
            ),
            (self.real_table, 1),
            self.real_summary,
        )

    def post(self) -> None:
        """Post a batch of events into Qt's queue; rows appear as Qt delivers them."""
        count, slow_at = self.real_count.value(), self.real_slow_at.value()
        self.show_code()
        self.real_table.setRowCount(0)
        self._batch = Batch(time.perf_counter(), count, slow_at)
        self.real_summary.setText(f"Posted {count} events; Qt delivers them when it gets back…")
        post_qt_events(self._receiver, count, slow_at, self.real_slow.value() / 1000)

    def show_code(self) -> None:
        """Bring post_qt_events into view and mark the slow handler's blocking line.

        Done before the events are posted: Qt repaints the view before it delivers them,
        so the marked line is on screen while the slow handler holds the window.
        """
        scroll_to_definition(self.host.source_view, post_qt_events)
        self._marker.mark(source_line(handle_demo_event, "time.sleep("), follow=True)

    def _handled(self, number: int, posted: float, started: float, done: float) -> None:
        batch = self._batch or Batch(posted, 0, 0)
        slow = number == batch.slow_at
        delay_ms, handler_ms = (started - posted) * 1000, (done - started) * 1000
        batch.delays_ms.append(delay_ms)
        row = self.real_table.rowCount()
        self.real_table.insertRow(row)
        cells = [
            str(number),
            f"slow ({handler_ms:.0f} ms)" if slow else "quick",
            f"{(posted - batch.t0) * 1000:.1f}",
            f"{(started - batch.t0) * 1000:.1f}",
            f"{delay_ms:.1f}",
            f"{handler_ms:.1f}",
        ]
        late = delay_ms > LATE_MS
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            if slow:
                item.setForeground(QtGui.QColor(palette.BAD))
            if late:
                item.setBackground(QtGui.QColor(palette.LATE_BACKGROUND))
            self.real_table.setItem(row, column, item)
        if row + 1 == batch.count:
            self._summarize(batch)

    def _summarize(self, batch: Batch) -> None:
        before, behind = batch.delays_ms[: batch.slow_at], batch.delays_ms[batch.slow_at :]
        text = f"Up to the slow one ({len(before)}): delay ≤ <b>{max(before):.1f} ms</b>."
        if behind:
            low, high = f"{min(behind):.0f}", f"{max(behind):.0f}"
            late = low if low == high else f"{low}–{high}"
            text += (
                f" Behind it ({len(behind)}): <b style='color:{palette.BAD}'>{late} ms</b> late, "
                "each one, though their own handlers take no time. The HUD saw the freeze."
            )
        self.real_summary.setText(text)
