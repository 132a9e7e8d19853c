"""One shape for the parts of a panel (docs/architecture.md, "A panel made of parts"):
each part a `Section` in `panels/<panel>/<part>.py` named `<Part>Section`, built in its
constructor and laid out with the kit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_qt

PANELS = Path(__file__).resolve().parent.parent / "guidemo" / "panels"
# What the kit's column / vsplit / hsplit / Section.lay_out replace, and the old builders.
HAND_BUILT = re.compile(r"setContentsMargins\(|QSplitter\(|def (_build|build_controls|_lay_out)\b")


def sections() -> list[tuple[Path, str]]:
    """(file, class name) of every Section subclass under panels/."""
    found = []
    for path in sorted(PANELS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
                if "Section" in bases:
                    found.append((path, node.name))
    return found


def camel(stem: str) -> str:
    return "".join(word.capitalize() for word in stem.split("_"))


def test_every_section_is_named_for_its_file():
    found = sections()
    assert len(found) >= 20, "the multi-part panels' parts are sections"
    wrong = [
        f"{path.relative_to(PANELS)}: {name}"
        for path, name in found
        if path.parent.parent != PANELS
        or path.stem == "__init__"
        or name != f"{camel(path.stem)}Section"
    ]
    assert wrong == [], "a part is panels/<panel>/<part>.py, class <Part>Section"


def test_one_section_a_file():
    files = [path for path, _ in sections()]
    assert sorted(set(files)) == sorted(files)


def test_panels_of_sections_lay_out_with_the_kit():
    """No margin calls, hand-built splitters or separate builder methods in a package
    that has sections: the kit's vocabulary and the constructor do that."""
    packages = {path.parent for path, _ in sections()}
    hand_built = [
        f"{path.relative_to(PANELS)}:{number}: {line.strip()}"
        for package in sorted(packages)
        for path in sorted(package.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_BUILT.search(line)
    ]
    assert hand_built == []
