"""Start-up and shutdown in one place: QApplication, the event loop, server, window.

The order matters and is the whole point of this module:
  start:  QApplication -> event loop -> demo server -> services -> MainWindow -> show
          -> first paint ("window ready")
  stop:   window closed -> panel tasks/threads/processes stopped -> services (monitor,
          thread pool, error hooks) -> server stopped -> remaining tasks cancelled and
          loop closed (asyncio.Runner does that last step)
A quit signal at any moment is handled by `guidemo.lifecycle` (see there).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")  # qasync must pick PySide6
from PySide6 import QtCore, QtWidgets

from guidemo.gui_gc import GuiThreadCollector
from guidemo.lifecycle import Lifecycle
from guidemo.loop import new_event_loop
from guidemo.panels.start import StartPanel
from guidemo.server import DemoServer
from guidemo.services import PanelContext
from guidemo.ui.main_window import SCREENSHOT_SIZE, MainWindow

__all__ = ["MainWindow", "run_app", "save_screenshots"]

SCREENSHOT_DEMO_TIMEOUT_S = 20.0
SETTLED_LINE = "guidemo: all panels built"
# Said by Qt's headless (offscreen) platform about every window: not a problem of ours.
BENIGN_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)
qt_log = logging.getLogger("guidemo.qt")


def route_qt_messages(kind: QtCore.QtMsgType, context: object, message: str) -> None:
    """Send Qt's own warnings to Python logging instead of straight to stderr."""
    if message in BENIGN_QT_MESSAGES:
        return
    level = logging.DEBUG if kind == QtCore.QtMsgType.QtDebugMsg else logging.WARNING
    qt_log.log(level, "Qt: %s", message)


def run_app(
    panel: str | None = None,
    screenshot_dir: Path | None = None,
    loop_kind: str = "guidemo",
    on_ready: Callable[[MainWindow], None] | None = None,
    lifecycle: Lifecycle | None = None,
    zoom: float | None = None,
    size: tuple[int, int] | None = None,
    tour: bool = False,
    theme: str | None = None,
) -> int:
    """Run the app until its window closes or a quit signal; return the exit code.

    `lifecycle` is installed by the command line before Qt is imported; code that calls
    run_app directly gets one installed here. `zoom` scales the whole window (else the
    remembered zoom); `size` is the window's size for screenshots (else 1600x1000);
    `theme` is "light", "dark" or "system" (else the remembered one).
    """
    if lifecycle is None:
        lifecycle = Lifecycle()
        lifecycle.install()
    try:
        QtCore.qInstallMessageHandler(route_qt_messages)
        existing = QtWidgets.QApplication.instance()
        app = existing if isinstance(existing, QtWidgets.QApplication) else None
        app = app or QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("guidemo")
        app.setOrganizationName("guidemo")
        app.setQuitOnLastWindowClosed(
            False
        )  # closing the window ends _main(), which stops the loop
        loop = new_event_loop(app, loop_kind)
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            options = StartOptions(panel, screenshot_dir, on_ready, zoom, size, tour, theme)
            return runner.run(_main(lifecycle, options))
    finally:
        lifecycle.finished()


@dataclass(frozen=True)
class StartOptions:
    """What the command line asked for."""

    panel: str | None = None
    screenshot_dir: Path | None = None
    on_ready: Callable[[MainWindow], None] | None = None
    zoom: float | None = None
    size: tuple[int, int] | None = None
    tour: bool = False
    theme: str | None = None


async def _main(lifecycle: Lifecycle, options: StartOptions) -> int:
    """Start up in order, wait for the window to close, then stop in order."""
    main_task = asyncio.current_task()
    if main_task is not None:
        main_task.set_name("app: main (waits for the window to close)")
    code = 0
    server = DemoServer()
    server.bind()  # its URL now; aiohttp is loaded on the server's thread once we are up
    collector = GuiThreadCollector()  # cycles holding Qt objects die on the GUI thread
    try:
        context = PanelContext.start(server.url, server)
        try:
            window = MainWindow(
                server.url,
                server=server,
                context=context,
                lazy=True,
                panel=options.panel,
                tour=options.tour and options.screenshot_dir is None,
                start_monitor=False,  # once the window is painted: before, it is start-up
            )
            window.monitor.probe_listeners.append(collector.collect_due)  # busy, not asleep
            try:
                if options.zoom is not None:
                    window.set_zoom(options.zoom)
                    if options.screenshot_dir is None:
                        window.fill_screen()  # a projector: use all of it
                if options.theme is not None:
                    window.set_theme(options.theme)
                collect_and_freeze()  # a full collection: before the window shows
                window.show()
                if options.screenshot_dir is not None:
                    window.remember_state = False
                    lifecycle.batch = True
                    lifecycle.running(asyncio.get_running_loop(), window.close, interrupt(window))
                    window.monitor.start(window.loop)
                    await server.start()
                    size = QtCore.QSize(*options.size) if options.size else SCREENSHOT_SIZE
                    code = await take_screenshots(window, options.screenshot_dir, size, lifecycle)
                    window.close()
                else:
                    await first_paint(window)
                    window.monitor.start(window.loop)
                    lifecycle.running(asyncio.get_running_loop(), window.close, interrupt(window))
                    print(f"guidemo: window ready, demo server at {server.url}", flush=True)
                    await server.start()  # requests made meanwhile wait in its queue
                    # The other panels, in idle time from now on; a line says when all are.
                    start = window.panel("start")
                    if isinstance(start, StartPanel):  # its live line waits for the end
                        start.starting_up()

                    def started_up() -> None:
                        if isinstance(start, StartPanel):
                            start.started_up()
                        print(SETTLED_LINE, flush=True)

                    window.build_remaining(then=started_up)
                    if options.on_ready is not None:
                        options.on_ready(window)
                await window.closed.wait()
            finally:
                lifecycle.stopping()
                await window.shutdown()
        finally:
            context.stop()
    finally:
        try:
            await server.close()
        finally:
            collector.stop()  # automatic collection again, even if the close failed
    collect_and_freeze()  # the run's cycles, on the loop still, as every collection of it
    return code


