"""Per-task accounting: where each task on the loop spent its time, as tokio-console shows.

For every task created while it is on: the steps it took, its busy time (inside its
steps), its time waiting to run (woken, but other work ran first), its idle time
(awaiting), its slowest step and where that step stopped, where the task was created,
and, if it was cancelled, who cancelled it. Nothing here imports Qt.

How, on Python 3.11+ (whose Task is written in C and cannot be hooked inside its step):
- `TaskAccounting.enable()` makes itself the loop's task factory. Each new task is an
  `AccountedTask` driving a `TaskStats` that wraps its coroutine. A task step is one
  `send()` (or `throw()`) to its coroutine, so timing those times the steps.
- A task becomes ready to run when its step or wakeup is scheduled with
  `loop.call_soon` (a future it awaited is done, it yielded, or it was just created).
  A thin wrapper around the loop's `call_soon` notes when, and the next step starts the
  wait's end.
- `AccountedTask.cancel()` notes who called it: the task running then, and the line.
Switched off, new tasks are plain again and the accounted ones stop counting (their
figures are then marked `partial`).
"""

from __future__ import annotations

import asyncio
import collections.abc
import os
import sys
import time
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Generator, Iterator
from contextvars import Context
from dataclasses import dataclass
from types import CodeType, FrameType, TracebackType
from typing import Any

SLOW_STEP_S = 0.05  # a step at least this long is a "slow step" (asyncio's debug mode: 0.1)
LOCATE_ABOVE_S = 0.005  # where a step stopped is looked up only for steps this long
KEEP_FINISHED = 50
KEEP_SLOW = 100

_clock = time.perf_counter
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
_THIS_FILE = __file__
_GUIDEMO_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LIBRARY_DIRS = tuple(  # the standard library, and where packages are installed
    {os.path.dirname(os.__file__) + os.sep}
    | {path + os.sep for path in sys.path if path.endswith(("site-packages", "dist-packages"))}
)

# Functions that create tasks on their caller's behalf (e.g. a panel's `spawn`): the
# creation site is their caller. Add code objects with `creation_helper(function)`.
_CREATION_HELPERS: set[CodeType] = set()
_cancelling: list[AccountedTask] = []  # the cancel() calls running now, outermost first
_OF_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TaskAccounting] = (
    weakref.WeakKeyDictionary()
)


