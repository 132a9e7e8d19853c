"""Qt-free numbers shared by the monitor, the panels and the benchmark.

One percentile function for the whole project, and how long a thread waited for a CPU;
this module imports nothing heavy, so the benchmark's parent process and worker scripts
can use it without loading Qt.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float, empty: float = 0.0) -> float:
    """The value below which `fraction` of the values lie (nearest rank); `empty` if none."""
    if not values:
        return empty
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


class CpuWait:
    """How long the calling thread has waited, runnable, for a CPU so far (seconds), from
    /proc/thread-self/schedstat; always 0 where the kernel does not say. One read of an
    open file: cheap enough for every heartbeat."""

    def __init__(self, native_id: int | None = None) -> None:
        """The calling thread's, or the thread of this process with `native_id`."""
        path = (
            f"/proc/self/task/{native_id}/schedstat" if native_id else "/proc/thread-self/schedstat"
        )
        try:
            self._fd: int | None = os.open(path, os.O_RDONLY)
        except OSError:
            self._fd = None

    @property
    def known(self) -> bool:
        """Whether the kernel says (else times() is always (0, 0))."""
        return self._fd is not None

    def __call__(self) -> float:
        return self.times()[1]

    def times(self) -> tuple[float, float]:
        """(on a CPU, waiting for one) so far, in seconds: (0, 0) where the kernel does not
        say. Time asleep, or waiting for a lock (the GIL), is in neither."""
        if self._fd is None:
            return 0.0, 0.0
        try:
            fields = os.pread(self._fd, 128, 0).split()
            return int(fields[0]) / 1e9, int(fields[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0, 0.0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
