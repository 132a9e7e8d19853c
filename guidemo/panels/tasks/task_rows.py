"""What the `tasks` panel's tables show: which tasks, for how long, and each cell's text.

A run-state model without widgets: the table sections mirror its row changes and show
its cells. Refreshing is incremental: a task that took no step since the last look is
parked at the same `await`, so its chain of awaits is not looked up again.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, NamedTuple

from guidemo.lessons.task_inspection import awaiting_chain, task_state
from guidemo.task_accounting import LOCATE_ABOVE_S, TaskStats, stats_of

LINGER_S = 3.0  # a finished task stays in the live table this long, greyed, with its end state

Task = asyncio.Task[Any]


class Cell(NamedTuple):
    text: str
    key: float | str  # what sorting compares: numbers as numbers
    tip: str = ""


LIVE_COLUMNS = (
    ("task", "The task's name (panels name theirs \"panel: job\")"),
    ("state", "pending, cancelling, cancelled or finished"),
    ("age s", "Seconds since the task was created (≥: it existed before accounting or "
     "before this panel first looked: counted from then)"),
    ("awaiting (outer → inner)", "Where the task is parked: its coroutines, outermost "
     "first, down to the future that will wake it; hover for file:line"),
    ("steps", "How many times the loop ran a step of this task (one step: from an await "
     "to the next)"),
    ("busy ms", "Time inside the task's steps: the loop ran this task's code"),
    ("waited ms", "Time the task was ready (its future done, or just created) but the "
     "loop was running other code first: waiting to run"),
    ("idle ms", "Time the task was awaiting something not yet done: age - busy - waited"),
    ("slowest ms", "The task's longest single step: the longest it held the loop"),
    ("slowest step at", "Where the slowest step stopped: the await it reached, or the "
     f"line that raised (only looked up for steps of {LOCATE_ABOVE_S * 1000:g} ms or more: "
     "looking costs more than a short step takes)"),
    ("created at", "The code that created the task (asyncio's own frames and helpers "
     "such as a panel's spawn() skipped)"),
)  # fmt: skip

FINISHED_COLUMNS = (
    ("task", "The task's name"),
    ("outcome", "finished (returned), cancelled, or failed with an exception"),
    ("lived s", "From its creation to its end"),
    *LIVE_COLUMNS[4:],
    ("cancelled by", "Who called cancel(): the task that was running then and the line, "
     "or the function if no task was running (a click handler), or the asyncio helper "
     "(a timeout, a TaskGroup)"),
)  # fmt: skip

NONE = Cell("—", -1.0, "created while per-task accounting was off")


def ms(seconds: float, partial: bool = False) -> Cell:
    return Cell(f"{'≥ ' if partial else ''}{seconds * 1000:,.0f}", seconds)


def account_cells(stats: TaskStats | None, now: float) -> list[Cell]:
    """steps, busy, waited, idle, slowest, slowest at, created at."""
    if stats is None:
        return [NONE] * 7
    partial = stats.partial
    idle = Cell("—", -1.0, "accounting was off for a while") if partial else ms(stats.idle(now))
    short = f"under {LOCATE_ABOVE_S * 1000:g} ms"
    slowest_at = stats.slowest_at or (short if stats.steps else "no step yet")
    return [
        Cell(f"{'≥ ' if partial else ''}{stats.steps:,}", stats.steps),
        ms(stats.busy, partial),
        ms(stats.waiting_now(now), partial),
        idle,
        Cell(f"{stats.slowest * 1000:,.1f}", stats.slowest),
        Cell(slowest_at, slowest_at, stats.slowest_at),
        Cell(stats.created_at, stats.created_at, stats.created_at),
    ]


def finished_cells(stats: TaskStats, now: float) -> list[Cell]:
    """One row of the finished-tasks table."""
    cancelled_by = stats.cancelled_by or ("" if stats.outcome != "cancelled" else "?")
    lived = stats.lifetime(now)
    return [
        Cell(stats.name, stats.name.lower()),
        Cell(stats.outcome, stats.outcome),
        Cell(f"{lived:,.1f}", lived),
        *account_cells(stats, now),
        Cell(cancelled_by, cancelled_by, cancelled_by),
    ]


class TaskRows:
    """The tasks in the live table: new ones added (by name), finished ones kept LINGER_S
    more, then dropped. Ages count from creation when the task is accounted, else from
    when it was first seen; a task that already existed at the first look after the table
    was shown then gets an "at least" age (`fresh_look`)."""

    def __init__(self, linger_s: float = LINGER_S) -> None:
        self.linger_s = linger_s
        self.tasks: list[Task] = []  # in the order they were added
        self.fresh_look = True  # the next update is the first look after being shown
        self._first_seen: weakref.WeakKeyDictionary[Task, tuple[float, bool]] = (
            weakref.WeakKeyDictionary()
        )
        self._ended: weakref.WeakKeyDictionary[Task, float] = weakref.WeakKeyDictionary()
        # the chain of awaits last looked up, and the step count it was looked up at
        self._chains: weakref.WeakKeyDictionary[Task, tuple[int, Cell]] = (
            weakref.WeakKeyDictionary()
        )

    def update(self, live: set[Task], now: float) -> tuple[list[Task], list[Task]]:
        """Take in the tasks alive `now`: returns the tasks to remove from the table and
        the tasks to add (in that order)."""
        for task in live:
            if task not in self._first_seen:
                self._first_seen[task] = (now, self.fresh_look)
        self.fresh_look = False
        removed = []
        kept = []
        for task in self.tasks:
            if task.done():
                ended = self._ended.setdefault(task, now)
                if now - ended > self.linger_s:
                    removed.append(task)
                    continue
            kept.append(task)
        known = set(kept)
        added = sorted(live - known, key=lambda task: task.get_name())
        self.tasks = kept + added
        return removed, added

    def drop_finished(self) -> list[Task]:
        """Drop every finished task at once (nobody looks: keep none alive)."""
        removed = [task for task in self.tasks if task.done()]
        self.tasks = [task for task in self.tasks if not task.done()]
        return removed

    def age(self, task: Task, now: float) -> tuple[float, bool]:
        """Seconds since the task was created (or first seen, if it is not accounted),
        until it ended, and whether that is only a lower bound."""
        stats = stats_of(task)
        if stats is not None:
            return stats.lifetime(now), False
        first_seen, uncertain = self._first_seen.get(task, (now, True))
        return self._ended.get(task, now) - first_seen, uncertain

    def chain(self, task: Task, stats: TaskStats | None) -> Cell:
        """The awaiting column; looked up again only after the task took a step."""
        if task.done():
            return Cell("—", "")
        steps = stats.steps if stats is not None and not stats.partial else -1
        cached = self._chains.get(task)
        if cached is not None and cached[0] == steps >= 0:
            return cached[1]
        chain = awaiting_chain(task)
        text = " → ".join(name for name, _ in chain) or "—"
        cell = Cell(text, text, "\n".join(f"{name}  {where}" for name, where in chain))
        self._chains[task] = (steps, cell)
        return cell

    def cells(self, task: Task, now: float) -> list[Cell]:
        """The live table's row for `task` (LIVE_COLUMNS)."""
        stats = stats_of(task)
        age, uncertain = self.age(task, now)
        state = task_state(task)
        tip = ""
        if stats is not None and stats.cancelled_by:
            tip = f"cancelled by {stats.cancelled_by}"
        elif stats is not None and stats.outcome.startswith("failed"):
            tip = stats.outcome
        name = task.get_name()
        return [
            Cell(name, name.lower(), name),
            Cell(state, state, tip),
            Cell(f"{'≥ ' if uncertain else ''}{age:.1f}", age),
            self.chain(task, stats),
            *account_cells(stats, now),
        ]
