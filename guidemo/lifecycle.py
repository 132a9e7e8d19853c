"""How the app's life ends, whatever ends it: Ctrl+C, SIGTERM or SIGHUP at any moment.

Python's default SIGINT handler raises KeyboardInterrupt wherever the main thread happens
to be: inside PySide6's import (which then aborts the interpreter), inside a Qt slot, or
in the middle of interpreter shutdown while Qt tears down its widgets (a segfault). So
guidemo installs its own handler before it imports Qt, and it never raises. What a
signal does depends on the stage the app is in:

- starting (before the window is shown): nothing has been done yet that must be saved or
  stopped in order (no settings, no child process), so the process leaves at once,
  quietly, with exit code 130 (EXIT_ABORTED), even in the middle of importing Qt;
- running: the window is closed as an ordinary event-loop callback, which runs the
  orderly shutdown (work cancelled, pools terminated, server closed, settings saved);
  exit code 0. A callback may be holding the loop in a nested Qt loop (a modal
  `exec()` dialog, the dialogs panel's wrong way): then `interrupt` (posted to Qt, not
  to asyncio) closes the dialog first. The deadline below counts from the signal.
- stopping: a second signal within GRACE_S of the first is a double tap and changes
  nothing; one after that means "now": the process exits at once, quietly. Whatever
  happens, a shutdown that takes longer than SHUTDOWN_DEADLINE_S ends the same way.

The handler stays installed until shutdown is over; then the quit signals are ignored,
because Python itself puts the default handlers back while it finalizes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Protocol

EXIT_ABORTED = 130  # quit by a signal before the window was shown (128 + SIGINT)
GRACE_S = 0.5
SHUTDOWN_DEADLINE_S = 5.0
UNLINK_WAIT_S = 0.5  # at most, for the pools' semaphores at a forced exit
QUIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class _Loop(Protocol):
    def call_soon_threadsafe(self, callback: Callable[[], object]) -> object: ...


class Lifecycle:
    """The app's stage (starting, running, stopping) and what a quit signal does in it."""

    def __init__(self) -> None:
        self.stage = "starting"
        self.signalled_at: float | None = None  # time.monotonic() of the first signal
        self.signals = 0
        self.signum: int | None = None  # the first quit signal, if one came
        self.batch = False  # a batch run (--screenshot): a signal leaves its work unfinished
        self._loop: _Loop | None = None
        self._close: Callable[[], object] | None = None
        self._interrupt: Callable[[], object] | None = None
        self._quit_asked = threading.Event()  # shutdown began, or a signal asked for it
        self._over = threading.Event()  # shutdown is over
        self._watcher: threading.Thread | None = None

    def install(self) -> None:
        """Take over SIGINT, SIGTERM and SIGHUP (main thread only; before importing Qt)."""
        for signum in QUIT_SIGNALS:
            signal.signal(signum, self._on_signal)

    def running(
        self,
        loop: _Loop,
        close: Callable[[], object],
        interrupt: Callable[[], object] | None = None,
    ) -> None:
        """The window is up: from now on a signal calls `close` on the loop, and
        `interrupt` at once (it must only post work to Qt: it runs inside the handler)."""
        self._loop, self._close, self.stage = loop, close, "running"
        self._interrupt = interrupt
        self._watch_deadline()  # started now: a signal handler must not start a thread

    def stopping(self) -> None:
        """Shutdown has begun: arm the deadline that ends a shutdown that hangs."""
        if self.stage == "stopping":
            return
        self.stage = "stopping"
        self._quit_asked.set()
        self._watch_deadline()

    def _watch_deadline(self) -> None:
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._deadline, name="guidemo: quit deadline", daemon=True
            )
            self._watcher.start()

    def _deadline(self) -> None:
        """Once a quit is asked for, give shutdown SHUTDOWN_DEADLINE_S, then leave anyway."""
        self._quit_asked.wait()
        if not self._over.wait(SHUTDOWN_DEADLINE_S):
            self.force_exit()

    def finished(self) -> None:
        """Shutdown is over; the interpreter may now finish on its own.

        Python puts the default handlers back while it finalizes, so a signal arriving
        then would kill the process (exit status -2) halfway through Qt's teardown, on
        whichever thread takes it. Everything is stopped by now, so the quit signals are
        ignored for the last moments (Python leaves an ignored signal ignored).
        """
        self._over.set()
        self._quit_asked.set()  # the deadline's watcher ends too
        if threading.current_thread() is threading.main_thread():
            for signum in QUIT_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        self.signals += 1
        if self.stage == "starting":
            self.force_exit()
        if self.signalled_at is None:
            self.signalled_at, self.signum = now, signum
            if self._loop is not None and self._close is not None:
                # RuntimeError: the loop (or window) is gone, shutdown is well under way.
                with contextlib.suppress(RuntimeError):
                    # An ordinary callback on the loop, not code run in the middle of a slot.
                    self._loop.call_soon_threadsafe(self._close)
                    if self._interrupt is not None:  # for a loop held by a nested Qt loop
                        self._interrupt()
                self.stopping()  # the deadline runs from now, whatever holds the loop
            return
        if now - self.signalled_at > GRACE_S:  # asked again, and meant it
            self.force_exit()

    def exit_code(self) -> int:
        """0 after a quit; for a batch run stopped by a signal, 128 + its number (130 for
        Ctrl+C), as a shell reports a program that a signal ended."""
        return 128 + self.signum if self.batch and self.signum is not None else 0

    def force_exit(self) -> None:
        """Leave now, without tracebacks: stop child processes, flush, `os._exit`."""
        code = EXIT_ABORTED if self.stage == "starting" else self.exit_code()
        try:
            multiprocessing = sys.modules.get("multiprocessing")  # never import in a handler
            if multiprocessing is not None:
                for child in multiprocessing.active_children():
                    child.terminate()
                # On a thread of its own, waited for 0.5 s at most: telling the tracker takes
                # its lock, which the stuck main thread might hold.
                unlinking = threading.Thread(target=_unlink_semaphores, daemon=True)
                unlinking.start()
                unlinking.join(UNLINK_WAIT_S)
            sys.stdout.flush()
        finally:
            os._exit(code)


def _unlink_semaphores() -> None:
    """Unlink the semaphores of the process pools, as multiprocessing does at a normal exit.

    `os._exit` skips multiprocessing's exit finalizers, and its resource tracker process
    then printed "There appear to be 6 leaked semaphore objects" on stderr (a Ctrl+C under
    load, whose shutdown ran past the deadline). Unlinking is one quick system call each;
    the other finalizers (joining a pool's threads) could block, so only these run.
    """
    synchronize = sys.modules.get("multiprocessing.synchronize")
    util = sys.modules.get("multiprocessing.util")
    if synchronize is None or util is None:
        return
    with contextlib.suppress(RuntimeError):  # the registry changed meanwhile: leave as is
        for finalizer in list(util._finalizer_registry.values()):
            if getattr(finalizer, "_callback", None) is synchronize.SemLock._cleanup:
                finalizer()
