"""The http panel measured as a user drives it: paste URLs, click async, wait for every row.

`await measure_http_panel(window, ...)` works inside any running MainWindow (the bench, a
test); `python -m guidemo.bench_http` runs it alone, in fresh offscreen apps, against a
demo server in a process of its own (so the server's work is not the app's lag):

    python -m guidemo.bench_http --requests 1000 --concurrency 100 --latency 0.05 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from typing import Any


async def measure_http_panel(
    window: Any,
    requests: int = 1000,
    concurrency: int = 100,
    latency_s: float = 0.05,
    server: str | None = None,
) -> dict[str, float]:
    """One async run of the http panel over `requests` URLs (the server waits `latency_s`
    before each answer), measured from the click until every row is drawn.

    Lag: the bench's LagProbe (a 10 ms QTimer, like the widgets' own timers) while the
    rows update; also the HUD monitor's view of the same stretch.
    """
    from PySide6 import QtWidgets

    from guidemo.bench import LagProbe, lag_metrics, wait_for

    panel = window.show_panel("http")
    server = server or window.server_url
    lines = [f"{server}/api/data?size=100&latency={latency_s:g}&n={n}" for n in range(requests)]
    panel.findChild(QtWidgets.QPlainTextEdit, "urlEdit").setPlainText("\n".join(lines))
    panel.findChild(QtWidgets.QSpinBox, "concurrencySpin").setValue(concurrency)
    button = panel.findChild(QtWidgets.QPushButton, "asyncButton")
    table = panel.findChild(QtWidgets.QTableWidget, "resultsTable")
    await asyncio.sleep(0.2)  # let the pasted text settle before measuring

    probe = LagProbe(qt=True)
    probe.start()
    started = time.perf_counter()
    button.click()
    await wait_for(button.isEnabled, 300, "the http run to end")
    total = time.perf_counter() - started
    lags = probe.stop()
    hud = window.monitor.stats_since(started)
    rows = table.rowCount()
    ok = sum(table.item(row, 1).text() == "200" for row in range(rows))
    return {
        "total_s": total,
        "requests": requests,
        "rows": rows,
        "ok": ok,
        **lag_metrics("lag", lags),
        "lag_samples": len(lags),
        "hud_p99_ms": hud.p99_ms,
        "hud_max_ms": hud.max_ms,
    }


async def _one_run(args: argparse.Namespace, server: str) -> dict[str, float]:
    from guidemo.bench import main_window

    async with main_window() as window:
        return await measure_http_panel(
            window, args.requests, args.concurrency, args.latency, server=server
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guidemo.bench_http", description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="server latency, seconds")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loop", choices=("guidemo", "qasync"), default="guidemo")
    parser.add_argument("--server", help="a running demo server's URL (default: start one)")
    args = parser.parse_args(argv)

    from guidemo.bench import DemoServerProcess, new_loop, worker_env

    with tempfile.TemporaryDirectory(prefix="guidemo-bench-http-") as config:
        process = None if args.server else DemoServerProcess(worker_env(config))
        server = args.server or process.url  # type: ignore[union-attr]
        try:
            loop = new_loop(args.loop)
            results = []
            with asyncio.Runner(loop_factory=lambda: loop) as runner:
                for _ in range(args.runs):
                    results.append(runner.run(_one_run(args, server)))
                    print(json.dumps(results[-1]), flush=True)
        finally:
            if process is not None:
                process.stop()
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(
        f"http panel, {args.loop} loop, {args.requests} requests at concurrency "
        f"{args.concurrency}, {args.latency * 1000:g} ms latency, median of {args.runs}: "
        f"total {median['total_s']:.2f} s, UI lag p99 {median['lag_p99']:.1f} ms, "
        f"max {median['lag_max']:.1f} ms (HUD: p99 {median['hud_p99_ms']:.1f}, "
        f"max {median['hud_max_ms']:.1f}); {median['ok']:.0f} of {args.requests} ok"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
