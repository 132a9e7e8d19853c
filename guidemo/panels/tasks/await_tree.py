"""The `tasks` panel's awaited-by tree: which task waits for which, and the demos that
make a family of tasks and a cycle of two."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6 import QtGui, QtWidgets

from guidemo.lessons.task_graph import (
    AwaitNode,
    await_tree,
    example_family,
    render_tree,
    start_cycle,
)
from guidemo.panels.section import Host, Section
from guidemo.widgets import palette
from guidemo.widgets.kit import label, make_button, named, row

Task = asyncio.Task[Any]
FAMILY_S = 30.0


class AwaitTreeSection(Section):
    """The tree of waits, redrawn only when it changed; a cycle is drawn in red."""

    title = "Who waits for whom"

    def __init__(self, host: Host, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(host)
        self.loop = loop
        self.cycle: tuple[Task, Task] | None = None
        self.family: Task | None = None
        self.text = ""  # the tree as text (render_tree), as last drawn
        self.family_button = make_button(
            "Start a family",
            "familyButton",
            "A parent task whose TaskGroup runs two children, one of which gathers two "
            f"grandchildren; they end after {FAMILY_S:g} s",
            self.start_family,
        )
        self.cycle_button = make_button(
            "Start a cycle",
            "cycleButton",
            "Two tasks, A and B, each waiting for the other to end: a deadlock",
            self.start_cycle,
            role="danger",
        )
        self.end_cycle_button = make_button(
            "End the cycle",
            "endCycleButton",
            "Cancel task A: it ends, and so B's wait is over too",
            self.end_cycle,
        )
        self.end_cycle_button.setEnabled(False)
        self.summary_label = label(
            "Tasks that wait for nothing are listed alone.",
            "awaitTreeLabel",
            "What the tree shows now",
            rich=True,
        )
        self.tree = named(
            QtWidgets.QTreeWidget(),
            "awaitTree",
            "Each task with the tasks it waits for below it (await task, gather, TaskGroup, "
            "asyncio.wait), like `python -m asyncio pstree` on Python 3.14. A task met again "
            "on its own path is a cycle, in red",
        )
        self.tree.setHeaderLabels(["task", "waits at", "waited for by its parent through"])
        self.tree.setColumnWidth(0, 300)
        self.tree.setColumnWidth(1, 230)
        self.tree.setMinimumHeight(200)

        buttons = row(self.family_button, self.cycle_button, self.end_cycle_button, stretch=False)
        buttons.addWidget(self.summary_label, 1)
        self.lay_out(buttons, (self.tree, 1), top=0)

    def refresh(self) -> None:
        """Redraw the tree if it changed since the last look."""
        roots = await_tree(asyncio.all_tasks(self.loop))
        text = render_tree(roots)
        if self.cycle is not None and any(task.done() for task in self.cycle):
            self.cycle = None  # ended (from the table's Cancel, say)
            self.end_cycle_button.setEnabled(False)
            self.cycle_button.setEnabled(True)
        if text == self.text:
            return
        self.text = text
        self.tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            self.tree.addTopLevelItems([self._item(root) for root in roots])
            self.tree.expandAll()
        finally:
            self.tree.setUpdatesEnabled(True)
        cycles = text.count("↻")
        waiting = sum(1 for root in roots if root.children)
        self.summary_label.setText(
            f"{len(roots)} trees, {waiting} with tasks waiting for tasks"
            + (f"; <b style='color:{palette.BAD}'>{cycles} cycle(s)</b>" if cycles else "")
        )

    def _item(self, node: AwaitNode) -> QtWidgets.QTreeWidgetItem:
        name = f"task {node.name!r}"
        tip = name
        if node.cycle:
            name = f"↻ {name} (cycle)"
            tip = f"{tip} again: it waits for a task that waits for it, so none ever ends"
        elif node.futures:
            name += f"  (+ {node.futures} future{'s' if node.futures > 1 else ''})"
            tip = f"{tip}, also waiting for {node.futures} future(s) that are not tasks"
        item = QtWidgets.QTreeWidgetItem([name, node.where, node.how])
        item.setToolTip(0, tip)
        item.setToolTip(1, node.where)
        if node.cycle:
            for column in range(3):
                item.setForeground(column, QtGui.QColor(palette.BAD))
        item.addChildren([self._item(child) for child in node.children])
        return item

    def start_family(self) -> None:
        if self.family is not None and not self.family.done():
            self.family.cancel()  # one family at a time
        self.family = self.host.spawn(example_family(FAMILY_S), "family: parent")

    def start_cycle(self) -> None:
        if self.cycle is None:
            self.cycle = start_cycle(self.host.spawn)
            self.end_cycle_button.setEnabled(True)
            self.cycle_button.setEnabled(False)

    def end_cycle(self) -> None:
        if self.cycle is not None:
            self.cycle[0].cancel("ending the cycle")
            self.cycle = None
            self.end_cycle_button.setEnabled(False)
            self.cycle_button.setEnabled(True)
