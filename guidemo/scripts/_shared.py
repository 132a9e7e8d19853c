"""What every script does the same way: check its arguments, end well on Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

INTERRUPTED = 130  # 128 + SIGINT (2): what a shell reports for a program stopped by Ctrl+C


def arguments(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The command line of script `name`, described by the first line of its docstring."""
    first_line = (doc or "").strip().splitlines()[0]
    return argparse.ArgumentParser(prog=f"python -m guidemo.scripts.{name}", description=first_line)


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


def interrupted(what: str) -> int:
    """Say in one line that Ctrl+C stopped us, on stderr; the exit code to return."""
    print(f"Ctrl+C: {what}", file=sys.stderr)
    return INTERRUPTED


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the tasks still on the loop, let them finish, then close it.

    This is what `asyncio.run` does for you on the way out; a script that drives its own
    loop must do it too, or Python warns about tasks destroyed while pending.
    """
    left = asyncio.all_tasks(loop)
    for task in left:
        task.cancel()
    if left:
        loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
