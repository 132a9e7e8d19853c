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
    blurb: str = ""  # what the learner sees there, in one line (the start page lists it)

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
    PanelEntry("blocking", "Blocking vs offloaded", P + "blocking:BlockingPanel",
               blurb="The same slow job in the click handler (the window freezes), in a "
               "thread, a QThread and a process (it does not)."),
    PanelEntry("event-loop", "The event loop", P + "event_loop:EventLoopPanel",
               blurb="A toy event loop you can watch, then Qt's own queue behind a slow "
               "handler."),
    PanelEntry("callbacks", "Callbacks", P + "callbacks:CallbacksPanel",
               blurb="call_soon, call_later, call_at and call_soon_threadsafe, timed; "
               "callbacks against await."),
    PanelEntry("coroutines", "Coroutines: taking turns on one loop",
               P + "coroutines:CoroutinesPanel", nav="Coroutines",
               blurb="Many coroutines taking turns, a coroutine never awaited, generators "
               "stepped by hand, giving up control."),
    PanelEntry("futures", "Futures: a result that arrives later", P + "futures:FuturesPanel",
               nav="Futures and awaitables",
               blurb="A Future you resolve by hand, a thread pool's future, and what "
               "`await` accepts."),
    PanelEntry("dialogs", "Modal dialogs from async code", P + "dialogs:DialogsPanel",
               nav="Modal dialogs",
               blurb="dialog.exec() inside a coroutine holds every task; await ask(dialog) "
               "does not."),
    PanelEntry("scripts", "Scripts: the loop without a GUI", P + "scripts:ScriptsPanel",
               nav="The loop as a script",
               blurb="The lecture's programs run as real scripts in a child process, their "
               "output streamed live."),
    PanelEntry("gather", "Running a bunch of tasks: gather and friends",
               P + "gather:GatherPanel", nav="Running many tasks",
               blurb="Factorials one after another, with gather, as_completed and a "
               "TaskGroup; and when one fails."),
    PanelEntry("http", "Many downloads: async vs sync vs threads", P + "http:HttpPanel",
               nav="HTTP: async vs sync vs threads",
               blurb="The lecture's news reader three ways, drawn as a waterfall, and every "
               "kind of HTTP fault."),
    PanelEntry("limits", "Limits: why you throttle", P + "limits:LimitsPanel",
               nav="Limits and throttling",
               blurb="An API that answers 429 to greedy clients: no limit, a semaphore, a "
               "token bucket."),
    PanelEntry("downloader", "Downloader: a pool of workers and a queue",
               P + "downloader:DownloaderPanel", nav="Downloader: workers + queue",
               blurb="The lecture's exercise: threads and a queue, tasks and a queue, a "
               "thread pool."),
    PanelEntry("websocket", "Server push (WebSocket) vs polling", P + "websocket:WebSocketPanel",
               nav="Server push (WebSocket)",
               blurb="Ticks pushed over a WebSocket against polling; why async servers hold "
               "many connections cheaply."),
    PanelEntry("lab", "Code lab: edit and run asyncio code", P + "lab:LabPanel", nav="Code lab",
               blurb="Your own asyncio code on the live loop: eight exercises that check "
               "themselves, and a rescue for code that freezes the window."),
    PanelEntry("tasks", "Tasks, trace and debug mode", P + "tasks:TasksPanel",
               nav="Task inspector",
               blurb="Every task: where it waits, where its time went, who waits for whom, "
               "who cancelled it."),
    PanelEntry("cancellation", "Cancellation, timeouts and lost tasks",
               P + "cancellation:CancellationPanel", nav="Cancellation and lost tasks",
               blurb="Beyond the lecture: where CancelledError lands, what shield() and "
               "uncancel() do; tasks and errors lost to the garbage collector."),
    PanelEntry("backpressure", "Back-pressure: a fast producer, a slow consumer, a queue",
               P + "backpressure:BackpressurePanel", nav="Back-pressure (queues)",
               blurb="Beyond the lecture: an unbounded queue grows without end; "
               "Queue(maxsize=N) makes put() wait, so the producer slows down."),
    PanelEntry("races", "Races across an await: one thread is not enough",
               P + "races:RacesPanel", nav="Races across an await",
               blurb="Beyond the lecture: a check-then-act with an await in the gap loses "
               "updates on one thread; asyncio.Lock fixes it."),
    PanelEntry("hidden-blocking", "Blocking inside async def",
               P + "hidden_blocking:HiddenBlockingPanel",
               blurb="time.sleep, a blocking HTTP client and a CPU loop in a coroutine: found "
               "by the HUD, the slow step and debug mode; fixed three ways."),
    PanelEntry("async-iteration", "async with, async for and async generators",
               P + "async_iteration:AsyncIterationPanel", nav="async for and generators",
               blurb="A download read chunk by chunk with async for, an async iterator by "
               "hand, an async generator stopped early and its finally."),
    PanelEntry("selector", "How the loop knows a socket is ready",
               P + "selector:SelectorPanel", nav="The selector under the loop",
               blurb="Beyond the lecture: the fds the loop waits on, which became ready, how "
               "long it slept; and async/await on a loop of twenty lines."),
]  # fmt: skip
SLUGS: list[str] = [entry.slug for entry in PANELS]


def panel_classes() -> list[type[Panel]]:
    """Every panel class, in order (imports every panel module)."""
    return [entry.load() for entry in PANELS]
