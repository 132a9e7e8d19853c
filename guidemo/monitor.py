"""Is the event loop alive? A lag probe on the GUI thread and a watchdog thread beside it.

The probe is a Qt timer that should fire every PROBE_INTERVAL_S; how late it actually
fires is the loop's lag. A frozen GUI thread cannot report its own freeze, so a watchdog
thread checks the probe's last heartbeat and, while it is stale, samples the GUI
thread's stack every WATCHDOG_POLL_S (sys._current_frames). Once the GUI thread is back,
the samples become the freeze's profile: which call paths it was stuck in, and for what
share of the time.

The watchdog turns each sample into text at once and drops the frame: a frame keeps its
function's locals alive, and locals freed on the watchdog thread (a QPainter, a widget)
would be freed on the wrong thread.

A freeze also says how much of it the GUI thread spent waiting for a CPU while the machine
ran other programs (Linux's schedstat: runnable, not running): on a busy machine a 30 ms
repaint can become a 300 ms freeze that is not the app's doing.

Pauses are the other way asyncio can stop: a nested Qt event loop (`QDialog.exec()`)
started inside an asyncio callback keeps the window painting, so no freeze shows, but
holds every asyncio task until it returns. guidemo's loop reports those (loop.py).
"""

from __future__ import annotations

import asyncio
import itertools
import linecache
import os
import re
import sys
import sysconfig
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Protocol, cast

from PySide6 import QtCore

from guidemo.lessons.lab import LAB_FILE, where_in_learner_code
from guidemo.stats import CpuWait, percentile

PROBE_INTERVAL_S = 0.100  # 10 a second: each wake-up of an idle app costs CPU (about 0.01 %)
FREEZE_THRESHOLD_S = 0.100  # a gap this long means the GUI thread was blocked
# The watchdog calls the heartbeat stale, and starts sampling, once the probe is this late
# (a near-freeze's samples are dropped). Healthy, it wakes once per probe interval.
STALE_AFTER_S = PROBE_INTERVAL_S + 0.030
WATCHDOG_POLL_S = 0.005  # stack samples during a freeze: 200 a second
WINDOW_S = 10.0  # stats() covers this much recent lag history
UNSEEN = "a place no stack sample caught"  # a freeze the watchdog took no sample within
KEEP_EVENTS = 100  # freezes and pauses kept (newest last)
PATH_DEPTH = 4  # functions named in a profile's call path

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_OWN_FILES = {os.path.abspath(__file__)}
# The task wrapper that times each step of every task (the task inspector's): between the
# loop and a coroutine, it is neither what froze nor the code that asked for it.
_PASS_THROUGH = {_PACKAGE_DIR + "task_accounting.py"}
# guidemo's own display code: a stall only in these is guidemo's, not the learner's (whose
# code is the lessons, the HTTP helpers, and anything outside the package).
_DISPLAY_PLACES = tuple(
    _PACKAGE_DIR + place
    for place in ("panels" + os.sep, "widgets" + os.sep, "ui" + os.sep, "app.py", "loop.py")
)


@dataclass(frozen=True)
class Freeze:
    """One stretch of time in which the GUI thread did not come back to the loop."""

    started: float  # time.perf_counter() when the GUI thread last got back to the loop
    duration_s: float
    where: str  # "slow_sleep() (jobs.py:23)": the place seen most often
    own: bool = False  # the stall was in guidemo's own display code, not in lesson code
    profile: list[tuple[str, float]] = field(default_factory=list)  # (path, share), largest first
    panel: str = ""  # the panel on screen when it happened
    at: float = 0.0  # time.time() of its start, for the wall clock
    cpu_wait_s: float = 0.0  # of duration_s: runnable, but other programs had the CPUs
    # of duration_s: on a CPU (not asleep, not waiting for a CPU or for the GIL another
    # thread held); 0 where the kernel does not say
    cpu_s: float = 0.0

    @property
    def kind(self) -> str:
        return "freeze"

    @property
    def working_s(self) -> float:
        """The part of the freeze the GUI thread was not kept waiting by a busy machine."""
        return self.duration_s - self.cpu_wait_s

    @property
    def machine_busy(self) -> bool:
        """The code on the loop held it less than a freeze's threshold: the rest of the gap
        the GUI thread was waiting for a CPU other programs had. The window froze, but
        the machine did it, not that code (the lessons' verdicts leave such freezes out)."""
        return self.working_s <= FREEZE_THRESHOLD_S


