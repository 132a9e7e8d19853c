"""The gather panel's run-state: what a run records, without a window."""

from __future__ import annotations

import asyncio

import pytest

from guidemo.panels.gather.run import JobRecord, Run, describe, job_cell, summary_html

pytestmark = [pytest.mark.timeout(30), pytest.mark.fast]


def make_run(way: str = "gather", step_s: float = 0.1) -> Run:
    run = Run(way, step_s, started=100.0)
    run.jobs = {name: JobRecord() for name in "ABC"}
    return run


def test_note_follows_each_job_from_running_to_its_end(run) -> None:
    async def scenario() -> Run:
        record = make_run()
        record.note("A", "step", "step 1 of 2", now=100.1)
        record.note("C", "step", "step 1 of 4", now=100.1)
        record.note("A", "result", "factorial(2) = 2", now=100.2)
        return record

    record = run(scenario())
    assert [job.state for job in record.jobs.values()] == ["result", "never started", "running"]
    assert record.jobs["A"].ended_at == pytest.approx(0.2)
    assert record.jobs["A"].task is not None, "the task that reported is kept, for Cancel"
    assert [job_cell(job) for job in record.jobs.values()] == [
        "= 2 at 0.20 s",
        "never started",
        "running",
    ]
    record.caller_returned()
    assert record.running_at_return == ["C"]
    assert not record.clean() and record.last_end(default=9.0) == pytest.approx(0.2)


def test_leftovers_are_awaited_or_cancelled(run) -> None:
    async def job(record: Run, name: str, seconds: float) -> None:
        record.note(name, "step", "", 100.0)
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            record.note(name, "cancelled", "", 0.0)
            raise
        record.note(name, "result", "= 1", 0.0)

    async def scenario() -> tuple[list[str], list[str]]:
        waited = make_run()
        tasks = [asyncio.create_task(job(waited, name, 0.05)) for name in "AB"]
        await asyncio.sleep(0)
        await waited.leftovers_ended()
        cancelled = make_run()
        tasks += [asyncio.create_task(job(cancelled, name, 60)) for name in "AB"]
        await asyncio.sleep(0)
        await cancelled.cancel_leftovers()
        assert all(task.done() for task in tasks)
        return [j.state for j in waited.jobs.values()], [j.state for j in cancelled.jobs.values()]

    waited, cancelled = run(scenario())
    assert waited == ["result", "result", "never started"]
    assert cancelled == ["cancelled", "cancelled", "never started"]


def test_describe_lists_an_exception_groups_members() -> None:
    group = ExceptionGroup("unhandled errors in a TaskGroup", [ValueError("B broke")])
    assert describe(group) == "ExceptionGroup[ValueError('B broke')]"
    assert describe(KeyError("x")) == "KeyError('x')"


def test_summary_compares_the_clean_runs() -> None:
    record = make_run("gather")
    record.running_at_return = []
    totals = {"sequential": (0.9, 0.1), "gather": (0.4, 0.1)}
    text = summary_html(record, 0.4, totals)
    assert "tasks still running at that moment: <b>none</b>" in text
    assert (
        "Clean runs with 9 steps of <b>0.1 s</b>: sequential <b>0.90 s</b> · gather <b>0.40 s</b>"
        in text
    )
    assert "faster than one by one: <b>gather</b> 2.2×" in text


def test_the_speed_up_names_gather_first_even_when_another_way_was_faster() -> None:
    totals = {"sequential": (0.9, 0.1), "TaskGroup": (0.40, 0.1), "gather": (0.41, 0.1)}
    text = summary_html(make_run("TaskGroup"), 0.4, totals)
    assert "faster than one by one: <b>gather</b> 2.2×, <b>TaskGroup</b> 2.2×" in text
    assert "sequential <b>0.90 s</b> · gather <b>0.41 s</b> · TaskGroup <b>0.40 s</b>" in text


def test_the_heading_states_the_step_of_the_runs_it_compares() -> None:
    """Clean runs at 0.1 s, then a run that failed at 0.2 s: the heading says 0.1 s."""
    failed = make_run("gather", step_s=0.2)
    failed.running_at_return = []
    text = summary_html(failed, 0.3, {"sequential": (0.9, 0.1), "gather": (0.4, 0.1)})
    assert "9 steps of <b>0.1 s</b>" in text and "0.2 s" not in text, text
    # A clean run at another step starts a new comparison: the old ones are left out.
    text = summary_html(failed, 0.8, {"sequential": (0.9, 0.1), "gather": (0.8, 0.2)})
    assert "9 steps of <b>0.2 s</b>: gather <b>0.80 s</b> <small>(1 clean run(s)" in text
    assert "sequential" not in text and "faster" not in text, "never 0.1 s against 0.2 s"
