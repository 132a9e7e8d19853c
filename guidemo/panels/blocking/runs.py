"""The blocking panel's runs: the record of one, the history table of all, and the
thread-vs-process verdict drawn from two.

Display only: every number here was measured by the panel while the job ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.monitor import LagStats
from guidemo.panels.ways import add_run_row
from guidemo.widgets import palette
from guidemo.widgets.kit import table

COMPARE_SECONDS = 3.0  # the shortest cpu job Compare runs: long enough to see the GIL's cost
PLAIN_RATIO = 1.5  # the process must let the UI do this much more to call it a difference
FROZEN_MS = 100  # a lag this long is a freeze a user notices
KEEP_RUNS = 50  # rows of the history table


@dataclass
class RunRecord:
    """One run of one job one way, as the panel measured it."""

    way: str
    kind: str
    wall_s: float
    lag: LagStats
    outcome: str
    result: Any = None
    ui_ticks_per_s: float = 0.0  # only while Compare's busy-UI ticker ran beside the job

    @property
    def work(self) -> str:
        if self.result is None:
            return "-"
        return describe(self.kind, self.result)


def describe(kind: str, result: Any) -> str:
    """What the job did: how long it slept, or how many loops it ran."""
    if kind == "sleep":
        return f"slept {result:.2f} s"
    return f"{result / 1e6:.1f} M loops"


def cancelled_outcome(way: str) -> str:
    if way == "process":
        return "cancelled: the worker process was terminated"
    return (
        "cancelled: asked the thread to stop (Python cannot kill a thread; this job "
        "checks a flag, a plain time.sleep would run to its end)"
    )


def history_table() -> QtWidgets.QTableWidget:
    """Every run, newest first; the outcome wraps instead of scrolling sideways."""
    history = table(
        "historyTable",
        ["way", "job", "wall s", "max lag ms", "p99 lag ms", "outcome"],
        "Every run so far, newest first: compare the ways side by side",
    )
    history.setWordWrap(True)
    history.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = history.horizontalHeader()
    header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(5, QtWidgets.QHeaderView.ResizeMode.Stretch)
    history.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    history.setMinimumSize(320, 160)
    return history


def add_to_history(history: QtWidgets.QTableWidget, run: RunRecord) -> None:
    """Insert `run` as the top row; the oldest rows drop off after KEEP_RUNS."""
    cells = [run.way, run.kind, f"{run.wall_s:.2f}", f"{run.lag.max_ms:.0f}"]
    cells += [f"{run.lag.p99_ms:.1f}", run.outcome]
    add_run_row(history, cells, KEEP_RUNS, fit=False)  # its header fits them


def lag_html(ms: float, decimals: int = 0) -> str:
    color = palette.BAD if ms > FROZEN_MS else palette.GOOD
    return f"<span style='color:{color}'>{ms:.{decimals}f} ms</span>"


def ticks_verdict(thread: RunRecord, process: RunRecord) -> str:
    """What the busy UI got done beside each, in words that follow the numbers."""
    slow, fast = thread.ui_ticks_per_s, process.ui_ticks_per_s
    if fast >= PLAIN_RATIO * max(slow, 1.0):
        return (
            "in a thread the cpu job held the GIL, so the busy UI got "
            f"<b style='color:{palette.BAD}'>"
            f"{fast / max(slow, 1.0):.1f}x less done</b> ({slow:.0f} vs {fast:.0f} ticks a "
            "second); in a process it computed beside the UI, on its own GIL."
        )
    return (
        f"no plain difference in what the UI got done this time ({slow:.0f} vs {fast:.0f} "
        "ticks a second): the machine may be busy with other work. Run it again."
    )


def lag_verdict(thread: RunRecord, process: RunRecord) -> str:
    worse = "more" if thread.lag.p99_ms > process.lag.p99_ms else "no more"
    return (
        f"Beside the thread the UI lagged {worse} than beside the process (p99 "
        f"{thread.lag.p99_ms:.1f} vs {process.lag.p99_ms:.1f} ms)."
    )


def verdict_html(thread: RunRecord, process: RunRecord, startup_s: float) -> str:
    """The two runs side by side, and what they show, in words a learner can check."""
    cells = "".join(
        f"<tr><td><b>{name}</b>&nbsp;&nbsp;</td><td align=right>{lag_html(run.lag.max_ms)}</td>"
        f"<td align=right>{lag_html(run.lag.p99_ms, 1)}</td>"
        f"<td align=right>{run.ui_ticks_per_s:.0f} /s</td>"
        f"<td align=right>{run.work}</td><td align=right>{run.wall_s:.2f} s</td></tr>"
        for name, run in (("in a thread", thread), ("in a process", process))
    )
    table = (
        f"<table cellspacing=0 cellpadding=3><tr style='color:{palette.MUTED}'><th></th>"
        "<th>&nbsp;worst UI lag&nbsp;</th><th>&nbsp;p99 UI lag&nbsp;</th>"
        "<th>&nbsp;UI ticks (1 ms timer)&nbsp;</th><th>&nbsp;the job's work&nbsp;</th>"
        f"<th>&nbsp;wall</th></tr>{cells}</table>"
    )
    verdict = f"<b>Verdict:</b> {ticks_verdict(thread, process)} {lag_verdict(thread, process)}"
    started = (
        f"starting the worker process ({startup_s:.2f} s) came first and is not counted"
        if startup_s
        else "the worker process was already running"
    )
    note = (
        f"<span style='color:{palette.MUTED}'>Lag and ticks were measured only while each job "
        f"ran; {started}.</span>"
    )
    return f"{verdict}{table}{note}"