@dataclass(frozen=True)
class Pause:
    """A stretch in which asyncio was held by a nested Qt event loop in one of its
    callbacks (the window kept painting: only asyncio stood still)."""

    started: float
    duration_s: float
    where: str  # "exec() in ask_blocking() (dialogs.py:41)"
    panel: str = ""
    at: float = 0.0

    @property
    def kind(self) -> str:
        return "pause"


@dataclass
class LagStats:
    """Loop lag over the recent window; freezes and pauses seen so far (newest last)."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int
    freezes: list[Freeze] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)


@dataclass(frozen=True)
class StackSample:
    """Where a thread was at one moment, as text only."""

    path: str  # "slow_sleep <- run_in_click_handler <- run_blocking"
    where: str  # "slow_sleep() (jobs.py:19)"
    own: bool
    at: float = 0.0  # time.perf_counter() when taken


def time_near_each(
    samples: list[StackSample], started: float, ended: float
) -> list[tuple[StackSample, float]]:
    """Each sample taken within the freeze [started, ended] with the part of it nearer to
    it than to any other such sample: where the GUI thread most likely was meanwhile.

    Samples come further apart on a busy machine, and one taken once the GUI thread was
    back in the loop had stood for the whole gap before it: a 0.5 s `busy_cpu()` was
    named after the Qt loop it returned to. So samples from outside the freeze do not
    count, even when no other was taken: beside a second suite the watchdog got no CPU
    during a 0.6 s `time.sleep()` in a coroutine, and its samples from after it called
    the freeze guidemo's own. Such a freeze is named UNSEEN, which is the truth.
    """
    inside = [sample for sample in samples if started <= sample.at <= ended]
    if not inside:
        return []
    times = [sample.at for sample in inside]
    bounds = [started] + [(a + b) / 2 for a, b in itertools.pairwise(times)] + [ended]
    return [
        (sample, max(0.0, end - start))
        for sample, start, end in zip(inside, bounds[:-1], bounds[1:], strict=True)
    ]


# Library code: the standard library and installed packages. Not named in call paths.
_LIBRARY_PLACES = tuple(
    {
        os.path.abspath(sysconfig.get_paths()[key]) + os.sep
        for key in ("stdlib", "purelib", "platlib")
    }
)


def _is_library(filename: str) -> bool:
    return filename.startswith(_LIBRARY_PLACES) or filename.startswith("<")


_LOOP_FILE = _PACKAGE_DIR + "loop.py"
_LOOP_FUNCTIONS = {"run_forever", "run_until_complete", "_run_once", "exec", "exec_"}


def _is_loop(filename: str, name: str) -> bool:
    """The event loop's own frame: what lies outward of it did not cause the stall."""
    return filename == _LOOP_FILE or (name in _LOOP_FUNCTIONS and _is_library(filename))


def _in_package(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR) and filename not in _OWN_FILES


def _is_display(filename: str) -> bool:
    return filename.startswith(_DISPLAY_PLACES)


def describe_frame(frame: FrameType) -> str:
    """ "func() (file.py:N)": the function running in `frame`, and where it is."""
    code = frame.f_code
    return f"{code.co_name}() ({os.path.basename(code.co_filename)}:{frame.f_lineno})"


def sample_frame(frame: FrameType | None) -> StackSample:
    """Describe a stack, preferring guidemo's own functions to library internals.

    The innermost frame is often library code (socket, ssl, http.client); the function a
    learner cares about is the innermost one of this package that called it.
    """
    names: list[str] = []  # functions of guidemo and of the user's code, innermost first
    where = ""
    lesson = display = False
    innermost = frame
    while frame is not None:
        raw = frame.f_code.co_filename  # "<frozen os>" for some standard modules
        filename = raw if raw.startswith("<") else os.path.abspath(raw)
        if _is_loop(filename, frame.f_code.co_name):
            break  # the loop itself: the caller of what froze, not part of it
        if filename in _PASS_THROUGH:
            frame = frame.f_back
            continue
        if raw == LAB_FILE:  # the code lab's learner code: "your code, line 7: `...`"
            where = where or where_in_learner_code(frame)
            lesson = True
            if len(names) < PATH_DEPTH:
                names.append(frame.f_code.co_name)
        if _in_package(filename) or not _is_library(filename):
            if len(names) < PATH_DEPTH:
                names.append(frame.f_code.co_name)
            display = display or _is_display(filename)
            lesson = lesson or not _is_display(filename)
        if not where and _in_package(filename):
            where = describe_frame(frame)
        frame = frame.f_back
    if not where:
        if innermost is None:
            return StackSample("unknown", "unknown", False, time.perf_counter())
        code = innermost.f_code
        where = describe_frame(innermost)
        if not names:  # stuck in Qt's own C++ code (painting, layout), called by the loop
            return StackSample(f"Qt, inside {code.co_name}", where, True, time.perf_counter())
    return StackSample(" <- ".join(names), where, display and not lesson, time.perf_counter())


