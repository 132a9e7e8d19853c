"""What the gather panel records about one run: each job's state, and how it all ended.

No widgets here: the panel feeds a `Run` with what the factorials report (`note`), and
draws from it; `job_cell` and `summary_html` turn the records into the texts it shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

WAYS = ("sequential", "gather", "as_completed", "TaskGroup")
KEEP_RUNS = 2  # the lane chart shows this many runs, newest at the bottom
CleanTotals = dict[str, tuple[float, float]]  # way -> (seconds until all ended, step_s)


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
    """Two lines, both from what was measured: the latest run, and the clean totals."""
    left = run.running_at_return
    afterwards = ", ".join(f"{name} {job_cell(run.jobs[name])}" for name in left)
    latest = (
        f"Latest, <b>{run.way}</b>: the caller got control back after "
        f"<b>{caller_s:.2f} s</b>; tasks still running at that moment: "
        + (f"<b>{', '.join(left)}</b>, which went on: {afterwards}" if left else "<b>none</b>")
    )
    lines = [latest]
    if clean_totals:
        parts = [
            f"{way} <b>{seconds:.2f} s</b>"
            + (f" <small>(step {step:g} s)</small>" if step != run.step_s else "")
            for way, (seconds, step) in clean_totals.items()
        ]
        line = f"Clean runs, 9 steps of {run.step_s:g} s: " + " · ".join(parts)
        sequential = clean_totals.get("sequential")
        concurrent = [
            (way, seconds)
            for way, (seconds, step) in clean_totals.items()
            if way != "sequential" and sequential and step == sequential[1]
        ]
        if sequential and concurrent:
            way, best = min(concurrent, key=lambda pair: pair[1])
            line += f" → {way} <b>{sequential[0] / best:.1f}×</b> faster than sequential"
        lines.append(line)
    return "<br>".join(lines)
