"""Test set-up: headless Qt, one event loop for the session, a real demo server.

Pattern: sync test functions call `run(coro)`, which drives the loop (and so Qt) until
the coroutine is done or its timeout expires. Inside, wait with `await wait_until(...)`;
never with qtbot.wait*, which would nest a second loop inside the running one.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from tests.headless import offscreen_platform

# Headless, set here rather than by the caller, on a desktop-sized screen.
os.environ["QT_QPA_PLATFORM"] = offscreen_platform(1920, 1200)


os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="guidemo-test-config-")  # QSettings
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="guidemo-test-data-")  # the lab's drafts
os.environ.setdefault("QT_API", "pyside6")

import pytest
from PySide6 import QtWidgets

from guidemo.app import MainWindow
from guidemo.loop import new_event_loop
from guidemo.monitor import PROBE_INTERVAL_S
from guidemo.server import DemoServer

TEST_LOOP_KIND = os.environ.get("GUIDEMO_TEST_LOOP", "guidemo")
Runner = Callable[..., Any]


def live_probes(seconds: float) -> int:
    """Lag probes a live loop surely runs in `seconds`: half of those due (a frozen loop runs
    none, so this tells the two apart on a busy machine)."""
    return int(seconds / PROBE_INTERVAL_S / 2)


async def wait_until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll `condition` on the running loop until it is truthy; fail after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await asyncio.sleep(0.02)
    return value


@pytest.fixture(scope="session")
def event_loop_for_tests(qapp: QtWidgets.QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = new_event_loop(qapp, TEST_LOOP_KIND)
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@pytest.fixture(scope="session")
def run(event_loop_for_tests: asyncio.AbstractEventLoop) -> Runner:
    """run(coro, timeout=60): drive the loop until `coro` finishes."""

    def run(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        return event_loop_for_tests.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


@pytest.fixture(scope="session")
def server(run: Runner) -> Iterator[DemoServer]:
    demo = DemoServer()
    run(demo.__aenter__())
    yield demo
    run(demo.__aexit__(None, None, None))


@pytest.fixture
def window(run: Runner, server: DemoServer) -> Iterator[MainWindow]:
    async def build() -> MainWindow:
        main_window = MainWindow(server.url, server=server)
        main_window.remember_state = False
        main_window.show()
        await wait_until(lambda: main_window.monitor.stats().samples >= 3, what="first probes")
        return main_window

    main_window = run(build())
    yield main_window
    main_window.close()
    run(main_window.shutdown())
    main_window.deleteLater()
