"""The `tasks` panel's row model: rows stay in place, new tasks go to the end, finished
ones linger, ages count from the first sighting. No window."""

from __future__ import annotations

import asyncio

from guidemo.panels.tasks.task_rows import TaskRows


def test_rows_keep_their_place_and_finished_tasks_linger():
    async def scenario() -> None:
        rows = TaskRows(linger_s=1.0)
        late = asyncio.create_task(asyncio.sleep(10), name="b")
        early = asyncio.create_task(asyncio.sleep(10), name="a")
        assert rows.update({late, early}, now=100.0) == ([], 2)
        assert rows.tasks == [early, late], "new tasks are added by name"
        assert rows.age(late, 100.5) == (0.5, True), "there at the first look: at least"

        newer = asyncio.create_task(asyncio.sleep(10), name="0")
        assert rows.update({late, early, newer}, now=101.0) == ([], 1)
        assert rows.tasks == [early, late, newer], "a new task goes to the end"
        assert rows.age(newer, 101.5) == (0.5, False)

        early.cancel()
        await asyncio.sleep(0)
        assert early.done()
        assert rows.update({late, newer}, now=102.0) == ([], 0), "a finished task lingers"
        assert rows.age(early, 105.0) == (2.0, True), "its age stops when it ended"
        assert rows.update({late, newer}, now=103.5) == ([0], 0)
        assert rows.tasks == [late, newer]

        late.cancel()
        await asyncio.sleep(0)
        assert rows.drop_finished() == [0]
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
