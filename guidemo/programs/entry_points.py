"""Modern entry points: why get_event_loop() warns or fails, asyncio.run, Runner, eager tasks.

python -m guidemo.programs.entry_points    (or: pythonX.Y path/to/entry_points.py)

The lecture starts its programs with `loop = asyncio.get_event_loop()`. Outside a running
loop that call is deprecated: Python 3.12 and 3.13 warn (DeprecationWarning) when there is
no current loop, 3.14 raises RuntimeError, and every version since 3.10 raises once
`asyncio.run` has run. Each part below runs for real, with the warning caught and shown.
It needs only the standard library, so any Python 3.11+ runs this file as it is (the
scripts panel runs it on each one it finds).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import warnings
from typing import Any

INTERRUPTED = 130  # 128 + SIGINT, as the other scripts (standalone: no shared module)


def get_event_loop_caught() -> str:
    """Call the lecture's get_event_loop(); say what it returned, warned or raised."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")  # every warning recorded, none printed
        try:
            loop = asyncio.get_event_loop()
            result = f"returned a {type(loop).__name__}, not running"
            loop.close()  # (a loop nobody runs: close it, or Python warns at exit)
            asyncio.set_event_loop(None)
        except RuntimeError as error:
            result = f"raised RuntimeError: {error}"
    said = "".join(f"; caught {w.category.__name__}: {w.message}" for w in seen)
    return result + (said or ("" if "raised" in result else "; no warning"))


def the_lectures_way() -> None:
    """`asyncio.get_event_loop()` with no loop running: what this Python does."""
    print("1. asyncio.get_event_loop() at the top of a fresh program:")
    print(f"   {get_event_loop_caught()}")
    print("   (3.11: no warning; 3.12 and 3.13: DeprecationWarning; 3.14: RuntimeError)")


async def where_am_i(label: str) -> asyncio.AbstractEventLoop:
    """A coroutine asks for the loop it runs on with get_running_loop(): never deprecated."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.01)
    print(f"   {label}: running on loop {id(loop):#x}")
    return loop


def with_asyncio_run() -> None:
    """asyncio.run: a new loop for each call, closed at the end; then no current loop is left."""
    print("2. asyncio.run(where_am_i()), twice:")
    first = asyncio.run(where_am_i("first run"))
    second = asyncio.run(where_am_i("second run"))
    print(f"   two loops: {first is not second}; both closed: {first.is_closed()}, "
          f"{second.is_closed()}")  # fmt: skip
    print(f"   then get_event_loop(): {get_event_loop_caught()}")


def with_runner() -> None:
    """asyncio.Runner: one loop for several run() calls (what guidemo's app starts with)."""
    print("3. asyncio.Runner(): several run() calls on one loop:")
    with asyncio.Runner() as runner:
        first = runner.run(where_am_i("first run"))
        second = runner.run(where_am_i("second run"))
    print(f"   one loop: {first is second}; closed when the with block ended: {first.is_closed()}")


async def step(name: str, said: list[str]) -> None:
    said.append(f"{name}: first step")
    await asyncio.sleep(0)
    said.append(f"{name}: second step")


async def eager_or_not(factory: Any) -> list[str]:
    """Does create_task() run the coroutine's first step at once (eager) or on the next turn?"""
    said: list[str] = []
    asyncio.get_running_loop().set_task_factory(factory)
    task = asyncio.create_task(step("task", said))
    said.append("create_task returned")
    await task
    return said


def eager_tasks() -> None:
    """3.12's eager tasks: the first step runs inside create_task, up to the first real wait."""
    print("4. eager tasks (asyncio.eager_task_factory, Python 3.12+):")
    print(f"   lazy (the default): {', '.join(asyncio.run(eager_or_not(None)))}")
    factory = getattr(asyncio, "eager_task_factory", None)
    if factory is None:
        print(f"   eager: not on Python {sys.version_info.major}.{sys.version_info.minor}")
    else:
        print(f"   eager: {', '.join(asyncio.run(eager_or_not(factory)))}")


def main(argv: list[str] | None = None) -> int:
    prog = "python -m guidemo.programs.entry_points"
    argparse.ArgumentParser(prog=prog, description=(__doc__ or "").splitlines()[0]).parse_args(argv)
    print(f"Python {sys.version.split()[0]}")
    try:
        the_lectures_way()
        with_asyncio_run()
        with_runner()
        eager_tasks()
    except KeyboardInterrupt:
        print("Ctrl+C: stopped between the demos", file=sys.stderr)
        return INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
