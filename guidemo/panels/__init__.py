"""The one place panels are registered: their order here is their order in the app.

Each entry names its class as "module:Class"; `load()` imports the module, so importing
this registry (the command line does, to check `--panel`) stays cheap.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guidemo.panels.base import Panel


@dataclass(frozen=True)
class PanelEntry:
    slug: str
    title: str
    path: str  # "module:Class"

    def load(self) -> type[Panel]:
        module_name, class_name = self.path.split(":")
        return getattr(importlib.import_module(module_name), class_name)


PANELS: list[PanelEntry] = [
    PanelEntry("blocking", "Blocking vs offloaded", "guidemo.panels.blocking:BlockingPanel"),
    PanelEntry("http", "Many downloads: async vs sync vs threads", "guidemo.panels.http:HttpPanel"),
    PanelEntry("event-loop", "The event loop", "guidemo.panels.event_loop:EventLoopPanel"),
    PanelEntry("callbacks", "Callbacks", "guidemo.panels.callbacks:CallbacksPanel"),
    PanelEntry(
        "coroutines",
        "Coroutines: taking turns on one loop",
        "guidemo.panels.coroutines:CoroutinesPanel",
    ),
    PanelEntry(
        "futures", "Futures: a result that arrives later", "guidemo.panels.futures:FuturesPanel"
    ),
    PanelEntry("dialogs", "Modal dialogs from async code", "guidemo.panels.dialogs:DialogsPanel"),
    PanelEntry(
        "gather",
        "Running a bunch of tasks: gather and friends",
        "guidemo.panels.gather:GatherPanel",
    ),
    PanelEntry(
        "websocket",
        "Server push (WebSocket) vs polling",
        "guidemo.panels.websocket:WebSocketPanel",
    ),
    PanelEntry("tasks", "Tasks, trace and debug mode", "guidemo.panels.tasks:TasksPanel"),
]
SLUGS: list[str] = [entry.slug for entry in PANELS]


def panel_classes() -> list[type[Panel]]:
    """Every panel class, in order (imports every panel module)."""
    return [entry.load() for entry in PANELS]
