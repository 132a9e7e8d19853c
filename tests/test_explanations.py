"""Numbers the code owns are stated once: explanations name them as {placeholders} the
panel fills from its constants, and the README's probe interval is the monitor's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

import pytest

from guidemo.explanations import PLACEHOLDER, explanation, raw_explanation
from guidemo.monitor import PROBE_INTERVAL_S
from guidemo.panels import PANELS
from guidemo.panels.base import HUD_NUMBERS

pytestmark = pytest.mark.timeout(60)

README = Path(__file__).resolve().parent.parent / "README.md"
# tour.md is rewritten by the tour's own work; its steps' {duration:.2f}-style takeaways are
# filled by the tour with what was measured. It is held to the rule once it names constants.
NOT_CHECKED = {"tour"}


def numbers_of(slug: str) -> Mapping[str, float]:
    panel = next(entry for entry in PANELS if entry.slug == slug).load()
    return {**HUD_NUMBERS, **panel.explanation_numbers}


def literally(name: str, value: float) -> re.Pattern[str]:
    """The value written out with the word its placeholder's name ends in: "100 ms"."""
    unit = name.rsplit("_", 1)[-1]
    return re.compile(rf"(?<![\w.,]){re.escape(f'{value:,g}')}\s+{unit}\b")


def explained_slugs() -> list[str]:
    names = [path.name for path in files("guidemo.explanations").iterdir()]
    return sorted(name[:-3] for name in names if name.endswith(".md"))


@pytest.mark.parametrize("slug", [s for s in explained_slugs() if s not in NOT_CHECKED])
def test_an_explanation_names_the_numbers_it_states(slug: str) -> None:
    text, numbers = raw_explanation(slug), numbers_of(slug)
    unknown = set(PLACEHOLDER.findall(text)) - set(numbers)
    assert not unknown, f"{slug}.md names numbers its panel does not give: {unknown}"
    stated = [
        match[0]
        for name, value in numbers.items()
        for match in literally(name, value).finditer(text)
    ]
    assert not stated, f"{slug}.md states {stated} literally: say {{the_constant}} instead"
    assert not PLACEHOLDER.search(explanation(slug, numbers))


def test_placeholders_are_filled_from_the_constants() -> None:
    start = explanation("start", numbers_of("start"))
    assert f"how late a {PROBE_INTERVAL_S * 1000:g} ms timer runs" in start
    websocket = explanation("websocket", {**numbers_of("websocket"), "backoff_max_s": 12.5})
    assert "up to 12.5 s" in websocket, "the text follows the constant"
    assert "{duration:.2f}" in explanation("tour", HUD_NUMBERS), "the tour's own are left alone"


def test_the_check_finds_a_number_stated_literally() -> None:
    assert literally("probe_ms", 100).search("how late a 100 ms timer runs")
    assert literally("backoff_max_s", 8).search("up to\n8 s)")
    assert not literally("probe_ms", 100).search("a 1100 ms timer, 100 times")


def test_the_readme_states_the_probe_interval_of_the_monitor() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    ms = PROBE_INTERVAL_S * 1000
    stated = {
        "N ms probe": [float(n) for n in re.findall(r"(\d+) ms (?:lag )?probe", text)],
        "probe interval (N s)": [
            float(n) * 1000 for n in re.findall(r"probe interval \(([\d.]+) s\)", text)
        ],
        "N a second": [1000 / float(n) for n in re.findall(r"per probe, (\d+) a second", text)],
        "N Hz timer": [1000 / float(n) for n in re.findall(r"a (\d+) Hz timer", text)],
    }
    assert all(stated.values()), f"the README no longer says it this way: {stated}"
    for how, values in stated.items():
        assert values == [ms] * len(values), f"README's {how!r} is not {ms:g} ms: {values}"


def test_the_tour_states_the_hud_numbers_through_placeholders() -> None:
    """tour.md's takeaways are {placeholders} the tour fills with what was measured; the
    HUD's own numbers are named too, and filled from the constants."""
    text = raw_explanation("tour")
    stated = [m[0] for n, v in HUD_NUMBERS.items() for m in literally(n, v).finditer(text)]
    assert not stated, f"tour.md states {stated} literally: say {{probe_ms}} instead"
    assert "{probe_ms}" in text
    assert f"how late a {PROBE_INTERVAL_S * 1000:g} ms timer" in explanation("tour", HUD_NUMBERS)


def test_frame_bad_row_and_shutdown_numbers_follow_their_constants() -> None:
    http = explanation("http", {**numbers_of("http"), "frame_ms": 25})
    assert "at most once a frame (every 25 ms)" in http
    websocket = explanation("websocket", {**numbers_of("websocket"), "bad_rows_per_s": 3})
    assert "bad rows are listed at most 3 a second" in websocket
    numbers = {**numbers_of("coroutines"), "shutdown_s": 2.5, "run_for_s": 7}
    coroutines = " ".join(explanation("coroutines", numbers).split())
    assert "comes after 2.5 s, before the instances' 7 s are up" in coroutines
