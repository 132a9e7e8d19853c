"""Panel `races`: one thread, and still a race: a check-then-act with an await in the gap.

The code the buttons run is the lesson `guidemo.lessons.races`. A run is many rounds; in
each, a few customers withdraw from one fresh account at random moments. The panel counts
the updates lost, and draws one round in lanes from the account's history of reads and
writes: the first round that lost an update, or the last one if none did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from PySide6 import QtWidgets

from guidemo.lessons.races import (
    AMOUNT,
    MAX_GAP_S,
    MAX_START_S,
    START_BALANCE,
    Account,
    Round,
    Way,
    one_round,
    overwritten,
    withdraw,
    withdraw_locked,
    withdraw_without_await,
)
from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets.kit import (
    column,
    flow,
    keep_rows,
    label,
    make_button,
    named,
    set_row,
    spin,
    table,
    vsplit,
)
from guidemo.widgets.lanes import LaneChart

PROGRESS_EVERY = 25  # rounds between two progress texts while a run goes
KEEP_ROWS = 20
WAYS: dict[Way, tuple[str, str, str, str]] = {  # way: objectName, text, tooltip, role
    "race": (
        "raceButton",
        "Race: await between check and write",
        "Each customer reads the balance, checks it, awaits, then writes what it computed "
        "before the await: run many rounds and count the updates lost",
        "danger",
    ),
    "lock": (
        "lockButton",
        "Fixed: asyncio.Lock",
        "The same withdrawal inside `async with lock`: nobody else can check until this "
        "one has written",
        "good",
    ),
    "no await": (
        "noAwaitButton",
        "No await between",
        "The same check and write with the await before them, not between: no other "
        "coroutine can run in between",
        "good",
    ),
}
HOW = {
    "race": "with an await between check and write",
    "lock": "holding an asyncio.Lock from check to write",
    "no await": "with no await between check and write",
}
COLUMNS = ["way", "customers", "rounds", "paid", "updates lost", "rounds with a loss"]


@dataclass
class RaceRun:
    """A run of many rounds, as the panel counts it."""

    way: Way
    customers: int
    rounds: int
    done: int = 0
    paid: int = 0
    lost: int = 0
    losing_rounds: int = 0
    shown: Round | None = None  # the round the lanes draw

    def add(self, result: Round) -> None:
        self.done += 1
        self.paid += result.paid
        self.lost += result.lost
        self.losing_rounds += result.lost > 0
        if self.shown is None or not self.shown.lost:
            self.shown = result  # the first round that lost one, else the latest


def summary(run: RaceRun) -> str:
    """What the run showed, in a sentence the tour can quote."""
    head = (
        f"{run.done} rounds of {run.customers} withdrawals {HOW[run.way]}: {run.lost} updates lost"
    )
    if run.lost:
        return (
            f"{head}, in {run.losing_rounds} of {run.done} rounds: money paid out and never "
            "taken off the balance."
        )
    return f"{head}: every withdrawal paid was taken off the balance."


def story(result: Round) -> str:
    """The round's reads and writes in order, stale writes named."""
    stale = overwritten(result.history)
    steps = []
    for access in result.history:
        step = f"{access.who} {access.what} {access.balance}"
        if access in stale:
            step += " (stale: another's withdrawal lost)"
        steps.append(step)
    return "Drawn round: " + " → ".join(steps)


