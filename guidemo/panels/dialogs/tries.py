"""What one try of a way to open a dialog did to the loop: the numbers the table shows.

Qt-free (tested without a window): the panel snapshots its counters when the dialog
opens and when it closes, and hands over the pauses and refused task wake-ups it saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from guidemo.widgets import palette

# The three ways, by button: (short name for the table, task name).
WAYS = {
    "exec": "exec() in a coroutine",
    "await": "await ask(dialog)",
    "slot": "exec() in a plain slot",
}
KEPT_GOING_TICKS = 3  # task ticks while the dialog was open: the loop kept going
COLUMNS = [
    "way",
    "answer",
    "open (s)",
    "task ticks",
    "call_later ticks",
    "kB downloaded",
    "pause recorded / error",
]


@dataclass(frozen=True)
class Counters:
    """The panel's live counters at one moment."""

    at: float  # time.perf_counter()
    task_ticks: int = 0
    callback_ticks: int = 0
    nbytes: int = 0


@dataclass
class Try:
    """One dialog opened one way, and what the loop did while it was open."""

    way: str  # a key of WAYS
    period_s: float  # the tickers' period
    opened: Counters
    closed: Counters
    answer: str = ""  # "OK", "Cancel", "closed by itself"
    pauses: list[tuple[float, str]] = field(default_factory=list)  # (duration_s, where)
    refused: list[str] = field(default_factory=list)  # "Cannot enter into task" messages
    loop_kind: str = "guidemo"

    @property
    def open_s(self) -> float:
        return self.closed.at - self.opened.at

    @property
    def expected_ticks(self) -> int:
        return round(self.open_s / self.period_s)

    @property
    def task_ticks(self) -> int:
        return self.closed.task_ticks - self.opened.task_ticks

    @property
    def callback_ticks(self) -> int:
        return self.closed.callback_ticks - self.opened.callback_ticks

    @property
    def nbytes(self) -> int:
        return self.closed.nbytes - self.opened.nbytes

    @property
    def kept_going(self) -> bool:
        """The loop ran its tasks while the dialog was open. Held, it runs none: a few
        ticks are the least that cannot be a tick at the edges. (A share of the ticks due
        did not hold on a busy machine: 69 of ~100, then 24 of ~140 beside a second test
        suite, both called "asyncio stood still" by bars of 80 % and 25 %.)"""
        return self.task_ticks >= KEPT_GOING_TICKS

    def pause_text(self) -> str:
        if self.pauses:
            return "; ".join(f"{seconds:.2f} s by {where}" for seconds, where in self.pauses)
        if self.loop_kind != "guidemo":
            return "none: stock qasync records no pauses"
        return "none"

    def cells(self) -> list[str]:
        """The row of the results table."""
        return [
            WAYS[self.way],
            self.answer,
            f"{self.open_s:.2f}",
            f"{self.task_ticks} of ~{self.expected_ticks}",
            str(self.callback_ticks),
            f"{self.nbytes / 1000:.1f}",
            self.pause_text(),
        ]

    def color(self) -> str:
        return palette.GOOD if self.kept_going else palette.BAD

    def summary_html(self) -> str:
        """One sentence on what happened, for the label above the table."""
        name = f"<b>{WAYS[self.way]}</b>"
        numbers = (
            f"{self.task_ticks} of ~{self.expected_ticks} task ticks, "
            f"{self.callback_ticks} call_later ticks, {self.nbytes / 1000:.1f} kB downloaded"
        )
        if self.kept_going:
            pause = {True: "; a pause was recorded", False: "; no pause"}[bool(self.pauses)]
            why = (
                " Qt called the slot, not asyncio: the nested loop ran asyncio's turns as usual."
                if self.way == "slot"
                else ""
            )
            return (
                f"{name}: the dialog was open {self.open_s:.2f} s and the loop "
                f"<b style='color:{palette.GOOD}'>kept going</b>: {numbers}"
                f"{pause if self.loop_kind == 'guidemo' else ''}.{why}"
            )
        if self.loop_kind != "guidemo":
            refused = (
                f" ({len(self.refused)} RuntimeError(s), rows below). "
                f"<span style='color:{palette.NOTE}'>A refused task is stuck for good; the panel "
                "delivered its wake-up again once the dialog closed.</span>"
                if self.refused
                else "."
            )
            return (
                f"{name}: open {self.open_s:.2f} s. qasync kept running plain callbacks inside "
                "the dialog's nested loop (the call_later ticks), but "
                f"<b style='color:{palette.BAD}'>"
                f"no task could take a step</b> while the dialog's task was mid-step: "
                f"{numbers}{refused}"
            )
        held = f" The HUD recorded it: asyncio paused {self.pause_text()}." if self.pauses else ""
        return (
            f"{name}: the dialog was open {self.open_s:.2f} s and "
            f"<b style='color:{palette.BAD}'>asyncio stood still</b>: {numbers}.{held}"
        )


def short_refusal(message: str) -> str:
    """ "Cannot enter into task 'dialogs: ticker' while another task 'dialogs: ...' is
    being executed": asyncio's message with each task's long repr cut to its name."""
    names = re.findall(r"name='([^']*)'", message)
    if len(names) != 2 or not message.startswith("Cannot enter into task"):
        return message
    return (
        f"RuntimeError: Cannot enter into task '{names[0]}' while another task "
        f"'{names[1]}' is being executed"
    )
