"""The real app with something started once its window is up, for tests that quit or kill it.

    python -m tests.app_driver LOOP ACTION [CLOSE_AFTER_S]

ACTION is one of:
- `modal`: the dialogs panel's wrong way (exec() in a coroutine), auto-close "never";
- `click:SLUG:BUTTON`: click that button of that panel (a 10 s job where it has a duration;
  for the process pool, READY once its worker has answered);
- `script:NAME:ARGS`: run that script on the scripts panel.
A line `READY <pid of the child, or 0>` says the action is under way, a line `ENDED` that
the app's shutdown ran to its end (not cut short by its deadline), and `LEFT <n>` how many
objects it left for the interpreter's own garbage collection at exit. CLOSE_AFTER_S, if
given, closes the window that long after (a programmatic close, as a desktop would).
"""

from __future__ import annotations

import faulthandler
import gc
import signal
import sys
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from guidemo.app import MainWindow, run_app

POLL_MS = 50


def when(window: MainWindow, ready: Callable[[], int | None], then: Callable[[], None]) -> None:
    """Poll `ready` from Qt (asyncio may be held by a nested loop) until it gives a pid."""

    def check() -> None:
        pid = ready()
        if pid is None:
            QtCore.QTimer.singleShot(POLL_MS, window, check)
            return
        print(f"READY {pid}", flush=True)
        then()

    QtCore.QTimer.singleShot(POLL_MS, window, check)


def start(window: MainWindow, action: str) -> Callable[[], int | None]:
    """Start `action`; returns what tells when it is under way."""
    kind, _, rest = action.partition(":")
    if kind == "modal":
        panel = window.show_panel("dialogs")
        panel.findChild(QtWidgets.QDoubleSpinBox, "autoCloseSpin").setValue(0.0)
        panel.findChild(QtWidgets.QPushButton, "execDialogButton").click()
        modal = QtWidgets.QApplication.activeModalWidget
        return lambda: 0 if (dialog := modal()) and dialog.objectName() == "demoDialog" else None
    if kind == "click":
        slug, button = rest.split(":")
        panel = window.show_panel(slug)
        spin = panel.findChild(QtWidgets.QDoubleSpinBox, "durationSpin")
        if spin is not None:
            spin.setValue(10.0)
        panel.findChild(QtWidgets.QPushButton, button).click()
        if button == "processButton":  # the worker has answered its warm-up job
            return lambda: 0 if getattr(panel, "_startup_s", 0) > 0 else None
        if button == "compareButton":  # the worker is up, the job runs in a thread first
            result = panel.findChild(QtWidgets.QLabel, "resultLabel")
            return lambda: 0 if result.text().startswith("Running") else None
        return lambda: 0
    if kind == "script":
        name, args = rest.split(":", 1)
        panel = window.show_panel("scripts")
        panel.findChild(QtWidgets.QComboBox, "scriptCombo").setCurrentText(name)
        panel.findChild(QtWidgets.QLineEdit, "scriptArgsEdit").setText(args)
        panel.findChild(QtWidgets.QPushButton, "runScriptButton").click()
        scripts = panel

        def running() -> int | None:
            current = getattr(scripts, "current", None)
            process = getattr(scripts, "process", None)
            return process.pid if process and current and current.out_lines else None

        return running
    raise SystemExit(f"unknown action {action!r}")


def main() -> int:
    # A test whose app does not end in time sends SIGUSR1 for every thread's stack on stderr
    # (from C: it works while a thread holds the GIL, and during the interpreter's exit).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    faulthandler.enable()  # a crash, too, says where
    loop_kind, action = sys.argv[1], sys.argv[2]
    close_after = float(sys.argv[3]) if len(sys.argv) > 3 else None

    def on_ready(window: MainWindow) -> None:
        ready = start(window, action)

        def then() -> None:
            if close_after is not None:
                QtCore.QTimer.singleShot(round(close_after * 1000), window, window.close)

        when(window, ready, then)

    code = run_app(loop_kind=loop_kind, on_ready=on_ready)
    print("ENDED", flush=True)  # shutdown ran its course: the deadline's os._exit prints nothing
    print(f"LEFT {len(gc.get_objects())}", flush=True)  # for Python's own collection at exit
    return code


if __name__ == "__main__":
    sys.exit(main())
