"""The README says what is true: every objectName in its table exists in the running app,
every panel has its section and picture, and the --panel list names every slug."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6 import QtWidgets

from guidemo.panels import PANELS, SLUGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
NOT_WIDGETS = {"open-<slug>", "panel-<slug>", "demoDialog", "demoDialogLive", "demoDialogButtons"}
NOT_WIDGETS |= {"labOwnButton", "labOwnLabel"}  # made by the learner's code when it runs


def table_rows() -> dict[str, list[str]]:
    """{"blocking": ["durationSpin", ...], "HUD": [...], ...} from the objectNames table."""
    section = README[README.index("Qt objectNames") :]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"^\| ([^|]+) \| (.*) \|$", line)
        if found and found.group(1).strip() not in ("where", "---"):
            rows[found.group(1).strip()] = re.findall(r"`([A-Za-z][\w<>-]*)`", found.group(2))
    return rows


def test_every_panel_has_a_section_a_picture_and_a_table_row():
    rows = table_rows()
    for entry in PANELS:
        assert f"`{entry.slug}`" in README, entry.slug
        assert f"assets/screenshots/{entry.slug}.png" in README, entry.slug
        assert entry.slug in rows, entry.slug
    panel_line = next(line for line in README.splitlines() if "`guidemo --panel SLUG`" in line)
    assert all(f"`{slug}`" in panel_line for slug in SLUGS)


def test_every_object_name_in_the_table_exists(full_window):
    window = full_window
    missing = []
    for where, names in table_rows().items():
        scope: QtWidgets.QWidget = window
        if where in SLUGS:
            scope = window.panels[where]
        for name in names:
            if name in NOT_WIDGETS or name.startswith("panel-"):
                continue
            if where == "every panel":
                scope = window.panels[SLUGS[1]]
            found = scope.findChild(QtWidgets.QWidget, name) or (
                window if window.objectName() == name else None
            )
            if found is None:
                missing.append(f"{where}: {name}")
    assert missing == []
