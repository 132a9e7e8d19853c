"""The event loop guidemo runs on: asyncio's own loop, driven by Qt's.

A GUI thread can wait in only one place. Qt must wait there (or windows freeze), so
asyncio has to be told by Qt when there is work. Stock qasync re-implements the asyncio
loop on top of Qt: one Qt timer per callback, one socket notifier per socket. guidemo
keeps asyncio's `SelectorEventLoop` as it is and lets Qt do only the waiting:

- one `QSocketNotifier` watches the selector's own file descriptor (the epoll or kqueue
  fd). It becomes readable whenever any socket asyncio waits on is ready, including the
  self-pipe that `call_soon_threadsafe` and signals write to;
- one precise single-shot `QTimer` is armed for the next `call_later`/`call_at`
  deadline, rounded UP to whole milliseconds so it never fires early;
- the same timer with interval 0 while callbacks are ready, so Qt events get their turn
  between asyncio's batches.

Each time one of them fires, asyncio runs one ordinary turn (`_run_once`) with the
selector polled without waiting; a burst of callbacks ready at once (100 answers
arriving together) runs in slices of TURN_BUDGET_S, in the same order, with Qt's events
between them. Timers, FIFO order, `TimerHandle.when()`, exception
handling and sockets are therefore asyncio's own code, not a copy of it.

A callback that runs a nested Qt loop (dialog.exec()) pauses asyncio; the loop only says
when it sees one, to the `PauseWatcher` the HUD's monitor attaches (`watch_pauses`).

What the selector does (each select() and what it found ready, each time the GUI thread
slept in Qt's poll()) is recorded only while a `SelectorWatch` is attached (the selector
panel's live view): unwatched, the loop runs exactly the code above.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import os
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, NamedTuple

from PySide6 import QtCore, QtWidgets

from guidemo.loop_kinds import LOOP_KINDS
from guidemo.monitor import PauseWatcher

_MAX_TIMER_MS = 24 * 3600 * 1000  # asyncio never waits longer than a day either
TURN_BUDGET_S = 0.002  # asyncio runs this long at most before Qt gets its turn
SLICE_READY = 8  # more callbacks than this ready at once run in slices of TURN_BUDGET_S
LONG_TURN_S = 0.05  # a turn this long blocked the GUI thread: its times are kept
_LONG_WAIT = 0.05  # seconds; shorter poll() timeouts oversleep by 50 us at most
WATCH_KEEP = 4096  # a SelectorWatch keeps at most this many ready selects and sleeps not taken


def new_event_loop(
    app: QtWidgets.QApplication | QtCore.QCoreApplication, kind: str = "guidemo"
) -> asyncio.AbstractEventLoop:
    """Return a new, not yet running event loop that runs Qt's events as well.

    `kind` is "guidemo" (asyncio's loop driven by Qt) or "qasync" (stock qasync, for
    comparison). Where the selector has no file descriptor Qt could watch (Windows'
    select()-based selector), "guidemo" falls back to qasync.
    """
    if kind not in LOOP_KINDS:
        raise ValueError(f"unknown loop kind {kind!r}, expected one of {LOOP_KINDS}")
    if kind == "guidemo" and hasattr(selectors.DefaultSelector, "fileno"):
        return GuidemoEventLoop()
    os.environ.setdefault("QT_API", "pyside6")  # qasync takes the first Qt binding it finds
    import qasync  # only for --loop qasync: after PySide6 and QT_API, so it picks PySide6

    return qasync.QEventLoop(app)


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """Which kind of loop this is, "guidemo" or "qasync" (for the HUD)."""
    return "guidemo" if isinstance(loop, GuidemoEventLoop) else "qasync"


def _poll_only() -> None:
    """A callback that does nothing; see GuidemoEventLoop._turn."""


class _QtSide:
    """The Qt half of a GuidemoEventLoop: what wakes it, and what it knows of its turns."""

    __slots__ = (
        "armed_when",
        "burst_left",
        "error",
        "in_turn",
        "long_turn",
        "notifier",
        "notifier_paused",
        "pauses",
        "poll_handle",
        "poll_next",
        "qt_loop",
        "timer",
        "turn_started",
    )  # fmt: skip

    def __init__(self, loop: GuidemoEventLoop) -> None:
        self.poll_handle = asyncio.Handle(_poll_only, (), loop)
        # Qt watches the epoll/kqueue fd itself: readable == some socket is ready.
        self.notifier = QtCore.QSocketNotifier(
            loop._selector.fileno(), QtCore.QSocketNotifier.Type.Read
        )
        self.notifier.setEnabled(False)
        self.notifier.activated.connect(loop._turn)
        self.timer = QtCore.QTimer()
        self.timer.setSingleShot(True)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(loop._turn)
        self.armed_when: float | None = None  # deadline the timer is armed for
        self.burst_left = 0  # callbacks of a burst still to run in slices (_run_burst_until)
        self.poll_next = False  # a burst has ended: the next turn polls, as asyncio's would
        self.qt_loop: QtCore.QEventLoop | None = None  # set while running
        self.in_turn = False
        self.turn_started = 0.0
        self.long_turn = (0.0, 0.0)
        self.notifier_paused = False  # by a nested Qt loop inside a callback
        self.pauses: PauseWatcher | None = None  # attached by the HUD's monitor
        self.error: BaseException | None = None


class GuidemoEventLoop(asyncio.SelectorEventLoop):
    """asyncio's `SelectorEventLoop`, whose waiting is done by a Qt event loop.

    Use it like any asyncio loop (`asyncio.Runner(loop_factory=...)`,
    `run_until_complete`, `run_forever` + `stop`) from the thread that owns the
    QApplication. While it runs, Qt widgets, timers and signals work as usual, and Qt
    slots can call `asyncio.get_running_loop()`.
    """

    if TYPE_CHECKING:  # asyncio's private parts this class drives (typeshed omits them)
        _selector: selectors.EpollSelector  # or kqueue: any selector with a fileno()
        _csock: socket.socket
        _ready: collections.deque[asyncio.Handle]
        _scheduled: list[asyncio.TimerHandle]
        _signal_handlers: dict[int, asyncio.Handle]
        _stopping: bool
        _debug: bool
        _thread_id: int | None

        def _run_once(self) -> None: ...
        def _check_closed(self) -> None: ...
        def _check_running(self) -> None: ...
        def _set_coroutine_origin_tracking(self, enabled: bool) -> None: ...
        def _asyncgen_firstiter_hook(self, agen: object) -> None: ...
        def _asyncgen_finalizer_hook(self, agen: object) -> None: ...

    def __init__(self) -> None:
        super().__init__(selectors.DefaultSelector())
        # All of guidemo's own state lives in one object: asyncio's loop already has 24
        # attributes, and past about 30 Python stops sharing the instance dict's keys,
        # which made every attribute read in asyncio's _run_once 40% slower (measured).
        self._q = _QtSide(self)

    def run_forever(self) -> None:
        """Run a local Qt event loop until `stop()`; Qt calls `_turn` when work is due.

        The bookkeeping mirrors `BaseEventLoop.run_forever` (CPython 3.11). A local
        `QEventLoop` rather than `app.exec()`: stopping it never calls
        `QApplication.exit()`, which would make later nested loops (dialogs, qtbot
        waits) return at once.
        """
        self._check_closed()
        self._check_running()
        self._set_coroutine_origin_tracking(self._debug)
        old_agen_hooks = sys.get_asyncgen_hooks()
        try:
            self._thread_id = threading.get_ident()
            sys.set_asyncgen_hooks(
                firstiter=self._asyncgen_firstiter_hook,
                finalizer=self._asyncgen_finalizer_hook,
            )
            asyncio.events._set_running_loop(self)
            dispatcher = QtCore.QAbstractEventDispatcher.instance()
            with self._signals_wake_qt():
                self._q.qt_loop = QtCore.QEventLoop()
                self._q.notifier.setEnabled(True)
                self._arm()
                if dispatcher is not None:
                    dispatcher.aboutToBlock.connect(self._before_qt_waits)
                try:
                    self._q.qt_loop.exec()
                finally:
                    if dispatcher is not None:
                        dispatcher.aboutToBlock.disconnect(self._before_qt_waits)
            if self._q.error is not None:  # KeyboardInterrupt/SystemExit from a turn
                error, self._q.error = self._q.error, None
                raise error
        finally:
            self._q.qt_loop = None
            self._q.notifier.setEnabled(False)
            self._q.notifier_paused = False
            self._q.timer.stop()
            self._q.armed_when = None
            self._stopping = False
            self._thread_id = None
            asyncio.events._set_running_loop(None)
            self._set_coroutine_origin_tracking(False)
            sys.set_asyncgen_hooks(*old_agen_hooks)

    @contextlib.contextmanager
    def _signals_wake_qt(self) -> Iterator[None]:
        """Let POSIX signals (Ctrl+C) reach Python while Qt waits in C++.

        Python runs a signal handler only when it next runs bytecode, and an idle Qt
        loop runs none. Pointing the wakeup fd at asyncio's self-pipe makes the signal
        wake a turn, so handlers run at once (asyncio.Runner's Ctrl+C, signal.signal()).
        Python's default SIGINT handler would raise KeyboardInterrupt in whatever Qt
        slot runs next, where PySide prints and drops it; so it is replaced, for the
        run, by one that stops the loop and raises it from `run_forever`, as asyncio does.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old_wakeup_fd = signal.set_wakeup_fd(self._csock.fileno())
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            if signal.getsignal(signal.SIGINT) == self._on_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)
            if not self._signal_handlers:  # else add_signal_handler() still needs it
                ours = old_wakeup_fd == self._csock.fileno()
                signal.set_wakeup_fd(-1 if ours else old_wakeup_fd)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        """Ctrl+C: finish this batch, then raise KeyboardInterrupt from `run_forever`."""
        if not self.is_running():  # left installed by someone else: act as the default
            signal.default_int_handler(signum, frame)
        self._q.error = KeyboardInterrupt()
        self.stop()

    def close(self) -> None:
        """Drop the Qt objects before asyncio closes the fd the notifier watches."""
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if not self.is_closed():
            with contextlib.suppress(RuntimeError):  # Qt objects already gone at exit
                self._q.notifier.setEnabled(False)
                self._q.timer.stop()
        super().close()

    def _before_qt_waits(self) -> None:
        """Qt is about to wait for events: make sure it also waits for asyncio's next one.

        A Qt slot may have called `call_soon`, `call_later` or `stop` outside any asyncio
        turn; no turn follows that would arm the timer for it, so arm it here, once per
        Qt iteration, rather than in every `call_soon` (a cost asyncio's hottest path
        would pay on every call). Qt waiting *inside* a turn means that one of asyncio's
        callbacks runs a nested Qt loop (dialog.exec()): asyncio is paused; note it.
        """
        if self._q.in_turn:
            self._nested_loop_seen()
        elif self._q.qt_loop is not None:
            self._arm()

    def _turn(self) -> None:
        """One asyncio turn, started by Qt (socket ready, timer due, or callbacks ready).

        It takes no arguments on purpose: PySide then converts none of `activated`'s
        (doing so while a Python signal was pending crashed PySide 6.11).
        """
        q = self._q
        if q.qt_loop is None:  # stopping: Qt may still deliver a queued event
            return
        if q.in_turn:
            # A callback is running a nested Qt loop (QDialog.exec(), qtbot.wait()).
            # asyncio's turn must not be re-entered; for asyncio this callback simply
            # blocks until that nested loop ends. Stop the notifier from spinning.
            q.notifier.setEnabled(False)
            q.notifier_paused = True
            self._nested_loop_seen()
            return
        q.in_turn = True
        pauses = q.pauses
        try:
            # Several asyncio turns per wake-up while callbacks are ready (a chain of
            # call_soon, a burst of completed futures), within TURN_BUDGET_S; then Qt
            # gets its turn, so its timers, input and repaints stay on time.
            now = time.perf_counter()
            deadline = now + TURN_BUDGET_S
            if not self._ready:
                # Qt has done the waiting: asyncio's turn must only collect what is
                # ready. asyncio polls its selector without waiting whenever a callback
                # is ready, so give it one that does nothing. (Forcing select()'s timeout
                # in a selector subclass cost a Python call on every turn; this costs one
                # per wake-up, and every line of asyncio's _run_once stays its own.)
                self._ready.append(q.poll_handle)
            q.turn_started = now  # the monitor dates a freeze inside a turn by it
            while True:
                if q.burst_left or (
                    len(self._ready) > SLICE_READY and not q.poll_next and not self._debug
                ):
                    self._run_burst_until(deadline)  # a slice of a burst, then Qt
                else:
                    self._run_once()
                    q.poll_next = False
                if not self._ready or self._stopping or (pauses and pauses.since is not None):
                    break  # (after a pause: report it now, before asyncio goes on)
                now = time.perf_counter()
                if now >= deadline:
                    break
                q.turn_started = now
        except BaseException as exc:  # asyncio lets these leave run_forever(); so do we
            q.error = exc
            self._stopping = True
        finally:
            q.in_turn = False
            ended = time.perf_counter()
            if ended - q.turn_started > LONG_TURN_S:  # a callback blocked: say when
                q.long_turn = (q.turn_started, ended)
            if pauses is not None:
                pauses.turn_ended()
        if self._stopping:
            q.qt_loop.quit()
            q.qt_loop = None
            q.notifier.setEnabled(False)
            return
        if q.notifier_paused:  # the nested Qt loop has ended
            q.notifier_paused = False
            q.notifier.setEnabled(True)
        self._arm()

    def _run_burst_until(self, deadline: float) -> None:
        """Run a burst of ready callbacks oldest first, as the end of `_run_once` does,
        but stop once `deadline` has passed.

        One asyncio turn runs every callback that was ready when it began: 100 answers
        arriving together are 100 task steps, 20-45 ms with no repaint in between
        (measured on the http panel). Run in slices with Qt's events between them, the
        order is the same and the UI stays on time. The burst is what `_run_once` would
        have run (the callbacks ready when it began); after it, `_run_once` polls for I/O
        as asyncio would. A `stop()` lets the burst finish first, as in asyncio; in debug
        mode `_run_once` runs it all, timing each callback.
        """
        q, ready = self._q, self._ready
        todo = min(q.burst_left or len(ready), len(ready))
        done = 0
        popleft, clock = ready.popleft, time.perf_counter  # (locals: this is a hot loop)
        try:
            while done < todo:
                handle = popleft()
                done += 1
                if not handle._cancelled:
                    handle._run()
                if not done & 3 and clock() >= deadline and not self._stopping:
                    break  # (the clock every 4th callback: it costs as much as a callback)
        finally:
            q.burst_left = todo - done
        if q.burst_left:
            return
        q.poll_next = True  # the burst is done: asyncio would look for I/O now

    @property
    def turn_sources(self) -> tuple[QtCore.QObject, ...]:
        """The Qt objects whose events run asyncio's turns: its timer and its notifier."""
        return (self._q.timer, self._q.notifier)

    @property
    def turn_started(self) -> float:
        """time.perf_counter() when the current (or last) turn began."""
        return self._q.turn_started

    @property
    def long_turn(self) -> tuple[float, float]:
        """(start, end) of the last turn that ran longer than LONG_TURN_S."""
        return self._q.long_turn

    def watch_pauses(self, watcher: PauseWatcher | None) -> None:
        """Tell `watcher` of the nested Qt loops its callbacks run (None: stop telling)."""
        self._q.pauses = watcher

    @property
    def in_turn(self) -> bool:
        """True while an asyncio turn runs. Seen from a Qt timer, it means that one of
        asyncio's callbacks is running a nested Qt event loop: asyncio is paused."""
        return self._q.in_turn

    def watch_selector(self, watch: SelectorWatch | None) -> None:
        """Tell `watch` of every select() asyncio's turns make (None: stop telling).

        The selector's select() is shadowed on this one selector object only while it is
        watched; unwatched, asyncio's turn calls the class's own method and pays nothing.
        """
        selector = self._selector
        vars(selector).pop("select", None)  # the class's own select() again
        if watch is None:
            return
        plain_select = selector.select

        def select(timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
            ready = plain_select(timeout)
            watch.selected(ready)
            return ready

        setattr(selector, "select", select)  # noqa: B010 (mypy: a method assigned on purpose)

    def _nested_loop_seen(self) -> None:
        """Qt waits (or wakes us) inside a turn: a callback runs a nested Qt loop."""
        if self._q.pauses is not None:
            self._q.pauses.nested_loop(sys._getframe(1))

    def _arm(self) -> None:
        """Arm the single timer for what asyncio needs next (as `_run_once` computes
        its select() timeout): now if callbacks are ready or a stop is due, else the
        earliest `call_later`/`call_at` deadline, else nothing."""
        if self._ready or self._stopping:
            when = -math.inf
        elif self._scheduled:
            when = self._scheduled[0].when()
        else:
            self._q.armed_when = None
            self._q.timer.stop()  # only sockets, the self-pipe or signals can wake us now
            return
        if when == self._q.armed_when and self._q.timer.isActive():
            return  # already armed for it: spare Qt a timer restart
        self._q.armed_when = when
        delay = max(0.0, when - self.time())
        if delay > _LONG_WAIT:
            # The kernel lets a long poll() oversleep by 0.1% of its timeout (2 ms at 2 s).
            # Wake a little early instead; the next turn waits the rest with a short timer.
            delay -= delay / 500
        self._q.timer.start(min(math.ceil(delay * 1000), _MAX_TIMER_MS))  # up: never early


@dataclass(frozen=True, slots=True)
class Select:
    """One select() of an asyncio turn: when it returned, and what it found ready."""

    at: float  # time.perf_counter()
    ready: tuple[tuple[int, int], ...]  # (fd, selectors.EVENT_READ | EVENT_WRITE)
    slept: float | None  # seconds the thread slept just before this turn (None: it did not)


@dataclass(frozen=True, slots=True)
class Sleep:
    """The GUI thread asleep in Qt's poll(), waiting for any event, socket or timer."""

    start: float  # time.perf_counter()
    end: float


class Taken(NamedTuple):
    """What a SelectorWatch recorded since it was last asked."""

    selects: list[Select]  # those that found an fd ready, oldest first
    sleeps: list[Sleep]
    turns: int  # every select(), ready or not


class _SleepReceiver(QtCore.QObject):
    """Receives Qt's dispatcher signals for a SelectorWatch (a QObject's slots: connected
    and disconnected each time the view shows and hides, without PySide's proxy objects)."""

    def __init__(self, watch: SelectorWatch) -> None:
        super().__init__()
        self.watch = watch

    @QtCore.Slot()
    def about_to_block(self) -> None:
        self.watch._fell_asleep = time.perf_counter()

    @QtCore.Slot()
    def awake(self) -> None:
        watch = self.watch
        if watch._fell_asleep is not None:  # (Qt also says awake when it did not sleep)
            sleep = Sleep(watch._fell_asleep, time.perf_counter())
            watch.sleeps.append(sleep)
            watch._slept = sleep.end - sleep.start
            watch._fell_asleep = None


class SelectorWatch:
    """What the loop's selector does, recorded only while attached (the selector panel).

    `attach(loop)` records each select() of guidemo's loop (on stock qasync there is no
    selector of asyncio's to watch: `selects` stays empty, `has_selector` is False) and each
    time the GUI thread slept in Qt's poll(), from Qt's dispatcher (any loop). A select that
    found nothing is only counted. Both go to rings of WATCH_KEEP; `take()` empties them.
    `detach()` leaves nothing behind.
    """

    def __init__(self, keep: int = WATCH_KEEP) -> None:
        self.selects: collections.deque[Select] = collections.deque(maxlen=keep)
        self.sleeps: collections.deque[Sleep] = collections.deque(maxlen=keep)
        self.turns = 0  # select() calls since the last take()
        self.loop: GuidemoEventLoop | None = None  # the loop whose selector is watched
        self._dispatcher: QtCore.QAbstractEventDispatcher | None = None
        self._receiver: _SleepReceiver | None = None  # made when first attached
        self._fell_asleep: float | None = None
        self._slept: float | None = None  # the sleep that ended since the last select()

    @property
    def has_selector(self) -> bool:
        return self.loop is not None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start recording (selects only on guidemo's loop; sleeps on any)."""
        self.detach()
        if isinstance(loop, GuidemoEventLoop):
            self.loop = loop
            loop.watch_selector(self)
        self._dispatcher = QtCore.QAbstractEventDispatcher.instance()
        if self._dispatcher is not None:
            receiver = self._receiver = self._receiver or _SleepReceiver(self)
            self._dispatcher.aboutToBlock.connect(receiver.about_to_block)
            self._dispatcher.awake.connect(receiver.awake)

    def detach(self) -> None:
        """Stop recording and forget what was not taken."""
        if self.loop is not None:
            self.loop.watch_selector(None)
            self.loop = None
        if self._dispatcher is not None and self._receiver is not None:
            with contextlib.suppress(RuntimeError):  # the dispatcher already gone at exit
                self._dispatcher.aboutToBlock.disconnect(self._receiver.about_to_block)
                self._dispatcher.awake.disconnect(self._receiver.awake)
            self._dispatcher = None
        self._fell_asleep = self._slept = None
        self.take()

    def take(self) -> Taken:
        """Everything recorded since the last take(), oldest first."""
        taken = Taken(list(self.selects), list(self.sleeps), self.turns)
        self.selects.clear()
        self.sleeps.clear()
        self.turns = 0
        return taken

    def registered(self) -> list[selectors.SelectorKey]:
        """Every file descriptor the watched selector waits on now, by fd."""
        if self.loop is None or self.loop.is_closed():
            return []
        return sorted(self.loop._selector.get_map().values(), key=lambda key: key.fd)

    def selected(self, ready: list[tuple[selectors.SelectorKey, int]]) -> None:
        self.turns += 1
        if ready:
            fds = tuple((key.fd, events) for key, events in ready)
            self.selects.append(Select(time.perf_counter(), fds, self._slept))
        self._slept = None
