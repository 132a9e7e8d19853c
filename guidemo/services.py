"""The app-wide services panels use, handed to them as one typed context.

`app.py` (the composition root) creates them once; the window and every panel receive the
same `PanelContext`. Nothing here builds widgets: the error log *listens* to the
`ErrorReporter`, so errors raised before the window exists are not lost either.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from guidemo.loop import loop_name
from guidemo.monitor import LoopMonitor
from guidemo.server import DemoServer
from guidemo.task_accounting import TaskAccounting

log = logging.getLogger("guidemo.errors")
ErrorListener = Callable[[BaseException, str], None]


class ServerControl(Protocol):
    """What panels may do with the embedded demo server (restart it, to show reconnects)."""

    @property
    def url(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ErrorReporter:
    """Where every unhandled exception goes: Qt slots (sys.excepthook), loop callbacks
    (the loop's exception handler) and panel tasks. Logs it and tells the listeners."""

    def __init__(self) -> None:
        self.listeners: list[ErrorListener] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_excepthook = sys.excepthook
        self._previous_loop_handler: Any = None

    def report(self, error: BaseException, context: str) -> None:
        log.error("unhandled error in %s", context, exc_info=error)
        self._tell(error, context)

    def report_peer(self, error: BaseException, context: str) -> None:
        """What a client did wrong to the demo server (a malformed request, too many
        connections): shown in the error log, but not an error of the app's own, so it is
        logged at INFO and never printed on the terminal."""
        log.info("demo server: %s: %s", context, error)
        self._tell(error, context)

    def _tell(self, error: BaseException, context: str) -> None:
        for listener in list(self.listeners):
            listener(error, context)

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous_excepthook = sys.excepthook
        self._previous_loop_handler = loop.get_exception_handler()
        sys.excepthook = self._excepthook
        loop.set_exception_handler(self._loop_exception)

    def uninstall(self) -> None:
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_excepthook
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(self._previous_loop_handler)
        self._loop = None

    def _excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        self.report(error.with_traceback(tb), "a Qt handler")

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None:
            error = RuntimeError(context.get("message", "unknown event loop error"))
        self.report(error, context.get("message", "an event loop callback"))


@dataclass
class PanelContext:
    """What every panel receives: the server, the monitor, a thread pool, the error sink."""

    server_url: str
    monitor: LoopMonitor
    executor: ThreadPoolExecutor  # the app's shared pool for short jobs; the app shuts it down
    errors: ErrorReporter
    server: ServerControl | None = None  # the embedded server, when there is one to restart
    loop_kind: str = "guidemo"  # "guidemo" or "qasync": some lessons differ between them
    accounting: TaskAccounting | None = None  # per-task accounting (the tasks panel shows it)

    def report_error(self, error: BaseException, context: str) -> None:
        self.errors.report(error, context)

    @classmethod
    def start(cls, server_url: str, server: ServerControl | None = None) -> PanelContext:
        """Create and start the services inside the running loop."""
        loop = asyncio.get_running_loop()
        errors = ErrorReporter()
        errors.install(loop)
        monitor = LoopMonitor()  # started by the window once built: building is no freeze
        accounting = TaskAccounting.of(loop)
        accounting.enable()  # every task created from now on is accounted (switchable)
        if isinstance(server, DemoServer):  # errors clients cause there go to the error log
            server.on_error = errors.report_peer
        return cls(
            server_url=server_url,
            monitor=monitor,
            executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="guidemo-worker"),
            errors=errors,
            server=server,
            loop_kind=loop_name(loop),
            accounting=accounting,
        )

    def stop(self) -> None:
        """Stop the monitor, the thread pool (jobs not started are dropped), the hooks."""
        if self.accounting is not None:
            self.accounting.disable()
        self.monitor.stop()
        self.executor.shutdown(wait=True, cancel_futures=True)
        if isinstance(self.server, DemoServer) and self.server.on_error == self.errors.report_peer:
            self.server.on_error = None
        self.errors.uninstall()
