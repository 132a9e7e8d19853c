"""Callback style, as Qt's network API asks for it: every wait splits the code in two.

The same job as `guidemo.lessons.scheduling.fetch_twice_with_await`, for comparison.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6 import QtCore
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from guidemo.lessons.scheduling import json_url, summarize


def fetch_twice_with_callbacks(
    manager: QNetworkAccessManager,
    base_url: str,
    done: Callable[[str | None, str | None], None],
) -> None:
    """Callback style (Qt's network API): ask, and say what to do next.

    Every wait splits the code: what comes after it moves into another
    function, which the reply's `finished` signal calls later. Errors
    must be handed on by hand; `done(result, error)` is the last step.
    """
    ok = QNetworkReply.NetworkError.NoError

    def get(url: str, then: Callable[[QNetworkReply], None]) -> None:
        reply = manager.get(QNetworkRequest(QtCore.QUrl(url)))
        reply.finished.connect(lambda: then(reply))

    def first_arrived(reply: QNetworkReply) -> None:
        reply.deleteLater()
        if reply.error() != ok:
            return done(None, reply.errorString())
        first = json.loads(bytes(reply.readAll().data()))
        count = 2 * len(first["items"])
        get(
            json_url(base_url, count),
            lambda reply: second_arrived(first, reply),
        )

    def second_arrived(first: dict, reply: QNetworkReply) -> None:
        reply.deleteLater()
        if reply.error() != ok:
            return done(None, reply.errorString())
        second = json.loads(bytes(reply.readAll().data()))
        done(summarize(first, second), None)

    get(json_url(base_url, 3), first_arrived)
