"""The code lab's runner: a learner's code as the body of an `async def`, on the live loop.

Qt-free. The code is compiled with `ast.PyCF_ALLOW_TOP_LEVEL_AWAIT` under the pseudo
file name LAB_FILE, so its line numbers are the editor's, a traceback can be trimmed to
the learner's own frames, and the HUD's watchdog can name "line N" of it. A code with no
top-level `await` simply runs when evaluated; one with `await` evaluates to a coroutine.

The rescue stops code that would freeze the window for good: a thread watches the lag
probe's heartbeat and, once it is stale for longer than the limit while the GUI thread
is in the learner's code, interrupts it: an asynchronous exception for a Python loop,
a signal for a blocking C call (whose handler raises only in the learner's frames).
"""

from __future__ import annotations

import ast
import ctypes
import linecache
import signal
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any, TextIO

from guidemo.stats import CpuWait

LAB_FILE = "<your code>"  # the pseudo file name of the learner's code
RESCUE_SIGNAL = signal.SIGUSR2
MAX_SOURCE_LINES = 20_000
MAX_SOURCE_CHARS = 1_000_000


class LabStopped(BaseException):
    """Raised into the learner's code by the rescue. A BaseException, so that the
    learner's own `except Exception:` does not swallow it."""


class Refused(ValueError):
    """Code the lab will not run (it would end the app or its loop): says why."""


def learner_line(lineno: int) -> str:
    """'line 7: `time.sleep(2)`', the learner's line as the lab and the HUD name it."""
    text = linecache.getline(LAB_FILE, lineno).strip()
    code, hash_, comment = text.partition("  #")  # a trailing comment is not the code
    text = code.rstrip() if hash_ and "'" not in comment and '"' not in comment else text
    return f"line {lineno}: `{text}`" if text else f"line {lineno}"


def where_in_learner_code(frame: FrameType) -> str:
    return "your code, " + learner_line(frame.f_lineno)


_REFUSED_CALLS = {
    "sys.exit": "sys.exit() would end the whole app",
    "exit": "exit() would end the whole app",
    "quit": "quit() would end the whole app",
    "os._exit": "os._exit() would end the whole app",
    "os.abort": "os.abort() would end the whole app",
    "os.kill": "os.kill() could end the whole app",
    "asyncio.run": "asyncio.run() starts a second loop: the app's loop is already running; "
    "use await",
}
_REFUSED_METHODS = {
    "close": "closing the event loop would end the app",
    "stop": "stopping the event loop would end the app",
    "run_until_complete": "the app's loop is already running: use await",
    "run_forever": "the app's loop is already running",
}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return ""


def check_refused(tree: ast.AST) -> None:
    """Raise Refused for a call that would end the app or its loop (sys.exit, loop.stop)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        reason = _REFUSED_CALLS.get(name)
        if reason is None and isinstance(node.func, ast.Attribute):
            owner = _dotted(node.func.value).lower()
            if node.func.attr in _REFUSED_METHODS and "loop" in owner:
                reason = _REFUSED_METHODS[node.func.attr]
        if reason is not None:
            raise Refused(f"line {node.lineno}: `{name}(…)` refused: {reason}")


def compile_lab(source: str) -> CodeType:
    """Compile the learner's code with top-level await; its lines become readable to
    tracebacks and the HUD (linecache). SyntaxError and Refused say what and where."""
    if not source.strip():
        raise Refused("There is no code to run: type some, or pick an exercise.")
    lines = source.count("\n") + 1
    if lines > MAX_SOURCE_LINES or len(source) > MAX_SOURCE_CHARS:
        raise Refused(
            f"{lines:,} lines, {len(source):,} characters: the lab runs at most "
            f"{MAX_SOURCE_LINES:,} lines and {MAX_SOURCE_CHARS:,} characters"
        )
    tree = ast.parse(source, LAB_FILE, "exec")
    check_refused(tree)
    code = compile(tree, LAB_FILE, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    linecache.cache[LAB_FILE] = (len(source), None, source.splitlines(True), LAB_FILE)
    return code


async def run_code(code: CodeType, names: dict[str, Any]) -> None:
    """Run the compiled code as the body of an async def: with top-level await, evaluating
    it gives a coroutine to await; without, evaluating it runs it."""
    result = eval(code, names)  # the learner's own code, on purpose
    if code.co_flags & 0x80:  # CO_COROUTINE: it has a top-level await
        await result


def learner_traceback(error: BaseException) -> str:
    """The traceback of `error` with the learner's frames only (never guidemo's)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == LAB_FILE]
    lines = ["Traceback (your code only):"]
    for frame in frames:
        where = "top level" if frame.name == "<module>" else f"in {frame.name}"
        lines.append(f"  line {frame.lineno}, {where}: {(frame.line or '').strip()}")
    lines.append("".join(traceback.format_exception_only(type(error), error)).strip())
    return "\n".join(lines)


