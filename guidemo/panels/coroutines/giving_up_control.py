"""Tab "Giving up control": a worker that never awaits freezes the loop; a polite one not."""

from __future__ import annotations

import asyncio
import time

from PySide6 import QtWidgets

from guidemo.lessons.giving_up_control import greedy_worker, polite_worker
from guidemo.panels.section import Host, Section
from guidemo.widgets import palette
from guidemo.widgets.freeze_guard import QueuedClicks, ignored_clicks_text
from guidemo.widgets.kit import label, make_button, named, row, table

COLUMNS = (
    "coroutine",
    "wall s",
    "work slices",
    "slices per s",
    "given to loop ms",
    "lag probes ran",
    "max lag ms",
    "p99 ms",
    "freeze",
)
FROZEN_MS = 100  # a worst lag above this means the UI froze while the worker ran
KEEP_ROWS = 50  # the table keeps the newest runs
NOISE_POINTS = 5.0  # rates of two separate runs agree with the cost if within this (% points)
Work = tuple[int, float, float]  # (slices done, seconds it ran, seconds it gave the loop)


def yield_cost_html(greedy: Work, polite: Work) -> str:
    """What yielding after every slice cost, from the latest run of each worker."""
    slices, wall, given = polite
    greedy_rate, polite_rate = greedy[0] / greedy[1], slices / wall
    rates = f"greedy_worker {greedy_rate:,.0f}, polite_worker {polite_rate:,.0f}"
    cost = given / wall * 100
    fewer = (1 - polite_rate / greedy_rate) * 100 if greedy_rate else 0.0
    if abs(fewer - cost) <= NOISE_POINTS:
        compared = f"{fewer:.1f}% fewer, as that cost predicts"
    else:
        compared = (
            f"{fewer:+.1f}% apart, which that cost does not explain: two separate runs differ "
            "more with the machine's load than by this cost (within noise here)"
        )
    return (
        f"<b>The cost of yielding</b>: polite_worker gave the loop {slices:,} turns, "
        f"<b>{given * 1000:.0f} ms</b> in all ({given / slices * 1e6:.0f} µs a turn): "
        f"<b>{cost:.1f}%</b> of its {wall:.2f} s not spent working. Slices done per "
        f"second: {rates}: {compared}. In exchange, the window stayed live while it ran."
    )


class GivingUpControlSection(Section):
    title = "Giving up control"
    sources = (greedy_worker, polite_worker)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._control_task: asyncio.Task[None] | None = None
        self._queued_clicks = QueuedClicks(self)
        self._latest: dict[str, Work] = {}  # worker -> its latest run
        self.work_spin = named(
            QtWidgets.QDoubleSpinBox(), "workSpin", "How long each worker keeps working"
        )
        self.work_spin.setRange(0.2, 5.0)
        self.work_spin.setSingleStep(0.5)
        self.work_spin.setValue(1.0)
        self.work_spin.setSuffix(" s")
        self.greedy_button = make_button(
            "greedy_worker (never awaits)",
            "greedyButton",
            "Works without awaiting: the loop and the whole UI freeze. Disabled while running",
            lambda: self.start_control("greedy"),
            role="danger",
        )
        self.polite_button = make_button(
            "polite_worker (await sleep(0))",
            "politeButton",
            "The same work with await asyncio.sleep(0) between slices. Disabled while running",
            lambda: self.start_control("polite"),
        )
        self.control_table = table(
            "controlTable", COLUMNS, "Each run, newest first: measured while it ran"
        )
        self.control_summary = label(
            "Run both and compare: the HUD's heartbeat stops during the greedy one.",
            "controlSummary",
            "What the latest worker did to the loop, measured while it ran",
            rich=True,
        )
        self.lay_out(
            row("work for", self.work_spin, self.greedy_button, self.polite_button),
            self.control_summary,
            (self.control_table, 1),
        )

    def start_control(self, which: str) -> None:
        if self._control_task is not None:
            return  # one at a time: both buttons are disabled meanwhile
        self.greedy_button.setEnabled(False)
        self.polite_button.setEnabled(False)
        self.control_summary.setText(f"Running the {which} worker…")
        self._control_task = self.host.spawn(self._run_control(which), f"{which} worker")

    async def _queued_input_drained(self) -> int:
        """Wait until the clicks queued during a freeze have arrived (and been ignored)."""
        drained: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def release(ignored: int) -> None:
            if not drained.done():
                drained.set_result(ignored)

        self._queued_clicks.hold(release)
        return await drained

    async def _run_control(self, which: str) -> None:
        worker = greedy_worker if which == "greedy" else polite_worker
        monitor = self.host.context.monitor
        seconds = self.work_spin.value()
        try:
            started = time.perf_counter()
            slices, given = await worker(seconds)
            ended = time.perf_counter()
            # The lag probe can only record a freeze once the loop is free again, and clicks
            # made during a freeze arrive now: wait for them before reporting.
            ignored = await self._queued_input_drained()
            during = monitor.stats_since(started)
            probes = during.samples - monitor.stats_since(ended).samples  # probes while it ran
            # The worker's own freezes, a busy machine's too: it works until the clock says
            # so, so it holds the loop as long (beside a second suite, on 0.09 s of CPU).
            freezes = [
                f
                for f in monitor.code_freezes_since(started, busy_machine_too=True)
                if worker.__name__ in f.where
            ]
            freeze = f"{freezes[0].duration_s:.2f} s in {freezes[0].where}" if freezes else "none"
            where = freeze.split(" (")[0]  # the table: without the file name
            wall = ended - started
            self._latest[which] = (slices, wall, given)
            cells = [
                f"{worker.__name__}",
                f"{wall:.2f}",
                f"{slices}",
                f"{slices / wall:,.0f}",
                f"{given * 1000:.0f}",
                f"{probes}",
                f"{during.max_ms:.0f}",
                f"{during.p99_ms:.1f}",
                where,
            ]
            self.control_table.insertRow(0)
            for column, text in enumerate(cells):
                self.control_table.setItem(0, column, QtWidgets.QTableWidgetItem(text))
            self.control_table.setRowCount(min(self.control_table.rowCount(), KEEP_ROWS))
            self.control_table.resizeColumnsToContents()
            frozen = during.max_ms > FROZEN_MS
            color = palette.BAD if frozen else palette.GOOD
            self.control_summary.setText(
                f"<b>{worker.__name__}</b>: {slices} slices in {ended - started:.2f} s; the lag "
                f"probe ran {probes} times meanwhile; worst lag "
                f"<b style='color:{color}'>{during.max_ms:.0f} ms</b>"
                + (f" (UI frozen, freeze {freeze})" if frozen else " (UI live)")
                + (f"<br>{ignored_clicks_text(ignored)}" if ignored else "")
                + (
                    "<br>" + yield_cost_html(self._latest["greedy"], self._latest["polite"])
                    if len(self._latest) == 2
                    else "<br>Run the other worker too: the two are compared here."
                )
            )
        finally:
            self._control_task = None
            self.greedy_button.setEnabled(True)
            self.polite_button.setEnabled(True)