def sample_thread(thread_id: int) -> StackSample:
    """Sample thread `thread_id` now; its frame never outlives this call (see above)."""
    return sample_frame(sys._current_frames().get(thread_id))


_SKIPPED_FILES = (os.path.abspath(__file__), os.path.join(os.path.dirname(__file__), "loop.py"))
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
# Qt calls that run a nested event loop until they return.
_NESTED_CALL = re.compile(
    r"\b(exec_?|processEvents|question|information|warning|critical|about|getText|getInt"
    r"|getDouble|getItem|getOpenFileNames?|getSaveFileName|getExistingDirectory|wait\w*)\s*\("
)


def nested_loop_caller(frame: FrameType | None) -> str:
    """ "exec() in ask_blocking() (dialogs.py:41)": the code that started a nested Qt loop.

    Walks out of this module, the monitor and asyncio's own frames to the first frame of
    the code that called into Qt; its source line tells which call it was.
    """
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if filename not in _SKIPPED_FILES and not filename.startswith(_ASYNCIO_DIR):
            break
        frame = frame.f_back
    if frame is None:
        return "a nested Qt event loop"
    call = _NESTED_CALL.search(linecache.getline(frame.f_code.co_filename, frame.f_lineno))
    what = f"{call.group(1)}()" if call else "a nested Qt event loop"
    return f"{what} in {describe_frame(frame)}"


class PauseWatcher:
    """Asyncio's pauses: a callback that runs a nested Qt loop (dialog.exec()) holds every
    task until it returns, while the window stays live. guidemo's loop tells the watcher
    when it sees one and when the turn ends; the watcher times it, names the call that
    started it, and tells its listeners (started, duration_s, where)."""

    def __init__(self) -> None:
        self.since: float | None = None  # when the nested loop of this turn was first seen
        self.where = ""
        self.listeners: list[Callable[[float, float, str], None]] = []

    def nested_loop(self, frame: FrameType | None) -> None:
        """A nested Qt loop runs inside the current turn (`frame` is in its call)."""
        if self.since is None:
            self.since = time.perf_counter()
            self.where = nested_loop_caller(frame)

    def turn_ended(self) -> None:
        """The turn is over: so is its pause, if it had one."""
        if self.since is None:
            return
        started, self.since = self.since, None
        duration = time.perf_counter() - started
        for listener in list(self.listeners):
            listener(started, duration, self.where)


class PausingLoop(Protocol):
    """guidemo's loop: its turns, and a watcher for its pauses (stock qasync has neither)."""

    turn_started: float
    long_turn: tuple[float, float]

    @property
    def in_turn(self) -> bool: ...

    def watch_pauses(self, watcher: PauseWatcher | None) -> None: ...


class _Watchdog(threading.Thread):
    """Watches the probe's heartbeat from outside the GUI thread."""

    def __init__(self, monitor: LoopMonitor) -> None:
        super().__init__(name="guidemo-watchdog", daemon=True)
        self._monitor = monitor
        self._stop_event = threading.Event()

    def run(self) -> None:
        monitor = self._monitor
        wait_s = STALE_AFTER_S
        while not self._stop_event.wait(wait_s):
            stale_for = time.perf_counter() - monitor.last_beat
            if stale_for > STALE_AFTER_S:
                monitor.note_frozen()
                monitor.note_sample(sample_thread(monitor.gui_thread_id))
                wait_s = WATCHDOG_POLL_S  # frozen: sample often
            else:  # healthy: sleep until the heartbeat could first be called stale
                wait_s = max(WATCHDOG_POLL_S, STALE_AFTER_S - stale_for)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=1.0)


