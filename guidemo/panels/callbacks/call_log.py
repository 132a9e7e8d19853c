"""The callbacks panel's run state: the calls scheduled so far, numbered, and how each went.

No widgets here: the schedule section draws what this holds, one table row per call.
"""

from __future__ import annotations

import math
import threading

from guidemo.lessons.scheduling import ScheduledCall

COLUMNS = ["#", "kind", "asked for s", "ran at s", "error ms", "ran as", "thread", "state"]
NUMBER_COLUMNS = (0, 2, 3, 4, 5)  # right-aligned
ERROR_COLUMN = 4


def cancellable(call: ScheduledCall) -> bool:
    """Not run yet, and there is a handle to cancel (a worker thread's call has none yet)."""
    return call.state == "pending" and call.handle is not None


def waiting(call: ScheduledCall) -> bool:
    """Still to run: pending in the loop, or its worker thread still working."""
    return call.state in ("pending", "thread working")


def row_cells(call: ScheduledCall, t0: float) -> list[str]:
    """The table row of `call`, times shown relative to `t0` (a loop.time())."""
    ran = not math.isnan(call.ran_at)
    error = call.error_ms if ran else math.nan
    thread = call.from_thread
    if call.ran_in and call.ran_in != call.from_thread:
        thread += f" → ran in {call.ran_in}"
    return [
        str(call.number),
        call.kind,
        "" if math.isnan(call.asked_for) else f"{call.asked_for - t0:.4f}",
        f"{call.ran_at - t0:.4f}" if ran else "",
        f"{error:+.2f}{' EARLY' if error < 0 else ''}" if ran else "",
        f"{call.order}" if call.order else "",
        thread,
        call.state,
    ]


class CallLog:
    """Every call scheduled from the panel, in the order they were scheduled."""

    def __init__(self) -> None:
        self.calls: list[ScheduledCall] = []
        self.t0: float | None = None  # loop.time() of the first call, shown as 0
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

    def ran(self, call: ScheduledCall) -> None:
        """Note that `call` ran, and as which one; a cancelled call that runs says so."""
        self._ran_count += 1
        call.order = self._ran_count
        call.state = "ran" if call.state != "cancelled" else "RAN AFTER cancel()"

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
        """Keep only the calls still to run."""
        self.calls = [call for call in self.calls if waiting(call)]

    def errors_ms(self) -> list[float]:
        """How late each call that ran was (early is negative)."""
        return [call.error_ms for call in self.calls if not math.isnan(call.ran_at)]

    def cancelled_count(self) -> int:
        return sum(call.state == "cancelled" for call in self.calls)
