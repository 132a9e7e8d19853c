"""Lesson `qthread`: a QThread runs the job and its signal brings the result back to the
loop's thread. Needs a Qt application (QtCore), no window."""

from __future__ import annotations

import threading

import pytest

from guidemo.lessons.jobs import slow_sleep
from guidemo.lessons.qthread import JobThread, run_in_qthread

pytestmark = [pytest.mark.timeout(30), pytest.mark.fast]


def test_run_in_qthread_delivers_the_result_in_the_loop_thread(run):
    seen_in: list[str] = []

    async def scenario() -> float:
        thread = JobThread(slow_sleep, 0.2, threading.Event())
        thread.finishedWith.connect(lambda _: seen_in.append(threading.current_thread().name))
        result = await run_in_qthread(thread)
        thread.wait()
        return result

    assert run(scenario()) >= 0.19
    assert seen_in == [threading.main_thread().name]


def test_job_thread_stops_on_its_cancel_flag(run):
    async def scenario() -> float:
        cancel = threading.Event()
        thread = JobThread(slow_sleep, 20.0, cancel)
        cancel.set()
        result = await run_in_qthread(thread)
        thread.wait()
        return result

    assert run(scenario(), timeout=10) < 2.0
