"""The package as shipped: a wheel that runs outside the checkout, and lessons free of Qt."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from PySide6 import QtGui

import guidemo.lessons
from guidemo.panels import PANELS

ROOT = Path(__file__).resolve().parent.parent
# Lessons whose idea *is* Qt (a QThread, posted events, a signal): QtCore/QtNetwork only.
QT_LESSONS = {"qthread", "qt_events", "qt_callbacks", "thread_to_gui_qt", "handler_trace"}
WIDGET_LESSONS = {"dialogs"}  # the one lesson about widgets: modal dialogs


def lesson_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(guidemo.lessons.__path__))


# A fresh Python per lesson module, one after the other: beside a second suite it ran past
# 120 s, where the timeout ended its worker (read as a crash, and run again).
@pytest.mark.timeout(300)
def test_qt_free_lessons_do_not_import_pyside6():
    modules = lesson_modules()
    assert len(modules) >= 8, modules
    check = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module('guidemo.lessons.' + name)\n"
        "    qt = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "    print(name, ','.join(qt) or '-')\n"
    )
    for name in modules:
        result = subprocess.run(
            [sys.executable, "-c", check, name], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        qt_modules = result.stdout.split()[1]
        if name in WIDGET_LESSONS:
            continue
        if name in QT_LESSONS:
            assert "QtWidgets" not in qt_modules and "QtGui" not in qt_modules, (name, qt_modules)
        else:
            assert qt_modules == "-", f"guidemo.lessons.{name} imports {qt_modules}"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_wheel_installs_and_renders_every_panel(tmp_path):
    """Build the wheel, install it into a fresh venv, run `guidemo --screenshot` from there.

    The new venv gets the wheel itself (no deps) and reaches the dependencies through a
    .pth file pointing at this environment's site-packages, so the test checks what the
    wheel carries without downloading Qt again; it runs outside the checkout.
    """
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources, and
    # the checkout stays untouched (another run may be building from it at the same time).
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "guidemo", source / "guidemo", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(wheels), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = wheels.glob("guidemo-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    where = subprocess.run(
        [python, "-c", "import guidemo; print(guidemo.__file__)"],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert where.startswith(str(env_dir)), where

    shots = tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    result = subprocess.run(
        [env_dir / "bin" / "guidemo", "--screenshot", str(shots)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for entry in PANELS:
        image = QtGui.QImage(str(shots / f"{entry.slug}.png"))
        assert image.width() >= 1200 and image.height() >= 800, entry.slug
