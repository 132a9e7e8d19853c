"""The smallest asyncio program: make a loop, run one coroutine on it until it is done.

python -m guidemo.programs.say_something [--text TEXT]
"""

from __future__ import annotations

import asyncio
import sys

from guidemo.programs._shared import arguments, close_loop, interrupted


async def say_something(text: str) -> str:
    """A coroutine: calling it runs nothing yet; the loop runs it."""
    print(text)
    return "said it"


def main(argv: list[str] | None = None) -> int:
    parser = arguments("say_something", __doc__)
    parser.add_argument("--text", default="This was run by the loop", help="what to print")
    args = parser.parse_args(argv)

    loop = asyncio.new_event_loop()  # a loop of our own, not a shared "current" one
    print(f"made a loop: {type(loop).__name__}, running: {loop.is_running()}")
    try:
        coro = say_something(args.text)
        print(f"say_something() gave a {type(coro).__name__}; nothing printed yet")
        result = loop.run_until_complete(coro)  # blocks until the coroutine returns
    except KeyboardInterrupt:
        return interrupted("stopped before the coroutine finished")
    finally:
        close_loop(loop)
    print(f"run_until_complete returned {result!r}; the loop is closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
