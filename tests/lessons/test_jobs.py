"""Lesson `jobs`: the slow jobs block for as long as asked, stop on their cancel flag,
and import without Qt (a worker process imports them)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from guidemo.lessons.jobs import JOBS, busy_cpu, slow_sleep

pytestmark = pytest.mark.no_qt


def test_slow_sleep_blocks_the_calling_thread():
    started = time.perf_counter()
    slept = slow_sleep(0.2)
    elapsed = time.perf_counter() - started
    # Never shorter than asked; 0.2 s quiet, but beside a second suite a 0.3 s sleep took
    # 2.5 s (the thread waits for a CPU after it), so the upper bound is a few seconds.
    assert 0.19 <= slept <= elapsed < 5.0, (slept, elapsed)


def test_slow_sleep_wakes_up_when_cancelled():
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    # 0.1 s quiet; on a busy machine the timer's new thread may wait 1-2 s for a CPU. Not
    # cancelled, it would sleep 10 s.
    assert slow_sleep(10.0, cancel) < 5.0


def test_busy_cpu_counts_loops_and_stops_on_its_flag():
    assert busy_cpu(0.05) > 0
    cancel = threading.Event()
    cancel.set()
    started = time.perf_counter()
    assert busy_cpu(10.0, cancel) > 0
    # One round of 10 000 loops, about a millisecond quiet: a busy machine can take this
    # thread off the CPU for 1-2 s. Not stopping, it would count for 10 s.
    assert time.perf_counter() - started < 5.0


def test_jobs_by_name():
    assert list(JOBS) == ["sleep", "cpu"]  # the order of the panel's job list
    assert JOBS["sleep"] is slow_sleep and JOBS["cpu"] is busy_cpu


def test_imports_without_qt():
    code = "import sys, guidemo.lessons.jobs; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
