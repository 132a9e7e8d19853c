"""The scheduling section: buttons that ask the loop to call a plain function, and a table
of when each call was asked for and when it really ran."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from PySide6 import QtWidgets

from guidemo.lessons.scheduling import (
    ScheduledCall,
    schedule_at,
    schedule_busy,
    schedule_from_thread,
    schedule_later,
    schedule_soon,
)
from guidemo.loop import loop_name
from guidemo.panels.callbacks.call_log import LATE_MS, CallLog, cancellable
from guidemo.panels.callbacks.calls_table import CallsTable
from guidemo.panels.callbacks.soon_trace import SoonWatch
from guidemo.panels.section import Host, Section
from guidemo.widgets import kit, palette
from guidemo.widgets.kit import make_button
from guidemo.widgets.source_marks import scroll_to_definition

KINDS = {  # button -> what it schedules
    "callSoonButton": "call_soon",
    "callLaterButton": "call_later",
    "callAtButton": "call_at",
    "threadsafeButton": "call_soon_threadsafe",
}
BUSY = "busy"  # the kind of the slow callback; its row says "busy N ms"
SOURCES: dict[str, Callable[..., object]] = {  # what each kind runs, to scroll the source to
    "call_soon": schedule_soon,
    "call_later": schedule_later,
    "call_at": schedule_at,
    "call_soon_threadsafe": schedule_from_thread,
    BUSY: schedule_busy,
}
LOOP_NOTES = {
    "guidemo": "guidemo's loop: a timer is never early, only (a little) late.",
    "qasync": "stock qasync: its Qt timers can fire up to ~50 ms early.",
}
SOON_HINT = (
    "Click <b>call_soon</b>: why it runs only after the rest of the click handler and a "
    "repaint is measured here."
)


class ScheduleSection(Section):
    """Schedules callbacks of each kind on the running loop and shows how each went."""

    title = "Ask the loop to call a plain function"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.log = CallLog()
        self._stop_threads = threading.Event()
        self._threads: list[threading.Thread] = []
        self._soon = SoonWatch(self._now, self)
        self.delay_spin = kit.spin(
            "delaySpin",
            0,
            10_000,
            500,
            "Delay for call_later and call_at, and how long the worker thread works before "
            "call_soon_threadsafe (call_soon has none)",
            suffix=" ms",
        )
        self.delay_spin.setSingleStep(100)
        tips = {
            "callSoonButton": "Run the callback as soon as the loop gets to it",
            "callLaterButton": "Run the callback after the delay",
            "callAtButton": "Run the callback at loop.time() + delay",
            "threadsafeButton": (
                "A worker thread works for the delay, then hands the loop the callback"
            ),
        }
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for name, kind in KINDS.items():
            button = make_button(kind, name, tips[name])
            button.setStyleSheet("font-family: monospace;")
            button.clicked.connect(
                lambda _=False, k=kind: self.handle_click(lambda: self.schedule(k))
            )
            self.buttons[name] = button
        self.buttons["allKindsButton"] = make_button(
            "All kinds at once",
            "allKindsButton",
            "call_later(delay), call_at(now + delay/2), call_soon, a thread's "
            "call_soon_threadsafe and call_soon again, in that order: see the order they run",
            slot=lambda: self.handle_click(self.schedule_all_kinds),
        )
        self.busy_spin = kit.spin(
            "busySpin",
            0,
            5_000,
            500,
            "How long the slow callback keeps the loop busy",
            suffix=" ms",
        )
        self.busy_spin.setSingleStep(100)
        self.buttons["busyButton"] = make_button(
            "Keep the loop busy",
            "busyButton",
            "call_soon a callback that blocks the loop for this long: every call due "
            "meanwhile runs late by what is left of it (the window freezes too; the HUD "
            "names the callback)",
            slot=lambda: self.handle_click(self.keep_busy),
            role="danger",
        )
        self.buttons["cancelHandleButton"] = make_button(
            "Cancel a pending handle",
            "cancelHandleButton",
            "handle.cancel() on the selected pending call, or else the newest one",
            slot=self.cancel_handle,
        )
        self.buttons["cancelHandleButton"].setEnabled(False)
        self.buttons["clearCallsButton"] = make_button(
            "Clear",
            "clearCallsButton",
            "Clear the table and the summary (pending calls still run)",
            self._clear,
        )

        self.table = CallsTable()
        self.table.setMinimumHeight(180)
        self.summary = kit.label(
            "",
            "callbacksSummaryLabel",
            "What the measured errors say, and which loop this is",
            True,
        )
        self.soon_label = kit.label(
            SOON_HINT,
            "callSoonWhyLabel",
            "The latest call_soon asked for in a click handler: when the handler returned, "
            "when Qt repainted, and when the callback ran, measured on loop.time()",
            True,
        )
        self._summarize()

        kind_buttons = [self.buttons[name] for name in KINDS]
        other = ("allKindsButton", "cancelHandleButton", "clearCallsButton")
        self.lay_out(
            kit.flow(("Delay:", self.delay_spin), *kind_buttons),
            kit.flow(
                *(self.buttons[name] for name in other),
                (self.buttons["busyButton"], "for", self.busy_spin),
            ),
            (self.table, 1),
            self.summary,
            self.soon_label,
        )

    # --- scheduling ----------------------------------------------------------------------------
    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def handle_click(self, action: Callable[[], object]) -> None:
        """A button's slot: do what it asks, then note that the click handler is over."""
        action()
        self._soon.handler_returned()

    def schedule(self, kind: str, delay_s: float | None = None) -> ScheduledCall:
        """Schedule one callback of `kind` and add its row."""
        loop = asyncio.get_running_loop()
        delay = self.delay_spin.value() / 1000 if delay_s is None else delay_s
        shown = f"busy {delay * 1000:.0f} ms" if kind == BUSY else kind
        call = self.log.new_call(shown, loop.time())
        done = self._ran
        if kind == "call_soon":
            call.handle = schedule_soon(loop, call, done)
            self._soon.start(call.number, call.asked_for)
        elif kind == "call_later":
            call.handle = schedule_later(loop, delay, call, done)
        elif kind == "call_at":
            call.handle = schedule_at(loop, delay, call, done)
        elif kind == BUSY:
            call.handle = schedule_busy(loop, delay, call, done)
        else:
            call.state = "thread working"
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            self._threads.append(schedule_from_thread(loop, delay, call, done, self._stop_threads))
        self.table.remove(self.log.trim())
        self.table.add(call, self.log.t0 or 0.0)
        self._enable_cancel()
        scroll_to_definition(self.host.source_view, SOURCES[kind])
        return call

    def schedule_all_kinds(self) -> None:
        delay = self.delay_spin.value() / 1000
        self.schedule("call_later", delay)
        self.schedule("call_at", delay / 2)
        self.schedule("call_soon")
        self.schedule("call_soon_threadsafe", 0.0)
        self.schedule("call_soon")

    def keep_busy(self) -> None:
        """call_soon a callback that blocks the loop for the busy time."""
        self.schedule(BUSY, self.busy_spin.value() / 1000)

    def cancel_handle(self) -> None:
        """Cancel the selected pending call, or else the newest pending one."""
        pending = self.log.cancellable()
        selected = {self.table.number_at(index.row()) for index in self.table.selectedIndexes()}
        chosen = [call for call in pending if call.number in selected] or pending[-1:]
        for call in chosen:
            self.log.cancel(call)
            self._show(call)
        self._summarize()

    def _ran(self, call: ScheduledCall) -> None:
        """`done` of every callback: runs in the loop's thread, right after it noted the time."""
        self.log.ran(call)
        self._show(call)
        self._summarize()
        trace = self._soon.ran(call.number, call.ran_at)
        if trace is not None:
            self.soon_label.setText(trace.explain())

    def halt(self) -> None:
        """Tell worker threads to stop waiting, and cancel every pending handle."""
        self._soon.stop()
        self._stop_threads.set()
        for call in self.log.cancellable():
            self.log.cancel(call)

    async def stop(self) -> None:
        """Wait (a second at most) for the worker threads `halt()` told to stop."""
        for thread in self._threads:
            thread.join(timeout=1.0)

    # --- drawing -------------------------------------------------------------------------------
    def _show(self, call: ScheduledCall) -> None:
        self.table.show_call(call, self.log.t0 or 0.0)
        self._enable_cancel()

    def _enable_cancel(self) -> None:
        self.buttons["cancelHandleButton"].setEnabled(any(map(cancellable, self.log.calls)))

    def _summarize(self) -> None:
        try:
            kind = loop_name(asyncio.get_running_loop())
        except RuntimeError:
            kind = "?"
        note = LOOP_NOTES.get(kind, "")
        totals = self.log.totals
        if not totals.ran:
            text = f"Loop: <b>{kind}</b>. {note} Schedule something: each call is a row."
        else:
            text = (
                f"{totals.ran} ran; error from <b>{totals.min_error_ms:+.2f}</b> to "
                f"<b>{totals.max_error_ms:+.2f} ms</b>"
            )
            if totals.early:
                text += f", <b style='color:{palette.BAD}'>{totals.early} EARLY</b>"
            if totals.late:
                text += (
                    f", <b style='color:{palette.NOTE}'>{totals.late} over {LATE_MS} ms late</b> "
                    "(the loop was busy when they were due)"
                )
            cancelled = self.log.cancelled_count()
            text += f"; {cancelled} cancelled (never ran)."
            if self.log.forgotten:
                text += f" The table keeps the newest {self.log.keep} calls."
            text += f" Loop: <b>{kind}</b>. {note}"
        self.summary.setText(text)

    def _clear(self) -> None:
        """Forget the calls that are over (and their totals); pending ones keep their rows."""
        self.log.forget_finished()
        self.table.clear_rows()
        for call in self.log.calls:
            self.table.add(call, self.log.t0 or 0.0)
        self.soon_label.setText(SOON_HINT)
        self._enable_cancel()
        self._summarize()
