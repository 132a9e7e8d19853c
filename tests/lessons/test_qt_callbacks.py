"""Lesson `qt_callbacks`: callback style reaches the same answer as await style against the
real demo server, and hands an error on by hand. No window: the session's Qt-driven loop."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6 import QtNetwork

from guidemo.lessons import qt_callbacks
from guidemo.lessons.qt_callbacks import fetch_twice_with_callbacks
from tests.helpers import wait_until

pytestmark = pytest.mark.timeout(60)
Result = tuple[str | None, str | None]


@pytest.fixture
def manager(qapp):
    manager = QtNetwork.QNetworkAccessManager()
    manager.setProxy(QtNetwork.QNetworkProxy(QtNetwork.QNetworkProxy.ProxyType.NoProxy))
    yield manager
    manager.deleteLater()


def fetch(run, manager, base_url: str) -> list[Result]:
    results: list[Result] = []

    async def scenario() -> None:
        fetch_twice_with_callbacks(manager, base_url, lambda *result: results.append(result))
        assert results == [], "it only asks: the answer comes through callbacks, later"
        await wait_until(lambda: results, 10, "the last callback")

    run(scenario())
    return results


def test_callback_style_gets_the_answer_from_the_demo_server(run, server, manager):
    assert fetch(run, manager, server.url) == [("3 items, then 6 items, ids summing to 15", None)]


def test_callback_style_reports_an_error_by_hand(run, manager):
    results = fetch(run, manager, "http://127.0.0.1:9/nothing-here")
    assert len(results) == 1 and results[0][0] is None and results[0][1], results


def test_the_lesson_uses_qtcore_and_qtnetwork_only():
    code = (
        f"import sys, {qt_callbacks.__name__}; "
        "assert not {'PySide6.QtWidgets', 'PySide6.QtGui'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
