"""The lecture's programs as scripts: the event loop with no GUI, run from a terminal.

Each module runs with `python -m guidemo.programs.<name> [--help]`, takes a few seconds by
default, and stops cleanly on Ctrl+C (a short line, exit code 130, no traceback):

    say_something     one coroutine, one `run_until_complete`
    say_lots          the lecture's ultra_simple: a coroutine printing n lines
    async_timer       many `display_date` tasks; `run_forever`, stopped by `call_later`
    async_executor    small tasks keep printing while a blocking job runs in a thread
    gather            the factorials A, B and C taking turns with `asyncio.gather`
    just_coroutines   generators as coroutines, stepped by hand and by a round-robin loop

They need only the standard library (and `_shared`, what they all do alike): no Qt. The
`scripts` panel runs them as child processes and streams what they print.
"""
