"""The HUD stays cheap: live numbers repaint without a layout pass; nothing drawn minimised."""

from __future__ import annotations

import functools
import re

import pytest
from PySide6 import QtCore, QtWidgets

from tests.helpers import live_probes, wait_until


class EventCounter(QtCore.QObject):
    """Counts, per receiver's objectName, the events of the given types (app-wide)."""

    def __init__(self, *types: QtCore.QEvent.Type) -> None:
        super().__init__()
        self.types = types
        self.seen: list[tuple[QtCore.QEvent.Type, str]] = []

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in self.types:
            self.seen.append((event.type(), watched.objectName()))
        return False

    def count(self, kind: QtCore.QEvent.Type, name: str) -> int:
        return self.seen.count((kind, name))


@pytest.mark.needs_quiet
@pytest.mark.timeout(30)
def test_live_numbers_repaint_without_laying_out_the_window(window, run):
    """A QLabel's setText asks its layout to run again, up to the window, where every
    word-wrapped text is measured anew: the HUD's lag line and the start page's live
    line change all the time, even idle, so neither may do that."""
    window.show_panel("start")
    lag = window.hud.lag_label
    live = window.panels["start"].findChild(QtWidgets.QLabel, "liveLabel")
    layout, paint = QtCore.QEvent.Type.LayoutRequest, QtCore.QEvent.Type.Paint
    counter = EventCounter(layout, paint)
    app = QtWidgets.QApplication.instance()
    assert app is not None

    def repainted(before: tuple[int, int]) -> bool:
        now = counter.count(paint, "liveLabel"), counter.count(paint, "lagLabel")
        return now[0] > before[0] and now[1] > before[1]

    async def scenario() -> None:
        app.installEventFilter(counter)
        try:
            # Shown and laid out once: the live line is painted with its numbers.
            await wait_until(lambda: "<b>" in live.text(), what="the live line")
            live.update()
            await wait_until(lambda: counter.count(paint, "liveLabel"), 5, "a first paint")
            counter.seen.clear()
            for number in ("11", "22"):  # new numbers, the same number of lines
                lag.setText(f"lag {number}.3 ms   p99 (10 s) {number}.6 ms")
                live.setText(re.sub(r"<b>\d+</b>", f"<b>{number}</b>", live.text(), count=1))
                before = counter.count(paint, "liveLabel"), counter.count(paint, "lagLabel")
                await wait_until(functools.partial(repainted, before), 5, "both labels repainted")
        finally:
            app.removeEventFilter(counter)

    run(scenario())
    laid_out = [name for kind, name in counter.seen if kind == layout]
    assert not {"MainWindow", "hud"} & set(laid_out), laid_out
    # Opaque labels: what lies beneath them is not painted again.
    assert counter.count(paint, "hud") == 0 and counter.count(paint, "MainWindow") == 0


@pytest.mark.timeout(30)
def test_the_heartbeat_rests_while_the_window_is_minimised(window, run):
    heartbeat = window.hud.heartbeat
    frames: list[int] = []
    window.monitor.probe_listeners.append(lambda: frames.append(heartbeat._phase))

    async def beats_while(seconds: float) -> set[int]:
        start = len(frames)
        await wait_until(lambda: len(frames) - start >= live_probes(seconds), 10, "probes")
        return set(frames[start:])

    async def scenario() -> None:
        assert len(await beats_while(0.5)) > 1  # shown: it moves
        window.showMinimized()
        await wait_until(window.isMinimized, 5, "minimised")
        await beats_while(0.2)  # the probe that saw the change
        assert len(await beats_while(0.6)) == 1  # minimised: the probe runs, nothing drawn
        window.showNormal()
        await wait_until(lambda: not window.isMinimized(), 5, "restored")
        assert len(await beats_while(0.5)) > 1

    try:
        run(scenario())
    finally:
        window.showNormal()
