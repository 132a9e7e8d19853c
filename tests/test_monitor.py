"""The HUD's monitor: freezes with their profile, guidemo's own stalls, pauses, no held frames."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets

from guidemo import widgets
from guidemo.lessons.jobs import busy_cpu, slow_sleep
from guidemo.monitor import (
    UNSEEN,
    Freeze,
    LoopMonitor,
    StackSample,
    sample_frame,
    time_near_each,
)
from tests.helpers import TEST_LOOP_KIND, wait_until


def block_in_two_places() -> None:
    """One freeze that moves: 1 s in slow_sleep, then 0.5 s in busy_cpu."""
    slow_sleep(1.0)
    busy_cpu(0.5)


# Bounds the freeze's length and each function's share of it: beside a second suite it
# lasted 2.15 s for 1.5 s of work, a second of it waiting for a CPU.
@pytest.mark.no_outside_load
@pytest.mark.timeout(60)
def test_a_freeze_through_two_functions_gets_a_profile_with_both(window, run):
    async def scenario() -> None:
        before = len(window.monitor.freezes)
        QtCore.QTimer.singleShot(0, window, block_in_two_places)
        await wait_until(lambda: len(window.monitor.freezes) > before, what="the freeze")

    run(scenario())
    freeze = window.monitor.freezes[-1]
    assert 1.4 <= freeze.duration_s <= 1.8, freeze.duration_s
    shares = dict(freeze.profile)
    sleep_share = sum(share for path, share in shares.items() if path.startswith("slow_sleep"))
    cpu_share = sum(share for path, share in shares.items() if path.startswith("busy_cpu"))
    assert 0.5 <= sleep_share <= 0.8 and 0.2 <= cpu_share <= 0.45, freeze.profile
    assert any("block_in_two_places" in path for path in shares), freeze.profile
    assert freeze.profile == sorted(freeze.profile, key=lambda item: -item[1])
    assert freeze.where.startswith("slow_sleep() (jobs.py:")
    assert not freeze.own
    assert freeze.panel == window.current_panel().slug


@pytest.mark.timeout(60)
def test_a_stall_in_guidemo_display_code_is_marked_own_and_stays_off_the_banner(window, run):
    view = window.current_panel().source_view
    # Called straight from Qt (partial adds no Python frame): a slow render in guidemo's
    # own display code, with no lesson or user code on the stack.
    slow_render = functools.partial(view.show_objects, [sample_frame] * 300)
    banner = window.findChild(QtWidgets.QLabel, "freezeLabel")

    async def scenario() -> None:
        before, text = len(window.monitor.freezes), banner.text()
        QtCore.QTimer.singleShot(0, window, slow_render)
        await wait_until(lambda: len(window.monitor.freezes) > before, what="the stall")
        assert window.monitor.freezes[-1].own, window.monitor.freezes[-1].profile
        assert banner.text() == text
        history = window.findChild(QtWidgets.QToolButton, "freezeHistory")
        history.click()
        tree = window.findChild(QtWidgets.QTreeWidget, "freezeHistoryList")
        assert "guidemo's own" in tree.topLevelItem(0).text(2)
        window.hud.history.hide()

    run(scenario())


@pytest.mark.timeout(60)
def test_a_stall_of_display_code_in_a_task_is_guidemos_own_too(window, run):
    """Every task's steps go through the task inspector's timing wrapper
    (task_accounting.py): that frame is not lesson code, so it does not make the stall the
    learner's (it did: the screenshots' own grabs reached the banner)."""
    panel = window.current_panel()
    view = panel.source_view

    # A coroutine of guidemo's display code (named as if in guidemo/widgets/): a slow render
    # with no await, holding the loop.
    code = "async def slow_render(view, objects):\n    view.show_objects(objects)\n"
    place: dict[str, Any] = {}
    exec(compile(code, str(Path(widgets.__file__).parent / "render.py"), "exec"), place)
    slow_render = functools.partial(place["slow_render"], view, [sample_frame] * 300)

    async def scenario() -> Freeze:
        before = len(window.monitor.freezes)
        panel.spawn(slow_render(), "slow render")
        await wait_until(lambda: len(window.monitor.freezes) > before, what="the stall")
        return window.monitor.freezes[-1]

    freeze = run(scenario())
    assert freeze.own, freeze.profile
    assert freeze.where.startswith(("show_objects()", "_source_html()")), freeze.where


@pytest.mark.timeout(60)
def test_the_report_button_saves_markdown_and_json(window, run, tmp_path):
    async def scenario() -> None:
        before = len(window.monitor.freezes)
        QtCore.QTimer.singleShot(0, window, lambda: slow_sleep(0.3))
        await wait_until(lambda: len(window.monitor.freezes) > before, what="a freeze")

    run(scenario())
    window.hud.report_dir = tmp_path
    window.findChild(QtWidgets.QPushButton, "exportFreezesButton").click()
    (markdown,) = tmp_path.glob("guidemo-freezes-*.md")
    data = json.loads(markdown.with_suffix(".json").read_text())
    assert data["loop"] == TEST_LOOP_KIND and data["versions"]["pyside6"]
    assert data["freezes"][-1]["where"].startswith("<lambda>") or data["freezes"][-1]["where"]
    assert data["freezes"][-1]["profile"] and data["lag_ms_last_10_s"]
    text = markdown.read_text()
    assert text.startswith("# guidemo freeze report") and "slow_sleep" in text


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unwritable", ["/proc/guidemo-reports", "/sys/kernel/guidemo-reports"])
def test_a_report_folder_that_cannot_be_written_falls_back_and_says_so(
    window, run, tmp_path, unwritable
):
    errors = window.findChild(QtWidgets.QListWidget, "errorLog")
    before = errors.count()
    window.hud.report_dir = Path(unwritable)
    window.hud.fallback_dir = tmp_path / "elsewhere"
    button = window.findChild(QtWidgets.QPushButton, "exportFreezesButton")
    button.click()
    assert errors.count() == before, "no exception"
    (markdown,) = (tmp_path / "elsewhere").glob("guidemo-freezes-*.md")
    assert markdown.with_suffix(".json").is_file()
    said = button.toolTip()
    assert f"Could not write in {unwritable}" in said and str(markdown) in said, said
    assert "⚠" in button.text()


class Canary:
    """Notes the thread it is finalised on."""

    def __init__(self, finalised_on: list[str]) -> None:
        weakref.finalize(self, lambda: finalised_on.append(threading.current_thread().name))


@pytest.mark.timeout(60)
def test_the_watchdog_never_keeps_a_frozen_frames_locals_alive(window, run):
    """Objects local to a frozen slot die on the GUI thread, right when the slot returns."""
    finalised_on: list[str] = []

    def frozen_slot_with_a_local() -> None:
        canary = Canary(finalised_on)  # noqa: F841 (alive in this frame while it is frozen)
        slow_sleep(0.4)

    async def scenario() -> None:
        for _ in range(3):
            before = len(window.monitor.freezes)
            QtCore.QTimer.singleShot(0, window, frozen_slot_with_a_local)
            await wait_until(lambda b=before: len(window.monitor.freezes) > b, what="freeze")

    run(scenario())
    assert finalised_on == ["MainThread"] * 3


def test_a_sample_is_text_only():
    sample = sample_frame(__import__("sys")._getframe())
    assert isinstance(sample.path, str) and isinstance(sample.where, str)
    assert "test_a_sample_is_text_only" in sample.where


def cpu_hog(cpu: int) -> subprocess.Popen[bytes]:
    """Another program keeping one CPU busy (the machine a class's laptop may be)."""
    return subprocess.Popen(
        [sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"]
    )


@pytest.mark.timeout(60)
@pytest.mark.skipif(not Path("/proc/thread-self/schedstat").exists(), reason="Linux schedstat")
def test_a_freeze_says_how_long_a_busy_machine_kept_it_waiting_for_a_cpu(window, run):
    """A CPU-bound freeze sharing its CPU with another busy program waits for it about half
    the time (> 25 % asserted); cpu_s is the CPU time the GUI thread really used (whatever
    else this machine runs), within 0.1 s."""
    cpu = min(os.sched_getaffinity(0))
    everywhere = os.sched_getaffinity(0)
    used: list[float] = []
    spans: list[tuple[float, float]] = []

    def busy_and_counted() -> None:
        started, began = time.thread_time(), time.perf_counter()
        busy_cpu(0.6)
        used.append(time.thread_time() - started)
        spans.append((began, time.perf_counter()))

    def overlap(freeze: Freeze, span: tuple[float, float]) -> float:
        return min(freeze.started + freeze.duration_s, span[1]) - max(freeze.started, span[0])

    def job_freeze() -> Freeze | None:
        """The freeze of the job's own time: beside a second suite, with the hog on its
        CPU, Qt's loop had stalled 0.2 s waiting for it first (a freeze of its own)."""
        span = spans[-1]
        covering = [f for f in window.monitor.freezes if overlap(f, span) > 0.3]
        return max(covering, key=lambda f: overlap(f, span), default=None)

    async def freeze() -> Freeze:
        before = len(spans)
        QtCore.QTimer.singleShot(0, window, busy_and_counted)
        await wait_until(lambda: len(spans) > before and job_freeze() is not None, what="it")
        found = job_freeze()
        assert found is not None
        return found

    os.sched_setaffinity(0, {cpu})  # this process on one CPU (all its threads)
    try:
        own_cpu = run(freeze())
        hog = cpu_hog(cpu)
        try:
            shared = run(freeze())
        finally:
            hog.kill()
            hog.wait()
    finally:
        os.sched_setaffinity(0, everywhere)
    assert shared.cpu_wait_s > 0.25 * shared.duration_s, shared
    banner = window.findChild(QtWidgets.QLabel, "freezeLabel").text()
    assert "s of it waiting for a CPU: the machine was busy" in banner, banner
    for freeze_seen, cpu_used in zip((own_cpu, shared), used, strict=True):
        assert freeze_seen.cpu_s == pytest.approx(cpu_used, abs=0.1), (freeze_seen, used)
        # the CPU wait is counted only where it surely fell inside the freeze: working_s is
        # at least the work, and more when the machine kept the thread waiting around it
        assert freeze_seen.working_s >= cpu_used - 0.1, (freeze_seen, used)


@pytest.mark.timeout(30)
@pytest.mark.skipif(not Path("/proc/thread-self/schedstat").exists(), reason="Linux schedstat")
def test_a_sleep_holds_the_loop_without_using_the_cpu(window, run):
    """cpu_s is what the GUI thread burnt holding the loop: a sleeping handler holds it as
    long as a busy one, and uses none (nor does waiting for the GIL another thread holds)."""

    async def freeze() -> Freeze:
        before = len(window.monitor.freezes)
        asyncio.get_running_loop().call_soon(time.sleep, 0.5)
        # The sleep's freeze: beside a second suite a freeze of the busy machine's came
        # first (0.6 s, 0.41 s of it waiting for a CPU), before the sleep had begun.
        return await wait_until(
            lambda: next((f for f in window.monitor.freezes[before:] if f.working_s >= 0.4), None),
            what="the sleep's freeze",
        )

    slept = run(freeze())
    assert slept.duration_s >= 0.45 and slept.cpu_s < 0.1, slept


def test_a_freeze_mostly_spent_waiting_for_a_cpu_is_the_machines():
    """The lessons' verdicts (the tour, hidden-blocking's HUD column, the lab's result line,
    the greedy coroutine's row) leave out a freeze in which the code held the loop less than
    a freeze's threshold: beside a second test suite, asyncio.to_thread's run showed
    "the window froze 0.22 s" for a sleep on a thread."""
    busy = Freeze(started=0.0, duration_s=0.5, where="_tick()", cpu_wait_s=0.45)
    working = Freeze(started=0.0, duration_s=0.5, where="slow_sleep()", cpu_wait_s=0.3)
    assert busy.machine_busy and busy.working_s == pytest.approx(0.05)
    assert not working.machine_busy
    assert not Freeze(started=0.0, duration_s=0.5, where="slow_sleep()").machine_busy


def test_a_busy_machines_freezes_count_as_the_codes_only_when_asked(window):
    """The greedy coroutine works until the clock says so: beside a second suite it once got
    under 0.1 s of CPU in its second, its freeze counted as the busy machine's, and the tour
    waited for one forever. The tour and the greedy row ask for those too; the lessons'
    verdicts do not. guidemo's own freezes count for neither. (Records written here.)"""
    monitor, since = window.monitor, time.perf_counter() + 3600  # after any real freeze
    code = Freeze(started=since, duration_s=0.5, where="slow_sleep()")
    busy = Freeze(started=since, duration_s=1.0, where="greedy_worker()", cpu_wait_s=0.95)
    own = Freeze(started=since, duration_s=0.5, where="run_forever()", own=True)
    earlier = Freeze(started=since - 2, duration_s=1.0, where="slow_sleep()")
    monitor.freezes.extend([earlier, code, busy, own])
    try:
        assert busy.machine_busy and not code.machine_busy
        assert monitor.code_freezes_since(since) == [code]
        assert monitor.code_freezes_since(since, busy_machine_too=True) == [code, busy]
    finally:
        del monitor.freezes[-4:]


def test_each_moment_of_a_freeze_goes_to_the_sample_nearest_it():
    """On a busy machine the watchdog's samples come far apart. Beside a second suite a
    0.5 s busy_cpu() was named after the Qt loop it returned to: the one sample taken
    there had stood for the whole gap since the sample before."""
    click = StackSample("eventFilter", "eventFilter() (freeze_guard.py:42)", own=True, at=0.01)
    work = StackSample("busy_cpu <- run_blocking", "busy_cpu() (jobs.py:30)", own=False, at=0.2)
    back = StackSample("run_forever", "run_forever() (loop.py:192)", own=True, at=0.45)
    late = StackSample("run_forever", "run_forever() (loop.py:192)", own=True, at=0.55)
    weights = time_near_each([click, work, back, late], started=0.0, ended=0.5)
    assert [sample for sample, _ in weights] == [click, work, back], "taken after the end"
    assert [round(weight, 3) for _, weight in weights] == [0.105, 0.22, 0.175]
    assert sum(weight for _, weight in weights) == pytest.approx(0.5)
    assert max(weights, key=lambda pair: pair[1])[0] is work
    [(only, whole)] = time_near_each([work], started=0.0, ended=0.5)
    assert only is work and whole == pytest.approx(0.5)
    assert time_near_each([], started=0.0, ended=0.5) == []


def test_samples_from_outside_a_freeze_never_name_it(qapp):
    """Beside a second suite, a 0.6 s time.sleep() in a coroutine (an asyncio turn, its end
    exact) got no sample of its own: the watchdog's came once the GUI thread was back in
    the loop, and called it guidemo's own, so the verdict said "no freeze". Nor does a
    sample left from a near-freeze before it count."""
    before = StackSample("run_forever", "run_forever() (loop.py:192)", own=True, at=0.95)
    after = StackSample("_run", "_run() (hidden_blocking.py:255)", own=True, at=1.62)
    assert time_near_each([before, after], started=1.0, ended=1.6) == []

    monitor = LoopMonitor()
    for sample in (before, after):
        monitor.note_sample(sample)
    monitor._record_freeze(started=1.0, duration_s=0.6, cpu_wait_s=0.0)
    [freeze] = monitor.freezes
    assert freeze.where == UNSEEN and not freeze.own and freeze.profile == [], freeze
    assert monitor.code_freezes_since(0.0) == [freeze], "the code's, not guidemo's own"


def test_a_watchdog_note_written_as_the_beat_ran_still_gives_a_real_freeze(qapp):
    """The watchdog's thread noted the freeze's start as the heartbeat came back: the note
    was the beat itself, the freeze 0 s long, and dividing its profile by 0 s put an error
    on the app's stderr (beside a second suite). The beat now takes a note only from
    within the gap it ends."""
    from guidemo.monitor import PROBE_INTERVAL_S

    monitor = LoopMonitor()
    held = time.perf_counter() - 0.5  # the GUI thread was held half a second
    monitor.note_sample(StackSample("slow_sleep", "slow_sleep() (jobs.py:19)", False, held + 0.2))
    monitor.last_beat = held
    monitor._freeze_began = time.perf_counter() + 1.0  # a note dated after this beat
    monitor._probe()
    [freeze] = monitor.freezes
    assert 0.5 - PROBE_INTERVAL_S < freeze.duration_s < 1.0, freeze
    assert freeze.where == "slow_sleep() (jobs.py:19)" and freeze.profile, freeze

    monitor._record_freeze(started=1.0, duration_s=0.0, cpu_wait_s=0.0)  # no time to share
    assert monitor.freezes[-1].where == UNSEEN and monitor.freezes[-1].profile == []
