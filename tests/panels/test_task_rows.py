"""The `tasks` panel's row model: which tasks stay, which come and go, finished ones
linger, ages count from creation (accounted) or the first sighting, the awaiting chain is
looked up again only after a step, and each cell's text and sort key. No window."""

from __future__ import annotations

import asyncio
import time

import pytest

from guidemo.panels.tasks.task_rows import LIVE_COLUMNS, TaskRows, finished_cells
from guidemo.task_accounting import TaskAccounting, stats_of

pytestmark = pytest.mark.fast


def test_rows_keep_their_place_and_finished_tasks_linger():
    async def scenario() -> None:
        rows = TaskRows(linger_s=1.0)
        late = asyncio.create_task(asyncio.sleep(10), name="b")
        early = asyncio.create_task(asyncio.sleep(10), name="a")
        assert rows.update({late, early}, now=100.0) == ([], [early, late]), "added by name"
        assert rows.tasks == [early, late]
        assert rows.age(late, 100.5) == (0.5, True), "there at the first look: at least"

        newer = asyncio.create_task(asyncio.sleep(10), name="0")
        assert rows.update({late, early, newer}, now=101.0) == ([], [newer])
        assert rows.tasks == [early, late, newer], "a new task goes to the end"
        assert rows.age(newer, 101.5) == (0.5, False)

        early.cancel()
        await asyncio.sleep(0)
        assert early.done()
        assert rows.update({late, newer}, now=102.0) == ([], []), "a finished task lingers"
        assert rows.age(early, 105.0) == (2.0, True), "its age stops when it ended"
        assert rows.update({late, newer}, now=103.5) == ([early], [])
        assert rows.tasks == [late, newer]

        late.cancel()
        await asyncio.sleep(0)
        assert rows.drop_finished() == [late]
        assert rows.tasks == [newer]
        newer.cancel()

    asyncio.run(scenario())


def test_a_fresh_look_marks_ages_as_lower_bounds_again():
    async def scenario() -> None:
        rows = TaskRows()
        rows.update(set(), now=0.0)
        task = asyncio.create_task(asyncio.sleep(10))
        rows.update({task}, now=1.0)
        assert rows.age(task, 2.0) == (1.0, False)
        rows.fresh_look = True
        other = asyncio.create_task(asyncio.sleep(10))
        rows.update({task, other}, now=3.0)
        assert rows.age(other, 3.0) == (0.0, True)
        assert rows.age(task, 3.0) == (2.0, False), "a task seen before keeps its first sighting"
        task.cancel()
        other.cancel()

    asyncio.run(scenario())


def test_cells_of_an_accounted_task_and_the_chain_looked_up_only_after_a_step():
    async def ticker(event: asyncio.Event) -> None:
        while True:
            await event.wait()
            event.clear()
            time.sleep(0.02)

    async def scenario() -> None:
        TaskAccounting.of(asyncio.get_running_loop()).enable()
        rows = TaskRows()
        event = asyncio.Event()
        task = asyncio.create_task(ticker(event), name="ticker")
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        rows.update({task}, now)
        cells = dict(zip((title for title, _ in LIVE_COLUMNS), rows.cells(task, now), strict=True))
        assert cells["task"].text == "ticker" and cells["state"].text == "pending"
        assert not cells["age s"].text.startswith("≥"), "accounted: the age is exact"
        assert cells["awaiting (outer → inner)"].text == "ticker → wait → Future"
        assert cells["steps"].text == "1" and cells["steps"].key == 1
        assert cells["created at"].text.startswith("scenario (test_task_rows.py:")
        first_chain = rows.chain(task, stats_of(task))
        assert rows.chain(task, stats_of(task)) is first_chain, "no step since: not looked up"
        event.set()
        await asyncio.sleep(0.05)
        assert rows.chain(task, stats_of(task)) is not first_chain, "a step: looked up again"
        now = time.perf_counter()
        busy = rows.cells(task, now)[5]
        assert busy.key >= 0.019 and busy.text == f"{busy.key * 1000:,.0f}"
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        stats = stats_of(task)
        assert stats is not None
        ended = finished_cells(stats, time.perf_counter())
        assert [cell.text for cell in ended[:2]] == ["ticker", "cancelled"]
        assert ended[-1].text.startswith("task 'Task-"), "cancelled by the main task"
        TaskAccounting.of(asyncio.get_running_loop()).disable()

    asyncio.run(scenario())
