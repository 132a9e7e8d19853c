"""What happens to the clicks a user makes while the GUI thread is frozen.

They are not lost at once: the window system queues them, and Qt delivers them the moment
the blocking handler returns. If the run buttons were enabled again right away, a click
made during a 2 s freeze would start another 2 s freeze. So a panel keeps its buttons
disabled until that queued input has been delivered (`INPUT_DRAIN_MS`), which makes Qt
drop those clicks, counts them, and says so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

INPUT_DRAIN_MS = 250  # queued input arrives within a few ms of the freeze's end
_PRESSES = (QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.MouseButtonDblClick)


class QueuedClicks(QtCore.QObject):
    """Counts the clicks on `area` delivered while it is held after a freeze."""

    def __init__(self, area: QtWidgets.QWidget) -> None:
        super().__init__(area)  # dies with its area, and so does its timer
        self._area = area
        self._count = 0
        self._then: Callable[[int], None] | None = None

    def hold(self, then: Callable[[int], None]) -> None:
        """Call `then(ignored_clicks)` once the input queued during the freeze is drained.

        Call it at the end of the blocking handler, with the run buttons still disabled.
        """
        if self._then is None:
            self._count = 0
            app = QtWidgets.QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
        self._then = then
        QtCore.QTimer.singleShot(INPUT_DRAIN_MS, self, self._release)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            event.type() in _PRESSES
            and isinstance(watched, QtWidgets.QWidget)
            and (watched is self._area or self._area.isAncestorOf(watched))
            and not watched.isEnabled()
        ):
            self._count += 1
        return False

    def _release(self) -> None:
        then, self._then = self._then, None
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if then is not None:
            then(self._count)


def ignored_clicks_text(count: int) -> str:
    """ "2 clicks made while the window was frozen were ignored", or "" for none."""
    if count == 0:
        return ""
    clicks = "1 click" if count == 1 else f"{count} clicks"
    verb = "was" if count == 1 else "were"
    return f"{clicks} made while the window was frozen {verb} ignored (the buttons were off)"
