"""The callbacks panel's run state: the calls scheduled so far, numbered, and how each went.

No widgets here: the schedule section draws what this holds, one table row per call. The
log is bounded: it keeps the newest `keep` calls (and any older one still to run), while
its totals count every call, so a long session costs no more per click than a short one.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from guidemo.lessons.scheduling import ScheduledCall

COLUMNS = ["#", "kind", "asked for s", "ran at s", "error ms", "ran as", "thread", "state"]
NUMBER_COLUMNS = (0, 2, 3, 4, 5)  # right-aligned
ERROR_COLUMN = 4
KEEP_CALLS = 200  # rows in the table; older finished calls are forgotten (totals keep them)
LATE_MS = 100  # a call this late is drawn as late: the loop was busy when it was due


def cancellable(call: ScheduledCall) -> bool:
    """Not run yet, and there is a handle to cancel (a worker thread's call has none yet)."""
    return call.state == "pending" and call.handle is not None


def waiting(call: ScheduledCall) -> bool:
    """Still to run: pending in the loop, or its worker thread still working."""
    return call.state in ("pending", "thread working")


def ran(call: ScheduledCall) -> bool:
    return not math.isnan(call.ran_at)


def row_cells(call: ScheduledCall, t0: float) -> list[str]:
    """The table row of `call`, times shown relative to `t0` (a loop.time())."""
    error = call.error_ms if ran(call) else math.nan
    thread = call.from_thread
    if call.ran_in and call.ran_in != call.from_thread:
        thread += f" → {call.ran_in}"  # asked from a worker, ran in the loop's thread
    return [
        str(call.number),
        call.kind,
        "" if math.isnan(call.asked_for) else f"{call.asked_for - t0:.4f}",
        f"{call.ran_at - t0:.4f}" if ran(call) else "",
        f"{error:+.2f}{' EARLY' if error < 0 else ''}" if ran(call) else "",
        f"{call.order}" if call.order else "",
        thread,
        call.state,
    ]


@dataclass
class Totals:
    """What every call that ran since the last Clear did, shown in the table or not."""

    ran: int = 0
    min_error_ms: float = math.inf
    max_error_ms: float = -math.inf
    early: int = 0
    late: int = 0  # by more than LATE_MS

    def add(self, error_ms: float) -> None:
        self.ran += 1
        self.min_error_ms = min(self.min_error_ms, error_ms)
        self.max_error_ms = max(self.max_error_ms, error_ms)
        self.early += error_ms < 0
        self.late += error_ms > LATE_MS


class CallLog:
    """The calls scheduled from the panel, in order: the newest `keep`, and totals of all."""

    def __init__(self, keep: int = KEEP_CALLS) -> None:
        self.keep = keep
        self.calls: list[ScheduledCall] = []  # shown, oldest first
        self.t0: float | None = None  # loop.time() of the first call, shown as 0
        self.totals = Totals()
        self.forgotten = 0  # calls dropped from `calls` since the last Clear
        self._forgotten_cancelled = 0
        self._next_number = 1
        self._ran_count = 0

    def new_call(self, kind: str, now: float) -> ScheduledCall:
        """A new numbered call of `kind`, scheduled from this thread at loop.time() `now`."""
        if self.t0 is None:
            self.t0 = now
        call = ScheduledCall(self._next_number, kind, from_thread=threading.current_thread().name)
        self._next_number += 1
        self.calls.append(call)
        return call

    def trim(self) -> list[ScheduledCall]:
        """Forget the oldest finished calls beyond `keep`; return them (their rows go too).

        Calls still to run are kept whatever their age: their rows must still change.
        """
        excess = len(self.calls) - self.keep
        if excess <= 0:
            return []
        gone: list[ScheduledCall] = []
        kept: list[ScheduledCall] = []
        for call in self.calls:
            if len(gone) < excess and not waiting(call):
                gone.append(call)
            else:
                kept.append(call)
        self.calls = kept
        self.forgotten += len(gone)
        self._forgotten_cancelled += sum(call.state == "cancelled" for call in gone)
        return gone

    def ran(self, call: ScheduledCall) -> None:
        """Note that `call` ran, and as which one; a cancelled call that runs says so."""
        self._ran_count += 1
        call.order = self._ran_count
        call.state = "ran" if call.state != "cancelled" else "RAN AFTER cancel()"
        self.totals.add(call.error_ms)

    def cancel(self, call: ScheduledCall) -> None:
        """handle.cancel(): the loop will skip it."""
        if call.handle is not None:
            call.handle.cancel()
        call.state = "cancelled"

    def cancellable(self) -> list[ScheduledCall]:
        return [call for call in self.calls if cancellable(call)]

    def all_done(self) -> bool:
        return not any(map(waiting, self.calls))

    def forget_finished(self) -> None:
        """Clear: keep only the calls still to run, and start the totals afresh."""
        self.calls = [call for call in self.calls if waiting(call)]
        self.totals = Totals()
        self.forgotten = self._forgotten_cancelled = 0

    def cancelled_count(self) -> int:
        shown = sum(call.state == "cancelled" for call in self.calls)
        return shown + self._forgotten_cancelled
