"""Quit signals at every moment of the app's life: start-up, idle, work in flight, shutdown.

The real app runs in a subprocess (`python -m guidemo`, or a small driver around
`run_app` that starts work once the window is up). Each run must end with exit code 0
(130 when the signal came before the window was shown), nothing on stderr, no core, and
no child process left behind.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guidemo.lifecycle import EXIT_ABORTED

ROOT = Path(__file__).resolve().parent.parent

# The real app with work started from on_ready: argv = loop, action, ctrl-q delay (s or -).
DRIVER = textwrap.dedent(
    """
    import faulthandler, signal, sys
    from PySide6 import QtCore, QtTest, QtWidgets
    from guidemo.app import run_app

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # a cycle that hangs: the stacks
    faulthandler.enable()  # and one that crashes (once, exit -11 beside a second suite)

    loop_kind, action, ctrl_q_after = sys.argv[1], sys.argv[2], sys.argv[3]

    def on_ready(window):
        if action != "idle":
            slug, button = action.split(":")
            panel = window.show_panel(slug)
            spin = panel.findChild(QtWidgets.QDoubleSpinBox, "durationSpin")
            if spin is not None:
                spin.setValue(10.0)
            panel.findChild(QtWidgets.QPushButton, button).click()
        print("STARTED", flush=True)
        if ctrl_q_after != "-":
            def ctrl_q():
                QtTest.QTest.keyClick(window, QtCore.Qt.Key.Key_Q,
                                      QtCore.Qt.KeyboardModifier.ControlModifier)
            QtCore.QTimer.singleShot(int(float(ctrl_q_after) * 1000), window, ctrl_q)

    code = run_app(loop_kind=loop_kind, on_ready=on_ready)
    print("ENDED", flush=True)  # shutdown ran its course: the deadline's os._exit prints nothing
    sys.exit(code)
    """
)
WORK = [
    "idle",
    "blocking:executorButton",
    "blocking:qthreadButton",
    "blocking:processButton",
    "http:asyncButton",
    "websocket:connectButton",
]


def app_env(config_dir: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config_dir))
    env["PYTHONWARNINGS"] = "error::ResourceWarning"
    env.pop("PYTHONFAULTHANDLER", None)
    return env


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, found through /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def handles_sighup(pid: int) -> bool:
    """True once the process catches SIGHUP: guidemo's handlers are in (Python's own
    start-up catches only SIGINT). Before that moment Python itself is still starting,
    and a signal ends it the way it ends any program."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGHUP - 1)))


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Plan:
    """One start/quit cycle: which loop, what runs, which signal, when."""

    loop: str
    moment: str  # "import", "before-paint", "idle", "work"
    quit_with: str  # "SIGINT", "SIGINT-twice", "SIGTERM", "SIGHUP", "ctrl-q"
    work: str = "idle"
    delay_s: float = 0.0  # after launch (import, before-paint) or after STARTED
    second_after_s: float = 0.0
    outcome: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.loop}/{self.moment}/{self.work}/{self.quit_with}@{self.delay_s:.2f}s"