class LoopMonitor(QtCore.QObject):
    """Measures loop lag, detects freezes (and pauses), and tells the HUD about them."""

    freezeDetected = QtCore.Signal(object)  # a Freeze, once the GUI thread is back
    pauseDetected = QtCore.Signal(object)  # a Pause, once asyncio runs again

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.gui_thread_id = threading.get_ident()
        self.last_beat = time.perf_counter()
        self._freeze_began: float | None = None
        # Called after every probe (10 a second): the HUD's clock, so it needs no timer of
        # its own. Plain callables, not a Qt signal: this runs all the time, even idle.
        self.probe_listeners: list[Callable[[], None]] = []
        self.current_panel: Callable[[], str] = lambda: ""  # set by the window
        self._samples: list[StackSample] = []  # taken by the watchdog during a freeze
        self._samples_lock = threading.Lock()
        self.freezes: list[Freeze] = []  # the last KEEP_EVENTS, newest last
        self.pauses: list[Pause] = []
        self._lags: deque[tuple[float, float]] = deque()  # (perf_counter, lag_ms)
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(PROBE_INTERVAL_S * 1000))
        self._timer.timeout.connect(self._probe)
        self._watchdog: _Watchdog | None = None
        self._loop: PausingLoop | None = None
        self.pause_watcher = PauseWatcher()
        self.pause_watcher.listeners.append(self._note_pause)
        self._dispatcher: QtCore.QAbstractEventDispatcher | None = None
        self._awake_at = 0.0  # qasync only: when the GUI thread last woke for events
        self._cpu_wait: CpuWait | None = None  # the GUI thread's, opened by start()
        self._cpu_wait_at_beat = 0.0
        self._cpu_at_beat = 0.0

    def start(self, loop: object = None) -> None:
        """Start probing (a no-op while running); listen to `loop`'s pauses if it has any."""
        if self._watchdog is not None:
            return
        if callable(getattr(loop, "watch_pauses", None)):
            self._loop = guidemo_loop = cast(PausingLoop, loop)
            guidemo_loop.watch_pauses(self.pause_watcher)
        else:
            # Stock qasync has no turns to date a freeze by; Qt's own "awake" signal (each
            # wake-up for events) does instead: a Python call per wake-up, only on qasync.
            self._dispatcher = QtCore.QAbstractEventDispatcher.instance()
            if self._dispatcher is not None:
                self._dispatcher.awake.connect(self._on_awake)
        self.last_beat = time.perf_counter()
        self._cpu_wait = CpuWait()  # start() runs on the GUI thread: its file
        self._cpu_at_beat, self._cpu_wait_at_beat = self._cpu_wait.times()
        self._timer.start()
        self._watchdog = _Watchdog(self)
        self._watchdog.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._dispatcher is not None:
            self._dispatcher.awake.disconnect(self._on_awake)
            self._dispatcher = None
        if self._loop is not None:
            self._loop.watch_pauses(None)
            self._loop = None
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None
        if self._cpu_wait is not None:
            self._cpu_wait.close()
            self._cpu_wait = None

    def _probe(self) -> None:
        if self._loop is not None and self._loop.in_turn:  # a Qt timer inside an asyncio
            self.pause_watcher.nested_loop(sys._getframe())  # turn: a nested loop
        began, self._freeze_began = self._freeze_began, None  # (before the beat: see below)
        now = time.perf_counter()
        gap = now - self.last_beat
        self.last_beat = now
        on_cpu, cpu_wait = self._cpu_wait.times() if self._cpu_wait is not None else (0.0, 0.0)
        waited, self._cpu_wait_at_beat = cpu_wait - self._cpu_wait_at_beat, cpu_wait
        worked, self._cpu_at_beat = on_cpu - self._cpu_at_beat, on_cpu
        lag_ms = max(0.0, (gap - PROBE_INTERVAL_S) * 1000)
        self._lags.append((now, lag_ms))
        while self._lags and self._lags[0][0] < now - WINDOW_S:
            self._lags.popleft()
        if gap - PROBE_INTERVAL_S > FREEZE_THRESHOLD_S:
            # The watchdog's note lies within the gap, unless its thread wrote it as this beat
            # ran (seen beside a second suite: a freeze of 0 s). Not seen by the watchdog: the
            # middle of the probe interval.
            if began is None or not now - gap <= began < now:
                began = now - gap + PROBE_INTERVAL_S / 2
            ended = now
            if self._loop is not None and self._loop.long_turn[0] == began:
                ended = self._loop.long_turn[1]  # it was an asyncio turn: its exact end
            # The CPU wait is read at beats only: count what surely fell inside the freeze
            # (a busy machine may have kept the thread waiting before it began, too).
            outside = (began - (now - gap)) + (now - ended)
            duration = ended - began
            self._record_freeze(
                began, duration, min(waited - outside, duration), min(worked - outside, duration)
            )
        else:
            with self._samples_lock:  # a stale sample or two from a near-freeze
                self._samples.clear()
        for listener in self.probe_listeners:
            listener()

    def note_frozen(self) -> None:
        """Called by the watchdog once it sees the heartbeat stale. The freeze began at the
        latest moment the GUI thread is known to have been free: the last beat, or the
        start of the asyncio turn it is stuck in (exact for a coroutine that blocks)."""
        if self._freeze_began is None:
            turn = self._loop.turn_started if self._loop is not None else self._awake_at
            self._freeze_began = max(self.last_beat, turn)

    def _on_awake(self) -> None:
        self._awake_at = time.perf_counter()

    def note_sample(self, sample: StackSample) -> None:
        """Called by the watchdog thread, every WATCHDOG_POLL_S, while the GUI thread is stuck."""
        with self._samples_lock:
            self._samples.append(sample)

    def _record_freeze(
        self, started: float, duration_s: float, cpu_wait_s: float, cpu_s: float = 0.0
    ) -> None:
        with self._samples_lock:
            samples, self._samples = self._samples, []
        # The place with the most time names the freeze. Counting samples instead would
        # under-weigh pure-Python work: while it holds the GIL, the watchdog gets to
        # sample less often.
        places: defaultdict[str, float] = defaultdict(float)
        paths: defaultdict[str, float] = defaultdict(float)
        own_time = 0.0
        for sample, weight in time_near_each(samples, started, started + duration_s):
            places[sample.where] += weight
            paths[sample.path] += weight
            own_time += weight if sample.own else 0.0
        total = sum(paths.values())
        freeze = Freeze(
            started=started,
            duration_s=duration_s,
            where=max(places, key=places.__getitem__) if total else UNSEEN,
            own=total > 0 and own_time * 2 > total,
            profile=sorted(((p, w / total) for p, w in paths.items()), key=lambda pw: -pw[1])
            if total
            else [],
            panel=self.current_panel(),
            at=time.time() - (time.perf_counter() - started),
            cpu_wait_s=max(0.0, cpu_wait_s),
            cpu_s=max(0.0, cpu_s),
        )
        self.freezes.append(freeze)
        del self.freezes[:-KEEP_EVENTS]
        self.freezeDetected.emit(freeze)

    def _note_pause(self, started: float, duration_s: float, where: str) -> None:
        pause = Pause(
            started=started,
            duration_s=duration_s,
            where=where,
            panel=self.current_panel(),
            at=time.time() - (time.perf_counter() - started),
        )
        self.pauses.append(pause)
        del self.pauses[:-KEEP_EVENTS]
        self.pauseDetected.emit(pause)

    def recent_lags(self) -> list[tuple[float, float]]:
        """(perf_counter, lag_ms) of every probe in the last WINDOW_S seconds, oldest first."""
        return list(self._lags)

    def stats(self) -> LagStats:
        """Lag p50/p99/max over the last WINDOW_S seconds; freezes and pauses kept."""
        return self.stats_since(time.perf_counter() - WINDOW_S)

    def code_freezes_since(self, since: float, busy_machine_too: bool = False) -> list[Freeze]:
        """The freezes that ended after `since` which the code on the loop caused: what a
        lesson's verdict on a run counts. Left out: guidemo's own (its display code, or
        Qt's C++ with no Python below the loop: beside a second suite, the thread fix of
        hidden-blocking "froze 0.96 s in run_forever()"), and unless `busy_machine_too`, a
        busy machine's. Code that holds the loop until a clock says so (the greedy
        coroutine) holds it as long on a busy machine, only with less CPU meanwhile."""
        return [
            f
            for f in self.freezes
            if f.started + f.duration_s >= since
            and not f.own
            and (busy_machine_too or not f.machine_busy)
        ]

    def stats_since(self, since: float) -> LagStats:
        """Lag statistics of the probes after `since` (a time.perf_counter() value)."""
        lags = [lag for when, lag in self._lags if when >= since]
        return LagStats(
            p50_ms=percentile(lags, 0.5),
            p99_ms=percentile(lags, 0.99),
            max_ms=max(lags, default=0.0),
            samples=len(lags),
            freezes=list(self.freezes),
            pauses=list(self.pauses),
        )