def creation_helper(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark `function` as one that creates tasks for its caller: the caller is the site."""
    _CREATION_HELPERS.add(function.__code__)
    return function


def is_library(filename: str) -> bool:
    """Code of Python itself or of an installed package (guidemo's own is never library)."""
    return filename.startswith(_LIBRARY_DIRS) and not filename.startswith(_GUIDEMO_DIR)


def place(code: CodeType, line: int | None) -> str:
    """A place in the code as the HUD names one: "func (file.py:N)"."""
    return f"{code.co_name} ({os.path.basename(code.co_filename)}:{line})"


@dataclass(frozen=True)
class SlowStep:
    """One step that held the loop at least `slow_step_s`: which task, how long, where."""

    started: float  # time.perf_counter()
    wall: float  # time.time() when it ended, for a clock on screen
    duration: float  # seconds
    task: str  # the task's name
    where: str  # "func (file.py:N)": where the step stopped (or ended)

    def describe(self) -> str:
        return f"task {self.task!r} step took {self.duration * 1000:.0f} ms at {self.where}"


class TaskStats(collections.abc.Coroutine[Any, Any, Any]):
    """What one task did, kept by the coroutine wrapper its task drives.

    The wrapper passes every step on to the task's own coroutine (`__wrapped__`) and
    times it; the `cr_*` attributes and names are the wrapped coroutine's, so asyncio's
    repr and `task.get_stack()` see through it. (No `__getattr__`: defining one slows
    every attribute access, and a step makes a dozen.)
    """

    __slots__ = (  # noqa: RUF023 (in the order __init__ sets them)
        "__wrapped__", "_send", "_throw", "accounting", "name", "created", "_site", "steps",
        "busy", "waiting", "slowest", "slowest_at", "woken", "ended", "outcome",
        "cancelled_by", "canceller", "cancelled_at", "partial", "__weakref__",
        "__name__", "__qualname__",  # the wrapped coroutine's, for asyncio's repr
    )  # fmt: skip

    def __init__(
        self,
        coro: Coroutine[Any, Any, Any],
        accounting: TaskAccounting,
        site: tuple[CodeType, int] | None,
    ) -> None:
        self.__wrapped__ = coro
        self._send = coro.send
        self._throw = coro.throw
        self.accounting = accounting
        self.name = ""  # the task's name, kept when it ends
        self.created = _clock()
        self.woken: float | None = self.created  # a new task's first step is due at once
        self._site = site  # where it was created: formatted only when asked (created_at)
        self.steps = 0
        self.busy = self.waiting = self.slowest = 0.0
        self.slowest_at = ""
        self.ended: float | None = None
        self.outcome = ""  # "", then "finished", "cancelled" or "failed: <Exception>"
        self.cancelled_by = ""  # the whole story: "task 'x' at f (file.py:N)"
        self.canceller = ""  # the task that called cancel() ("" if none was running)
        self.cancelled_at = ""  # "func (file.py:N)" of the cancel() call
        self.partial = False  # accounting was off for part of the task's life
        self.__name__ = getattr(coro, "__name__", type(coro).__name__)
        self.__qualname__ = getattr(coro, "__qualname__", self.__name__)

    # --- the figures ---------------------------------------------------------------------
    @property
    def created_at(self) -> str:
        """The code that created the task, "func (file.py:N)"."""
        return place(*self._site) if self._site is not None else "?"

    def _running_name(self) -> str:
        """The name of the task running now: during a step, this one."""
        task = asyncio.current_task(self.accounting.loop)
        return task.get_name() if task is not None else self.__qualname__

    def lifetime(self, now: float | None = None) -> float:
        end = self.ended if self.ended is not None else (_clock() if now is None else now)
        return end - self.created

    def idle(self, now: float | None = None) -> float:
        """Time spent awaiting: neither running a step nor ready and waiting to run."""
        waiting = self.waiting
        if self.woken is not None and self.ended is None:  # ready right now
            waiting += (_clock() if now is None else now) - self.woken
        return max(0.0, self.lifetime(now) - self.busy - waiting)

    def waiting_now(self, now: float | None = None) -> float:
        """Waiting to run, including the wait going on now (if it is ready now)."""
        if self.woken is None or self.ended is not None:
            return self.waiting
        return self.waiting + (_clock() if now is None else now) - self.woken

    # --- the coroutine protocol: one call per step ---------------------------------------
    def __next__(self) -> Any:  # the Task's step: send(None). Kept lean: it runs a lot
        accounting = self.accounting
        if not accounting.enabled:
            return self._send(None)
        start = _clock()
        woken = self.woken
        if woken is not None:
            self.waiting += start - woken
            self.woken = None
        try:
            result = self._send(None)
        except BaseException as exc:
            self._last_step(start, exc)
            raise
        took = _clock() - start
        self.steps += 1
        self.busy += took
        if took > self.slowest or took >= accounting.slow_step_s:
            self._notable_step(start, took, None)
        return result

    def send(self, value: Any) -> Any:
        if value is None:
            return self.__next__()
        return self._run(self._send, value)

    def throw(self, *args: Any) -> Any:  # a cancellation, mostly
        return self._run(self._throw, *args)

    def _run(self, method: Callable[..., Any], *args: Any) -> Any:
        if not self.accounting.enabled:
            return method(*args)
        start = _clock()
        if self.woken is not None:
            self.waiting += start - self.woken
            self.woken = None
        try:
            result = method(*args)
        except BaseException as exc:
            self._last_step(start, exc)
            raise
        took = _clock() - start
        self.steps += 1
        self.busy += took
        if took > self.slowest or took >= self.accounting.slow_step_s:
            self._notable_step(start, took, None)
        return result

    def close(self) -> None:
        self.__wrapped__.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self.__wrapped__.__await__()

    def __repr__(self) -> str:
        return repr(self.__wrapped__)  # what the task runs, not the accounting around it

    # What asyncio's repr, get_stack() and debuggers read: the wrapped coroutine's.
    @property
    def cr_await(self) -> Any:
        return self.__wrapped__.cr_await  # type: ignore[attr-defined]

    @property
    def cr_frame(self) -> FrameType | None:
        return self.__wrapped__.cr_frame  # type: ignore[attr-defined]

    @property
    def cr_code(self) -> CodeType:
        return self.__wrapped__.cr_code  # type: ignore[attr-defined]

    @property
    def cr_running(self) -> bool:
        return self.__wrapped__.cr_running  # type: ignore[attr-defined]

    # --- the rare cases: slow steps, the last step ---------------------------------------
    def _suspended_at(self) -> str:
        """Where the task is parked after a step: the innermost await of its own code."""
        frames = []
        awaited: Any = self.__wrapped__
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is None:
                break
            frames.append(frame)
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        if not frames:
            return self.__qualname__
        ours = [f for f in frames if not is_library(f.f_code.co_filename)]
        frame = (ours or frames)[-1]
        return place(frame.f_code, frame.f_lineno)

    def _ended_at(self, exc: BaseException) -> str:
        """Where the last step ended: the line that raised, or the function that returned."""
        frames = []
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename != _THIS_FILE:
                frames.append((tb.tb_frame.f_code, tb.tb_lineno))
            tb = tb.tb_next
        if isinstance(exc, StopIteration) or not frames:
            code = getattr(self.__wrapped__, "cr_code", None)
            return f"{place(code, code.co_firstlineno)}, to its return" if code else ""
        ours = [frame for frame in frames if not is_library(frame[0].co_filename)]
        return place(*(ours or frames)[-1])

    def _notable_step(self, started: float, took: float, ended: BaseException | None) -> None:
        """The task's slowest step so far, or a slow one: note where it stopped (only if
        it took LOCATE_ABOVE_S or more: looking costs more than a short step takes)."""
        where = ""
        if took >= LOCATE_ABOVE_S:
            where = self._suspended_at() if ended is None else self._ended_at(ended)
        if took > self.slowest:
            self.slowest, self.slowest_at = took, where
        accounting = self.accounting
        if took >= accounting.slow_step_s:
            step = SlowStep(started, time.time(), took, self._running_name(), where)
            accounting.slow_steps.append(step)
            accounting.slow_count += 1

    def _last_step(self, started: float, exc: BaseException) -> None:
        took = _clock() - started
        self.steps += 1
        self.busy += took
        if took > self.slowest or took >= self.accounting.slow_step_s:
            self._notable_step(started, took, exc)
        self.ended = _clock()
        self.woken = None
        self.name = self._running_name()
        if isinstance(exc, StopIteration):
            self.outcome = "finished"
        elif isinstance(exc, asyncio.CancelledError):
            self.outcome = "cancelled"
        else:
            self.outcome = f"failed: {type(exc).__name__}"
        self.accounting.finished.append(self)
        self.accounting.ended_count += 1


class AccountedTask(asyncio.Task[Any]):
    """An ordinary asyncio Task that knows its `TaskStats` and notes who cancels it."""

    _stats: TaskStats | None = None

    def cancel(self, msg: Any | None = None) -> bool:
        stats = self._stats
        if stats is not None and not stats.cancelled_by and not self.done():
            stats.canceller, stats.cancelled_at, stats.cancelled_by = _canceller(
                self.get_loop(), sys._getframe(1)
            )
        _cancelling.append(self)
        try:
            return super().cancel(msg)
        finally:
            _cancelling.pop()


def stats_of(task: asyncio.Future[Any]) -> TaskStats | None:
    """The accounting of `task`, or None if it was created while accounting was off."""
    stats = getattr(task, "_stats", None)
    if stats is None and isinstance(task, asyncio.Task):  # made by a factory before ours
        coro = task.get_coro()
        stats = coro if isinstance(coro, TaskStats) else None
    return stats


def _canceller(loop: asyncio.AbstractEventLoop, frame: FrameType | None) -> tuple[str, str, str]:
    """(canceller task, "func (file.py:N)", the story in words) for a cancel() called from
    `frame`: the first frame outside asyncio; if there is none before the loop's own
    callback runner, the asyncio function that did it (a timeout, a TaskGroup)."""
    if _cancelling:  # cancel() of a task that awaited this one passes the cancel on
        outer = _cancelling[-1]
        outer_stats = outer._stats
        story = outer_stats.cancelled_by if outer_stats is not None else ""
        text = f"passed on by task {outer.get_name()!r}, which awaited it" + (
            f" (cancelled by {story})" if story else ""
        )
        return outer.get_name(), "", text
    current = asyncio.current_task(loop)
    who = current.get_name() if current is not None else ""
    innermost_asyncio = None
    where = ""
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith(_ASYNCIO_DIR):
            where = place(code, frame.f_lineno)
            break
        if code.co_name == "_run" and code.co_filename.endswith("events.py"):
            break  # asyncio's callback runner: a callback of asyncio's own did it
        if innermost_asyncio is None:
            innermost_asyncio = frame
        frame = frame.f_back
    if not where and innermost_asyncio is not None:
        where = place(innermost_asyncio.f_code, innermost_asyncio.f_lineno)
        return who, where, f"asyncio's {where}" + (f" in task {who!r}" if who else "")
    if not where:  # cancel itself was the callback: loop.call_soon(task.cancel)
        return who, "", "a loop callback (call_soon, call_later)"
    if who:
        return who, where, f"task {who!r} at {where}"
    return who, where, f"{where}, outside any task (a Qt handler or a callback)"


def _creation_site(frame: FrameType | None) -> tuple[CodeType, int] | None:
    """The first frame that is neither asyncio's nor a creation helper's: (code, line)."""
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith(_ASYNCIO_DIR) and code not in _CREATION_HELPERS:
            return code, frame.f_lineno
        frame = frame.f_back
    return None


class TaskAccounting:
    """Accounts for every task created on `loop` while enabled (see the module's text).

    One per loop: `TaskAccounting.of(loop)`. `finished` keeps the last KEEP_FINISHED
    tasks that ended, `slow_steps` the last KEEP_SLOW steps of at least `slow_step_s`;
    `slow_count` counts every slow step so far, `ended_count` every task that ended,
    `tasks_accounted` every task created while enabled.
    """

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> TaskAccounting:
        """The loop's accounting (created, switched off, on first use)."""
        accounting = _OF_LOOP.get(loop)
        if accounting is None:
            accounting = _OF_LOOP[loop] = cls(loop)
        return accounting

    def __init__(self, loop: asyncio.AbstractEventLoop, slow_step_s: float = SLOW_STEP_S):
        self.loop = loop
        self.slow_step_s = slow_step_s
        self.enabled = False
        self.finished: deque[TaskStats] = deque(maxlen=KEEP_FINISHED)
        self.slow_steps: deque[SlowStep] = deque(maxlen=KEEP_SLOW)
        self.slow_count = 0
        self.ended_count = 0
        self.tasks_accounted = 0
        self._previous_factory: Any = None
        self._hook: Callable[..., asyncio.Handle] | None = None

    def enable(self) -> None:
        """Account for every task created from now on, and resume counting the others."""
        if self.enabled:
            return
        loop = self.loop
        self._previous_factory = loop.get_task_factory()
        loop.set_task_factory(self._factory)  # type: ignore[arg-type]
        original = loop.call_soon

        def call_soon(
            callback: Callable[..., object], *args: Any, context: Context | None = None
        ) -> asyncio.Handle:
            # A task's step and its wakeup are bound to the task: it is their __self__.
            task = getattr(callback, "__self__", None)
            if task.__class__ is AccountedTask:
                stats = task._stats
                if stats is not None and stats.woken is None:
                    stats.woken = _clock()
            return original(callback, *args, context=context)

        self._hook = call_soon
        loop.call_soon = call_soon  # type: ignore[method-assign, assignment]
        self.enabled = True

    def disable(self) -> None:
        """No accounting for new tasks; the accounted ones stop counting (partial)."""
        if not self.enabled:
            return
        self.enabled = False
        loop = self.loop
        if loop.get_task_factory() == self._factory:
            loop.set_task_factory(self._previous_factory)
        if self._hook is not None and loop.__dict__.get("call_soon") is self._hook:
            del loop.call_soon  # the class's own call_soon again
        self._hook = None
        if not loop.is_closed():
            for task in asyncio.all_tasks(loop):
                stats = stats_of(task)
                if stats is not None:
                    stats.partial = True
                    stats.woken = None

    def _factory(
        self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any
    ) -> asyncio.Task[Any]:
        stats = TaskStats(coro, self, _creation_site(sys._getframe(1)))
        if self._previous_factory is not None:  # somebody else's: no wakeups, no canceller
            task = self._previous_factory(loop, stats, **kwargs)
        else:
            task = AccountedTask(stats, loop=loop, **kwargs)
            task._stats = stats
        self.tasks_accounted += 1
        return task

    def live(self) -> Iterator[tuple[asyncio.Task[Any], TaskStats | None]]:
        """The loop's tasks with their accounting (None: created while it was off)."""
        for task in asyncio.all_tasks(self.loop):
            yield task, stats_of(task)
