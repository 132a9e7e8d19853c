"""Who waits for whom: the loop's tasks as an awaited-by tree, as `python -m asyncio pstree`
draws it on Python 3.14, here on 3.11+.

A task parked at an `await` waits for exactly one future; asyncio keeps it in the task's
`_fut_waiter`. That future may be another task (`await task`), the future of a `gather`
(whose children are the tasks), or a plain Future. A task at the end of an `async with
TaskGroup()` block waits for the group's tasks, one in `asyncio.wait()` for the futures it
was given: those two are found in their frames. Following these links from task to task
gives a graph. Drawn from the tasks that nobody waits for, it is a tree, unless two tasks
wait for each other: a cycle, which never ends by itself. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

Task = asyncio.Task[Any]
_ASYNCIO = os.path.dirname(asyncio.__file__) + os.sep
_GROUP_EXIT = asyncio.TaskGroup.__aexit__.__code__
_WAIT = asyncio.tasks._wait.__code__  # type: ignore[attr-defined]  # what wait() awaits


def await_frames(task: Task) -> Iterator[FrameType]:
    """The frames of the coroutines a suspended task is parked in, outermost first."""
    awaited: Any = task.get_coro()
    awaited = getattr(awaited, "__wrapped__", awaited)  # a tool may wrap it (guidemo does)
    while awaited is not None and getattr(awaited, "cr_frame", None) is not None:
        if awaited.cr_running:  # the task doing the looking: it awaits nothing yet
            return
        yield awaited.cr_frame
        awaited = awaited.cr_await


def waits_at(task: Task) -> str:
    """Where the task waits, "func (file.py:N)": the innermost await in its own code
    (asyncio's if it runs nothing else, as `asyncio.sleep(5)` made a task does)."""
    frames = list(await_frames(task))
    if not frames:
        return "" if task.done() else "running (it is the one looking)"
    own = [frame for frame in frames if not frame.f_code.co_filename.startswith(_ASYNCIO)]
    frame = (own or frames)[-1]
    code = frame.f_code
    return f"{code.co_name} ({os.path.basename(code.co_filename)}:{frame.f_lineno})"


def waits_for(task: Task) -> list[tuple[asyncio.Future[Any], str]]:
    """What a suspended task waits for right now, and how: (future, "await task" |
    "gather" | "TaskGroup" | "asyncio.wait" | "future")."""
    if task.done():
        return []
    found: list[tuple[asyncio.Future[Any], str]] = []
    for frame in await_frames(task):
        if frame.f_code is _GROUP_EXIT:  # `async with TaskGroup()` at the end of its block
            found += [(child, "TaskGroup") for child in frame.f_locals["self"]._tasks]
        elif frame.f_code is _WAIT:
            found += [(future, "asyncio.wait") for future in frame.f_locals["fs"]]
    waiter = getattr(task, "_fut_waiter", None)  # the one future the task's step awaits
    children = getattr(waiter, "_children", None)  # a gather's future knows its children
    if children is not None:
        found += [(child, "gather") for child in children]
    elif isinstance(waiter, asyncio.Task):
        found.append((waiter, "await task"))
    elif waiter is not None and not found:  # (TaskGroup and wait() park on a future too)
        found.append((waiter, "future"))
    return found


@dataclass
class AwaitNode:
    """One task in the tree, with the tasks it waits for below it."""

    task: Task
    where: str  # the line it waits at
    how: str  # how its parent waits for it ("" at the top)
    children: list[AwaitNode] = field(default_factory=list)
    cycle: bool = False  # it is already above: it waits (in the end) for itself
    futures: int = 0  # plain futures (not tasks) it waits for

    @property
    def name(self) -> str:
        return self.task.get_name()


def await_tree(tasks: Iterable[Task]) -> list[AwaitNode]:
    """The tasks as trees: each task with the tasks it waits for below it.

    The roots are the tasks no other task waits for, by name; a task two tasks wait for
    appears under both. A task met again on its own path closes a cycle: it is shown
    once more, marked, and not followed. Tasks that are only in cycles (so everybody's
    child) start trees of their own.
    """
    pending = sorted((task for task in tasks if not task.done()), key=lambda t: t.get_name())
    edges = {task: waits_for(task) for task in pending}
    awaited = {id(future) for links in edges.values() for future, _ in links}
    drawn: set[Task] = set()

    def node(task: Task, how: str, path: tuple[Task, ...]) -> AwaitNode:
        if task in path:
            return AwaitNode(task, waits_at(task), how, cycle=True)
        drawn.add(task)
        links = edges.get(task) or waits_for(task)
        here = AwaitNode(task, waits_at(task), how)
        for future, child_how in sorted(links, key=_by_name):
            if isinstance(future, asyncio.Task):
                here.children.append(node(future, child_how, (*path, task)))
            else:
                here.futures += 1
        return here

    roots = [node(task, "", ()) for task in pending if id(task) not in awaited]
    for task in pending:  # what is left is in cycles
        if task not in drawn:
            roots.append(node(task, "", ()))
    return roots


def _by_name(link: tuple[asyncio.Future[Any], str]) -> tuple[str, str]:
    future, how = link
    return how, future.get_name() if isinstance(future, asyncio.Task) else ""


def render_tree(roots: list[AwaitNode]) -> str:
    """The tree as text, the way `pstree` draws one."""
    lines: list[str] = []

    def draw(node: AwaitNode, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└── " if last else "├── ")
        how = f"[{node.how}] " if node.how else ""
        mark = "↻ cycle: " if node.cycle else ""
        futures = f", waits for {node.futures} future(s)" if node.futures else ""
        lines.append(f"{prefix}{branch}{how}{mark}task {node.name!r}  {node.where}{futures}")
        inner = prefix if top else prefix + ("    " if last else "│   ")
        for index, child in enumerate(node.children):
            draw(child, inner, index == len(node.children) - 1, False)

    for root in roots:
        draw(root, "", True, True)
    return "\n".join(lines)


# --- the demos ---------------------------------------------------------------------------
Start = Callable[[Coroutine[Any, Any, Any], str], Task]  # like a panel's spawn(coro, name)


async def wait_for_partner(partner: asyncio.Future[Task]) -> None:
    """Waits until its partner task has ended, while the partner waits for this one.

    Neither ever ends by itself: a deadlock. With `await other`, not even cancel() would
    end it: a cancel is passed on to the awaited task, which passes it back, until
    Python's recursion limit. `asyncio.wait()` does not pass a cancel on, so cancelling
    one task ends it, and then the other one's wait is over too.
    """
    other = await partner
    await asyncio.wait([other])


def start_cycle(start: Start) -> tuple[Task, Task]:
    """Start two tasks that wait for each other."""
    loop = asyncio.get_running_loop()
    partner_of_a: asyncio.Future[Task] = loop.create_future()
    partner_of_b: asyncio.Future[Task] = loop.create_future()
    a = start(wait_for_partner(partner_of_a), "cycle: A")
    b = start(wait_for_partner(partner_of_b), "cycle: B")
    partner_of_a.set_result(b)
    partner_of_b.set_result(a)
    return a, b


async def example_family(seconds: float = 30.0) -> None:
    """A parent whose TaskGroup runs two children; one of them gathers two more tasks."""
    async with asyncio.TaskGroup() as group:
        group.create_task(asyncio.sleep(seconds), name="family: sleeping child")
        group.create_task(_gathering_child(seconds), name="family: gathering child")


async def _gathering_child(seconds: float) -> None:
    """Gathers two grandchildren: it waits for both."""
    await asyncio.gather(
        asyncio.create_task(asyncio.sleep(seconds), name="family: grandchild 1"),
        asyncio.create_task(asyncio.sleep(seconds / 2), name="family: grandchild 2"),
    )
