"""What every script does the same way: check its arguments, end well on Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

INTERRUPTED = 130  # 128 + SIGINT (2): what a shell reports for a program stopped by Ctrl+C


def arguments(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The command line of script `name`, described by the first line of its docstring."""
    first_line = (doc or "").strip().splitlines()[0]
    return argparse.ArgumentParser(
        prog=f"python -m guidemo.programs.{name}", description=first_line
    )


def between(kind: Callable[[str], float], low: float, high: float) -> Callable[[str], float]:
    """An argparse type that accepts a number from `low` to `high` and says so otherwise."""

    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value

    return convert


class CtrlC:
    """Ctrl+C as an ordinary callback on the loop: `action` runs between two steps.

    Left alone, Ctrl+C raises KeyboardInterrupt wherever the program is at that moment,
    maybe halfway through a task or through asyncio's own bookkeeping, which can leave
    the loop unable to finish cleanly. `asyncio.run` does this for you; a script that
    drives its own loop does it itself. Where the loop cannot (Windows), or Ctrl+C is
    ignored (a background job), nothing changes.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, action: Callable[[], object]) -> None:
        self.pressed = False
        self.action = action
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal.SIGINT, self._on_ctrl_c)

    def _on_ctrl_c(self) -> None:
        self.pressed = True
        self.action()


def interrupted(what: str) -> int:
    """Say in one line that Ctrl+C stopped us, on stderr; the exit code to return."""
    print(f"Ctrl+C: {what}", file=sys.stderr)
    return INTERRUPTED


def close_loop(loop: asyncio.AbstractEventLoop, started: Iterable[asyncio.Task[Any]] = ()) -> None:
    """Cancel the tasks still on the loop, let them finish, then close it.

    This is what `asyncio.run` does for you on the way out; a script that drives its own
    loop must do it too, or Python warns about tasks destroyed while pending. `started`:
    tasks of ours that may have ended already, e.g. by a KeyboardInterrupt raised inside
    one of them; gathering them collects that, so nobody complains it was never retrieved.
    """
    left = asyncio.all_tasks(loop)  # only those not done yet
    for task in left:
        task.cancel()
    ours = left | set(started)
    if ours:
        loop.run_until_complete(asyncio.gather(*ours, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
