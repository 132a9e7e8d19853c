"""Qt-free numbers shared by the monitor, the panels and the benchmark.

One percentile function for the whole project; this module imports nothing heavy, so the
benchmark's parent process and worker scripts can use it without loading Qt.
"""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float, empty: float = 0.0) -> float:
    """The value below which `fraction` of the values lie (nearest rank); `empty` if none."""
    if not values:
        return empty
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]
