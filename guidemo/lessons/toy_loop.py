"""A toy event loop, small enough to watch: a queue, and one handler at a time.

This is the lecture's `while True: pop an event, call its handler` written out. It runs on
a thread of its own (its pretend CPU), so a slow toy handler really keeps the toy busy
and the events behind it really wait, while the window that draws them stays free.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

QUICK_HANDLER_S = 0.02  # what a handler should cost: a few milliseconds
SLOW_HANDLER_S = 1.0  # what it must not: a whole second
KEEP_HANDLED = 1000  # the log keeps the latest events: an endless one would grow forever


@dataclass
class ToyEvent:
    """One event in the toy's queue: what it is, its handler, and when things happened to it."""

    number: int
    kind: str  # "quick" or "slow"
    handler: Callable[[ToyEventLoop], None]
    posted_at: float = math.nan  # time.perf_counter() values
    started_at: float = math.nan
    finished_at: float = math.nan
    slowed_at_post: float = 0.0  # the toy's slow-motion total when it was posted
    slowed_at_start: float = 0.0  # ... and when its handler started

    @property
    def name(self) -> str:
        return f"{self.kind} #{self.number}"

    @property
    def waited_ms(self) -> float:
        """How long it sat in the queue before its handler started."""
        return (self.started_at - self.posted_at) * 1000

    @property
    def slow_motion_ms(self) -> float:
        """How much of its wait was slow-motion pauses (none at full speed)."""
        return (self.slowed_at_start - self.slowed_at_post) * 1000

    @property
    def handler_ms(self) -> float:
        return (self.finished_at - self.started_at) * 1000


class ToyEventLoop:
    """An event loop in a dozen lines: a queue, one handler at a time.

    `run_one()` is one turn of `while True: pop an event, call its
    handler`. It runs on the toy's own thread (its pretend CPU): a slow
    handler really keeps it busy and the events behind it really wait,
    while this window stays free to draw them.
    """

    def __init__(self) -> None:
        self.queue: deque[ToyEvent] = deque()  # thread-safe ends
        self.current: ToyEvent | None = None
        self.handled: deque[ToyEvent] = deque(maxlen=KEEP_HANDLED)
        self.line = "wait"  # the line about to run, for the highlight
        self.slow_motion_s = 0.0  # pause before each line, to watch
        self.slowed_s = 0.0  # all slow-motion pauses so far
        self.stopping = threading.Event()

    def post(self, event: ToyEvent) -> None:
        """Queue an event: a click, a key, a timer, a reply..."""
        event.posted_at = time.perf_counter()
        event.slowed_at_post = self.slowed_s  # slow motion so far
        self.queue.append(event)

    def run_one(self) -> ToyEvent | None:
        """One turn: pop the oldest event, call its handler."""
        if not self.queue:  # nothing to do (the queue was cleared)
            return None
        self._at("pop")
        event = self.queue.popleft()  # first in, first out
        self.current = event
        self._at("call")
        event.started_at = time.perf_counter()
        event.slowed_at_start = self.slowed_s
        event.handler(self)  # nothing else happens until it returns
        event.finished_at = time.perf_counter()
        self._at("log")
        self.handled.append(event)
        self.current = None
        return event

    def work(self, seconds: float) -> None:
        """How a toy handler takes `seconds`: it really spends them."""
        self.stopping.wait(seconds)  # a sleep (cut short if we quit)

    def _at(self, line: str) -> None:
        """Note the line about to run; in slow motion, wait a bit (and count it)."""
        self.line = line
        if self.slow_motion_s:
            paused = time.perf_counter()
            self.stopping.wait(self.slow_motion_s)
            self.slowed_s += time.perf_counter() - paused


def quick_handler(toy: ToyEventLoop) -> None:
    """A good handler: a few ms of work, then back to the loop."""
    toy.work(QUICK_HANDLER_S)


def slow_handler(toy: ToyEventLoop) -> None:
    """A bad handler: a second of work. Events behind it wait."""
    toy.work(SLOW_HANDLER_S)


async def drive_toy_loop(
    toy: ToyEventLoop,
    cpu: Executor,
    go: asyncio.Event,
) -> None:
    """The toy's `while True`, kept turning by an asyncio task.

    Each turn runs on the toy's own thread (`cpu`): a slow toy handler
    blocks the toy, not this window. `go` is set while the toy may run.
    """
    loop = asyncio.get_running_loop()
    while True:
        if not toy.queue:
            go.clear()  # nothing to do: sleep until something is posted
        toy.line = "wait"
        await go.wait()
        await loop.run_in_executor(cpu, toy.run_one)


# Where each value of `ToyEventLoop.line` is in the code above: the function, and a fragment
# of the line that runs next. A view of the toy marks that line; `_at("pop")` stands right
# before the line holding "self.queue.popleft()", and a test keeps it so.
TOY_LINE_MARKERS: dict[str, tuple[Callable[..., object], str]] = {
    "pop": (ToyEventLoop.run_one, "self.queue.popleft()"),
    "call": (ToyEventLoop.run_one, "event.handler(self)"),
    "log": (ToyEventLoop.run_one, "self.handled.append(event)"),
    "wait": (drive_toy_loop, "await go.wait()"),
}