def innermost_learner_line(error: BaseException) -> int | None:
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == LAB_FILE]
    return lines[-1] if lines else None


# --- output: the learner's prints go to the lab, everybody else's where they went -----------
def in_learner_code(frame: FrameType | None, depth: int = 60) -> bool:
    """Is a learner's frame on this stack (within `depth` frames)?"""
    while frame is not None and depth > 0:
        if frame.f_code.co_filename == LAB_FILE:
            return True
        frame, depth = frame.f_back, depth - 1
    return False


class LabOutput:
    """What the learner's code printed, kept for the window to show (thread-safe, bounded:
    beyond `max_chars` waiting to be shown the rest is counted, not kept). Every line
    starts with the time since the run started."""

    def __init__(self, max_chars: int = 200_000) -> None:
        self.max_chars = max_chars
        self.started = time.perf_counter()
        self._parts: deque[str] = deque()
        self._size = 0
        self._line_start = True
        self.dropped = 0  # characters not kept
        self._lock = threading.Lock()

    def restart(self) -> None:
        with self._lock:
            self.started = time.perf_counter()
            self._line_start = True

    def write(self, text: str) -> None:
        with self._lock:
            if self._size + len(text) > self.max_chars:
                self.dropped += len(text)
                return
            stamp = f"+{time.perf_counter() - self.started:6.2f} s  "
            lines = text.split("\n")
            out = []
            for index, line in enumerate(lines):
                if index:
                    out.append("\n")
                    self._line_start = True
                if line:
                    out.append((stamp if self._line_start else "") + line)
                    self._line_start = False
            joined = "".join(out)
            self._parts.append(joined)
            self._size += len(joined)

    def take(self) -> tuple[str, int]:
        """Everything written since the last take, and the characters dropped meanwhile."""
        with self._lock:
            text, dropped = "".join(self._parts), self.dropped
            self._parts.clear()
            self._size = self.dropped = 0
        return text, dropped


class StdoutRouter:
    """sys.stdout while the lab is open: a write made from the learner's frames goes to
    the lab's output, any other write to the stream that was there before."""

    def __init__(self, original: TextIO, output: LabOutput) -> None:
        self.original = original
        self.output = output

    def write(self, text: str) -> int:
        if in_learner_code(sys._getframe(1)):
            self.output.write(text)
        else:
            self.original.write(text)
        return len(text)

    def flush(self) -> None:
        self.original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


def origin_in_learner_code(coro: Any) -> int | None:
    """The learner's line that created `coro`, if it did (coroutine origin tracking)."""
    for filename, lineno, _ in getattr(coro, "cr_origin", None) or ():
        if filename == LAB_FILE:
            return int(lineno)
    code = getattr(coro, "cr_code", None)
    if code is not None and code.co_filename == LAB_FILE:
        return int(code.co_firstlineno)
    return None


_ORIGINAL_WARN_UNAWAITED = warnings._warn_unawaited_coroutine  # type: ignore[attr-defined]


