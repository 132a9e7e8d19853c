"""`guidemo bench`: the three event loops side by side, measured the same way.

What it compares:
  asyncio  plain `asyncio.new_event_loop()`, no Qt at all: the limit this stack can reach;
  qasync   stock `qasync.QEventLoop`: asyncio re-implemented on Qt timers and notifiers;
  guidemo  guidemo's own loop (guidemo/loop.py): asyncio's loop, with Qt doing the waiting.

How it measures, and why that way:
- Every (run, workload, loop) is a FRESH process (`python -m guidemo.bench _worker LOOP
  WORKLOAD PARAMS`) that prints one JSON line. No loop inherits another's sockets, timers,
  caches or garbage, and a crash spoils one cell, not the table.
- Runs are interleaved (run 1 of every workload and loop, then run 2, ...), and the loop
  order turns round each run, so a noisy minute on the machine hits every loop alike.
  Each cell is the median of its runs; a ratio "x/asyncio" is the median of the ratios of
  runs made side by side (run r of x over run r of asyncio), not a ratio of medians.
- Loop lag is measured by the same probe on every loop (LagProbe): a timer due every
  PROBE_INTERVAL_S, re-armed each time it fires; its lag is how late it fired. On the Qt
  loops the timer is a QTimer, so the figure is what a window's own timers and repaints
  suffer; plain asyncio has no Qt, so there it is a `call_later`.
- The HTTP workloads talk to the demo server in a process of its own (`guidemo serve`),
  so the server's work never counts as the client loop's work or lag.

The modules, lowest first (each imports only those above it):
  measure       the loops, a result's shape, LagProbe, wait_for, a real MainWindow
  processes     worker and server processes, their environment, reading their output
  push_latency  the websocket panel's push-to-screen delay (a hook the bench drives)
  http, loops, app, tour   the workloads: HTTP; timers and callbacks; the real app; the
                guided tour walked (guidemo's own longest stall)
  workloads     the registry (`--only` names) and running one workload in a worker
  report        medians, paired ratios, the table, the machine's facts
  run           run_bench: schedule the workers, print the table, write the JSON
  __main__      `python -m guidemo.bench _worker ...` (and `http_panel ...`)
Nothing here imports Qt, guidemo.panels or guidemo.ui at module level: the plain-asyncio
worker must not load Qt at all.
"""

from guidemo.bench.measure import LOOPS, QT_LOOPS
from guidemo.bench.run import run_bench
from guidemo.bench.workloads import SLEEPS_FULL, SLEEPS_QUICK, WORKLOADS, Workload

__all__ = ["LOOPS", "QT_LOOPS", "SLEEPS_FULL", "SLEEPS_QUICK", "WORKLOADS", "Workload", "run_bench"]
