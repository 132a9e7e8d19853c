"""Lesson `debug_mode`: asyncio's slow-callback warnings go to the handler given, not to
stderr, and everything is put back afterwards. Plain asyncio, no Qt."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest

from guidemo.lessons.debug_mode import capture_debug_warnings, schedule_slow_callback

pytestmark = pytest.mark.no_qt


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_slow_callback_is_reported_to_the_handler(capfd):
    handler = Collect()
    asyncio_logger = logging.getLogger("asyncio")
    before = (asyncio_logger.propagate, asyncio_logger.level)

    async def scenario() -> tuple[bool, float, bool, float]:
        loop = asyncio.get_running_loop()
        saved = (loop.get_debug(), loop.slow_callback_duration)
        restore = capture_debug_warnings(loop, 0.05, handler)
        during = (loop.get_debug(), loop.slow_callback_duration)
        schedule_slow_callback(loop, 0.1)
        await asyncio.sleep(0.05)  # the slow callback runs before this wakes up
        restore()
        assert (loop.get_debug(), loop.slow_callback_duration) == saved
        return (*during, *saved)

    debug_on, threshold, debug_before, _ = asyncio.run(scenario())
    assert debug_on and threshold == 0.05 and not debug_before
    messages = [record.getMessage() for record in handler.records]
    assert any(m.startswith("Executing <Handle slow_sleep(0.1)") for m in messages), messages
    assert handler not in asyncio_logger.handlers
    assert (asyncio_logger.propagate, asyncio_logger.level) == before
    assert "Executing" not in capfd.readouterr().err


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.debug_mode; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
