"""The layers of docs/architecture.md hold: nothing imports upward, no import circles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_qt

PACKAGE = Path(__file__).resolve().parent.parent / "guidemo"

# Lower layers first. A module may import its own layer and the layers below it.
LAYERS = [
    (
        "base",
        [
            "guidemo.stats",
            "guidemo.loop_kinds",
            "guidemo.explanations",
            "guidemo.net",
            "guidemo.lifecycle",
            "guidemo.settings",
            "guidemo.paths",
        ],
    ),
    ("lessons", ["guidemo.lessons"]),
    (
        "runtime",
        [
            "guidemo.loop",
            "guidemo.monitor",
            "guidemo.server",
            "guidemo.freeze_report",
            "guidemo.task_accounting",
            "guidemo.gui_gc",
        ],
    ),
    ("widgets", ["guidemo.widgets", "guidemo.services"]),
    ("panels", ["guidemo.panels"]),
    ("ui", ["guidemo.ui"]),
    ("app", ["guidemo.app", "guidemo.bench", "guidemo.programs"]),
    ("cli", ["guidemo.cli", "guidemo.__main__"]),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def imports_of(path: Path) -> set[str]:
    """Every guidemo module `path` imports, at module level or inside functions (not the
    ones under `if TYPE_CHECKING:`, which never run)."""
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {name for name in found if name in modules and name != "guidemo"}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in PACKAGE.rglob("*.py")}


def test_nothing_imports_a_higher_layer():
    upward = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        if module != "guidemo"
        for target in targets
        if layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_the_architecture_doc_names_the_same_layers():
    """docs/architecture.md's table, `stats.py` or `net/` for guidemo.stats or guidemo.net."""
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| (`.+?`) \|", doc, re.MULTILINE)
    documented = [
        (
            layer,
            sorted(
                "guidemo." + name.removesuffix("/").removesuffix(".py").replace("/", ".")
                for name in re.findall(r"`([^`]+)`", cells)
            ),
        )
        for layer, cells in rows
    ]
    assert documented == [(layer, sorted(prefixes)) for layer, prefixes in LAYERS]


def test_lessons_and_widgets_never_import_panels_or_ui():
    for module, targets in graph().items():
        if module.startswith(("guidemo.lessons", "guidemo.widgets")):
            assert not any(t.startswith(("guidemo.panels", "guidemo.ui")) for t in targets), module


def test_there_is_no_import_circle():
    edges = graph()
    # A package's __init__ importing its own submodules is not a circle to worry about.
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in edges.items()}
    state: dict[str, int] = {}
    circles: list[str] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                circles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert circles == []
