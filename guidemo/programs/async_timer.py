"""Many coroutines taking turns on one loop that runs until a timed callback stops it.

    python -m guidemo.programs.async_timer [--instances N] [--run-for S] [--stop-after S]

Each `display_date` prints its number and the time, then sleeps a random while, until its
`--run-for` seconds are up. `run_forever` keeps the loop going; a callback scheduled with
`call_later` stops it. Try `--stop-after` shorter than `--run-for`: the loop stops first
and the instances still running are cancelled on the way out.
"""

from __future__ import annotations

import asyncio
import datetime
import random
import sys
import time

from guidemo.programs._shared import CtrlC, arguments, between, close_loop, interrupted

STOPPED = "stopped the loop; the instances still running are cancelled"


async def display_date(num: int, run_for: float, max_pause: float, rng: random.Random) -> None:
    """Print the time, then give the loop back for a random pause; stop after `run_for` s."""
    end_time = time.monotonic() + run_for
    try:
        while True:
            now = datetime.datetime.now()
            print(f"instance {num}: {now:%H:%M:%S}.{now.microsecond // 1000:03d}")
            if time.monotonic() >= end_time:
                print(f"instance {num} is all done")
                return
            await asyncio.sleep(rng.uniform(0, max_pause))  # the others run meanwhile
    except asyncio.CancelledError:
        print(f"instance {num} cancelled: the loop stopped before it was done")
        raise


def shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """A plain callback, not a coroutine: the loop calls it once, at the time asked for."""
    loop.stop()  # run_forever returns after this turn of the loop
    # Said after stopping: a print can fail (nobody reads our output any more), and an
    # exception here would end this callback before it stopped the loop.
    print("shutdown called: stopping the loop")


def main(argv: list[str] | None = None) -> int:
    parser = arguments("async_timer", __doc__)
    parser.add_argument("--instances", type=between(int, 1, 50), default=4, help="1-50")
    parser.add_argument("--run-for", type=between(float, 0, 60), default=3.0, help="s (0-60)")
    parser.add_argument("--stop-after", type=between(float, 0, 120), default=4.0, help="s")
    parser.add_argument("--max-pause", type=between(float, 0, 10), default=1.0, help="s")
    parser.add_argument("--seed", type=int, default=None, help="repeat the same random pauses")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the "current" loop: what ensure_future below uses
    tasks = []  # keep a reference to each task: the loop holds them only weakly
    ctrl_c = CtrlC(loop, loop.stop)  # Ctrl+C stops the loop, as shutdown() does
    try:
        half = (args.instances + 1) // 2
        for num in range(1, args.instances + 1):
            coro = display_date(num, args.run_for, args.max_pause, rng)
            if num <= half:
                tasks.append(asyncio.ensure_future(coro))  # the older spelling: makes a Task
            else:
                tasks.append(loop.create_task(coro))  # the same, asked of the loop itself
        loop.call_later(args.stop_after, shutdown, loop)
        print("about to run the loop")
        loop.run_forever()  # blocks until shutdown() (or Ctrl+C) stops it
        if ctrl_c.pressed:
            return interrupted(STOPPED)
    except KeyboardInterrupt:  # where CtrlC could not take Ctrl+C over
        return interrupted(STOPPED)
    finally:
        close_loop(loop, tasks)
        asyncio.set_event_loop(None)
    print("loop exited")
    return 0


if __name__ == "__main__":
    sys.exit(main())
