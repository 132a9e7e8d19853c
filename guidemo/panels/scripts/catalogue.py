"""The scripts the `scripts` panel offers: what each shows, and short default arguments.

The scripts live in `guidemo.programs` (the top layer: programs, not library code). The
panel runs them by module name in a child process; it imports a script module only to
show its source, by the same name, so it never calls into them.
"""

from __future__ import annotations

import asyncio
import glob
import importlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

PACKAGE = "guidemo.programs"


@dataclass(frozen=True)
class Script:
    name: str  # module in guidemo.programs
    args: str  # default arguments: a run of a few seconds
    about: str  # what to watch for (rich text)

    @property
    def module(self) -> str:
        return f"{PACKAGE}.{self.name}"

    @property
    def path(self) -> Path:
        """The script's file (a standalone script runs from it on another Python)."""
        return Path(__file__).resolve().parents[2] / "programs" / f"{self.name}.py"

    def load(self) -> ModuleType:
        """The script's module, for its source (importing it runs nothing: main is guarded)."""
        return importlib.import_module(self.module)


SCRIPTS: tuple[Script, ...] = (
    Script(
        "say_something",
        "",
        "One coroutine and <code>loop.run_until_complete</code>: the loop runs it to its end "
        "and returns its value. The coroutine object exists before anything is printed.",
    ),
    Script(
        "say_lots",
        "--count 5 --pause 0.4",
        "The lecture's ultra_simple: one coroutine printing a line, then "
        "<code>await asyncio.sleep</code>. The time column shows the lines arriving 0.4 s "
        "apart. Untick <i>unbuffered</i> and they all arrive at the end: a pipe, unlike a "
        "terminal, is block-buffered.",
    ),
    Script(
        "async_timer",
        "--instances 4 --run-for 3 --stop-after 4",
        "<code>display_date</code> instances (started with <code>ensure_future</code> and "
        "<code>create_task</code>) take turns at random; <code>run_forever</code> runs until "
        "a <code>call_later</code> callback stops the loop. Try <code>--stop-after 2</code>: "
        "the loop stops first and the instances still running are cancelled.",
    ),
    Script(
        "async_executor",
        "--run-for 4 --job 1.5",
        "Small tasks keep printing while a blocking job runs in a thread; add "
        "<code>--block</code> and they stall while it runs on the loop. Stop during a job: "
        "a thread cannot be interrupted, so the script ends only when the job does (with "
        "<code>--job 30</code> the grace runs out and the panel kills it).",
    ),
    Script(
        "gather",
        "--step 0.5",
        "The factorials A, B and C with <code>asyncio.gather</code> under "
        "<code>asyncio.run</code>: 9 steps of 0.5 s done in about 2 s. Stop mid-way: "
        "<code>asyncio.run</code> cancels the main coroutine and gather passes it on.",
    ),
    Script(
        "just_coroutines",
        "--n 5 --sizes 3 5 4 --pause 0.1",
        "No asyncio at all: a generator stepped by hand with <code>send(None)</code> until "
        "<code>StopIteration</code>, then a round-robin loop taking turns between several.",
    ),
    Script(
        "entry_points",
        "",
        "Beyond the lecture: today's way in. The lecture's <code>asyncio.get_event_loop()</code> "
        "outside a running loop warns on Python 3.12 and 3.13 (DeprecationWarning) and raises "
        "on 3.14; on every version it raises once <code>asyncio.run</code> has run. Then "
        "<code>asyncio.run</code> (a new loop each time), <code>asyncio.Runner</code> (one "
        "loop for several runs) and 3.12's eager tasks, each run here with the warning caught. "
        "<b>Modern entry points</b> runs it on every newer Python found here too.",
    ),
)
BY_NAME = {script.name: script for script in SCRIPTS}


def shared_module() -> ModuleType:
    """What every script does alike (argument checks, ending on Ctrl+C)."""
    return importlib.import_module(f"{PACKAGE}._shared")


NEWER = (12, 13, 14, 15)  # Python 3.x versions whose entry points differ from 3.11's


def python_candidates(minor: int) -> list[str]:
    """Where a Python 3.`minor` may be: on PATH, or among pyenv's versions."""
    on_path = shutil.which(f"python3.{minor}")
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(f"{root}/versions/3.{minor}.*/bin/python3.{minor}"), reverse=True)
    return ([on_path] if on_path else []) + found


async def other_pythons() -> list[str]:
    """One interpreter per newer Python version found here, checked by running it (a pyenv
    shim on PATH fails unless its version is active). Not this app's own version."""
    found = []
    for minor in NEWER:
        if sys.version_info[:2] == (3, minor):
            continue
        for candidate in python_candidates(minor):
            check = await asyncio.create_subprocess_exec(
                candidate, "-c", f"import sys; assert sys.version_info[:2] == (3, {minor})",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            if await check.wait() == 0:
                found.append(candidate)
                break
    return found
