"""Tab "By hand": a generator stepped with send(None), and a toy round-robin task loop."""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Generator

from PySide6 import QtWidgets

from guidemo.lessons.generators import fib, round_robin, step
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import log_view, make_button, named, row

QUEUE_STYLE = (
    "QListWidget::item { border: 1px solid palette(highlight); border-radius: 3px;"
    " background: palette(alternate-base); padding: 1px 6px; }"
)  # each queued coroutine as a small chip, in the theme's colours


class ByHandSection(Section):
    title = "By hand"
    sources = (fib, step, round_robin)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._generator: Generator[int, None, int] | None = None
        self._generator_name = ""
        self._steps = 0
        self._rr_task: asyncio.Task[None] | None = None
        self._rr_turn = 0
        self.fib_spin = named(
            QtWidgets.QSpinBox(),
            "fibSpin",
            "n for the generator fib(n): it yields n times, then returns",
        )
        self.fib_spin.setRange(1, 30)
        self.fib_spin.setValue(5)
        self.new_generator_button = make_button(
            "gen = fib(n)",
            "newGeneratorButton",
            "Create a fresh generator-based coroutine (replaces the one being stepped)",
            self.new_generator,
        )
        self.step_button = make_button(
            "gen.send(None)",
            "stepButton",
            "Resume the generator once: it runs to its next yield (or returns). "
            "Disabled once it has finished",
            self.step_generator,
        )
        self.step_button.setEnabled(False)
        self.hand_log = log_view(
            "handLog",
            "Every send(None): what came back, the generator's state and its local variables",
            "Create fib(n), then click send(None) one step at a time",
        )
        self.rr_pause_spin = named(
            QtWidgets.QDoubleSpinBox(),
            "rrPauseSpin",
            "Pause between turns of the toy loop, so you can follow it",
        )
        self.rr_pause_spin.setRange(0.0, 2.0)
        self.rr_pause_spin.setSingleStep(0.1)
        self.rr_pause_spin.setValue(0.5)
        self.rr_pause_spin.setSuffix(" s")
        self.round_robin_button = make_button(
            "Round-robin fib(2), fib(5), fib(3)",
            "roundRobinButton",
            "Run three generators in a tiny task loop; disabled while it runs",
            self.start_round_robin,
        )
        self.stop_rr_button = make_button(
            "Stop", "stopRoundRobinButton", "Cancel the toy loop", self.stop_round_robin
        )
        self.stop_rr_button.setEnabled(False)
        self.rr_now = named(
            QtWidgets.QLabel("just ran: —"),
            "rrNow",
            "The coroutine the toy loop resumed on its latest turn",
        )
        self.rr_now.setMinimumWidth(150)
        self.rr_queue = named(
            QtWidgets.QListWidget(), "rrQueue", "The toy loop's queue, front on the left"
        )
        self.rr_queue.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.rr_queue.setFixedHeight(36)
        self.rr_queue.setSpacing(3)
        self.rr_queue.setStyleSheet(QUEUE_STYLE)
        self.rr_log = log_view(
            "rrLog",
            "Each turn of the toy loop: who ran, what it yielded, the queue after",
            "Start the round-robin: each turn is one send(None)",
        )

        self.lay_out(
            row("n =", self.fib_spin, self.new_generator_button, self.step_button),
            (self.hand_log, 1),
            row(self.round_robin_button, "pause", self.rr_pause_spin, self.stop_rr_button),
            row(self.rr_now, "queue:", self.rr_queue, stretch=False),
            (self.rr_log, 1),
        )

    # --- one generator, one send(None) per click ------------------------------------------
    def new_generator(self) -> None:
        n = self.fib_spin.value()
        self._generator, self._generator_name, self._steps = fib(n), f"fib({n})", 0
        state = inspect.getgeneratorstate(self._generator)
        self.hand_log.appendPlainText(
            f">>> gen = fib({n})\n{self._generator!r}  state {state}: nothing has run yet"
        )
        self.step_button.setEnabled(True)
        self.host.mark_line(None)  # created: no line of it has run

    def step_generator(self) -> None:
        gen = self._generator
        if gen is None:
            return
        self._steps += 1
        outcome, value = step(gen)
        state = inspect.getgeneratorstate(gen)
        if outcome == "yielded":
            frame = gen.gi_frame if isinstance(gen, types.GeneratorType) else None
            where = frame.f_lineno if frame is not None else 0
            local_vars = ", ".join(
                f"{k}={v!r}" for k, v in (frame.f_locals if frame else {}).items()
            )
            self.hand_log.appendPlainText(
                f"send(None) #{self._steps} -> {value!r}   {state}, paused at line {where}"
                f"   locals: {local_vars}"
            )
            self.host.mark_line(where)  # the yield it is paused at
        else:
            self.hand_log.appendPlainText(
                f"send(None) #{self._steps} -> StopIteration(value={value!r})   {state}: "
                f"{self._generator_name} returned {value!r}; make a new one to go again\n"
            )
            self._generator = None
            self.step_button.setEnabled(False)
            self.host.mark_line(None)

    # --- three generators in a toy task loop ------------------------------------------------
    def start_round_robin(self) -> None:
        if self._rr_task is not None:
            return  # disabled while running: Stop first
        self.round_robin_button.setEnabled(False)
        self.stop_rr_button.setEnabled(True)
        self.rr_log.clear()
        self._rr_turn = 0
        self._rr_task = self.host.spawn(self._round_robin(), "round-robin")

    def stop_round_robin(self) -> None:
        if self._rr_task is not None:
            self._rr_task.cancel()

    async def _round_robin(self) -> None:
        coros = {f"fib({n})": fib(n) for n in (2, 5, 3)}
        self._draw_queue("—", list(coros))
        self.rr_log.appendPlainText(f"queue: {', '.join(coros)}")
        try:
            results = await round_robin(coros, self._rr_show, self.rr_pause_spin.value())
            self.rr_log.appendPlainText(
                f"queue empty after {self._rr_turn} turns: results "
                + ", ".join(f"{k} = {v}" for k, v in results.items())
            )
            self._draw_queue("— (done)", [])
        except asyncio.CancelledError:
            self.rr_log.appendPlainText(f"stopped after {self._rr_turn} turns")
            raise
        finally:
            self._rr_task = None
            self.round_robin_button.setEnabled(True)
            self.stop_rr_button.setEnabled(False)

    def _rr_show(self, name: str, what: str, queue: list[str]) -> None:
        self._rr_turn += 1
        after = ", ".join(queue) or "(empty)"
        self.rr_log.appendPlainText(f"turn {self._rr_turn:2d}: {name} {what}   queue: {after}")
        self._draw_queue(name, queue)

    def _draw_queue(self, now: str, queue: list[str]) -> None:
        self.rr_now.setText(f"just ran: <b>{now}</b>")
        self.rr_queue.clear()
        self.rr_queue.addItems(queue)
