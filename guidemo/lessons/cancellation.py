"""Cancelling a task: where `CancelledError` lands, what still runs, and how it goes wrong.

`task.cancel()`, `asyncio.timeout()`, `wait_for()` and a failing `TaskGroup` all stop a
task the same way: the loop throws `CancelledError` into it at the `await` where it is
suspended. From there it is an ordinary exception: `async with` exits and `finally` blocks
run on the way out, and code that catches it and carries on keeps the task alive.

Every function reports what happens as small events (frozen dataclasses, each stamped
with `time.perf_counter()`) through a plain callback; whoever shows them reads them with
`match`. No Qt here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

STEPS = 8  # a worker's steps
STEP_S = 0.2  # one step's wait
CANCEL_AFTER_S = 0.5  # when the scenarios cancel (or time out)
FAIL_AFTER_S = 0.5  # when the task group's failing child raises


def now() -> float:
    return time.perf_counter()


# --- what the lessons report -------------------------------------------------------------------
@dataclass(frozen=True)
class Stepped:
    """Task `task` started step `step` (and now awaits)."""

    task: str
    step: int
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class Cancelling:
    """Someone is about to cancel `task` (`how`: "task.cancel()", "timeout()", ...)."""

    task: str
    how: str
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class Landed:
    """A CancelledError reached `task` at line `line` of its code (the suspended await)."""

    task: str
    line: int
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class Swallowed:
    """`task` caught a CancelledError at line `line` and carried on."""

    task: str
    line: int
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class CleanedUp:
    """Cleanup ran in `task`: "async with exit" or "finally"."""

    task: str
    what: str
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class Ended:
    """`task` ended: "finished", "cancelled" or "failed: <error>"; `note` says more."""

    task: str
    how: str
    note: str = ""
    at: float = field(default_factory=now)


Event = Stepped | Cancelling | Landed | Swallowed | CleanedUp | Ended
Report = Callable[[Event], None]


def landed_at(error: BaseException) -> int:
    """The line of the innermost lesson frame `error` passed through: the suspended await."""
    line, tb = 0, error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == __file__:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def ended(task: asyncio.Task[object], name: str, report: Report) -> None:
    """Report how `task` ended once it does (reads its exception, so none is lost)."""

    def done(task: asyncio.Task[object]) -> None:
        if task.cancelled():
            report(Ended(name, "cancelled"))
        elif (error := task.exception()) is not None:
            report(Ended(name, f"failed: {error!r}"))
        else:
            report(Ended(name, "finished"))

    task.add_done_callback(done)


# --- the worker every scenario stops -----------------------------------------------------------
@asynccontextmanager
async def connection(name: str, report: Report) -> AsyncIterator[None]:
    """Stands for any resource held with `async with`: its exit runs however we leave."""
    try:
        yield
    finally:
        report(CleanedUp(name, "async with exit"))


async def worker(name: str, report: Report, steps: int = STEPS) -> int:
    """Works in steps; however it is stopped, its async with exit and its finally run."""
    try:
        async with connection(name, report):
            for step in range(steps):
                report(Stepped(name, step))
                await asyncio.sleep(STEP_S)  # a CancelledError lands here
        return steps
    except asyncio.CancelledError as error:
        report(Landed(name, landed_at(error)))
        raise  # always re-raise: the task must end as cancelled
    finally:
        report(CleanedUp(name, "finally"))


# --- five ways to stop it ----------------------------------------------------------------------
async def cancel_a_task(report: Report, after_s: float = CANCEL_AFTER_S) -> None:
    """task.cancel() only asks: the task ends once the error has unwound it."""
    task = asyncio.create_task(worker("worker", report))
    ended(task, "worker", report)
    await asyncio.sleep(after_s)
    report(Cancelling("worker", "task.cancel()"))
    task.cancel()
    await asyncio.wait([task])  # wait for it to end; wait() does not raise


async def time_out(report: Report, limit_s: float = CANCEL_AFTER_S) -> None:
    """asyncio.timeout() cancels the block at its deadline and turns that into TimeoutError."""
    try:
        async with asyncio.timeout(limit_s):
            await worker("worker", report)
    except TimeoutError:
        cancels = asyncio.current_task().cancelling()  # type: ignore[union-attr]
        report(Ended("worker", "TimeoutError", f"cancelling() back to {cancels}"))


async def wait_for_it(report: Report, limit_s: float = CANCEL_AFTER_S) -> None:
    """wait_for() runs the coroutine as a task, cancels it at the deadline, waits for it."""
    try:
        await asyncio.wait_for(worker("worker", report), limit_s)
    except TimeoutError:
        report(Ended("worker", "TimeoutError", "from wait_for()"))


async def fail_after(seconds: float) -> None:
    """A child task that fails."""
    await asyncio.sleep(seconds)
    raise ValueError("a child failed")


async def group_with_a_failure(report: Report, fail_s: float = FAIL_AFTER_S) -> None:
    """When one child of a TaskGroup fails, the group cancels all the others."""
    try:
        async with asyncio.TaskGroup() as group:
            for name in ("child A", "child B"):
                ended(group.create_task(worker(name, report)), name, report)
            ended(group.create_task(fail_after(fail_s)), "failing child", report)
    except* ValueError as errors:
        report(Ended("group", "ExceptionGroup", repr(errors.exceptions[0])))


async def wait_shielded(inner: asyncio.Task[int], report: Report) -> int:
    """Awaits `inner` through shield(): a cancel stops this await, not `inner`."""
    try:
        return await asyncio.shield(inner)  # the outer CancelledError lands here
    except asyncio.CancelledError as error:
        report(Landed("outer", landed_at(error)))
        raise


async def shield_the_inner(report: Report, after_s: float = CANCEL_AFTER_S) -> None:
    """shield() protects the inner work; the outer await is cancelled all the same."""
    inner = asyncio.create_task(worker("inner (shielded)", report, steps=STEPS // 2))
    outer = asyncio.create_task(wait_shielded(inner, report))
    ended(inner, "inner (shielded)", report)
    ended(outer, "outer", report)
    await asyncio.sleep(after_s)
    report(Cancelling("outer", "outer.cancel()"))
    outer.cancel()
    await asyncio.wait([outer, inner])  # the outer ends at once, the inner finishes


# --- how it goes wrong: swallowing CancelledError --------------------------------------------
async def stubborn_worker(name: str, report: Report, steps: int = STEPS) -> int:
    """A bug: catches CancelledError and carries on, so cancel() seems not to work."""
    for step in range(steps):
        report(Stepped(name, step))
        try:
            await asyncio.sleep(STEP_S)
        except asyncio.CancelledError as error:
            report(Swallowed(name, landed_at(error)))  # no raise: the cancel is lost
    return steps


async def stubborn_under_timeout(report: Report, limit_s: float) -> None:
    """timeout() cannot tell: its cancel was swallowed, so no TimeoutError, just late."""
    async with asyncio.timeout(limit_s):
        await stubborn_worker("under timeout()", report)
    report(Ended("under timeout()", "finished", f"no TimeoutError; limit was {limit_s:g} s"))


async def swallow_the_cancel(report: Report, after_s: float = CANCEL_AFTER_S) -> None:
    """Both ways of stopping a stubborn worker fail: it runs to its end."""
    task = asyncio.create_task(stubborn_worker("cancel()", report))
    ended(task, "cancel()", report)
    timed = asyncio.create_task(stubborn_under_timeout(report, after_s))
    await asyncio.sleep(after_s)
    report(Cancelling("cancel()", "task.cancel()"))
    task.cancel()  # the other one's timeout() strikes about now, on its own
    await asyncio.wait([task, timed])


# --- what uncancel() is for ----------------------------------------------------------------------
async def skipping_worker(name: str, report: Report, uncancel: bool) -> None:
    """Takes the first cancel as "skip this step"; it must uncancel() to say so."""
    skipped = False
    for step in range(STEPS):
        report(Stepped(name, step))
        try:
            await asyncio.sleep(STEP_S)
        except asyncio.CancelledError as error:
            if skipped:
                raise
            skipped = True
            report(Swallowed(name, landed_at(error)))
            if uncancel:
                asyncio.current_task().uncancel()  # type: ignore[union-attr]  # handled


async def skip_under_timeout(name: str, report: Report, uncancel: bool, limit_s: float) -> None:
    """A timeout() around it: is the CancelledError at its deadline its own?"""
    try:
        async with asyncio.timeout(limit_s):
            await skipping_worker(name, report, uncancel)
    except TimeoutError:
        report(Ended(name, "TimeoutError", "timeout() knew the cancel was its own"))
    except asyncio.CancelledError:
        report(Ended(name, "CancelledError", "timeout() took its cancel for someone else's"))
        raise


async def skip_a_step(report: Report, after_s: float = CANCEL_AFTER_S / 2) -> None:
    """Without uncancel(), timeout() takes its own cancel for someone else's."""
    limit_s = after_s + 3 * STEP_S
    tasks = {}
    for name, uncancel in (("forgets uncancel()", False), ("calls uncancel()", True)):
        tasks[name] = asyncio.create_task(skip_under_timeout(name, report, uncancel, limit_s))
    await asyncio.sleep(after_s)
    for name, task in tasks.items():
        report(Cancelling(name, "task.cancel(): skip a step"))
        task.cancel()
    await asyncio.wait(tasks.values())