def interrupt(window: MainWindow) -> Callable[[], None]:
    """What a quit signal does besides asking asyncio: post the window's close to Qt.

    asyncio may be held by a nested Qt loop (a modal `exec()` dialog opened in a
    coroutine); Qt is not, and closing the window rejects the dialog, which ends that loop.
    """
    return lambda: QtCore.QTimer.singleShot(0, window, window.close)


def collect_and_freeze() -> None:
    """Collect the cycles made so far, then move every object left out of the garbage
    collector's way, for good.

    Twice. Before the window shows: what start-up built lives as long as the app, and its
    full collections caused 50 ms+ pauses in the UI. At the end of shutdown, on the loop
    with Qt whole and the deadline still covering it: Python's own collection at exit
    walked everything built since start-up (0.1-0.2 s of CPU, and beside a second suite
    more than 10 s after a Ctrl+C, where no deadline reached); now it has nothing to walk.
    """
    gc.collect()
    gc.freeze()


async def first_paint(window: QtWidgets.QWidget, timeout: float = 5.0) -> None:
    """Wait until Qt has painted the freshly shown window, without a nested event loop."""
    painted = asyncio.get_running_loop().create_future()
    watcher = _PaintWatcher(painted)
    window.installEventFilter(watcher)
    window.update()
    try:
        await asyncio.wait_for(painted, timeout)
    except TimeoutError:
        pass  # a window that is never painted (minimised, no screen) must not hang start-up
    finally:
        window.removeEventFilter(watcher)


class _PaintWatcher(QtCore.QObject):
    def __init__(self, painted: asyncio.Future[None]) -> None:
        super().__init__()
        self._painted = painted

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and not self._painted.done():
            # Resolved once this paint event has been handled, i.e. on the next turn.
            asyncio.get_running_loop().call_soon(self._done)
        return False

    def _done(self) -> None:
        if not self._painted.done():
            self._painted.set_result(None)


class ScreenshotError(Exception):
    """A picture could not be saved."""


async def take_screenshots(
    window: MainWindow, directory: Path, size: QtCore.QSize, lifecycle: Lifecycle
) -> int:
    """`--screenshot`: every panel's picture, until a quit signal (or a closed window)
    stops it or a picture cannot be saved, which is said in one line; the exit code."""
    saved: list[Path] = []
    shots = asyncio.create_task(
        save_screenshots(window, directory, size, saved), name="app: screenshots"
    )
    closed = asyncio.create_task(window.closed.wait(), name="app: screenshots stopped")
    done, _ = await asyncio.wait({shots, closed}, return_when=asyncio.FIRST_COMPLETED)
    for task in (shots, closed):
        task.cancel()
    results = await asyncio.gather(shots, closed, return_exceptions=True)
    if shots in done:
        if isinstance(results[0], ScreenshotError):
            print(f"guidemo: {results[0]}", file=sys.stderr)
            return 1
        if isinstance(results[0], BaseException):
            raise results[0]
        return 0
    why = signal.Signals(lifecycle.signum).name if lifecycle.signum else "closing the window"
    print(
        f"guidemo: stopped by {why}: {len(saved)} of {len(window.panels)} pictures "
        f"written to {directory}",
        file=sys.stderr,
    )
    return lifecycle.exit_code() or 1


async def save_screenshots(
    window: MainWindow,
    directory: Path,
    size: QtCore.QSize = SCREENSHOT_SIZE,
    saved: list[Path] | None = None,
) -> list[Path]:
    """Render every panel, after its short demo has run, to `directory/<slug>.png`;
    `saved` (returned) lists the pictures written so far. ScreenshotError if one fails."""
    directory.mkdir(parents=True, exist_ok=True)
    window.resize(size)
    saved = [] if saved is None else saved
    for slug, panel in window.panels.items():
        window.show_panel(slug)
        started = time.perf_counter()
        try:
            demo = asyncio.create_task(panel.screenshot_demo(), name=f"app: {slug} demo")
            await asyncio.wait_for(demo, SCREENSHOT_DEMO_TIMEOUT_S)
        except TimeoutError:
            window.report_error(TimeoutError(f"{slug} demo took too long"), "screenshot")
        # Let the HUD and plots catch up (at least two of their refreshes).
        await asyncio.sleep(max(0.0, 0.6 - (time.perf_counter() - started)))
        path = directory / f"{slug}.png"
        if not window.grab().save(str(path)):
            raise ScreenshotError(f"could not save {path}")
        saved.append(path)
    return saved
