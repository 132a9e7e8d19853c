"""PySide6's Python types for Qt classes, all made on the GUI thread before any import
runs on another thread.

PySide6 makes the Python type of a Qt class the first time it is asked for (lazy loading).
Two threads doing that at once can crash the interpreter: guidemo's warm-up thread
importing pyqtgraph (which reads every name of QtCore, QtGui and QtWidgets) while the GUI
thread made a type of its own segfaulted about 1 start in 100. So the GUI thread makes
them all first, a slice at a time so the window stays live (about 0.25 s of work in all);
the warm-up thread then finds every type made and only runs plain Python.
"""

from __future__ import annotations

import importlib
import time
from types import ModuleType

# Every PySide6 module guidemo and pyqtgraph import (tests/test_qt_types.py keeps it true).
QT_MODULES = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtNetwork",
    "QtOpenGL",
    "QtOpenGLWidgets",
    "QtSvg",
    "QtTest",
)


def not_made_yet(module: ModuleType) -> list[str]:
    """The names of `module` whose types PySide6 has not made yet (lazy ones are listed
    by dir() but are not in the module's dict until first asked for)."""
    made = vars(module)
    return [name for name in dir(module) if name not in made]


def make_qt_types(budget_s: float) -> bool:
    """Make types not made yet for about `budget_s` (one type takes up to 25 ms);
    True when none is left. Call it on the GUI thread until it says True."""
    deadline = time.perf_counter() + budget_s
    for module_name in QT_MODULES:
        module = importlib.import_module(f"PySide6.{module_name}")
        for name in not_made_yet(module):
            getattr(module, name)
            if time.perf_counter() > deadline:
                return False
    return True
