"""What many tests share: waiting on a condition, finding a named control, counting probes.

Import these from here (`from tests.helpers import wait_until`); this module imports no Qt,
so the Qt-free tests can use it too (the Qt helpers import PySide6 when called).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from PySide6 import QtCore, QtWidgets

TEST_LOOP_KIND = os.environ.get("GUIDEMO_TEST_LOOP", "guidemo")
Runner = Callable[..., Any]
Found = TypeVar("Found", bound="QtCore.QObject")


async def wait_until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll `condition` on the running loop until it is truthy; fail after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await asyncio.sleep(0.02)
    return value


def live_probes(seconds: float) -> int:
    """Lag probes a live loop surely runs in `seconds`: half of those due (a frozen loop runs
    none, so this tells the two apart on a busy machine)."""
    from guidemo.monitor import PROBE_INTERVAL_S

    return int(seconds / PROBE_INTERVAL_S / 2)


def widget(parent: QtCore.QObject, kind: type[Found], name: str) -> Found:
    """The child of `parent` named `name` (fails the test if there is none)."""
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


def button(parent: QtCore.QObject, name: str) -> QtWidgets.QPushButton:
    """The push button named `name` inside `parent`."""
    from PySide6 import QtWidgets

    return widget(parent, QtWidgets.QPushButton, name)