class UnawaitedHook:
    """Reports a coroutine the learner never awaited against the learner's line, instead
    of a RuntimeWarning on stderr. Python asks `warnings._warn_unawaited_coroutine` each
    time; this replaces it while the lab is open and hands other coroutines on."""

    def __init__(self, report: Callable[[str, int], None]) -> None:
        self.report = report
        self._previous: Callable[[Any], None] | None = None
        self._depth = 0

    def install(self) -> None:
        if self._previous is None:
            self._previous = warnings._warn_unawaited_coroutine  # type: ignore[attr-defined]
            warnings._warn_unawaited_coroutine = self  # type: ignore[attr-defined]
            self._depth = sys.get_coroutine_origin_tracking_depth()
            sys.set_coroutine_origin_tracking_depth(max(self._depth, 4))

    def uninstall(self) -> None:
        if self._previous is not None:
            if warnings._warn_unawaited_coroutine is self:  # type: ignore[attr-defined]
                warnings._warn_unawaited_coroutine = self._previous  # type: ignore[attr-defined]
            sys.set_coroutine_origin_tracking_depth(self._depth)
            self._previous = None

    def __call__(self, coro: Any) -> None:
        line = origin_in_learner_code(coro)
        if line is None or self._previous is None:  # not the learner's, or no longer ours
            (self._previous or _ORIGINAL_WARN_UNAWAITED)(coro)
            return
        name = getattr(coro, "__qualname__", "coroutine")
        self.report(f"coroutine {name}() was never awaited (made on {learner_line(line or 0)})",
                    line or 0)  # fmt: skip


# --- the rescue ----------------------------------------------------------------------------
def _is_library(filename: str) -> bool:
    return filename.startswith(("<frozen", sys.prefix, sys.base_prefix)) and "guidemo" not in (
        filename
    )


def stuck_in_learner_code(frame: FrameType | None) -> FrameType | None:
    """The learner's frame the GUI thread is stuck in, if every frame inward of it is the
    learner's or a library's (a socket read inside `requests`): never guidemo's or Qt's
    callbacks into it."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename == LAB_FILE:
            return frame
        if not _is_library(filename):
            return None
        frame = frame.f_back
    return None


class RescueSignal:
    """The handler of RESCUE_SIGNAL (main thread): raise LabStopped only when armed and
    the interrupted frame is the learner's; anywhere else (Qt, guidemo) it does nothing."""

    def __init__(self) -> None:
        self.armed = False
        self.fired = 0
        self.ignored = 0  # arrived outside the learner's code: did nothing
        self._previous: Any = None
        self.installed = False

    def install(self) -> None:
        if not self.installed and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(RESCUE_SIGNAL, self._handle)
            self.installed = True

    def uninstall(self) -> None:
        if self.installed and threading.current_thread() is threading.main_thread():
            signal.signal(RESCUE_SIGNAL, self._previous or signal.SIG_DFL)
            self.installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.armed and stuck_in_learner_code(frame) is not None:
            self.armed = False
            self.fired += 1
            raise LabStopped("stopped by the lab's rescue (a blocking call)")
        self.ignored += 1


