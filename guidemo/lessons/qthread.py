"""Qt's own way to offload a job: a QThread that reports back through a signal.

This is the one lesson of the blocking panel that *is* Qt, so it uses QtCore (and
nothing that draws). A signal emitted in the worker thread is queued and delivered in
the thread the QThread object lives in: the GUI thread.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from PySide6 import QtCore

from guidemo.lessons.jobs import Job


class JobThread(QtCore.QThread):
    """A QThread that runs one job and reports back through a signal."""

    finishedWith = QtCore.Signal(object)  # the job's result, delivered in the GUI thread

    def __init__(self, job: Job, seconds: float, cancel: threading.Event) -> None:
        super().__init__()
        self.job, self.seconds, self.cancel = job, seconds, cancel

    def run(self) -> None:  # runs in the new thread
        self.finishedWith.emit(self.job(self.seconds, self.cancel))


async def run_in_qthread(thread: JobThread) -> Any:
    """Start the QThread and await its signal: Qt delivers it in the GUI thread for us."""
    result: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def deliver(value: Any) -> None:
        if not result.done():
            result.set_result(value)

    thread.finishedWith.connect(deliver)
    thread.start()
    return await result
