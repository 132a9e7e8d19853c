"""Test set-up: headless Qt, one event loop for the session, a real demo server.

Pattern: sync test functions call `run(coro)`, which drives the loop (and so Qt) until
the coroutine is done or its timeout expires. Inside, wait with `await wait_until(...)`
(from `tests/helpers.py`); never with qtbot.wait*, which would nest a second loop inside
the running one.

Two loops, each made only when a test needs it: tests marked `no_qt` (the Qt-free lessons,
the server, the net helpers) run on a plain asyncio loop (`asyncio.Runner`) and import no
Qt; every other test runs on guidemo's Qt loop. With GUIDEMO_TEST_NO_QT=1 (the Qt-free half
of `scripts/test --fast`) importing Qt fails, so a test that needs it cannot hide there.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from guidemo.server import DemoServer
from tests.headless import offscreen_platform
from tests.helpers import TEST_LOOP_KIND, Runner, live_probes, wait_until

if TYPE_CHECKING:
    from PySide6 import QtWidgets

    from guidemo.app import MainWindow
    from guidemo.panels.base import Panel

__all__ = ["TEST_LOOP_KIND", "live_probes", "wait_until"]  # old imports keep working

# Headless, set here rather than by the caller, on a desktop-sized screen.
os.environ["QT_QPA_PLATFORM"] = offscreen_platform(1920, 1200)
# QSettings, one folder per process (so per xdist worker too).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="guidemo-test-config-")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="guidemo-test-data-")  # lab drafts
os.environ.setdefault("QT_API", "pyside6")  # for qasync
os.environ.setdefault("PYTEST_QT_API", "pyside6")  # for pytest-qt

QT_MODULES = {"PySide6", "shiboken6", "qasync", "pyqtgraph"}


class RefuseQt(importlib.abc.MetaPathFinder):
    """Makes `import PySide6` (and qasync, pyqtgraph) fail: the Qt-free tier proves it."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name.partition(".")[0] in QT_MODULES:
            raise ImportError(f"{name} imported in a Qt-free run (GUIDEMO_TEST_NO_QT is set)")


if os.environ.get("GUIDEMO_TEST_NO_QT"):
    assert not QT_MODULES & set(sys.modules), "Qt was imported before the tests began"
    sys.meta_path.insert(0, RefuseQt())


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In a Qt-free run, collect only the modules marked `no_qt` (the others import Qt); in
    the fast tier's Qt part (GUIDEMO_TEST_FAST), only those with `fast` tests: each worker
    then imports 20 test modules, not all of them (1.8 s instead of 4 s of CPU)."""
    if os.environ.get("GUIDEMO_TEST_NO_QT"):
        marker = "pytest.mark.no_qt"
    elif os.environ.get("GUIDEMO_TEST_FAST"):
        marker = "pytest.mark.fast"
    else:
        return None
    name = collection_path.name
    if (
        name.startswith("test_")
        and name.endswith(".py")
        and marker not in collection_path.read_text()
    ):
        return True
    return None


LONG_MARKERS = ("slow", "stress")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (a minute or so each) first, each followed by a short one: a parallel
    run (scripts/test: pytest-xdist's `load`, one test at a time after the first two per
    worker) then starts each long test on a worker of its own, where the short ones overlap
    them. In a row, as the files were, they all went to the first worker: 7 of its 7 minutes.
    Otherwise the order of the files is kept."""

    def is_long(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(marker) for marker in LONG_MARKERS)

    long = [item for item in items if is_long(item)]
    short = [item for item in items if not is_long(item)]
    paired = [test for pair in zip(long, short, strict=False) for test in pair]
    items[:] = paired + long[len(short) :] + short[len(long) :]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the socket pytest-rerunfailures (16.7) opens to share rerun counts between the
    workers and never closes: collected at a worker's exit, it printed "sys:1:
    ResourceWarning: unclosed <socket.socket ...>" at the end of a parallel run."""
    sock = getattr(getattr(config, "failures_db", None), "sock", None)
    if sock is not None:
        sock.close()


@pytest.fixture(autouse=True)
def signal_handlers_restored() -> Iterator[None]:
    """Each test starts with the quit signals' handlers the previous one found: the app
    ignores them once its shutdown is over, and on an xdist worker any test may come next."""
    quit_signals = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    saved = {number: signal.getsignal(number) for number in quit_signals}
    yield
    for number, handler in saved.items():
        if handler is not None:
            signal.signal(number, handler)


