"""One coroutine that prints n lines, pausing between them (the lecture's ultra_simple).

    python -m guidemo.programs.say_lots [--count N] [--pause SECONDS]

Only one coroutine, so nothing else runs during the pauses: the loop just waits.
"""

from __future__ import annotations

import asyncio
import sys

from guidemo.programs._shared import CtrlC, arguments, between, close_loop, interrupted


async def say_lots(count: int, pause: float) -> int:
    """Print `count` lines; at each `await` the loop takes over until the pause is over."""
    said = 0
    try:
        for said in range(1, count + 1):
            print(f"line {said} of {count}: run by the loop")
            await asyncio.sleep(pause)
    except asyncio.CancelledError:
        print(f"say_lots cancelled after {said} of {count} lines")
        raise  # a cancelled coroutine must end cancelled
    return said


def main(argv: list[str] | None = None) -> int:
    parser = arguments("say_lots", __doc__)
    parser.add_argument(
        "--count", type=between(int, 1, 100_000), default=5, help="lines (1-100000)"
    )
    parser.add_argument(
        "--pause", type=between(float, 0, 10), default=0.4, help="seconds between lines (0-10)"
    )
    args = parser.parse_args(argv)

    loop = asyncio.new_event_loop()
    task = loop.create_task(say_lots(args.count, args.pause))
    CtrlC(loop, task.cancel)  # Ctrl+C cancels say_lots, which says how far it got
    try:
        said = loop.run_until_complete(task)
    except (asyncio.CancelledError, KeyboardInterrupt):
        return interrupted("say_lots was cancelled")
    finally:
        close_loop(loop)
    print(f"done with the loop: {said} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
