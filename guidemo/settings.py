"""Reading what the app remembered (zoom, size, last panel, tour step), whatever the file says.

The settings file is plain text that people, other versions and crashes may have left in
any state. A value that cannot be read (not a number, not finite, out of range, a panel
that does not exist) is ignored: the default is used and one line on stderr names the
file and the key, so the app always starts and the user can find what was wrong.
Qt-free: `settings` is anything with QSettings' `value`, `contains` and `fileName`.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Collection
from typing import Protocol, TypeVar

T = TypeVar("T")
SHOWN_CHARS = 40  # of a bad value, in the warning (a 5,000-digit one would flood it)
_INT = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²" or "٣" are digits to isdigit()
_FLOAT = re.compile(r"[0-9]{1,9}(\.[0-9]{0,9})?|\.[0-9]{1,9}")


class Stored(Protocol):
    def value(self, key: str) -> object: ...
    def contains(self, key: str) -> bool: ...
    def fileName(self) -> str: ...


def read(settings: Stored, key: str, default: T, parse: Callable[[object], T]) -> T:
    """`parse(value)` of `key`, or `default` if it is missing or `parse` raises ValueError."""
    if not settings.contains(key):
        return default
    value = settings.value(key)
    try:
        return parse(value)
    except ValueError as error:
        shown = str(value)
        if len(shown) > SHOWN_CHARS:
            shown = f"{shown[:SHOWN_CHARS]}... ({len(shown):,} characters)"
        print(
            f"guidemo: ignored {key}={shown!r} in {settings.fileName()} ({error}); using {default}",
            file=sys.stderr,
        )
        return default


def read_float(settings: Stored, key: str, default: float, low: float, high: float) -> float:
    """A finite number from `low` to `high`."""

    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("not a number")
        if isinstance(value, str) and not _FLOAT.fullmatch(value.strip()):
            raise ValueError("not a number")
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            raise ValueError(f"not from {low:g} to {high:g}")
        return number

    return read(settings, key, default, parse)


def read_int(settings: Stored, key: str, default: int, low: int, high: int) -> int:
    """A whole number from `low` to `high`."""

    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("not a whole number")
        if isinstance(value, str) and not _INT.fullmatch(value.strip()):
            raise ValueError("not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"not from {low} to {high}")
        return number

    return read(settings, key, default, parse)


def read_choice(settings: Stored, key: str, default: str, choices: Collection[str]) -> str:
    """One of `choices` (e.g. a panel's slug)."""

    def parse(value: object) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValueError("not one of the known names")
        return value

    return read(settings, key, default, parse)
