"""Lesson `subprocesses`: a child's pipes read line by line on the loop, Ctrl+C, then kill."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import pytest

from guidemo.lessons.subprocesses import (
    LINE_LIMIT,
    exit_meaning,
    interrupt,
    kill,
    script_command,
    start_script,
    stream_until_exit,
)
from tests.child_signals import ctrl_c_not_ignored  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.usefixtures("ctrl_c_not_ignored"),
    pytest.mark.no_qt,
]


class Lines(list[tuple[float, str, str]]):
    """What show() was given, as (time it arrived, stream, line)."""

    def __call__(self, stream: str, line: str) -> None:
        self.append((time.monotonic(), stream, line))

    def texts(self, stream: str = "out") -> list[str]:
        return [line for _, s, line in self if s == stream]


def python(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", code]


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.subprocesses; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_script_command_runs_this_python_on_the_module() -> None:
    assert script_command("guidemo.programs.gather", ["--step", "1"]) == [
        sys.executable, "-u", "-m", "guidemo.programs.gather", "--step", "1"
    ]  # fmt: skip
    assert "-u" not in script_command("m", [], unbuffered=False)


def test_lines_arrive_while_the_child_still_runs(run) -> None:
    """The loop hands on each line as it comes, not all of them at the exit."""
    code = "import time\nfor i in range(3):\n    print('tick', i); time.sleep(0.3)\n"
    code += "import sys; print('oops', file=sys.stderr); sys.exit(3)"
    lines = Lines()

    async def scenario() -> tuple[int, int, int, float]:
        process = await start_script(python(code))
        result = await stream_until_exit(process, lines)
        return (*result, time.monotonic())

    exit_code, out, err, ended = run(scenario())
    assert (exit_code, out, err) == (3, 3, 1)
    assert lines.texts() == ["tick 0", "tick 1", "tick 2"] and lines.texts("err") == ["oops"]
    first_arrived = lines[0][0]
    assert ended - first_arrived > 0.45  # the first line came long before the end


def test_without_minus_u_a_pipe_holds_the_lines_until_exit(run) -> None:
    code = "import time\nfor i in range(3):\n    print('tick', i); time.sleep(0.3)"
    lines = Lines()

    async def scenario() -> float:
        started = time.monotonic()
        command = [sys.executable, "-c", code]  # no -u: stdout to a pipe is block-buffered
        await stream_until_exit(await start_script(command), lines)
        return started

    started = run(scenario())
    assert lines.texts() == ["tick 0", "tick 1", "tick 2"]
    # All of them came together, at the end: not before the child's three pauses (0.9 s,
    # never less), and in one read. Not timed against the end of the run, which includes
    # reaping the child (under 0.3 s quiet, 0.47 s beside a second suite); line by line
    # they would come 0.6 s apart or more, the child's own pauses.
    assert lines[0][0] - started >= 0.9, (lines, started)
    assert lines[-1][0] - lines[0][0] < 0.3, lines


def test_a_line_over_the_limit_is_dropped_with_a_note(run) -> None:
    code = f"print('x' * {LINE_LIMIT + 10}); print('after')"
    lines = Lines()

    async def scenario() -> int:
        exit_code, _, _ = await stream_until_exit(await start_script(python(code)), lines)
        return exit_code

    assert run(scenario()) == 0
    texts = lines.texts()
    assert texts[0].startswith("[a line over") and texts[-1] == "after"


def test_interrupt_sends_sigint_and_the_child_handles_it(run) -> None:
    code = (
        "import time\ntry:\n    print('ready'); time.sleep(30)\n"
        "except KeyboardInterrupt:\n    print('got Ctrl+C'); raise SystemExit(130)"
    )
    lines = Lines()

    async def scenario() -> tuple[bool, int]:
        process = await start_script(python(code))
        reader = asyncio.create_task(stream_until_exit(process, lines), name="test reader")
        while "ready" not in lines.texts():
            await asyncio.sleep(0.02)
        killed = await interrupt(process, grace_s=5)
        exit_code, _, _ = await reader
        return killed, exit_code

    assert run(scenario()) == (False, 130)
    assert lines.texts() == ["ready", "got Ctrl+C"]
    assert exit_meaning(130) == "stopped by Ctrl+C (128 + SIGINT)"


def test_a_child_that_ignores_ctrl_c_is_killed_after_the_grace(run) -> None:
    code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    code += "print('ready'); time.sleep(30)"
    lines = Lines()

    async def scenario() -> tuple[bool, int, float]:
        process = await start_script(python(code))
        reader = asyncio.create_task(stream_until_exit(process, lines), name="test reader")
        while "ready" not in lines.texts():
            await asyncio.sleep(0.02)
        started = time.monotonic()
        killed = await interrupt(process, grace_s=0.4)
        took = time.monotonic() - started
        exit_code, _, _ = await reader
        return killed, exit_code, took

    killed, exit_code, took = run(scenario())
    assert killed and exit_code == -signal.SIGKILL
    assert 0.35 < took < 5
    assert exit_meaning(exit_code) == "killed by SIGKILL"


def test_kill_reaps_a_running_child_and_is_harmless_after_it_ended(run) -> None:
    async def scenario() -> tuple[int | None, int | None]:
        process = await start_script(python("import time; time.sleep(30)"))
        await kill(process)
        first = process.returncode
        await kill(process)  # already ended: nothing to do
        await interrupt(process, 0.1)  # nor here
        return first, process.returncode

    assert run(scenario()) == (-signal.SIGKILL, -signal.SIGKILL)


def test_exit_meaning_reads_the_usual_codes() -> None:
    assert exit_meaning(0) == "ok"
    assert exit_meaning(2) == "bad command-line arguments"
    assert exit_meaning(-signal.SIGINT) == "killed by SIGINT"
    assert exit_meaning(7) == "failed"
