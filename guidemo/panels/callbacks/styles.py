"""The two-styles section: the same two-request job run with callbacks and with await."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from PySide6 import QtNetwork, QtWidgets

from guidemo.lessons.qt_callbacks import fetch_twice_with_callbacks
from guidemo.lessons.scheduling import fetch_twice_with_await
from guidemo.panels.section import Host, Section
from guidemo.widgets import kit, palette
from guidemo.widgets.kit import make_button
from guidemo.widgets.source_marks import scroll_to_definition


def describe(style: str, result: str | None, error: str | None, took: float) -> str:
    """A run's result (or error) and how long it took, as rich text."""
    if error is not None:
        return f"<span style='color:{palette.BAD}'>{style}: failed: {error}</span>"
    return f"<b>{result}</b> <span style='color:{palette.MUTED}'>({took:.2f} s, 2 requests)</span>"


class StylesSection(Section):
    """Runs `fetch_twice_with_callbacks` and `fetch_twice_with_await`, one run of each at a time."""

    title = "The same job, two styles: GET /api/json, then GET it again with twice the items"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._server_url = host.context.server_url
        self._callback_started: float | None = None
        self._await_task: asyncio.Task[Any] | None = None
        self.manager = QtNetwork.QNetworkAccessManager(self)
        self.manager.setProxy(QtNetwork.QNetworkProxy(QtNetwork.QNetworkProxy.ProxyType.NoProxy))

        self.callback_button = make_button(
            "Callback style",
            "callbackStyleButton",
            "fetch_twice_with_callbacks: QNetworkAccessManager, a `finished` signal per reply, "
            "the next step in a nested function",
            slot=self.run_callback_style,
        )
        self.await_button = make_button(
            "await style",
            "awaitStyleButton",
            "fetch_twice_with_await: aiohttp, two awaits one after the other",
            slot=self.run_await_style,
        )
        tip = "The job's result and how long the two requests took"
        self.callback_result = kit.label("Not run yet.", "callbackResultLabel", tip, rich=True)
        self.await_result = kit.label("Not run yet.", "awaitResultLabel", tip, rich=True)
        grid = QtWidgets.QGridLayout()  # the results side by side with their buttons
        grid.addWidget(self.callback_button, 0, 0)
        grid.addWidget(self.callback_result, 0, 1)
        grid.addWidget(self.await_button, 1, 0)
        grid.addWidget(self.await_result, 1, 1)
        grid.setColumnStretch(1, 1)
        self.lay_out(grid)

    @property
    def running(self) -> bool:
        return self._await_task is not None or self._callback_started is not None

    def run_callback_style(self) -> None:
        if self._callback_started is not None:
            return  # one run at a time
        self._callback_started = time.perf_counter()
        self.callback_button.setEnabled(False)
        self.callback_result.setText("running: two requests, one callback each…")
        scroll_to_definition(self.host.source_view, fetch_twice_with_callbacks)
        fetch_twice_with_callbacks(self.manager, self._server_url, self._callback_done)

    def _callback_done(self, result: str | None, error: str | None) -> None:
        took = time.perf_counter() - (self._callback_started or time.perf_counter())
        self._callback_started = None
        self.callback_button.setEnabled(True)
        self.callback_result.setText(describe("callbacks", result, error, took))

    def run_await_style(self) -> None:
        if self._await_task is None:
            self.await_button.setEnabled(False)
            self.await_result.setText("running: two awaits, one after the other…")
            # Both in view: the callback one comes first in the source.
            scroll_to_definition(self.host.source_view, fetch_twice_with_callbacks)
            self._await_task = self.host.spawn(self._run_await(), "await style")

    async def _run_await(self) -> None:
        started = time.perf_counter()
        result = error = None
        try:
            async with aiohttp.ClientSession() as session:
                result = await fetch_twice_with_await(session, self._server_url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._await_task = None
            self.await_button.setEnabled(True)
        self.await_result.setText(describe("await", result, error, time.perf_counter() - started))

    async def stop(self) -> None:
        """Abort the callback style's requests still in flight."""
        for reply in self.manager.findChildren(QtNetwork.QNetworkReply):
            reply.abort()