def run_cycle(plan: Plan, config_dir: Path) -> Plan:
    """Start the app, quit it as planned, and record what happened."""
    quit_by_key = plan.quit_with == "ctrl-q"
    if plan.moment in ("import", "before-paint"):
        args = [sys.executable, "-m", "guidemo", "--loop", plan.loop]
    else:
        key_after = f"{plan.delay_s:.3f}" if quit_by_key else "-"
        args = [sys.executable, "-c", DRIVER, plan.loop, plan.work, key_after]
    process = subprocess.Popen(
        args, cwd=ROOT, env=app_env(config_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    children: set[int] = set()
    try:
        if plan.moment in ("import", "before-paint"):
            deadline = time.monotonic() + 10
            while not handles_sighup(process.pid) and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(plan.delay_s)
        else:
            assert process.stdout is not None
            for line in process.stdout:  # pytest-timeout guards a hang here
                if line.startswith(b"STARTED"):
                    break
            time.sleep(0 if quit_by_key else plan.delay_s)
        children = descendants(process.pid)
        asked = time.perf_counter()
        if not quit_by_key:
            signum = getattr(signal, plan.quit_with.split("-")[0])
            process.send_signal(signum)
            if plan.quit_with.endswith("twice"):
                time.sleep(plan.second_after_s)
                process.send_signal(signum)
        try:
            out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            if plan.moment not in ("import", "before-paint"):  # the driver's faulthandler
                process.send_signal(signal.SIGUSR1)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(1.0)
            process.kill()
            out, err = process.communicate()
            stdout, stderr = (text.decode(errors="replace") for text in (out[-300:], err[-3000:]))
            raise AssertionError(
                f"{plan.describe()}: running 20 s after the quit; stdout {stdout!r}; {stderr}"
            ) from None
        took = time.perf_counter() - asked - (plan.delay_s if quit_by_key else 0)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()  # (and its pipes closed: not left to a later test's GC)
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    plan.outcome = {
        "code": process.returncode,
        "stderr": err.decode(errors="replace"),
        "took_s": took,
        "ended": b"ENDED" in out,  # the driver's shutdown ran to its end
        "orphans": sorted(pid for pid in children if alive(pid)),
    }
    return plan


def check(plan: Plan) -> str:
    """ "" if the cycle ended as it must, else what went wrong."""
    out = plan.outcome
    codes = {0, EXIT_ABORTED} if plan.moment in ("import", "before-paint") else {0}
    problems = []
    if out["code"] not in codes:
        problems.append(f"exit code {out['code']}")
    if out["stderr"]:  # (with how it ended: a forced exit skips the shutdown's own steps)
        ended = "shutdown ran to its end" if out["ended"] else "no ENDED: forced exit?"
        problems.append(f"after {out['took_s']:.1f} s, {ended}; stderr: {out['stderr']!s:.2000}")
    if out["orphans"]:
        problems.append(f"children left: {out['orphans']}")
    return f"{plan.describe()}: {'; '.join(problems)}" if problems else ""


@pytest.mark.timeout(120)
@pytest.mark.no_outside_load  # 2.7 s beside a second suite: Python runs a signal's handler
@pytest.mark.parametrize("delay_s", [0.0, 0.3, 0.8])  # once a C call (loading Qt) returns
def test_ctrl_c_during_start_up_leaves_at_once_and_quietly(tmp_path, delay_s):
    plan = run_cycle(Plan("guidemo", "import", "SIGINT", delay_s=delay_s), tmp_path)
    assert check(plan) == ""
    assert plan.outcome["took_s"] < 2.0


@pytest.mark.timeout(120)
@pytest.mark.parametrize("second_after_s", [0.005, 0.02, 0.06])
def test_second_ctrl_c_during_shutdown_is_quiet(tmp_path, second_after_s):
    plan = Plan("guidemo", "work", "SIGINT-twice", "blocking:processButton", 0.3, second_after_s)
    assert check(run_cycle(plan, tmp_path)) == ""
    # The quit did not wait for the 10 s job: 0.3-1 s on a quiet machine, up to 8 s beside
    # a second suite. (A second Ctrl+C may end it early, without its shutdown's end.)
    assert plan.outcome["took_s"] < 10.0


@pytest.mark.timeout(120)
@pytest.mark.parametrize("quit_with", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_shut_down_in_order(tmp_path, quit_with):
    plan = run_cycle(Plan("guidemo", "work", quit_with, "blocking:processButton", 0.5), tmp_path)
    assert check(plan) == ""
    # Shutdown ran its course, with the 10 s job stopped: the 5 s deadline, which would
    # also end it with 0, did not cut it short (0.3-0.9 s quiet, 1.9 s beside a second suite).
    assert plan.outcome["ended"], f"cut short by the deadline after {plan.outcome['took_s']:.1f} s"
    assert list(tmp_path.glob("guidemo/guidemo.conf")), "settings were not saved"


def stress_plans(rng: random.Random, count: int) -> list[Plan]:
    plans = []
    for number in range(count):
        loop = ("guidemo", "qasync")[number % 2]
        moment = rng.choice(["import", "before-paint", "idle", "work", "work"])
        quit_with = rng.choice(["SIGINT", "SIGINT-twice", "SIGTERM", "SIGHUP", "ctrl-q"])
        if moment in ("import", "before-paint"):
            quit_with = quit_with if quit_with != "ctrl-q" else "SIGINT"
            # After guidemo's handlers are in: during the imports, then during the build.
            delay = rng.uniform(0.0, 0.4) if moment == "import" else rng.uniform(0.4, 1.2)
            plans.append(Plan(loop, moment, quit_with, "idle", delay, rng.uniform(0.01, 0.05)))
        else:
            work = "idle" if moment == "idle" else rng.choice(WORK[1:])
            plans.append(
                Plan(loop, moment, quit_with, work, rng.uniform(0, 0.5), rng.uniform(0.01, 0.05))
            )
    return plans


@pytest.mark.stress
@pytest.mark.timeout(600)
def test_stress_100_start_quit_cycles(tmp_path):
    """100 cycles, signal and moment drawn at random (seed printed), 2 at a time."""
    seed = int(os.environ.get("GUIDEMO_STRESS_SEED", time.time_ns() % 1_000_000))
    count = int(os.environ.get("GUIDEMO_STRESS_RUNS", "100"))
    print(f"stress seed {seed} (GUIDEMO_STRESS_SEED={seed} repeats it)")
    plans = stress_plans(random.Random(seed), count)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(
            pool.map(lambda item: run_cycle(item[1], tmp_path / str(item[0])), enumerate(plans))
        )
    failures = [problem for plan in done if (problem := check(plan))]
    worst = max(done, key=lambda plan: float(plan.outcome["took_s"]))  # type: ignore[arg-type]
    print(
        f"stress: {len(done)} cycles in {time.perf_counter() - started:.0f} s, "
        f"{sum(p.outcome['code'] == 0 for p in done)} exit 0, "
        f"{sum(p.outcome['code'] == EXIT_ABORTED for p in done)} exit 130 (start-up), "
        f"worst exit {worst.outcome['took_s']:.2f} s ({worst.describe()})"
    )
    assert failures == [], f"seed {seed}: " + "\n".join(failures)
