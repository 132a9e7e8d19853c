"""Lesson `task_graph`: who waits for whom (await task, gather, TaskGroup, asyncio.wait),
drawn as a tree; a cycle of two tasks is shown as such and ends when one is cancelled.
Plain asyncio, no Qt; with guidemo's accounting on too (it wraps every coroutine)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

from guidemo.lessons.task_graph import (
    AwaitNode,
    await_tree,
    example_family,
    render_tree,
    start_cycle,
    waits_at,
    waits_for,
)
from guidemo.task_accounting import TaskAccounting

pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def start(coro: Any, name: str) -> asyncio.Task[Any]:
    return asyncio.create_task(coro, name=name)


def by_name(roots: list[AwaitNode]) -> dict[str, AwaitNode]:
    found: dict[str, AwaitNode] = {}

    def visit(node: AwaitNode) -> None:
        found.setdefault(node.name, node)
        for child in node.children:
            visit(child)

    for root in roots:
        visit(root)
    return found


async def awaits(task: asyncio.Task[Any]) -> None:
    await task  # awaits: the line


async def waits_on_both(a: asyncio.Task[Any], b: asyncio.Task[Any]) -> None:
    await asyncio.wait([a, b])


@pytest.mark.parametrize("accounted", [False, True])
def test_the_tree_follows_await_gather_taskgroup_and_wait(accounted: bool):
    async def scenario() -> tuple[list[AwaitNode], str]:
        if accounted:
            TaskAccounting.of(asyncio.get_running_loop()).enable()
        family = start(example_family(5.0), "parent")
        watcher = start(awaits(family), "watcher")
        lone = start(asyncio.sleep(5), "lone")
        other = start(asyncio.sleep(5), "other")
        waiter = start(waits_on_both(lone, other), "waiter")
        await asyncio.sleep(0.05)
        roots = await_tree(asyncio.all_tasks())
        where = waits_at(watcher)
        for task in (family, watcher, lone, other, waiter):
            task.cancel()
        await asyncio.gather(family, watcher, lone, other, waiter, return_exceptions=True)
        TaskAccounting.of(asyncio.get_running_loop()).disable()
        return roots, where

    roots, where = asyncio.run(scenario())
    nodes = by_name(roots)
    top = {root.name for root in roots}
    assert {"watcher", "waiter"} <= top
    assert not {"parent", "lone", "family: sleeping child"} & top, "they are waited for"
    assert [(c.name, c.how) for c in nodes["watcher"].children] == [("parent", "await task")]
    assert [(c.name, c.how) for c in nodes["parent"].children] == [
        ("family: gathering child", "TaskGroup"),
        ("family: sleeping child", "TaskGroup"),
    ]
    assert [(c.name, c.how) for c in nodes["family: gathering child"].children] == [
        ("family: grandchild 1", "gather"),
        ("family: grandchild 2", "gather"),
    ]
    assert [(c.name, c.how) for c in nodes["waiter"].children] == [
        ("lone", "asyncio.wait"),
        ("other", "asyncio.wait"),
    ]
    assert nodes["lone"].futures == 1 and not nodes["lone"].children
    assert where.startswith("awaits (test_task_graph.py:")
    assert nodes["parent"].where.startswith("example_family (task_graph.py:")
    text = render_tree(roots)
    assert "task 'watcher'" in text and "└── [await task] task 'parent'" in text
    assert "↻" not in text


def test_a_cycle_is_marked_and_cancelling_one_task_ends_both():
    async def scenario() -> tuple[list[AwaitNode], list[Any], str, str]:
        a, b = start_cycle(start)
        await asyncio.sleep(0.05)
        links = [(future.get_name(), how) for future, how in waits_for(a)]
        roots = await_tree([a, b])
        a.cancel()
        await asyncio.wait([a, b], timeout=5)
        return roots, links, a._state, b._state

    roots, links, state_a, state_b = asyncio.run(scenario())
    assert links == [("cycle: B", "asyncio.wait")]
    assert len(roots) == 1, "one tree for the two of them"
    (root,) = roots
    assert root.name == "cycle: A" and not root.cycle
    (b,) = root.children
    assert b.name == "cycle: B" and not b.cycle
    (again,) = b.children
    assert again.name == "cycle: A" and again.cycle and not again.children
    assert "↻ cycle: task 'cycle: A'" in render_tree(roots)
    assert (state_a, state_b) == ("CANCELLED", "FINISHED")


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.task_graph; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
