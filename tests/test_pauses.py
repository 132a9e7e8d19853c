"""No nested Qt loop inside asyncio anywhere in guidemo, except the one shown on purpose.

A nested loop (`QDialog.exec()`, a static `QMessageBox`/`QFileDialog` call,
`processEvents`) started inside an asyncio callback holds every task on guidemo's loop;
the loop records it as a pause. Two checks: every panel's demo runs with no pause but the
dialogs panel's wrong way, and the source has no such call outside the few places that
are the lesson (or the loop itself).
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from tests.helpers import TEST_LOOP_KIND

PACKAGE = Path(__file__).resolve().parent.parent / "guidemo"
# A demo that runs past this is reported by name. The races demo's 200 rounds of
# millisecond sleeps took a few seconds on a quiet machine, over 25 s beside a second suite.
DEMO_TIMEOUT_S = 60.0

# Methods that run a nested Qt event loop until they return.
NESTING_METHODS = {"exec", "exec_", "processEvents", "qWait", "qWaitFor"}
STATIC_DIALOGS = {
    "QMessageBox": {"question", "information", "warning", "critical", "about", "aboutQt"},
    "QInputDialog": {"getText", "getInt", "getDouble", "getItem", "getMultiLineText"},
    "QFileDialog": {
        "getOpenFileName",
        "getOpenFileNames",
        "getSaveFileName",
        "getExistingDirectory",
        "getOpenFileUrl",
        "getSaveFileUrl",
    },
    "QColorDialog": {"getColor"},
    "QFontDialog": {"getFont"},
}
ALLOWED = {  # (file, function): why
    ("loop.py", "run_forever"): "the loop's own main Qt loop",
    ("lessons/dialogs.py", "ask_blocking"): "the wrong way, shown on purpose",
    ("lessons/dialogs.py", "ask_in_slot"): "exec() in a plain Qt slot, shown on purpose",
}


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(TEST_LOOP_KIND != "guidemo", reason="stock qasync records no pauses")
def test_every_panel_demo_runs_without_holding_asyncio_but_the_wrong_way(window, run):
    async def every_demo() -> list[str]:
        slow = []
        for slug, panel in window.panels.items():
            window.show_panel(slug)
            try:
                await asyncio.wait_for(panel.screenshot_demo(), DEMO_TIMEOUT_S)
            except TimeoutError:
                slow.append(slug)
        await asyncio.sleep(0.1)  # the last turn has ended: its pause, if any, is recorded
        return slow

    before = len(window.monitor.pauses)
    assert run(every_demo(), timeout=DEMO_TIMEOUT_S * len(window.panels)) == []
    pauses = [(pause.panel, pause.where) for pause in window.monitor.stats().pauses[before:]]
    assert len(pauses) == 1, pauses
    ((panel, where),) = pauses
    assert panel == "dialogs" and where.startswith("exec() in ask_blocking() (dialogs.py:")


def nesting_calls(path: Path) -> list[tuple[str, int, str]]:
    """(function, line, call) of every call in `path` that runs a nested Qt loop."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method, owner = node.func.attr, node.func.value
            owner_name = getattr(owner, "attr", getattr(owner, "id", ""))
            if method in NESTING_METHODS or method in STATIC_DIALOGS.get(owner_name, ()):
                found.append((function.name, node.lineno, f"{owner_name}.{method}()"))
    return found


def test_no_nested_qt_loop_calls_outside_the_lesson():
    found = [
        f"{path.relative_to(PACKAGE).as_posix()}:{line} {call} in {function}()"
        for path in sorted(PACKAGE.rglob("*.py"))
        for function, line, call in nesting_calls(path)
        if (path.relative_to(PACKAGE).as_posix(), function) not in ALLOWED
    ]
    assert found == [], "use guidemo.lessons.dialogs.ask*() from async code:\n" + "\n".join(found)
    lesson = nesting_calls(PACKAGE / "lessons" / "dialogs.py")
    assert {function for function, *_ in lesson} == {"ask_blocking", "ask_in_slot"}


def test_the_scan_finds_what_it_looks_for(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "async def confirm(box, QtWidgets):\n"
        "    box.exec()\n"
        "    QtWidgets.QMessageBox.question(None, 't', 'q')\n"
        "    QFileDialog.getOpenFileName()\n"
        "def fine(dialog):\n"
        "    dialog.open()\n"
    )
    calls = [call for _, _, call in nesting_calls(sample)]
    assert calls == ["box.exec()", "QMessageBox.question()", "QFileDialog.getOpenFileName()"]
