"""Reference cycles are collected on the GUI thread only (guidemo/gui_gc.py): a worker
thread that allocates a lot no longer collects a cycle holding a Qt object."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6 import QtCore

from guidemo.gui_gc import GuiThreadCollector
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(30), pytest.mark.fast]


class CycleWithATimer:
    """A parentless QTimer in a reference cycle: only the cyclic collector frees it."""

    def __init__(self, freed_on: list[str]) -> None:
        self.me = self
        self.timer = QtCore.QTimer()
        self.freed_on = freed_on

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def allocate_a_lot(kept: list[object]) -> None:
    """Far past the youngest generation's threshold: Python would collect right here. (Kept
    alive: freed at once, they would take the count back under the threshold.)"""
    kept.extend([] for _ in range(20 * gc.get_threshold()[0]))


def test_a_cycle_dropped_on_the_gui_thread_is_freed_there_not_on_a_busy_worker(qapp, run):
    assert not gc.isenabled(), "the test session runs the collector, as the app does"
    freed_on: list[str] = []
    CycleWithATimer(freed_on)  # dropped at once: garbage, in a cycle
    kept: list[object] = []
    worker = threading.Thread(target=allocate_a_lot, args=(kept,), name="allocator")
    worker.start()
    worker.join()
    assert freed_on == [], "the worker thread collected it"
    run(wait_until(lambda: freed_on, 5, "the GUI thread's next idle moment"))
    assert freed_on == [threading.main_thread().name]


def test_stopping_gives_collection_back_to_python(qapp):
    collector = GuiThreadCollector()  # a second one, as after the app's own
    assert not gc.isenabled()
    collector.stop()
    assert not gc.isenabled(), "the session's collector still runs: it was off before"
    gc.enable()
    try:
        again = GuiThreadCollector()
        again.stop()
        assert gc.isenabled()
    finally:
        gc.disable()  # as the session's collector wants it
