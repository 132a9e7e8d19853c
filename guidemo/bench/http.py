"""The HTTP workloads: a saturated client, slow answers drawn into a table, the http panel.

They talk to the demo server in a process of its own (`guidemo serve`), so the server's
work never counts as the client loop's work or lag. `measure_http_panel` also runs alone,
in fresh offscreen apps:

    python -m guidemo.bench http_panel --requests 1000 --concurrency 100 --latency 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from guidemo.bench.measure import (
    QT_LOOPS,
    LagProbe,
    Params,
    Result,
    lag_metrics,
    main_window,
    wait_for,
)
from guidemo.bench.processes import DemoServerProcess, new_loop, no_nan, worker_env


async def get_many(
    session: Any,
    url: str,
    count: int,
    concurrency: int,
    on_result: Callable[[int, Any], None] | None = None,
) -> int:
    """GET `url` `count` times, `concurrency` at a time, with the app's own `fetch`.

    `concurrency` worker tasks share one iterator of request numbers, as the http panel's
    fetch_all_async does. Returns how many requests failed.
    """
    from guidemo.net import fetch

    numbers = iter(range(count))
    failed = 0

    async def worker() -> None:
        nonlocal failed
        for number in numbers:
            result = await fetch(session, url)
            failed += not result.ok
            if on_result is not None:
                on_result(number, result)

    async with asyncio.TaskGroup() as workers:
        for _ in range(min(concurrency, count)):
            workers.create_task(worker())
    return failed


async def http_saturation(loop_kind: str, p: Params) -> Result:
    """As many GETs as the loop can drive: requests/s, client CPU per request, loop lag.

    The connections are opened by a warm-up round first, so the figure is the steady
    state of a busy client, not TCP set-up. CPU is this process's CPU time (all threads).
    """
    import aiohttp

    url = f"{p['server']}/api/data?size=100"
    connector = aiohttp.TCPConnector(limit=p["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        await get_many(session, url, p["concurrency"], p["concurrency"])  # warm-up
        probe = LagProbe(qt=loop_kind in QT_LOOPS)
        probe.start()
        cpu, wall = time.process_time(), time.perf_counter()
        failed = await get_many(session, url, p["requests"], p["concurrency"])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        lags = probe.stop()
    metrics = {
        "requests_per_s": p["requests"] / wall,
        "cpu_us_per_request": cpu / p["requests"] * 1e6,
        "failed": failed,
        **lag_metrics("lag", lags),
    }
    return {"metrics": metrics, "samples": {"lag_ms": lags}}


async def http_accounting(loop_kind: str, p: Params) -> Result:
    """What per-task accounting (guidemo.task_accounting, the tasks panel's columns)
    costs: the saturated GETs of http_saturation, with accounting off and on in turns.

    Off and on alternate within one process and one session, `rounds` times each (the
    order flips every round), so both see the same connections and the same minute of
    the machine; the cost is the median over rounds of 1 - on/off (requests/s) and of
    on/off - 1 (CPU per request), in %.
    """
    import aiohttp

    from guidemo.task_accounting import TaskAccounting

    accounting = TaskAccounting.of(asyncio.get_running_loop())
    url = f"{p['server']}/api/data?size=100"
    connector = aiohttp.TCPConnector(limit=p["concurrency"])
    rates: dict[str, list[float]] = {"off": [], "on": []}  # requests/s of each round
    cpus: dict[str, list[float]] = {"off": [], "on": []}  # client CPU µs per request
    failed = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        await get_many(session, url, p["concurrency"], p["concurrency"])  # warm-up
        for round_ in range(p["rounds"]):
            for on in (False, True) if round_ % 2 == 0 else (True, False):
                if on:
                    accounting.enable()
                cpu, wall = time.process_time(), time.perf_counter()
                failed += await get_many(session, url, p["requests"], p["concurrency"])
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                accounting.disable()
                rates["on" if on else "off"].append(p["requests"] / wall)
                cpus["on" if on else "off"].append(cpu / p["requests"] * 1e6)
    median = statistics.median
    rate_pairs = list(zip(rates["off"], rates["on"], strict=True))
    cpu_pairs = list(zip(cpus["off"], cpus["on"], strict=True))
    metrics = {
        "requests_per_s_off": median(rates["off"]),
        "requests_per_s_on": median(rates["on"]),
        "cpu_us_per_request_off": median(cpus["off"]),
        "cpu_us_per_request_on": median(cpus["on"]),
        "cost_pct": median((1 - on / off) * 100 for off, on in rate_pairs),
        "cpu_cost_pct": median((on / off - 1) * 100 for off, on in cpu_pairs),
        "tasks_accounted": accounting.tasks_accounted,
        "failed": failed,
    }
    return {"metrics": metrics, "samples": {"requests_per_s": rates, "cpu_us_per_request": cpus}}


async def http_latency(loop_kind: str, p: Params) -> Result:
    """Slow requests (the server waits 50 ms each), each answer written into a row of a
    visible QTableWidget: total time, and how late the UI's timers ran meanwhile."""
    import aiohttp
    from PySide6 import QtWidgets

    url = f"{p['server']}/api/data?size=100&latency={p['latency_s']}"
    table = QtWidgets.QTableWidget(p["requests"], 3)
    table.setHorizontalHeaderLabels(["status", "bytes", "ms"])
    table.resize(800, 600)
    table.show()

    def show_result(row: int, result: Any) -> None:
        for column, text in enumerate((str(result.status), str(result.nbytes), f"{result.ms:.1f}")):
            table.setItem(row, column, QtWidgets.QTableWidgetItem(text))

    connector = aiohttp.TCPConnector(limit=p["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        probe = LagProbe(qt=True)
        probe.start()
        started = time.perf_counter()
        failed = await get_many(session, url, p["requests"], p["concurrency"], show_result)
        total = time.perf_counter() - started
        lags = probe.stop()
    filled = sum(table.item(row, 0) is not None for row in range(table.rowCount()))
    table.close()
    table.deleteLater()
    metrics = {
        "total_s": total,
        "failed": failed,
        "rows_filled": filled,
        **lag_metrics("lag", lags),
    }
    return {"metrics": metrics, "samples": {"lag_ms": lags}}


async def http_panel(loop_kind: str, p: Params) -> Result:
    """The same slow requests through the real http panel of a real MainWindow, driven as
    a user would (URLs pasted, asyncButton clicked): measure_http_panel. Compared with
    http_latency, this adds what the app really does per answer."""
    async with main_window() as window:
        found = await measure_http_panel(
            window, p["requests"], p["concurrency"], p["latency_s"], server=p["server"]
        )
    metrics = {key: value for key, value in found.items() if key not in ("requests", "ok")}
    metrics["failed"] = found["requests"] - found["ok"]
    return {"metrics": metrics, "samples": {"measured": found}}


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


# --- the http panel alone: `python -m guidemo.bench http_panel ...` ----------------------
def http_panel_main(argv: list[str]) -> int:
    """Measure the http panel `--runs` times in one fresh offscreen app; print each run as
    JSON, then the medians in one line."""
    parser = argparse.ArgumentParser(
        prog="python -m guidemo.bench http_panel", description=http_panel_main.__doc__
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="server latency, seconds")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loop", choices=QT_LOOPS, default="guidemo")
    parser.add_argument("--server", help="a running demo server's URL (default: start one)")
    args = parser.parse_args(argv)

    async def one_run(server: str) -> dict[str, float]:
        async with main_window() as window:
            return await measure_http_panel(
                window, args.requests, args.concurrency, args.latency, server=server
            )

    with tempfile.TemporaryDirectory(prefix="guidemo-bench-http-") as config:
        process = None if args.server else DemoServerProcess(worker_env(config))
        server = args.server if process is None else process.url
        try:
            loop = new_loop(args.loop)
            results = []
            with asyncio.Runner(loop_factory=lambda: loop) as runner:
                for _ in range(args.runs):
                    results.append(runner.run(one_run(server)))
                    print(json.dumps(no_nan(results[-1])), flush=True)
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
