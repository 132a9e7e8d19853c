"""A settings file with values that cannot be read: the app starts anyway, with the default
for each, and says in one line on stderr which key of which file it ignored (issue 28).

The real app runs in a subprocess on a prepared settings file, twice (once with `--tour`);
the readers are tested value by value without an app.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from guidemo.settings import read_choice, read_float, read_int
from tests.test_signals import app_env

ROOT = Path(__file__).resolve().parent.parent
READY = b"guidemo: all panels built"  # printed after the tour has started

# Two starts of the real app, each on a file of several values it cannot read (the readers
# are tested value by value below, without an app): (the file's lines, --tour).
FILES = {
    "panels": (["zoom=abc", "size=huge", "lastPanel=no-such-panel"], False),
    "tour": (["tourStep=" + "7" * 5000, "zoom=inf", "size=@Size(-5 -5)"], True),
}


def start_on(config_dir: Path, lines: list[str], tour: bool) -> tuple[int | None, str]:
    """Start the app on a settings file holding `lines`; quit it once up: (code, stderr)."""
    settings = config_dir / "guidemo" / "guidemo.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text("[General]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    args = [sys.executable, "-m", "guidemo", *(["--tour"] if tour else [])]
    process = subprocess.Popen(
        args, cwd=ROOT, env=app_env(config_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    for out in process.stdout:  # pytest-timeout guards a hang here
        if out.startswith(READY):
            process.send_signal(signal.SIGTERM)
            break
    _, err = process.communicate(timeout=30)
    return process.returncode, err.decode("utf-8", "replace")


@pytest.mark.timeout(90)
@pytest.mark.parametrize("case", list(FILES))
def test_each_value_that_cannot_be_read_is_ignored_with_one_line(tmp_path, case) -> None:
    lines, tour = FILES[case]
    code, err = start_on(tmp_path, lines, tour)
    assert code == 0, err[-800:]
    said = err.splitlines()
    assert len(said) == len(lines), err[-1600:]
    for line in lines:  # one line each, in the order the app reads them
        key = line.partition("=")[0]
        assert len([message for message in said if f"ignored {key}=" in message]) == 1, err
    for message in said:
        assert str(tmp_path / "guidemo" / "guidemo.conf") in message and len(message) < 300


class Stored:
    """A settings file's values, as QSettings gives them (strings from a file)."""

    def __init__(self, **values: object) -> None:
        self.values = values

    def value(self, key: str) -> object:
        return self.values.get(key)

    def contains(self, key: str) -> bool:
        return key in self.values

    def fileName(self) -> str:
        return "/the/file.conf"


@pytest.mark.parametrize(
    "text", ["abc", "nan", "inf", "-inf", "1e1", "1_0", "٣", "５", "", "3", "0.1", "1e400"]
)
def test_read_float_takes_only_a_plain_number_in_range(text, capsys) -> None:
    assert read_float(Stored(zoom=text), "zoom", 1.0, 0.8, 2.0) == 1.0
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("text,expected", [("1.5", 1.5), (" 2 ", 2.0), (".9", 0.9), (1.25, 1.25)])
def test_read_float_reads_a_good_value_quietly(text, expected, capsys) -> None:
    assert read_float(Stored(zoom=text), "zoom", 1.0, 0.8, 2.0) == expected
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("text", ["²", "7" * 5000, "-1", "+1", "1.0", "99", "x", "1_0"])
def test_read_int_takes_only_ascii_digits_in_range(text, capsys) -> None:
    assert read_int(Stored(step=text), "step", 0, 0, 40) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "step=" in err and "/the/file.conf" in err and len(err) < 200


def test_a_missing_key_is_the_default_without_a_word(capsys) -> None:
    assert read_int(Stored(), "step", 3, 0, 40) == 3
    assert read_choice(Stored(last="http"), "last", "start", {"http", "start"}) == "http"
    assert capsys.readouterr().err == ""