class RacesPanel(Panel):
    slug = "races"
    title = "Races across an await: one thread is not enough"
    sources = (withdraw, withdraw_locked, withdraw_without_await, one_round, Account)
    button_lessons: ClassVar[dict[str, object]] = {
        "raceButton": withdraw,
        "lockButton": withdraw_locked,
        "noAwaitButton": withdraw_without_await,
    }
    explanation_numbers: ClassVar[dict[str, float]] = {
        "start_balance": START_BALANCE,
        "amount_each": AMOUNT,
        "max_gap_ms": MAX_GAP_S * 1000,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._task: asyncio.Task[None] | None = None
        self._runs: list[RaceRun] = []
        self.set_controls(self._build_controls())

    def _build_controls(self) -> QtWidgets.QWidget:
        self.customers_spin = spin(
            "raceCustomersSpin", 2, 12, 2, "Customers withdrawing from one account each round"
        )
        self.rounds_spin = spin("raceRoundsSpin", 1, 2000, 200, "Rounds in a run")
        self.buttons = {
            way: make_button(text, name, tip, self._starter(way), role=role)
            for way, (name, text, tip, role) in WAYS.items()
        }
        self.result_label = named(
            QtWidgets.QLabel("—"), "raceResultLabel", "Updates lost in the last run (a number)"
        )
        self.summary_label = label(
            "Run the race: a few customers withdraw at random moments, many rounds.",
            "raceSummaryLabel",
            "What the last run showed: rounds, updates lost, rounds that lost one",
        )
        self.story_label = label(
            "",
            "raceStoryLabel",
            "The drawn round's reads and writes in the order they happened",
        )
        self.lanes = LaneChart(
            "raceLanes",
            min_span_s=(MAX_START_S + MAX_GAP_S) * 1000,  # drawn in ms: see draw()
            legend=("queued", "awaiting", "step", "result", "exception"),
        )
        self.lanes.plot.getPlotItem().setLabel("bottom", "milliseconds since the round started")
        self.lanes.setToolTip(
            "One round, one lane per customer: a tick where it read the balance, the bar "
            "its await, a dot where it wrote; a cross where it wrote over another's update"
        )
        self.table = table("raceTable", COLUMNS, "One row per run, newest first")
        keep_rows(self.table)
        return column(
            flow(("Customers", self.customers_spin), ("Rounds", self.rounds_spin)),
            flow(*self.buttons.values()),
            flow(("Updates lost:", self.result_label)),
            self.summary_label,
            self.story_label,
            (vsplit(self.lanes, self.table, sizes=[260, 140]), 1),
        )

    # --- running ----------------------------------------------------------------------------
    def busy(self) -> bool:
        return self._task is not None

    def _starter(self, way: Way) -> Callable[[], None]:
        return lambda: self.start(way)

    def start(self, way: Way) -> None:
        if self._task is not None:
            return  # one run at a time: the buttons are disabled meanwhile
        run = RaceRun(way, self.customers_spin.value(), self.rounds_spin.value())
        for button in self.buttons.values():
            button.setEnabled(False)
        self.result_label.setText("…")
        self.summary_label.setText(f"Running {run.rounds} rounds {HOW[way]}…")
        self._task = self.spawn(self._go(run), f"{way} run")

    async def _go(self, run: RaceRun) -> None:
        try:
            for number in range(1, run.rounds + 1):
                run.add(await one_round(run.way, run.customers))
                if number % PROGRESS_EVERY == 0:
                    self.summary_label.setText(f"{summary(run)} ({number} of {run.rounds})")
        finally:
            self._task = None
            for button in self.buttons.values():
                button.setEnabled(True)
            self._finish(run)

    def _finish(self, run: RaceRun) -> None:
        self.result_label.setText(str(run.lost))
        self.summary_label.setText(summary(run))
        if run.shown is not None:
            self.story_label.setText(story(run.shown))
            self.draw(run.shown)
        self._runs.insert(0, run)
        del self._runs[KEEP_ROWS:]
        self.table.setRowCount(len(self._runs))
        for at, shown in enumerate(self._runs):
            set_row(
                self.table,
                at,
                [
                    shown.way,
                    str(shown.customers),
                    str(shown.done),
                    str(shown.paid),
                    str(shown.lost),
                    str(shown.losing_rounds),
                ],
            )

    def draw(self, result: Round) -> None:
        """One round in lanes: waiting its turn, read, the await, and how its write went.

        Times are drawn in milliseconds (a round lasts a few): the chart's axis says so, and
        its shortest bar (a few units wide, meant for seconds) stays a sliver."""
        lanes = self.lanes

        def ms(at: float) -> float:
            return result.started + (at - result.started) * 1000

        lanes.reset(origin=result.started)
        stale = overwritten(result.history)
        whos = sorted({a.who for a in result.history}, key=lambda who: int(who.split()[-1]))
        for who in whos:
            lanes.open_bar(who, "queued", at=result.started)
        wrote = {a.who for a in result.history if a.what == "wrote"}
        for access in result.history:
            at = ms(access.at)
            if access.what == "read":
                lanes.add_event(access.who, "step", f"read {access.balance}", at=at)
                if access.who in wrote:
                    lanes.open_bar(access.who, "awaiting", at=at)
                else:
                    lanes.finish(access.who, "result", "refused", at=at)
            else:
                kind = "exception" if access in stale else "result"
                lanes.finish(access.who, kind, f"wrote {access.balance}", at=at)
        lanes.redraw()

    async def screenshot_demo(self) -> None:
        self.start("race")
        while self._task is not None:
            await asyncio.sleep(0.05)
