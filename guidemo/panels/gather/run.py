"""What the gather panel records about one run: each job's state, and how it all ended.

No widgets here: the panel feeds a `Run` with what the factorials report (`note`), and
draws from it; `job_cell` and `summary_html` turn the records into the texts it shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

WAYS = ("sequential", "gather", "as_completed", "TaskGroup")
KEEP_RUNS = 2  # the lane chart keeps this many runs, or all of the latest click's if more
KEEP_ROWS = 50  # the results table keeps the newest runs
STEPS = 9  # A, B and C take 2 + 3 + 4 steps
# way -> (seconds until all ended, step_s) of its latest clean run; the latest run is last
CleanTotals = dict[str, tuple[float, float]]


@dataclass
class JobRecord:
    state: str = "never started"  # -> running -> result / exception / cancelled
    text: str = ""
    ended_at: float | None = None  # seconds since the run started
    task: asyncio.Task[Any] | None = None  # the task that ran it (for Cancel)


@dataclass
class Run:
    way: str
    step_s: float
    started: float
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    running_at_return: list[str] = field(default_factory=list)  # when the caller got control

    def lane(self, name: str) -> str:
        return f"{self.way} · {name}"

    def still_running(self) -> list[JobRecord]:
        return [job for job in self.jobs.values() if job.state == "running"]

    def clean(self) -> bool:
        """Every job ended with a result."""
        return all(job.state == "result" for job in self.jobs.values())

    def last_end(self, default: float) -> float:
        """When the last job ended (seconds since the start), or `default` if none did."""
        ended = [job.ended_at for job in self.jobs.values() if job.ended_at is not None]
        return max(ended, default=default)

    def note(self, name: str, kind: str, text: str, now: float) -> None:
        """Job `name` reported a step (it runs) or its end (result/exception/cancelled)."""
        job = self.jobs[name]
        if job.task is None:
            job.task = asyncio.current_task()
        if kind == "step":
            job.state = "running"
        else:
            job.state, job.text, job.ended_at = kind, text, now - self.started
        self.changed.set()

    def caller_returned(self) -> None:
        """Remember which jobs were still running when the caller got control back."""
        self.running_at_return = [name for name, job in self.jobs.items() if job.state == "running"]

    async def leftovers_ended(self) -> None:
        """Wait until no job is running any more (gather and as_completed leave some)."""
        while self.still_running():
            self.changed.clear()
            await self.changed.wait()

    async def cancel_leftovers(self) -> None:
        """Cancel the jobs still running and wait until they have ended."""
        me = asyncio.current_task()
        tasks = [job.task for job in self.still_running() if job.task and job.task is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def describe(error: BaseException) -> str:
    """repr() of an exception, with an ExceptionGroup's members listed briefly."""
    if isinstance(error, BaseExceptionGroup):
        return f"{type(error).__name__}[{', '.join(map(describe, error.exceptions))}]"
    return repr(error)


def job_cell(job: JobRecord) -> str:
    """How one task ended, for the table: '= 24 at 0.80 s', 'cancelled at 0.20 s', ..."""
    if job.state == "result":
        return f"= {job.text.split('= ')[-1]} at {job.ended_at:.2f} s"
    if job.state in ("exception", "cancelled"):
        what = "ValueError" if job.state == "exception" else "cancelled"
        return f"{what} at {job.ended_at:.2f} s"
    return job.state


def summary_html(run: Run, caller_s: float, clean_totals: CleanTotals) -> str:
    """Two lines, both from what was measured: the latest run, and the clean runs that were
    made with the same step (the latest clean run's), side by side."""
    left = run.running_at_return
    afterwards = ", ".join(f"{name} {job_cell(run.jobs[name])}" for name in left)
    latest = (
        f"Latest, <b>{run.way}</b>: the caller got control back after "
        f"<b>{caller_s:.2f} s</b>; tasks still running at that moment: "
        + (f"<b>{', '.join(left)}</b>, which went on: {afterwards}" if left else "<b>none</b>")
    )
    if not clean_totals:
        return latest
    return latest + "<br>" + clean_line(clean_totals)


def clean_line(clean_totals: CleanTotals) -> str:
    """The clean runs made with the latest clean run's step, and gather's speed-up."""
    step = list(clean_totals.values())[-1][1]
    same = {way: seconds for way, (seconds, s) in clean_totals.items() if s == step}
    order = sorted(same, key=lambda way: WAYS.index(way.split("(")[0]))
    line = f"Clean runs with {STEPS} steps of <b>{step:g} s</b>: " + " · ".join(
        f"{way} <b>{same[way]:.2f} s</b>" for way in order
    )
    other = len(clean_totals) - len(same)
    if other:
        line += f" <small>({other} clean run(s) with another step left out)</small>"
    sequential = same.get("sequential")
    if sequential:
        faster = [
            f"<b>{way}</b> {sequential / same[way]:.1f}×"
            for way in sorted(order, key=lambda way: not way.startswith("gather"))
            if way != "sequential"
        ]
        if faster:
            line += " → faster than one by one: " + ", ".join(faster)
    return line
