"""Small tasks keep printing while a slow, blocking job runs in a thread, or not at all.

    python -m guidemo.programs.async_executor [--run-for S] [--job S] [--block]

Four `small_task`s print at random moments. `slow_task` calls a blocking function: through
`run_in_executor` (a thread: the small tasks carry on) or, with `--block`, directly on
the loop (the small tasks stall until it returns). Ctrl+C during a job shows what a thread
means for stopping: nothing can interrupt it, so the script ends when the job does.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time

from guidemo.programs._shared import arguments, between, interrupted


def slow_function(seconds: float) -> float:
    """Blocking code: while it sleeps, the thread it runs on can do nothing else."""
    time.sleep(seconds)
    return seconds


async def small_task(num: int) -> None:
    """Something small to do at random moments, forever: shows whether the loop is free."""
    while True:
        print(f"small task {num} runs")
        await asyncio.sleep(random.uniform(0, 0.5))


async def slow_task(job: float, block: bool) -> None:
    """Run the slow function again and again, blocking the loop or not."""
    loop = asyncio.get_running_loop()
    while True:
        print(f"slow task: a {job:g} s job, {'ON THE LOOP' if block else 'in a thread'}")
        if block:
            slow_function(job)  # the loop is stuck in here: no small task can run
        else:
            await loop.run_in_executor(None, slow_function, job)  # the loop stays free
        print("slow task: job done")
        await asyncio.sleep(0.1)


async def main_coroutine(run_for: float, job: float, block: bool) -> None:
    try:
        async with asyncio.timeout(run_for):  # end the demo after `run_for` seconds
            async with asyncio.TaskGroup() as group:
                for num in range(1, 5):
                    group.create_task(small_task(num), name=f"small task {num}")
                group.create_task(slow_task(job, block), name="slow task")
    except TimeoutError:
        print(f"{run_for:g} s are up: the tasks were cancelled")
    except asyncio.CancelledError:
        if not block:  # asyncio.run waits for the default executor's threads on the way out
            print("cancelled; a job already in its thread cannot be: waiting for it to end")
        raise


def main(argv: list[str] | None = None) -> int:
    parser = arguments("async_executor", __doc__)
    parser.add_argument("--run-for", type=between(float, 0, 120), default=4.0, help="s (0-120)")
    parser.add_argument("--job", type=between(float, 0, 600), default=1.5, help="s (0-600)")
    parser.add_argument("--block", action="store_true", help="run the job on the loop itself")
    args = parser.parse_args(argv)
    try:
        asyncio.run(main_coroutine(args.run_for, args.job, args.block))
    except KeyboardInterrupt:
        return interrupted("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
