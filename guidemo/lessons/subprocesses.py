"""Another program as a child process: the loop starts it and reads its pipes as lines come.

The loop already waits on sockets and timers; a child's stdout and stderr are two more
pipes it waits on the same way, so the window stays live while a script runs. Stopping it
the way a terminal does means sending SIGINT (Ctrl+C) and giving it time to clean up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import signal
import sys
from collections.abc import Callable, Sequence

Show = Callable[[str, str], None]  # show(stream, line): stream is "out" or "err"
LINE_LIMIT = 1 << 20  # the longest line the reader keeps, in bytes (longer ones are dropped)


def script_command(module: str, args: Sequence[str], unbuffered: bool = True) -> list[str]:
    """The command line: this same Python, running `module` with its arguments."""
    flags = ["-u"] if unbuffered else []  # -u: each print reaches the pipe at once
    return [sys.executable, *flags, "-m", module, *args]


async def start_script(command: Sequence[str]) -> asyncio.subprocess.Process:
    """Start the child with pipes for its output; returns once it runs, not when it ends."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # buffered or not is the command's choice (-u)
    return await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        limit=LINE_LIMIT,
        start_new_session=True,  # a Ctrl+C in our terminal is not sent to it: we decide
        preexec_fn=functools.partial(die_with_parent, os.getpid()),
    )


def die_with_parent(parent: int) -> None:
    """Runs in the child just before the script starts: if we die, even killed outright,
    Linux kills the child too (a parent-death signal), so no script outlives the app.

    The signal comes when the *thread* that started the child ends: here the loop's.
    """
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # we died before that was set up
        os.kill(os.getpid(), signal.SIGKILL)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# Looked up now, in the parent: the child, a copy of a process with threads, runs as little
# as it can before it starts the script.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


async def read_lines(stream: asyncio.StreamReader, name: str, show: Show) -> int:
    """Hand on each line of one pipe as it arrives; other tasks run while this one waits."""
    count = 0
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # longer than LINE_LIMIT: asyncio drops it, we say so
            show(name, f"[a line over {LINE_LIMIT:,} bytes, dropped]")
            continue
        if not line:
            return count  # end of file: the child closed the pipe, usually by exiting
        count += 1
        show(name, line.decode("utf-8", "replace").rstrip("\r\n"))


async def stream_until_exit(
    process: asyncio.subprocess.Process, show: Show
) -> tuple[int, int, int]:
    """Read stdout and stderr side by side to their end, then collect the exit code.

    Returns (exit code, lines on stdout, lines on stderr). Waiting for the exit code also
    reaps the child, so no zombie process is left behind.
    """
    assert process.stdout is not None and process.stderr is not None
    async with asyncio.TaskGroup() as readers:
        out = readers.create_task(read_lines(process.stdout, "out", show), name="scripts: stdout")
        err = readers.create_task(read_lines(process.stderr, "err", show), name="scripts: stderr")
    return await process.wait(), out.result(), err.result()


async def interrupt(process: asyncio.subprocess.Process, grace_s: float) -> bool:
    """Ctrl+C for a child: SIGINT, then SIGKILL if it has not ended within `grace_s`.

    Returns True if it had to be killed.
    """
    try:
        if sys.platform == "win32":
            process.terminate()  # Windows has no SIGINT to send to another process
        else:
            process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), grace_s)
        return False
    except ProcessLookupError:
        return False  # it had already ended
    except TimeoutError:
        await kill(process)
        return True


async def kill(process: asyncio.subprocess.Process) -> None:
    """End the child at once (SIGKILL cannot be caught) and reap it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it may have ended just now
            process.kill()
        await process.wait()


def exit_meaning(code: int) -> str:
    """What an exit code says, in words (negative: killed by that signal, on POSIX)."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return {
        0: "ok",
        1: "failed (an uncaught exception?)",
        2: "bad command-line arguments",
        130: "stopped by Ctrl+C (128 + SIGINT)",
    }.get(code, "failed")
