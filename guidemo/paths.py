"""Checks made before long work that ends by writing a file: fail at once, not at the end.

Permissions alone do not tell whether a file can be created (root may write anywhere by
mode, yet not in /proc; a mount may be read-only), so each check tries it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path


def cannot_write_in(directory: Path) -> str | None:
    """Why no file can be created in `directory`, or None if one can."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            return None
    except OSError as error:
        return error.strerror or str(error)


def cannot_write(path: Path) -> str | None:
    """Why the file `path` cannot be written (created or replaced), or None if it can."""
    if path.is_dir():
        return "it is a directory"
    if not path.parent.is_dir():
        return f"no directory {str(path.parent)!r}"
    return cannot_write_in(path.parent)
