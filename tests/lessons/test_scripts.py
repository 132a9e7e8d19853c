"""The scripts in guidemo.programs, run as a learner runs them: `python -m`, in a real process.

Each is checked for what it prints, its exit code, and Ctrl+C: SIGINT mid-run ends it
with one line on stderr, exit code 130 and no traceback. Warnings are errors in the child.
"""

from __future__ import annotations

import ast
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import guidemo.programs
from tests.child_signals import ctrl_c_not_ignored  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.usefixtures("ctrl_c_not_ignored"),
    pytest.mark.no_qt,
]
SCRIPTS_DIR = Path(guidemo.programs.__file__).parent
SCRIPT_NAMES = sorted(p.stem for p in SCRIPTS_DIR.glob("*.py") if not p.stem.startswith("_"))


def command(name: str, *args: str) -> list[str]:
    return [sys.executable, "-W", "error", "-u", "-m", f"guidemo.programs.{name}", *args]


def run_script(name: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(name, *args), capture_output=True, text=True, timeout=timeout)


def interrupt_after(name: str, marker: str, *args: str) -> tuple[int, list[str], str, float]:
    """Run the script, send SIGINT once a line containing `marker` is out.

    Returns (exit code, stdout lines, stderr, seconds from SIGINT to exit)."""
    child = subprocess.Popen(
        command(name, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = []
        assert child.stdout is not None
        for line in child.stdout:  # pytest-timeout guards a script that never prints it
            lines.append(line.rstrip("\n"))
            if marker in line:
                break
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
        took = time.monotonic() - sent
    finally:
        child.kill()
        child.wait()
    return child.returncode, lines + out.splitlines(), err, took


def test_every_script_is_listed_and_answers_help() -> None:
    assert SCRIPT_NAMES == [
        "async_executor", "async_timer", "entry_points", "gather", "just_coroutines", "say_lots",
        "say_something",
    ]  # fmt: skip
    for name in SCRIPT_NAMES:
        result = run_script(name, "--help")
        assert result.returncode == 0, result.stderr
        assert f"usage: python -m guidemo.programs.{name}" in result.stdout


def test_scripts_import_only_the_standard_library() -> None:
    """No Qt, nothing of guidemo but the scripts package, no third-party module."""
    stdlib = sys.stdlib_module_names
    for path in SCRIPTS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for module in names:
                ok = module.split(".")[0] in stdlib or module.startswith("guidemo.programs")
                assert ok, f"{path.name} imports {module}"
    check = (
        "import importlib, sys\n"
        f"for name in {SCRIPT_NAMES!r}:\n"
        "    importlib.import_module('guidemo.programs.' + name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'guidemo'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = ast.literal_eval(result.stdout)
    assert not [m for m in loaded if m.startswith("PySide6")], loaded
    assert all(m == "guidemo" or m.startswith("guidemo.programs") for m in loaded), loaded


def test_say_something_runs_one_coroutine_to_its_end() -> None:
    result = run_script("say_something", "--text", "hello from the loop")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("made a loop") and "running: False" in lines[0]
    assert "gave a coroutine; nothing printed yet" in lines[1]
    assert lines[2] == "hello from the loop"
    assert lines[3] == "run_until_complete returned 'said it'; the loop is closed"


def test_say_lots_prints_its_lines_a_pause_apart() -> None:
    started = time.monotonic()
    result = run_script("say_lots", "--count", "4", "--pause", "0.15")
    took = time.monotonic() - started
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        *(f"line {i} of 4: run by the loop" for i in range(1, 5)),
        "done with the loop: 4 lines",
    ]
    assert took >= 0.6  # four pauses of 0.15 s really happened


def test_async_timer_instances_interleave_then_call_later_stops_the_loop() -> None:
    result = run_script(
        "async_timer", "--instances", "4", "--run-for", "0.6", "--stop-after", "1.5",
        "--max-pause", "0.2", "--seed", "3",
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == "about to run the loop"
    order = [int(m.group(1)) for line in lines if (m := re.match(r"instance (\d+): \d", line))]
    assert sorted(set(order)) == [1, 2, 3, 4]
    assert order != sorted(order)  # they took turns, not one after the other
    done = [lines.index(f"instance {n} is all done") for n in range(1, 5)]
    shutdown = lines.index("shutdown called: stopping the loop")
    assert max(done) < shutdown and lines[-1] == "loop exited"


def test_async_timer_whose_reader_is_gone_still_stops_on_schedule() -> None:
    """Its stdout is a pipe whose reader closes it early (the app that ran it was killed):
    printing fails from then on, but the stop callback still stops the loop at 4 s."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-u", "-m", "guidemo.programs.async_timer", "--stop-after", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # it runs
        child.stdout.close()  # ... and nobody reads its output any more
        child.wait(timeout=15)
    finally:
        child.kill()
        child.wait()
    assert 3.5 < time.monotonic() - started < 10


def test_async_timer_stopped_early_cancels_the_instances_still_running() -> None:
    started = time.monotonic()
    result = run_script("async_timer", "--instances", "3", "--run-for", "20", "--stop-after", "0.4")
    assert time.monotonic() - started < 10
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    shutdown = lines.index("shutdown called: stopping the loop")
    cancelled = [i for i, line in enumerate(lines) if "cancelled: the loop stopped" in line]
    assert len(cancelled) == 3 and min(cancelled) > shutdown
    assert not any("all done" in line for line in lines)


def test_gather_overlaps_the_factorials_pauses() -> None:
    result = run_script("gather", "--step", "0.2")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert [line[:6] for line in lines[:3]] == ["task A", "task B", "task C"]  # all started
    last = lines[-1]
    assert last.startswith("results [2, 6, 24] after ")
    took = float(re.search(r"after ([\d.]+) s", last).group(1))
    assert took > 0.75  # C's 4 pauses at least, never less (0.8 s quiet)
    # The pauses overlap: B and C end their first pause before A ends its second (one after
    # another, A would end before B starts). Not told by the time (about 4 steps, not 9,
    # quiet; beside a second suite each pause can end 0.1-0.6 s late): the order holds under
    # any load, as timers fire in deadline order and A's second pause began after B's and
    # C's first ones.
    a_done = lines.index("task A: factorial(2) = 2")
    assert lines.index("task B: computing factorial(2)") < a_done, lines
    assert lines.index("task C: computing factorial(2)") < a_done, lines


def test_async_executor_small_tasks_run_during_a_thread_job_but_not_a_blocking_one() -> None:
    def during_first_job(*args: str) -> list[str]:
        result = run_script("async_executor", "--run-for", "1.5", "--job", "0.5", *args)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        lines = result.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("slow task: a"))
        end = lines.index("slow task: job done")
        assert "are up: the tasks were cancelled" in lines[-1]
        return lines[start + 1 : end]

    assert any(line.startswith("small task") for line in during_first_job())
    assert during_first_job("--block") == []  # the loop was stuck in the job


def test_just_coroutines_steps_by_hand_then_round_robin() -> None:
    result = run_script("just_coroutines", "--n", "4", "--sizes", "2", "3", "--pause", "0")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert "send(None) -> StopIteration: fib(4) returned 3" in lines
    assert sum("it paused, yielding" in line for line in lines) == 4
    turns = [line.split()[0] for line in lines if line.startswith("fib(") and "#" in line[:9]]
    assert turns[:4] == ["fib(2)#1", "fib(3)#2", "fib(2)#1", "fib(3)#2"]  # they take turns
    assert lines[-1] == "all done: {'fib(2)#1': 1, 'fib(3)#2': 2}"


@pytest.mark.parametrize(
    ("name", "args"),
    [("say_lots", ["--count", "0"]), ("gather", ["--step", "fast"]), ("async_timer", ["--x"])],
)
def test_bad_arguments_get_a_message_and_exit_code_2(name: str, args: list[str]) -> None:
    result = run_script(name, *args)
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "marker", "args", "says"),
    [
        ("say_lots", "line 2 of", ["--count", "100", "--pause", "0.1"], "cancelled after 2"),
        # never pausing either: 1000 lines were over before a late Ctrl+C on a busy machine
        ("say_lots", "line 2 of", ["--count", "100000", "--pause", "0"], "say_lots cancelled"),
        ("async_timer", "instance 4:", ["--run-for", "60", "--stop-after", "90"], "cancelled"),
        # never pausing: Ctrl+C comes while the loop is busy, not while it waits
        ("async_timer", "instance 4:", ["--max-pause", "0", "--run-for", "60"], "cancelled"),
        ("gather", "task C", ["--step", "5"], "task C: cancelled at step 1 of 4"),
        ("just_coroutines", "yielding", ["--pause", "1"], None),
        ("async_executor", "in a thread", ["--run-for", "60", "--job", "0.5"], "waiting for"),
    ],
)
def test_ctrl_c_ends_with_one_line_and_exit_code_130(name, marker, args, says) -> None:
    code, lines, err, took = interrupt_after(name, marker, *args)
    assert code == 130, (lines, err)
    assert len(err.splitlines()) == 1 and err.startswith("Ctrl+C: "), err
    if says is not None:
        assert any(says in line for line in lines), lines
    assert took < 5


def test_ctrl_c_waits_for_a_thread_job_it_cannot_interrupt() -> None:
    code, lines, err, took = interrupt_after(
        "async_executor", "in a thread", "--run-for", "60", "--job", "1.5"
    )
    assert code == 130 and err == "Ctrl+C: stopped\n"
    assert lines[-1] == "cancelled; a job already in its thread cannot be: waiting for it to end"
    assert took > 0.8  # it waited for most of the 1.5 s job, in its thread


def test_entry_points_shows_get_event_loop_failing_run_and_runner_and_eager_tasks() -> None:
    result = run_script("entry_points")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # warnings are errors in the child: each one was caught
    out = result.stdout
    version = sys.version_info[:2]
    first = out.split("1. ")[1].split("2. ")[0]
    if version < (3, 12):
        assert "returned a _UnixSelectorEventLoop, not running; no warning" in first
    elif version < (3, 14):
        assert "caught DeprecationWarning: There is no current event loop" in first
    else:
        assert "raised RuntimeError" in first
    assert "two loops: True; both closed: True, True" in out
    assert "then get_event_loop(): raised RuntimeError: There is no current event loop" in out
    assert "one loop: True; closed when the with block ended: True" in out
    assert "lazy (the default): create_task returned, task: first step, task: second step" in out
    if version >= (3, 12):
        assert "eager: task: first step, create_task returned, task: second step" in out
    else:
        assert "eager: not on Python 3.11" in out
