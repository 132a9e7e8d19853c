"""Three factorials that take turns: asyncio.gather runs them at once and waits for all.

    python -m guidemo.programs.gather [--step SECONDS]

A needs 2 steps, B 3 and C 4, each step a pause of `--step` seconds: 9 pauses in all,
yet the whole run takes about 4, because the pauses overlap.
"""

from __future__ import annotations

import asyncio
import sys
import time

from guidemo.programs._shared import arguments, between, interrupted


async def factorial(name: str, number: int, step: float) -> int:
    """One multiplication per step, pausing at each: the others run while this one waits."""
    result = 1
    try:
        for i in range(1, number + 1):
            print(f"task {name}: computing factorial({i})")
            await asyncio.sleep(step)
            result *= i
    except asyncio.CancelledError:
        print(f"task {name}: cancelled at step {i} of {number}")
        raise
    print(f"task {name}: factorial({number}) = {result}")
    return result


async def main_coroutine(step: float) -> None:
    started = time.perf_counter()
    results = await asyncio.gather(
        factorial("A", 2, step),
        factorial("B", 3, step),
        factorial("C", 4, step),
    )  # the results come back in the order the coroutines were passed in
    took = time.perf_counter() - started
    print(f"results {results} after {took:.2f} s; one after another: about {9 * step:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = arguments("gather", __doc__)
    parser.add_argument("--step", type=between(float, 0, 10), default=0.5, help="s (0-10)")
    args = parser.parse_args(argv)
    try:
        # asyncio.run makes a loop, runs the coroutine, and closes the loop. On Ctrl+C it
        # cancels the coroutine (gather passes that on to A, B and C), then raises here.
        asyncio.run(main_coroutine(args.step))
    except KeyboardInterrupt:
        return interrupted("the factorials were cancelled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
