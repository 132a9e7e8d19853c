"""The warm-up thread makes no PySide6 type: the GUI thread has made them all before it
starts (guidemo/ui/qt_types.py; two threads making types at once crashed the app).

Runs in a fresh interpreter: this test session has long made its types.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import json, sys
from PySide6 import QtWidgets
from guidemo.ui import qt_types
from guidemo.ui.main_window import HEAVY_IMPORTS, QT_TYPES_SLICE_S, warm_up
import threading

app = QtWidgets.QApplication([])
slices = 1
while not qt_types.make_qt_types(QT_TYPES_SLICE_S):
    slices += 1
def qt_modules():
    return {name for name in sys.modules if name.startswith("PySide6.Qt")}
before = qt_modules()
lazy_before = {name: qt_types.not_made_yet(sys.modules[name]) for name in before}
thread = threading.Thread(target=warm_up, args=(threading.Event(),))
thread.start()
thread.join()
print(json.dumps({
    "slices": slices,
    "listed": sorted(f"PySide6.{name}" for name in qt_types.QT_MODULES),
    "before": sorted(before),
    "after": sorted(qt_modules()),
    "lazy_before": {name: names for name, names in lazy_before.items() if names},
    "imported": all(name in sys.modules for name in HEAVY_IMPORTS),
}))
"""


@pytest.mark.timeout(120)
def test_the_warm_up_thread_finds_every_qt_type_made() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, timeout=100
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    found = json.loads(done.stdout.decode().splitlines()[-1])
    assert found["imported"]  # the thread did its work
    assert found["before"] == found["listed"]  # the GUI thread loaded every listed module
    assert found["after"] == found["before"], "the warm-up imported a PySide6 module not listed"
    assert found["lazy_before"] == {}  # and made every type of each before the thread ran
    assert found["slices"] > 5  # in slices, not one long stall
