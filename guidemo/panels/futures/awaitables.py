"""The `futures` panel's third box: what `await` accepts. A class of our own with
`__await__` (an awaitable countdown), and the real TypeError for things that are not
awaitable. The code is the lesson `guidemo.lessons.awaitables`."""

from __future__ import annotations

import asyncio
import inspect
import time

from PySide6 import QtWidgets

from guidemo.lessons.awaitables import NOT_AWAITABLE, Countdown, await_it
from guidemo.lessons.futures import Log
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import make_button, named, row, spin

PAUSE_S = 0.5  # between two counts


class AwaitablesSection(Section):
    """Await a Countdown (an object with __await__), or something that is not awaitable."""

    title = "Awaitables: what await accepts"

    def __init__(self, host: Host, log: Log) -> None:
        super().__init__(host)
        self.log = log
        self.countdown_task: asyncio.Task[None] | None = None

        self.countdown_spin = spin(
            "countdownSpin", 1, 10, 3, f"Where the countdown starts ({PAUSE_S:g} s per count)"
        )
        self.countdown_button = make_button(
            "await Countdown(n)",
            "awaitCountdownButton",
            "Await an object of our own class: await calls its __await__, and the loop runs "
            "other work between the counts. Disabled while it counts",
            self.start_countdown,
        )
        self.thing_combo = named(
            QtWidgets.QComboBox(),
            "notAwaitableCombo",
            "Something that is not awaitable: a value, what a blocking function returns, "
            "a coroutine function not called, a list",
        )
        self.thing_combo.addItems(list(NOT_AWAITABLE))
        self.bad_button = make_button(
            "await it",
            "awaitNotAwaitableButton",
            "Await the thing chosen on the left: Python raises TypeError at the await "
            "(shown in the log)",
            self.start_bad_await,
        )

        self.lay_out(
            row(
                "n",
                self.countdown_spin,
                self.countdown_button,
                "   await",
                self.thing_combo,
                self.bad_button,
            )
        )

    def start_countdown(self) -> None:
        if self.countdown_task is None:
            start = self.countdown_spin.value()
            self.countdown_button.setEnabled(False)
            self.countdown_task = self.host.spawn(
                self._countdown(start), f"await Countdown({start})"
            )

    async def _countdown(self, start: int) -> None:
        try:
            countdown = Countdown(start, PAUSE_S, self.log)
            self.log(
                f">>> inspect.isawaitable(Countdown({start}))   returned "
                f"{inspect.isawaitable(countdown)}   # it has __await__"
            )
            self.log(f">>> await Countdown({start}, {PAUSE_S:g})   # suspended between counts")
            started = time.perf_counter()
            value = await countdown
            lag = self.host.context.monitor.stats_since(started)
            self.log(
                f"await Countdown({start}) returned {value!r} after "
                f"{time.perf_counter() - started:.2f} s; loop lag meanwhile max "
                f"{lag.max_ms:.0f} ms (the loop ran on between counts)"
            )
        finally:
            self.countdown_task = None
            self.countdown_button.setEnabled(True)

    def start_bad_await(self) -> None:
        name = self.thing_combo.currentText()
        self.host.spawn(self._bad_await(name), f"await {name}")

    async def _bad_await(self, name: str) -> None:
        thing = NOT_AWAITABLE[name]()
        self.log(f">>> inspect.isawaitable({name})   returned {inspect.isawaitable(thing)}")
        try:
            value = await await_it(thing)
        except TypeError as error:
            self.log(f">>> await {name}   raised TypeError: {error}")
        else:  # not reached for the things in the list; shown if one ever is awaitable
            self.log(f">>> await {name}   returned {value!r}")
