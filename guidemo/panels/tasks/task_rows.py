"""Which tasks the `tasks` panel's table shows, in which row, and how old each one is.

A run-state model without widgets: the table section mirrors its row changes.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

LINGER_S = 3.0  # a finished task stays in the table this long, greyed, with its end state

Task = asyncio.Task[Any]


class TaskRows:
    """The tasks in the table, in row order: new ones at the end (by name), finished ones
    kept LINGER_S more, then dropped. Ages count from when a task was first seen; a task
    that already existed at the first look after the table was shown gets an "at least"
    age (`fresh_look`)."""

    def __init__(self, linger_s: float = LINGER_S) -> None:
        self.linger_s = linger_s
        self.tasks: list[Task] = []
        self.fresh_look = True  # the next update is the first look after being shown
        self._first_seen: weakref.WeakKeyDictionary[Task, tuple[float, bool]] = (
            weakref.WeakKeyDictionary()
        )
        self._ended: weakref.WeakKeyDictionary[Task, float] = weakref.WeakKeyDictionary()

    def update(self, live: set[Task], now: float) -> tuple[list[int], int]:
        """Take in the tasks alive `now`: returns the rows removed (highest first, so they
        can be removed one by one) and how many rows were appended at the end."""
        for task in live:
            if task not in self._first_seen:
                self._first_seen[task] = (now, self.fresh_look)
        self.fresh_look = False
        removed = []
        for row in reversed(range(len(self.tasks))):
            task = self.tasks[row]
            if task.done():
                ended = self._ended.setdefault(task, now)
                if now - ended > self.linger_s:
                    del self.tasks[row]
                    removed.append(row)
        known = set(self.tasks)
        new = sorted(live - known, key=lambda task: task.get_name())
        self.tasks.extend(new)
        return removed, len(new)

    def drop_finished(self) -> list[int]:
        """Drop every finished task at once (nobody looks: keep none alive); the rows
        removed, highest first."""
        removed = [row for row in reversed(range(len(self.tasks))) if self.tasks[row].done()]
        for row in removed:
            del self.tasks[row]
        return removed

    def age(self, task: Task, now: float) -> tuple[float, bool]:
        """Seconds since the task was first seen (until it ended), and whether that is
        only a lower bound because it already existed then."""
        first_seen, uncertain = self._first_seen.get(task, (now, True))
        return self._ended.get(task, now) - first_seen, uncertain
