"""The `futures` panel's upper box: one asyncio.Future, created and resolved by buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from guidemo.lessons.futures import Log, outcome, report_when_done, wait_for_it
from guidemo.panels.section import Host, Section
from guidemo.widgets import palette
from guidemo.widgets.kit import flow, label, line_edit, make_button


def logged_call(code: str, action: Callable[[], Any], log: Log) -> Any:
    """Make one call on a future and log what it returned or raised (no crash)."""
    try:
        value = action()
    except (Exception, asyncio.CancelledError) as error:
        log(f">>> {code}   raised {type(error).__name__}: {error}")
        return None
    log(f">>> {code}   returned {value!r}")
    return value


class PlaygroundSection(Section):
    """Buttons for every step of a Future's life, and a line saying what it holds now.

    Bad sequences stay clickable (result() before it is done, set_result twice): the
    error they raise is the lesson, and it is shown in the log.
    """

    title = "asyncio.Future: resolved by the buttons"

    def __init__(self, host: Host, log: Log) -> None:
        super().__init__(host)
        self.log = log
        self.future: asyncio.Future[Any] | None = None
        self.number = 0  # fut #N
        self._callbacks = 0
        self._waiters = 0  # waiters started on this future (numbers them)
        self._suspended = 0  # of those, still waiting

        self.new_future_button = make_button(
            "fut = loop.create_future()",
            "newFutureButton",
            "A new, pending asyncio Future (a pending one it replaces is cancelled)",
            self.new_future,
        )
        self.add_callback_button = make_button(
            "fut.add_done_callback(cb)",
            "addCallbackButton",
            "Attach the next numbered callback; the loop calls them in order once it is done",
            self.add_callback,
        )
        self.await_future_button = make_button(
            "task: await fut",
            "awaitFutureButton",
            "Start a coroutine that awaits the future (each click adds one more waiter); "
            "it resumes when a button resolves the future",
            self.await_future,
        )
        self.value_edit = line_edit(
            "valueEdit", "The value set_result uses (a whole number or any text)", "42"
        )
        self.value_edit.setMaximumWidth(70)
        self.set_result_button = make_button(
            "fut.set_result(value)",
            "setResultButton",
            "Resolve the future with the value",
            self.set_result,
        )
        self.set_exception_button = make_button(
            "fut.set_exception(ValueError)",
            "setExceptionButton",
            "Resolve the future with an exception: awaiting it raises",
            self.set_exception,
        )
        self.cancel_future_button = make_button(
            "fut.cancel()",
            "cancelFutureButton",
            "Cancel the future: awaiting it raises CancelledError",
            self.cancel_future,
        )
        self.result_button = make_button(
            "fut.result()",
            "resultButton",
            "Ask for the result now (raises if not done yet)",
            lambda: self.ask("result"),
        )
        self.exception_button = make_button(
            "fut.exception()",
            "exceptionButton",
            "Ask for the exception now (raises if not done)",
            lambda: self.ask("exception"),
        )
        self.state = label(
            "No future yet.",
            "futureState",
            "The future's state: done(), cancelled(), what it holds",
            rich=True,
        )
        self.state.setMinimumHeight(36)

        self.lay_out(
            flow(
                self.new_future_button,
                self.add_callback_button,
                self.await_future_button,
                self.cancel_future_button,
            ),
            flow(
                ("value", self.value_edit, self.set_result_button),
                self.set_exception_button,
                self.result_button,
                self.exception_button,
            ),
            self.state,
        )
        self.refresh()

    def refresh(self) -> None:
        fut = self.future
        for button in (
            self.add_callback_button,
            self.await_future_button,
            self.set_result_button,
            self.set_exception_button,
            self.cancel_future_button,
            self.result_button,
            self.exception_button,
        ):
            button.setEnabled(fut is not None)
        if fut is None:
            self.state.setText("No future yet: click <b>fut = loop.create_future()</b>.")
            return
        holds = outcome(fut) if fut.done() else "nothing yet"  # also retrieves exceptions
        color = palette.GOOD if fut.done() and not fut.cancelled() else palette.MUTED
        self.state.setText(
            f"<b>fut #{self.number}</b> {'done' if fut.done() else 'pending'}: "
            f"done() = <b style='color:{color}'>{fut.done()}</b>, "
            f"cancelled() = <b>{fut.cancelled()}</b>, holds <b>{holds}</b>; "
            f"{self._callbacks} callback(s) attached, {self._suspended} waiter(s) suspended"
            + (f", {resumed} resumed" if (resumed := self._waiters - self._suspended) else "")
        )

    def _call(self, code: str, action: Callable[[], Any]) -> None:
        logged_call(code, action, self.log)
        self.refresh()

    def new_future(self) -> None:
        old = self.future
        if old is not None and not old.done():
            old.cancel()
            self.log(f"(fut #{self.number} was still pending: cancelled it)")
        self.future = asyncio.get_running_loop().create_future()
        self.number += 1
        self._callbacks = self._waiters = self._suspended = 0
        self.log(f">>> fut = loop.create_future()   # fut #{self.number}: {self.future!r}")
        self.refresh()

    def add_callback(self) -> None:
        fut = self.future
        if fut is None:
            return
        self._callbacks += 1
        fut.add_done_callback(report_when_done(self._callbacks, self.log))
        note = "   # already done: the loop calls it soon" if fut.done() else ""
        self.log(f">>> fut.add_done_callback(callback #{self._callbacks}){note}")
        self.refresh()

    def await_future(self) -> None:
        fut = self.future
        if fut is None:
            return
        self._waiters += 1
        self._suspended += 1
        number = self._waiters
        task = self.host.spawn(wait_for_it(number, fut, self.log), f"waiter #{number}")
        task.add_done_callback(lambda _: self._waiter_done(fut))
        self.refresh()

    def _waiter_done(self, fut: asyncio.Future[Any]) -> None:
        if fut is self.future:
            self._suspended -= 1
        self.refresh()

    def _value(self) -> Any:
        text = self.value_edit.text().strip()
        try:
            return int(text)
        except ValueError:
            return text

    def set_result(self) -> None:
        fut = self.future
        if fut is not None:
            value = self._value()
            self._call(f"fut.set_result({value!r})", lambda: fut.set_result(value))

    def set_exception(self) -> None:
        fut = self.future
        if fut is not None:
            error = ValueError("set by the button")
            self._call(f"fut.set_exception({error!r})", lambda: fut.set_exception(error))

    def cancel_future(self) -> None:
        if self.future is not None:
            self._call("fut.cancel()", self.future.cancel)

    def ask(self, what: str) -> None:
        """fut.result() or fut.exception(), asked now."""
        if self.future is not None:
            self._call(f"fut.{what}()", getattr(self.future, what))
