"""The lab's drafts: the learner's code per exercise, kept in the user's data folder
(QStandardPaths.AppDataLocation/lab) and restored on the next start. A draft that cannot
be read is set aside (renamed) with a message, never a crash."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from PySide6 import QtCore


class Drafts:
    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            base = QtCore.QStandardPaths.writableLocation(
                QtCore.QStandardPaths.StandardLocation.AppDataLocation
            )
            folder = Path(base or Path.home() / ".guidemo") / "lab"
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.py"

    def load(self, key: str) -> tuple[str | None, str]:
        """(the draft or None, a problem to tell the learner or "")."""
        path = self._path(key)
        if not path.exists():
            return None, ""
        try:
            return path.read_text(encoding="utf-8"), ""
        except (OSError, UnicodeDecodeError) as error:
            aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                os.replace(path, aside)
                where = f"set aside as {aside}"
            except OSError as move_error:
                where = f"and could not be set aside either ({move_error.strerror})"
            return (
                None,
                f"Your draft {path} could not be read ({error}); {where}. The "
                "starting code is in the editor.",
            )

    def save(self, key: str, text: str) -> str:
        """Save a draft; "" or what went wrong."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self._path(key)
            partial = path.with_suffix(".tmp")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
        except OSError as error:
            return f"Could not save your draft: {error}"
        return ""

    def remove(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self._path(key).unlink(missing_ok=True)

    def current(self) -> tuple[int, str]:
        """The exercise open last time (0 = free play)."""
        try:
            text = (self.folder / "current").read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return 0, ""
        return (int(text), "") if text.isdigit() and int(text) <= 8 else (0, "")

    def set_current(self, index: int) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "current").write_text(str(index), encoding="ascii")
        except OSError:
            pass
