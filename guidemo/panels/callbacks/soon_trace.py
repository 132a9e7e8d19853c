"""Why a call_soon asked for in a click handler runs when it does: measured, not told.

While the call waits for its turn, `SoonWatch` notes when the click handler returned and
every widget Qt painted meanwhile (an application-wide event filter, installed only for
those few milliseconds); when the callback runs, `SoonTrace.explain()` lays the measured
times side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore

from guidemo.widgets import palette


@dataclass
class SoonTrace:
    """One call_soon from asking to running, in loop.time() seconds."""

    number: int
    asked: float
    handler_done: float = math.nan  # the click handler that asked returned
    first_paint: float = math.nan  # Qt painted a widget (the first and the last of them)
    last_paint: float = math.nan
    paints: int = 0
    ran: float = math.nan

    def painted(self, now: float) -> None:
        if not self.paints:
            self.first_paint = now
        self.last_paint = now
        self.paints += 1

    def explain(self) -> str:
        """What came between asking and running, as rich text with the measured times."""

        def ms(at: float) -> str:
            return f"+{(at - self.asked) * 1000:.1f} ms"

        steps = []
        if not math.isnan(self.handler_done):
            steps.append(
                f"① the rest of the click handler ran first (adding this row, pointing the "
                f"source view at the code): it returned at <b>{ms(self.handler_done)}</b>"
            )
        if self.paints:
            steps.append(
                f"② Qt repainted the window: {self.paints} widget paint(s) from "
                f"{ms(self.first_paint)} to <b>{ms(self.last_paint)}</b>"
            )
        else:
            steps.append("② no repaint came in between")
        steps.append(f"③ then the loop's turn: the callback ran at <b>{ms(self.ran)}</b>")
        why = "<i>Soon</i> means at the loop's next turn, not now: the handler that asked "
        why += "returns first"
        if self.paints:
            why += ", and Qt handles the events already waiting (this repaint) before it "
            why += "gives asyncio its turn"
        return (
            f"<b>Why call_soon #{self.number} ran {ms(self.ran)[1:]} after it was asked</b> "
            f"<span style='color:{palette.MUTED}'>(measured)</span>: "
            + "; ".join(steps)
            + f". {why}. <span style='color:{palette.BAD}'>A slow handler, or a slow callback "
            "ahead of it in the queue, makes it later still.</span>"
        )


class SoonWatch(QtCore.QObject):
    """Follows one call_soon (the latest asked for) until it runs."""

    def __init__(self, clock: Callable[[], float], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.trace: SoonTrace | None = None  # the one being followed, or the last one run
        self._watching = False

    def start(self, number: int, asked: float) -> None:
        """Follow call_soon `number`, asked for at loop.time() `asked`."""
        self.trace = SoonTrace(number, asked)
        if not self._watching:
            app = QtCore.QCoreApplication.instance()
            if app is not None:
                app.installEventFilter(self)
                self._watching = True

    def handler_returned(self) -> None:
        """The click handler is over (called right after a button's slot)."""
        trace = self.trace
        if trace is not None and math.isnan(trace.ran) and math.isnan(trace.handler_done):
            trace.handler_done = self._clock()

    def ran(self, number: int, at: float) -> SoonTrace | None:
        """Call `number` ran at `at`: the finished trace, if it was the one followed."""
        trace = self.trace
        if trace is None or trace.number != number:
            return None
        trace.ran = at
        self.stop()
        return trace

    def stop(self) -> None:
        if self._watching:
            app = QtCore.QCoreApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            self._watching = False

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and self.trace is not None:
            self.trace.painted(self._clock())
        return False
