"""Tracing what the GUI thread runs: one bar per event handler, as long as it took.

This lesson *is* Qt (an event filter on the application, the event dispatcher's
`aboutToBlock` signal), so it uses QtCore; drawing the bars is the job of
`guidemo.widgets.trace_timeline`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from dataclasses import dataclass
from types import FrameType
from typing import Any

from PySide6 import QtCore

TRACE_KEEP_S = 30.0  # bars older than this are dropped
LONGEST_KEPT = 3
_Type = QtCore.QEvent.Type
SENT_INSIDE = frozenset(  # event kinds Qt sends only while handling another event
    [_Type.Paint, _Type.Move, _Type.Resize, _Type.Show, _Type.Hide, _Type.ShowToParent,
     _Type.HideToParent, _Type.EnabledChange, _Type.ChildAdded, _Type.ChildRemoved,
     _Type.ChildPolished, _Type.Polish, _Type.FontChange, _Type.PaletteChange,
     _Type.StyleChange, _Type.ActivationChange, _Type.WindowStateChange, _Type.ParentChange,
     _Type.ParentAboutToChange, _Type.ZOrderChange, _Type.DynamicPropertyChange,
     _Type.ToolTipChange, _Type.WindowTitleChange, _Type.ContentsRectChange,
     _Type.LayoutDirectionChange, _Type.ApplicationPaletteChange, _Type.ReadOnlyChange]
)  # fmt: skip


@dataclass(frozen=True)
class TraceBar:
    """One handler the GUI thread ran (or one slow asyncio callback): when, how long, what."""

    start: float  # time.perf_counter()
    duration: float  # seconds
    label: str
    lane: int  # 0: Qt event handlers, 1: slow asyncio callbacks (debug mode)


class HandlerTracer(QtCore.QObject):
    """Times what the GUI thread does, one bar per event it handles: clicks, timers,
    repaints, sockets (with guidemo's loop a whole asyncio turn is one Timer event).

    An event filter on the QApplication is called just before each event goes to its
    handler: that is where a bar starts. Qt says nothing when a handler returns, so a bar
    ends when the thread starts on the next event at the same level, or when Qt goes back
    to waiting (the dispatcher's `aboutToBlock`). An event sent from *inside* a Python
    handler (a setEnabled() in a click handler, say) is part of that handler's bar: it is
    recognised by the deeper Python stack below the filter. Qt's own C++ handlers leave no
    Python frames, so the kinds of event that Qt sends from inside another handler
    (paints, moves, resizes, show/hide, child and state changes) count as part of the bar
    they happen in, too; so does a repaint of the window, and the bar says "+ repaint".
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.bars: deque[TraceBar] = deque()
        self.longest: list[TraceBar] = []
        self.active = False
        self._open: list[Any] | None = None  # start, depth, event type, target, repainted
        # Which Qt objects run asyncio turns (guidemo's loop); none for other loops.
        self._turn_objects = tuple(
            turn for turn in getattr(loop, "turn_sources", ()) if turn is not None
        )

    def start(self) -> None:
        app = QtCore.QCoreApplication.instance()
        if not self.active and app is not None:
            self.active = True
            app.installEventFilter(self)
            QtCore.QAbstractEventDispatcher.instance().aboutToBlock.connect(self._idle)

    def stop(self) -> None:
        app = QtCore.QCoreApplication.instance()
        if self.active and app is not None:
            self.active = False
            app.removeEventFilter(self)
            QtCore.QAbstractEventDispatcher.instance().aboutToBlock.disconnect(self._idle)
            self._close(time.perf_counter())

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        now = time.perf_counter()
        depth = 0
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:  # how many Python frames are running below this event
            depth, frame = depth + 1, frame.f_back
        kind = event.type()
        if self._open is not None:
            if kind == _Type.UpdateRequest:
                self._open[4] = True
            if depth > self._open[1] or kind in SENT_INSIDE or kind == _Type.UpdateRequest:
                return False  # sent from inside the open handler: part of its bar
        self._close(now)
        if any(watched is turn for turn in self._turn_objects):
            target = "asyncio turn"
        else:
            name = watched.objectName()
            target = f"{type(watched).__name__} {name!r}" if name else type(watched).__name__
        self._open = [now, depth, kind, target, False]
        return False  # only watching: the event goes on to its handler

    def _idle(self) -> None:
        self._close(time.perf_counter())

    def _close(self, now: float) -> None:
        if self._open is None:
            return
        start, _depth, kind, target, repainted = self._open
        self._open = None
        try:
            kind_name = kind.name
        except (AttributeError, ValueError):  # a custom event type without a name
            kind_name = f"event {int(kind)}"
        label = f"{kind_name} → {target}" + (" + repaint" if repainted else "")
        self.add(TraceBar(start, now - start, label, 0))

    def add(self, bar: TraceBar) -> None:
        self.bars.append(bar)
        while self.bars and self.bars[0].start < bar.start - TRACE_KEEP_S:
            self.bars.popleft()
        if len(self.longest) < LONGEST_KEPT or bar.duration > self.longest[-1].duration:
            self.longest = sorted([*self.longest, bar], key=lambda b: -b.duration)[:LONGEST_KEPT]
