"""Catch the task wake-ups qasync runs (and asyncio refuses) inside a nested Qt loop.

On stock qasync, `exec()` inside a coroutine does not hold asyncio: qasync's callbacks
are Qt timers, and the nested loop runs them. A task's wake-up is such a callback. But
the dialog's own task is still in the middle of its step, and asyncio refuses to step a
second task then: RuntimeError "Cannot enter into task ... while another task ... is
being executed", raised inside the callback and handed to the loop's exception handler.
The refused task has lost its wake-up and is stuck for good: even cancel() cannot end it,
and whoever waits for it (the app's shutdown included) waits forever.

`RefusedWakeups` is the panel's safety net, not lesson code: while the wrong way runs it
takes those errors from the exception handler (everything else goes on to the usual
handler, the app's error log), keeps them for the results table, and once the dialog has
closed delivers each refused wake-up again, so every task carries on.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

REFUSAL = "Cannot enter into task"


class RefusedWakeups:
    """`with RefusedWakeups(loop) as refused:` around the wrong way; `.messages` after."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.messages: list[str] = []
        self._handles: list[asyncio.Handle] = []
        self._previous: Any = None

    def __enter__(self) -> RefusedWakeups:
        self._previous = self.loop.get_exception_handler()
        self.loop.set_exception_handler(self._on_error)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.loop.set_exception_handler(self._previous)
        for handle in self._handles:
            # The same callback with the same arguments, run once the dialog's task has
            # finished its step: asyncio then lets the woken task take its step.
            self.loop.call_soon(handle._callback, *handle._args)  # type: ignore[attr-defined]
        self._handles.clear()

    def _on_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error, handle = context.get("exception"), context.get("handle")
        if (
            isinstance(error, RuntimeError)
            and str(error).startswith(REFUSAL)
            and isinstance(handle, asyncio.Handle)
        ):
            self.messages.append(str(error))
            self._handles.append(handle)
        elif self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)
