"""Tab "Many at once": say_lots and display_date instances interleave, one lane each."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from PySide6 import QtCore, QtWidgets

from guidemo.lessons.coroutines import (
    MAX_PAUSE_S,
    display_date,
    say_lots,
    schedule_shutdown,
    start_instances,
    stop_all,
)
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import flow, label, log_view, make_button, named, vsplit
from guidemo.widgets.lanes import LaneChart

# By default the shutdown comes before the instances are done, so it cancels them.
RUN_FOR_S = 6.0
SHUTDOWN_S = 4.0


class ManySection(Section):
    title = "Many at once"
    sources = (say_lots, display_date, start_instances, schedule_shutdown, stop_all)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._instances: dict[asyncio.Task[None], str] = {}
        self._say_lots_task: asyncio.Task[None] | None = None
        self._shutdown_handle: asyncio.Handle | None = None
        self._shutdown_at = 0.0
        self._run_started = 0.0
        self._run_took: float | None = None  # set when the run has ended
        self._lines = 0  # lines the instances of this run printed
        self._cancelled = 0  # instances of this run that stop_all (or a click) cancelled
        self.say_lots_spin = named(
            QtWidgets.QSpinBox(), "sayLotsSpin", "How many lines say_lots prints (0.5 s apart)"
        )
        self.say_lots_spin.setRange(1, 30)
        self.say_lots_spin.setValue(6)
        self.say_lots_button = make_button(
            "Start say_lots(n)",
            "sayLotsButton",
            "One coroutine printing and sleeping; disabled while it runs (Cancel all stops it)",
            self.start_say_lots,
        )
        self.instances_spin = named(
            QtWidgets.QSpinBox(), "instancesSpin", "How many display_date instances to start"
        )
        self.instances_spin.setRange(1, 12)
        self.instances_spin.setValue(4)
        self.run_for_spin = named(
            QtWidgets.QDoubleSpinBox(),
            "runForSpin",
            "How long each display_date instance keeps going",
        )
        self.run_for_spin.setRange(0.5, 60.0)
        self.run_for_spin.setValue(RUN_FOR_S)
        self.run_for_spin.setSuffix(" s")
        self.shutdown_spin = named(
            QtWidgets.QDoubleSpinBox(),
            "shutdownSpin",
            "loop.call_later(this, stop_all): cancels the instances still running then",
        )
        self.shutdown_spin.setRange(0.1, 120.0)
        self.shutdown_spin.setValue(SHUTDOWN_S)
        self.shutdown_spin.setSuffix(" s")
        self.start_instances_button = make_button(
            "Start instances",
            "startInstancesButton",
            "ensure_future / create_task the instances and schedule stop_all; disabled until "
            "they have ended and the shutdown has run (or Cancel all)",
            self.start_display_dates,
        )
        self.instance_combo = named(
            QtWidgets.QComboBox(),
            "instanceCombo",
            "The instances still running: pick one to cancel",
        )
        self.instance_combo.setMinimumContentsLength(16)
        self.cancel_one_button = make_button(
            "Cancel selected",
            "cancelOneButton",
            "task.cancel() on the instance picked beside",
            self.cancel_selected,
        )
        self.cancel_all_button = make_button(
            "Cancel all",
            "cancelAllButton",
            "Cancel every instance, say_lots and the scheduled shutdown",
            self.cancel_all,
        )
        self.instances_status = label(  # wraps: a long verdict must not widen the panel
            "Nothing running.",
            "instancesStatus",
            "What is running now, and when the shutdown comes",
        )
        self.lanes = LaneChart("lanes", min_span_s=5.0)
        self.lanes.setToolTip("One lane per coroutine: a mark per line it printed, bars sleeps")
        self.coroutine_log = log_view(
            "coroutineLog",
            "Every line the coroutines print, with the time since the start",
            "Start say_lots or the instances: their lines interleave here",
        )
        self._status_timer = QtCore.QTimer(self)
        self._status_timer.setInterval(200)
        self._status_timer.timeout.connect(self._refresh_instances)

        say_lots = flow(("say_lots, n =", self.say_lots_spin), self.say_lots_button)
        instances = flow(
            ("display_date ×", self.instances_spin),
            ("each for", self.run_for_spin),
            ("call_later shutdown at", self.shutdown_spin),
            self.start_instances_button,
        )
        cancel = flow(self.instance_combo, self.cancel_one_button, self.cancel_all_button)
        split = vsplit(self.lanes, self.coroutine_log, sizes=(230, 130))
        self.lay_out(say_lots, instances, cancel, self.instances_status, (split, 1))
        self._refresh_instances()

    # --- starting and stopping ---------------------------------------------------------
    def running(self) -> bool:
        """Anything still going: an instance, say_lots, or the scheduled stop_all."""
        live = bool(self._live_instances()) or self._say_lots_task is not None
        return live or self._shutdown_handle is not None

    def _live_instances(self) -> list[asyncio.Task[None]]:
        return [task for task in self._instances if not task.done()]

    def _fresh_start(self) -> None:
        """A new demo on an idle panel starts a new chart; otherwise it joins the running one."""
        if not self.running():
            self.lanes.reset()
            self._instances.clear()
            self._run_started, self._run_took = time.perf_counter(), None
            self._lines = self._cancelled = 0
            if self.coroutine_log.blockCount() > 1:
                self.coroutine_log.appendPlainText("—" * 30)

    def start_say_lots(self) -> None:
        if self._say_lots_task is not None:
            return  # one at a time: the button is disabled meanwhile
        self._fresh_start()
        self.lanes.add_lane("say_lots")
        count = self.say_lots_spin.value()
        self.say("say_lots", f"started: await say_lots({count}) in a task")
        self._say_lots_task = self.host.spawn(say_lots(count, self.say), "say_lots")
        self._say_lots_task.add_done_callback(self._coroutine_done)
        self._refresh_instances()

    def start_display_dates(self) -> None:
        if self._live_instances() or self._shutdown_handle is not None:
            return  # disabled while running: Cancel all first
        self._fresh_start()
        count, run_for = self.instances_spin.value(), self.run_for_spin.value()
        delay = self.shutdown_spin.value()
        for number in range(1, count + 1):
            self.lanes.add_lane(f"display_date({number})")
        tasks = start_instances(count, run_for, self.say)
        for number, task in enumerate(tasks, start=1):
            how = "asyncio.ensure_future" if number % 2 else "loop.create_task"
            who = f"display_date({number})"
            self.host.adopt(task, task.get_name())  # "coroutines: display_date 3", kept
            task.add_done_callback(self._coroutine_done)
            self._instances[task] = who
            self.say(who, f"scheduled with {how}")
        self._shutdown_handle = schedule_shutdown(delay, tasks, self.say)
        self._shutdown_at = time.perf_counter() + delay
        self.lanes.min_span_s = max(2.0, min(delay, run_for + MAX_PAUSE_S))  # the planned end
        self._status_timer.start()
        self._refresh_instances()

    def cancel_selected(self) -> None:
        who = self.instance_combo.currentText()
        for task, name in self._instances.items():
            if name == who and not task.done():
                task.cancel()

    def cancel_all(self) -> None:
        if self._shutdown_handle is not None:
            self._shutdown_handle.cancel()
            self._shutdown_handle = None
            self.say_text("shutdown", "the scheduled stop_all was cancelled (handle.cancel())")
        for task in self._live_instances():
            task.cancel()
        if self._say_lots_task is not None:
            self._say_lots_task.cancel()
        self._refresh_instances()

    async def stop(self) -> None:
        if self._shutdown_handle is not None:
            self._shutdown_handle.cancel()
            self._shutdown_handle = None
        self._status_timer.stop()

    # --- what the coroutines report -------------------------------------------------------
    def say(self, who: str, text: str) -> None:
        """Where the coroutines' lines go: the log, and a mark on their lane."""
        self.say_text(who, text)
        if who == "shutdown":
            if text == "shutdown called":
                self._shutdown_handle = None
                self.lanes.mark("stop_all")
                QtCore.QTimer.singleShot(0, self, self._refresh_instances)
            return
        if text.startswith(("scheduled", "started")):
            self.lanes.open_bar(who, "queued")  # created, not run yet
            return
        self._lines += who != "say_lots"
        self.lanes.add_event(who, "step", text)
        self.lanes.open_bar(who, "awaiting")  # it prints, then awaits a sleep

    def say_text(self, who: str, text: str) -> None:
        elapsed = time.perf_counter() - self.lanes.origin
        self.coroutine_log.appendPlainText(f"+{elapsed:6.2f} s  {who}: {text}")

    def _coroutine_done(self, task: asyncio.Task[Any]) -> None:
        who = self._instances.get(task, "say_lots")
        if task is self._say_lots_task:
            self._say_lots_task = None
        if task.cancelled():
            self._cancelled += task in self._instances
            self.lanes.finish(who, "cancelled")
            self.say_text(who, "cancelled (CancelledError at its await)")
        elif task.exception() is not None:
            self.lanes.finish(who, "exception")
        else:
            self.lanes.finish(who, "result")
        self._refresh_instances()

    def _refresh_instances(self) -> None:
        live = [self._instances[task] for task in self._live_instances()]
        if [self.instance_combo.itemText(i) for i in range(self.instance_combo.count())] != live:
            current = self.instance_combo.currentText()
            self.instance_combo.clear()
            self.instance_combo.addItems(live)
            if current in live:
                self.instance_combo.setCurrentText(current)
        busy = bool(live) or self._shutdown_handle is not None
        self.start_instances_button.setEnabled(not busy)
        self.say_lots_button.setEnabled(self._say_lots_task is None)
        self.cancel_one_button.setEnabled(bool(live))
        self.cancel_all_button.setEnabled(busy or self._say_lots_task is not None)
        parts = []
        if self._say_lots_task is not None:
            parts.append("say_lots running")
        if self._instances:
            parts.append(f"{len(live)} of {len(self._instances)} instances running")
        if self._shutdown_handle is not None:
            left = max(0.0, self._shutdown_at - time.perf_counter())
            parts.append(f"stop_all due in {left:.1f} s")
        elif self._instances:
            parts.append("no shutdown pending")
        if not busy:
            self._status_timer.stop()
            self.lanes.redraw()
        text = " · ".join(parts) if parts else "Nothing running."
        if not busy and self._instances:
            text = f"{self._verdict()} ({text})"
        self.instances_status.setText(text)

    def _verdict(self) -> str:
        """What the ended run showed: how many took turns, and how it ended."""
        if self._run_took is None:
            self._run_took = time.perf_counter() - self._run_started
        ending = (
            f"stop_all cancelled {self._cancelled} of them"
            if self._cancelled
            else "all ended before stop_all"
        )
        return (
            f"Done: {len(self._instances)} instances took turns on one loop, {self._lines} "
            f"lines in {self._run_took:.1f} s; {ending}"
        )

    async def screenshot_demo(self) -> None:
        self.instances_spin.setValue(5)
        self.run_for_spin.setValue(3.0)
        self.shutdown_spin.setValue(2.0)  # before they are done: stop_all cancels them
        self.say_lots_spin.setValue(6)
        self.start_display_dates()
        self.start_say_lots()
        while self.running():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # let the plot paint its last frame
