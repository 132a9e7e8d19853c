"""The slow jobs the panels run: one that waits, one that computes.

Both are plain blocking functions, exactly the kind that must never run in a GUI's
event handler. They take an optional `cancel` event because Python cannot kill a
thread: a job that should be stoppable from outside has to look at a flag itself.
They live in a module without Qt so a worker process can import them cheaply.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

Job = Callable[..., Any]  # called as job(seconds) or job(seconds, cancel)


def slow_sleep(seconds: float, cancel: threading.Event | None = None) -> float:
    """Block the calling thread for `seconds`, like time.sleep(); return the time slept."""
    start = time.perf_counter()
    if cancel is None:
        time.sleep(seconds)
    else:
        cancel.wait(seconds)  # the same blocking wait, but it wakes up when cancelled
    return time.perf_counter() - start


def busy_cpu(seconds: float, cancel: threading.Event | None = None) -> int:
    """Keep the CPU busy in pure Python for about `seconds`; return how many loops ran.

    Pure-Python work holds the GIL, so in a thread it still competes with the GUI thread.
    """
    deadline = time.perf_counter() + seconds
    loops = 0
    while time.perf_counter() < deadline:
        for _ in range(10_000):
            loops += 1
        if cancel is not None and cancel.is_set():
            break
    return loops


JOBS: dict[str, Job] = {"sleep": slow_sleep, "cpu": busy_cpu}
