"""Panel `races`: the await between check and write loses updates; a lock or no await not."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from guidemo.panels.races import RacesPanel
from guidemo.widgets.lanes import LaneChart
from tests.helpers import button, wait_until, widget

pytestmark = [pytest.mark.timeout(90), pytest.mark.panels("races")]
ROUNDS = 80


def lost(panel: RacesPanel) -> int:
    return int(widget(panel, QtWidgets.QLabel, "raceResultLabel").text())


def text(panel: RacesPanel, name: str) -> str:
    return widget(panel, QtWidgets.QLabel, name).text()


def run_way(run, panel: RacesPanel, name: str) -> None:
    async def scenario() -> None:
        button(panel, name).click()
        assert panel.busy() and not button(panel, "raceButton").isEnabled()
        await wait_until(lambda: not panel.busy(), 60, f"{name} run ends")

    run(scenario())


def lane_kinds(panel: RacesPanel) -> dict[str, list[str]]:
    chart = widget(panel, LaneChart, "raceLanes")
    return {name: [e.kind for e in chart.lane(name).events] for name in chart.lane_names()}


def test_the_race_loses_updates_and_the_lanes_show_the_stale_write(panel, run):
    shown = panel("races")
    widget(shown, QtWidgets.QSpinBox, "raceCustomersSpin").setValue(2)
    widget(shown, QtWidgets.QSpinBox, "raceRoundsSpin").setValue(ROUNDS)
    run_way(run, shown, "raceButton")
    assert lost(shown) > 0
    summary = text(shown, "raceSummaryLabel")
    assert summary.startswith(f"{ROUNDS} rounds of 2 withdrawals with an await between")
    assert f"{lost(shown)} updates lost, in " in summary
    # The drawn round lost one: both read before either wrote, the second write is stale.
    kinds = lane_kinds(shown)
    assert sorted(kinds) == ["customer 1", "customer 2"]
    assert sorted(k[-1] for k in kinds.values()) == ["exception", "result"]
    assert all(k[0] == "step" for k in kinds.values()), "each lane starts with its read"
    story = text(shown, "raceStoryLabel")
    assert story.count(" read 100") == 2 and story.count(" wrote 90") == 2
    assert "(stale: another's withdrawal lost)" in story


@pytest.mark.parametrize("name", ["lockButton", "noAwaitButton"])
def test_a_lock_or_no_await_between_loses_none(panel, run, name):
    shown = panel("races")
    widget(shown, QtWidgets.QSpinBox, "raceCustomersSpin").setValue(3)
    widget(shown, QtWidgets.QSpinBox, "raceRoundsSpin").setValue(ROUNDS)
    run_way(run, shown, name)
    assert lost(shown) == 0
    assert ": 0 updates lost: every withdrawal paid" in text(shown, "raceSummaryLabel")
    kinds = lane_kinds(shown)
    assert len(kinds) == 3 and all(k[-1] == "result" for k in kinds.values())
    story = text(shown, "raceStoryLabel")
    assert "stale" not in story and story.endswith("wrote 70")
    table = widget(shown, QtWidgets.QTableWidget, "raceTable")
    assert [table.item(0, c).text() for c in (2, 3, 4)] == [str(ROUNDS), str(3 * ROUNDS), "0"]
