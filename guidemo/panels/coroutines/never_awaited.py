"""Tab "Never awaited": calling a coroutine function is not running it."""

from __future__ import annotations

from guidemo.lessons.never_awaited import await_properly, call_without_await, ping_server
from guidemo.panels.section import Host, Section
from guidemo.widgets.kit import log_view, make_button, row


class NeverAwaitedSection(Section):
    title = "Never awaited"
    sources = (ping_server, call_without_await, await_properly)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.never_awaited_button = make_button(
            "ping_server(5)   (no await)",
            "neverAwaitedButton",
            "Call the coroutine function without awaiting: shows the object and the warning",
            self.show_never_awaited,
        )
        self.await_properly_button = make_button(
            "await ping_server(5)",
            "awaitProperlyButton",
            "Await it: the loop runs the body and hands back its return value",
            self.start_await_properly,
        )
        self.output = log_view(
            "neverAwaitedOutput",
            "What each call gave back, and the warning Python raised",
            "Click a button: calling is not running",
        )
        self.lay_out(row(self.never_awaited_button, self.await_properly_button), (self.output, 1))

    def show_never_awaited(self) -> None:
        shown, state, caught = call_without_await()
        out = self.output
        out.appendPlainText(">>> coro = ping_server(5)")
        out.appendPlainText(f"coro is {shown}")
        out.appendPlainText(
            f"inspect.getcoroutinestate(coro) == {state!r}: not one line of its body ran"
        )
        out.appendPlainText(">>> del coro   # dropped, never awaited")
        for warning in caught or ["(no warning was raised)"]:
            out.appendPlainText(f"{warning}   <- caught with warnings.catch_warnings")
        out.appendPlainText("")

    def start_await_properly(self) -> None:
        self.await_properly_button.setEnabled(False)  # one at a time; it takes 0.1 s
        self.host.spawn(self._await_properly(), "await ping_server")

    async def _await_properly(self) -> None:
        try:
            result, took = await await_properly()
            self.output.appendPlainText(">>> await ping_server(5)")
            self.output.appendPlainText(
                f"{result!r}   after {took * 1000:.0f} ms: the loop ran the body, no warning\n"
            )
        finally:
            self.await_properly_button.setEnabled(True)
