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
    nav: str = ""  # a shorter name for the navigator, when the title is long

    def load(self) -> type[Panel]:
        module_name, class_name = self.path.split(":")
        return getattr(importlib.import_module(module_name), class_name)


# In the lecture's order: the overview, blocking, the loop and its callbacks, coroutines
# and futures, dialogs (the GUI's own trap), the loop as a script, running many tasks,
# real HTTP work (and throttling, and the threaded exercise), server push, the inspector.
P = "guidemo.panels."
PANELS: list[PanelEntry] = [
    PanelEntry("start", "Start here: waiting for many things at once", P + "start:StartPanel",
               nav="Start here"),
    PanelEntry("blocking", "Blocking vs offloaded", P + "blocking:BlockingPanel"),
    PanelEntry("event-loop", "The event loop", P + "event_loop:EventLoopPanel"),
    PanelEntry("callbacks", "Callbacks", P + "callbacks:CallbacksPanel"),
    PanelEntry("coroutines", "Coroutines: taking turns on one loop",
               P + "coroutines:CoroutinesPanel", nav="Coroutines"),
    PanelEntry("futures", "Futures: a result that arrives later", P + "futures:FuturesPanel",
               nav="Futures and awaitables"),
    PanelEntry("dialogs", "Modal dialogs from async code", P + "dialogs:DialogsPanel",
               nav="Modal dialogs"),
    PanelEntry("scripts", "Scripts: the loop without a GUI", P + "scripts:ScriptsPanel",
               nav="The loop as a script"),
    PanelEntry("gather", "Running a bunch of tasks: gather and friends",
               P + "gather:GatherPanel", nav="Running many tasks"),
    PanelEntry("http", "Many downloads: async vs sync vs threads", P + "http:HttpPanel",
               nav="HTTP: async vs sync vs threads"),
    PanelEntry("limits", "Limits: why you throttle", P + "limits:LimitsPanel",
               nav="Limits and throttling"),
    PanelEntry("downloader", "Downloader: a pool of workers and a queue",
               P + "downloader:DownloaderPanel", nav="Downloader: workers + queue"),
    PanelEntry("websocket", "Server push (WebSocket) vs polling", P + "websocket:WebSocketPanel",
               nav="Server push (WebSocket)"),
    PanelEntry("tasks", "Tasks, trace and debug mode", P + "tasks:TasksPanel",
               nav="Task inspector"),
]  # fmt: skip
SLUGS: list[str] = [entry.slug for entry in PANELS]


def panel_classes() -> list[type[Panel]]:
    """Every panel class, in order (imports every panel module)."""
    return [entry.load() for entry in PANELS]
