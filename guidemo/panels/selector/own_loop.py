"""Tab "Without asyncio": the same async def coroutines on a twenty-line loop of our own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from guidemo.lessons.own_loop import (
    B_SLOWER,
    Nap,
    countdown,
    nap,
    on_asyncio,
    on_own_loop,
    on_trio,
    run,
    trio_installed,
)
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import SteadyBox, flow, label, log_view, make_button

PAUSE_S = 0.2  # each countdown's step; B's is B_SLOWER times longer
WAYS: dict[str, tuple[str, Callable[..., None]]] = {
    "ownLoopButton": ("our own loop", on_own_loop),
    "ownLoopAsyncioButton": ("asyncio", on_asyncio),
    "ownLoopTrioButton": ("Trio", on_trio),
}


class OwnLoopSection(Section):
    title = "Without asyncio"
    sources = (Nap, nap, run, countdown, on_own_loop, on_asyncio, on_trio)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.running: asyncio.Task[Any] | None = None
        has_trio = trio_installed()
        self.buttons = [
            make_button(
                "Run on our own loop",
                "ownLoopButton",
                "Two async def countdowns driven by run(): send(None) and a queue of "
                "sleepers, no asyncio (in a worker thread: its waiting is time.sleep)",
                lambda: self.start("ownLoopButton"),
                role="good",
            ),
            make_button(
                "The same on asyncio",
                "ownLoopAsyncioButton",
                "The same countdowns with asyncio.sleep under asyncio.run (a loop of its own, "
                "in a worker thread)",
                lambda: self.start("ownLoopAsyncioButton"),
            ),
            make_button(
                "The same on Trio",
                "ownLoopTrioButton",
                "The same countdowns with trio.sleep under trio.run"
                if has_trio
                else "Trio is not installed (pip install trio): guidemo does not need it",
                lambda: self.start("ownLoopTrioButton"),
            ),
        ]
        self.buttons[2].setEnabled(has_trio)
        self.output = log_view(
            "ownLoopOutput",
            "What the countdowns said, with the time since the start of the run",
            "Press a button: A counts 3 steps, B 2 longer ones; watch them take turns",
        )
        self.output.setMinimumHeight(150)
        self.summary = label("", "ownLoopSummaryLabel", "The last run: which loop, how long")
        self.lay_out(flow(*self.buttons), SteadyBox(self.summary, 2), (self.output, 1), top=4)

    def start(self, name: str) -> None:
        if self.running is None:
            for button in self.buttons:
                button.setEnabled(False)
            self.running = self.host.spawn(self._run(name), f"countdowns on {WAYS[name][0]}")

    async def _run(self, name: str) -> None:
        way, program = WAYS[name]
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        lines: list[str] = []

        def say(line: str) -> None:  # called in the worker thread
            shown = f"+{time.monotonic() - started:6.3f} s  {line}"
            lines.append(shown)
            loop.call_soon_threadsafe(self._show_line, shown)

        self.output.appendPlainText(f"--- on {way}:")
        try:
            await loop.run_in_executor(self.host.context.executor, program, say, PAUSE_S)
            took = time.monotonic() - started
            self.summary.setText(
                f"On {way}: {len(lines)} lines in {took:.2f} s, the sleeps overlapping "
                f"(one after another: {(3 + 2 * B_SLOWER) * PAUSE_S:.1f} s)."
            )
        finally:
            self.running = None
            for button in self.buttons:
                button.setEnabled(button is not self.buttons[2] or trio_installed())

    def _show_line(self, line: str) -> None:
        if self.running is not None:  # (not after the panel closed: the job may go on)
            self.output.appendPlainText(line)

    def busy(self) -> bool:
        return self.running is not None