class Rescue(threading.Thread):
    """Watches the heartbeat while learner code is live; interrupts a freeze in it that
    lasts longer than `limit_s()`. `on_rescue(kind, where, frozen_s)` is called on this
    thread: the caller hands it to the loop."""

    POLL_S = 0.05

    def __init__(
        self,
        gui_thread_id: int,
        last_beat: Callable[[], float],
        limit_s: Callable[[], float],
        handler: RescueSignal,
        on_rescue: Callable[[str, str, float], None],
    ) -> None:
        super().__init__(name="guidemo-lab-rescue", daemon=True)
        self.gui_thread_id = gui_thread_id
        self.last_beat = last_beat
        self.limit_s = limit_s
        self.handler = handler
        self.on_rescue = on_rescue
        self._stop_event = threading.Event()
        self._acted_for = 0.0  # the heartbeat of the freeze already acted on
        self._gui_native_id = next(
            (t.native_id for t in threading.enumerate() if t.ident == gui_thread_id), None
        )

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=1.0)

    def run(self) -> None:
        while not self._stop_event.wait(self.POLL_S):
            beat = self.last_beat()
            frozen = time.perf_counter() - beat
            stuck = frozen > self.limit_s() and beat != self._acted_for
            if stuck and self._interrupt(beat):
                self._acted_for = beat

    def _frame(self) -> FrameType | None:
        return sys._current_frames().get(self.gui_thread_id)

    def _interrupt(self, beat: float) -> bool:
        """Stop the learner's code the GUI thread is stuck in; False if it is not in it."""
        place = self._place()
        if place is None:
            return False
        where = place
        busy = self._busy_for(0.05)
        what = "a Python loop" if busy else "a blocking call"
        if busy and self._place() is not None:  # bytecode runs (it uses the CPU): an
            # asynchronous exception lands at its next instruction, still the learner's
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self.gui_thread_id), ctypes.py_object(LabStopped)
            )
            landed = self._recovered(beat, 1.0)
            if not landed:  # not yet (a busy machine): taken back, unless it landed meanwhile
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.gui_thread_id), None)
                landed = self._place() is None
            if landed:
                self.on_rescue(
                    f"{what} (asynchronous exception)", where, time.perf_counter() - beat
                )
                return True
        # A blocking C call (it waits, using no CPU): a signal interrupts it, and its
        # handler raises only in the learner's frame.
        fired = self.handler.fired
        recovered = False
        for _ in range(5):
            if self._place() is None:
                break
            self.handler.armed = True
            signal.pthread_kill(threading.main_thread().ident or 0, RESCUE_SIGNAL)
            if recovered := self._recovered(beat, 0.3):
                break
        self.handler.armed = False
        # Its handler raised in the learner's frame, perhaps after the last wait (beside a
        # second suite the code was stopped, and the rescue went unreported).
        if recovered or self.handler.fired > fired:
            self.on_rescue(f"{what} (signal)", where, time.perf_counter() - beat)
            return True
        return self.last_beat() != beat

    def _place(self) -> str | None:
        frame = stuck_in_learner_code(self._frame())
        return None if frame is None else where_in_learner_code(frame)

    def _busy_for(self, seconds: float) -> bool:
        """Does the GUI thread run code rather than wait in a blocking call? Code uses a
        CPU, or on a busy machine waits for one (a Python loop there got under a tenth of
        a CPU and read as a blocking call); a blocking call does neither."""
        before = self._cpu_use()
        time.sleep(seconds)
        after = self._cpu_use()
        if before is None or after is None:  # the kernel does not say: try both ways
            return True
        return after - before > seconds / 10

    def _cpu_use(self) -> float | None:
        """Seconds the GUI thread has been on a CPU or runnable, waiting for one (Linux's
        schedstat); on a CPU only where there is no schedstat; None if neither is known."""
        if self._gui_native_id is not None:
            stat = CpuWait(self._gui_native_id)
            try:
                if stat.known:
                    return sum(stat.times())
            finally:
                stat.close()
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(self.gui_thread_id))
        except (AttributeError, OSError):
            return None

    def _recovered(self, beat: float, within_s: float) -> bool:
        """The learner's code let go within `within_s`: the GUI thread left it, or the
        heartbeat is back. (The heartbeat alone came too late on a busy machine: the
        code was stopped, but the rescue went unreported.)"""
        deadline = time.perf_counter() + within_s
        while time.perf_counter() < deadline:
            if self.last_beat() != beat or self._place() is None:
                return True
            if self._stop_event.wait(0.01):
                return True
        return False


def names_for_learner(server: str, say: Callable[..., None]) -> dict[str, Any]:
    """The names the learner's code starts with (the panel adds button and label)."""
    import asyncio

    import aiohttp

    return {
        "__name__": "__lab__",
        "__builtins__": __builtins__,
        "asyncio": asyncio,
        "time": time,
        "aiohttp": aiohttp,
        "server": server,
        "say": say,
    }


def code_for_lab(obj: Any) -> str:
    """A lesson function as lab code: the names of its module, its source, and a line
    that runs it (its required arguments set to `...` for the learner to fill in)."""
    import inspect
    import textwrap

    source = textwrap.dedent(inspect.getsource(obj))
    module = inspect.getmodule(obj)
    lines = [f"from {module.__name__} import *  # the names it uses", ""] if module else []
    lines += [source.rstrip(), "", ""]
    if inspect.isfunction(obj) and "." not in obj.__qualname__:
        required = [
            p.name
            for p in inspect.signature(obj).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        lines += [f"{name} = ...  # give it a value" for name in required]
        call = f"{obj.__name__}({', '.join(required)})"
        awaited = "await " if inspect.iscoroutinefunction(obj) else ""
        lines += [f"result = {awaited}{call}", 'print("result:", result)']
    return "\n".join(lines) + "\n"
