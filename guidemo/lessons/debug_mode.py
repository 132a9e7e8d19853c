"""asyncio's debug mode: the loop times every callback and warns about the slow ones.

The warnings go to the "asyncio" logger; `capture_debug_warnings` hands them to any
logging handler instead of stderr. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from guidemo.lessons.jobs import slow_sleep


def capture_debug_warnings(
    loop: asyncio.AbstractEventLoop, threshold_s: float, handler: logging.Handler
) -> Callable[[], None]:
    """Turn on asyncio's debug mode and send its warnings to `handler`, not to stderr.

    In debug mode the loop times every callback it runs and logs "Executing <Handle ...>
    took 0.2 seconds" for each one slower than `slow_callback_duration`. Returns a
    function that puts everything back as it was.
    """
    loggers = [logging.getLogger("asyncio"), logging.getLogger("qasync")]
    saved = (loop.get_debug(), loop.slow_callback_duration)
    saved_loggers = [(logger, logger.propagate, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False  # ours only: nothing reaches the root logger's stderr
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)
    loop.slow_callback_duration = threshold_s
    loop.set_debug(True)

    def restore() -> None:
        loop.set_debug(saved[0])
        loop.slow_callback_duration = saved[1]
        for logger, propagate, level in saved_loggers:
            logger.removeHandler(handler)
            logger.propagate = propagate
            logger.setLevel(level)

    return restore


def schedule_slow_callback(loop: asyncio.AbstractEventLoop, seconds: float) -> asyncio.Handle:
    """A plain callback that blocks the loop for `seconds`: what debug mode is there to catch."""
    return loop.call_soon(slow_sleep, seconds)
