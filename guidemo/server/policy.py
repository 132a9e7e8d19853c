"""What the demo server holds clients to, and how it names their mistakes.

Light on purpose (no aiohttp): the app creates its DemoServer before aiohttp is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("guidemo.server")
BACKLOG = 1024  # a thousand clients connecting at once are queued, not dropped and retried
ErrorSink = Callable[[BaseException, str], None]
WHERE = "the demo server (a client's request, not the app's code)"
MAX_ERROR_TEXT = 300


@dataclass(frozen=True)
class Limits:
    """The bounds the server holds; tests make the timeouts short."""

    max_connections: int = 1500
    request_timeout: float = 10.0  # s from accepting to a complete request (headers)
    idle_timeout: float = 30.0  # s a keep-alive connection may wait for its next request
    send_timeout: float = 20.0  # s a client may read nothing before it is dropped
    errors_per_s: int = 5  # client errors reported one by one; the rest are counted


class ClientError(Exception):
    """Something a client did wrong, as the server saw it: not a bug of the server."""
