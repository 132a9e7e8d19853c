"""The Qt-driven event loops the app can run on, named once for the CLI, the loop and the bench.

Qt-free and tiny on purpose: the command line checks `--loop` before Qt is imported.
"""

from __future__ import annotations

LOOP_KINDS = ("guidemo", "qasync")  # guidemo's own loop (loop.py), and stock qasync to compare