@pytest.fixture(autouse=True)
def coroutine_origin_tracking_restored() -> Iterator[None]:
    """Each test starts with the coroutine origin tracking depth the previous one found:
    debug mode and the lab's warning hook raise it, and with it every "never awaited"
    warning grows a "Coroutine created at" trace (a lesson's test reads that warning)."""
    depth = sys.get_coroutine_origin_tracking_depth()
    yield
    sys.set_coroutine_origin_tracking_depth(depth)


def qt_free(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("no_qt") is not None


def runner_on(loop: asyncio.AbstractEventLoop) -> Runner:
    def run(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


@pytest.fixture(scope="session")
def qapp(qapp: QtWidgets.QApplication) -> Iterator[QtWidgets.QApplication]:
    """pytest-qt's QApplication, with reference cycles collected on its thread as in the
    app (guidemo/gui_gc.py): a loop's Qt objects collected on a test's worker thread made
    Qt crash inside processEvents() now and then."""
    from guidemo.gui_gc import GuiThreadCollector

    collector = GuiThreadCollector()
    yield qapp
    collector.stop()


@pytest.fixture(scope="session")
def event_loop_for_tests(qapp: QtWidgets.QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """guidemo's loop (or qasync's, with GUIDEMO_TEST_LOOP=qasync) on the QApplication."""
    from guidemo.loop import new_event_loop

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
def plain_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A plain asyncio loop, as `asyncio.run` makes it (no Qt), for the `no_qt` tests."""
    with asyncio.Runner() as runner:
        yield runner.get_loop()


@pytest.fixture
def run(request: pytest.FixtureRequest) -> Runner:
    """run(coro, timeout=60): drive the loop until `coro` finishes (plain asyncio for the
    tests marked `no_qt`, the Qt loop for the others)."""
    loop_name = "plain_loop" if qt_free(request) else "event_loop_for_tests"
    return runner_on(request.getfixturevalue(loop_name))


def started_server(loop: asyncio.AbstractEventLoop) -> Iterator[DemoServer]:
    """A demo server on its own thread; `loop` is the one it reports client errors to."""
    demo = DemoServer()
    runner_on(loop)(demo.__aenter__())
    yield demo
    runner_on(loop)(demo.__aexit__(None, None, None))


@pytest.fixture(scope="session")
def qt_server(event_loop_for_tests: asyncio.AbstractEventLoop) -> Iterator[DemoServer]:
    yield from started_server(event_loop_for_tests)


@pytest.fixture(scope="session")
def plain_server(plain_loop: asyncio.AbstractEventLoop) -> Iterator[DemoServer]:
    yield from started_server(plain_loop)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> DemoServer:
    """The session's demo server (one per loop: it reports client errors to its loop)."""
    server: DemoServer = request.getfixturevalue(
        "plain_server" if qt_free(request) else "qt_server"
    )
    return server


def built_window(
    run: Runner, server: DemoServer, lazy: bool, slugs: tuple[str, ...] = ()
) -> Iterator[MainWindow]:
    from guidemo.app import MainWindow

    async def build() -> MainWindow:
        main_window = MainWindow(server.url, server=server, lazy=lazy)
        main_window.remember_state = False
        for slug in slugs:  # built in the loop: a test may then show them outside run()
            main_window.panel(slug)
        main_window.show()
        await wait_until(lambda: main_window.monitor.stats().samples >= 3, what="first probes")
        return main_window

    main_window = run(build())
    yield main_window
    main_window.close()
    run(main_window.shutdown())
    main_window.deleteLater()


@pytest.fixture
def window(request: pytest.FixtureRequest, run: Runner, server: DemoServer) -> Iterator[MainWindow]:
    """A real MainWindow with only its first panel built: `show_panel(slug)` (or
    `panels[slug]`) builds the one a test asks for, so a test pays for the panels it uses.
    A panel that needs the running loop to build (tasks) is built outside `run()` only if
    the test says so up front: `@pytest.mark.panels("tasks")`."""
    marker = request.node.get_closest_marker("panels")
    yield from built_window(run, server, lazy=True, slugs=marker.args if marker else ())


@pytest.fixture
def full_window(run: Runner, server: DemoServer) -> Iterator[MainWindow]:
    """A MainWindow with all its panels built, for the tests about every panel at once."""
    yield from built_window(run, server, lazy=False)


@pytest.fixture
def panel(window: MainWindow) -> Callable[[str], Panel]:
    """panel(slug): that panel, shown in a window that builds no other."""
    return window.show_panel
