"""A fixture for tests that send Ctrl+C (SIGINT) to child processes.

A child inherits an *ignored* SIGINT (pytest started in the background by a
non-interactive shell has one), and Python then leaves Ctrl+C ignored in the child too.
From a terminal, and in the app (which handles SIGINT itself), it never is: restore that.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture
def ctrl_c_not_ignored() -> Iterator[None]:
    before = signal.getsignal(signal.SIGINT)
    if before == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if before == signal.SIG_IGN:
        signal.signal(signal.SIGINT, before)
