"""Coroutines without asyncio: generators paused at `yield`, resumed with `send(None)`.

    python -m guidemo.programs.just_coroutines [--n N] [--sizes N [N ...]] [--pause S]

First one coroutine is stepped by hand until `StopIteration` hands back its value. Then a
loop of a dozen lines runs several at once, one step each in turn: a task loop in small.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Generator
from typing import Any

from guidemo.programs._shared import arguments, between, interrupted


def fib(n: int) -> Generator[int, None, int]:
    """Fibonacci number n, pausing after every step; the return value ends the coroutine."""
    a, b = 0, 1
    for _ in range(n):
        yield a  # pause here, hand `a` to whoever resumed us
        a, b = b, a + b
    return a  # travels out in StopIteration.value


def step_by_hand(n: int, pause: float) -> int:
    """Resume one coroutine ourselves, one send(None) at a time."""
    coro = fib(n)
    print(f"fib({n}) made {coro!r}; it has not started")
    while True:
        try:
            value = coro.send(None)
        except StopIteration as stop:
            print(f"send(None) -> StopIteration: fib({n}) returned {stop.value}")
            return stop.value
        print(f"send(None) -> it paused, yielding {value}")
        time.sleep(pause)  # only to let you watch; a real loop would not wait


def round_robin(coros: dict[str, Generator[Any, None, Any]], pause: float) -> dict[str, Any]:
    """The simplest task loop: resume the first coroutine, then put it at the back."""
    ready = deque(coros.items())
    results = {}
    while ready:
        name, coro = ready.popleft()
        try:
            value = coro.send(None)
        except StopIteration as stop:
            results[name] = stop.value  # done: it leaves the queue
            print(f"{name} returned {stop.value}; still to run: {[n for n, _ in ready]}")
        else:
            ready.append((name, coro))  # paused: back of the queue
            print(f"{name} yielded {value}; next: {[n for n, _ in ready]}")
        time.sleep(pause)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = arguments("just_coroutines", __doc__)
    parser.add_argument("--n", type=between(int, 0, 90), default=5, help="fib(n) by hand")
    parser.add_argument(
        "--sizes", type=between(int, 0, 90), nargs="+", default=[3, 5, 4], help="one per task"
    )
    parser.add_argument("--pause", type=between(float, 0, 5), default=0.1, help="s per step")
    args = parser.parse_args(argv)
    try:
        print("--- one coroutine, stepped by hand ---")
        step_by_hand(args.n, args.pause)
        print("--- several, run by a round-robin loop ---")
        results = round_robin(
            {f"fib({n})#{i}": fib(n) for i, n in enumerate(args.sizes, 1)}, args.pause
        )
    except KeyboardInterrupt:
        return interrupted("stopped between two steps")
    print(f"all done: {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
