"""From the workers' records to what a reader sees: medians, paired ratios, the table.

Each cell is the median of its runs; a ratio "x/asyncio" is the median of the ratios of
runs made side by side (run r of x over run r of asyncio), not a ratio of medians.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import math
import os
import platform
import statistics
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guidemo.bench.measure import LOOPS
from guidemo.bench.workloads import SLEEPS_FULL, WORKLOADS


# --- combining runs ----------------------------------------------------------------------
def aggregate(metric: str, values: list[float]) -> float:
    """Combine one metric over runs: the median, except for worst cases, which stay worst:
    the earliest timer of all runs, the largest error of all runs."""
    if not values:
        return math.nan
    if metric.endswith("_earliest"):
        return min(values)
    if metric.endswith("_error_max"):
        return max(values)
    return statistics.median(values)


def summarize(runs: list[dict[str, Any]]) -> dict[str, float]:
    names = {name for run in runs if run["ok"] for name in run["metrics"]}
    summary = {}
    for name in sorted(names):
        values = [run["metrics"][name] for run in runs if run["ok"]]
        summary[name] = aggregate(name, [v for v in values if v is not None])
    return summary


def paired_ratio(runs: list[dict[str, Any]], base: list[dict[str, Any]], metric: str) -> float:
    """Median over run indices r of runs[r] / base[r]: each pair was measured side by side."""
    ratios = []
    for run, ref in zip(runs, base, strict=False):
        if run["ok"] and ref["ok"]:
            value, ref_value = run["metrics"].get(metric), ref["metrics"].get(metric)
            if value is not None and ref_value:
                ratios.append(value / ref_value)
    return statistics.median(ratios) if ratios else math.nan


def summarize_report(report: dict[str, Any]) -> int:
    """Add to every cell its summary (medians over runs) and its paired ratios to plain
    asyncio; mark the cells a workload does not apply to. Returns how many workers failed."""
    failures = 0
    for name, per_loop in report["results"].items():
        workload = WORKLOADS[name]
        for loop, record in per_loop.items():
            record["applicable"] = loop in workload.loops
            if not record["applicable"]:
                record.update(summary=None, reason="needs Qt: a window, or the app itself")
                continue
            failures += sum(not run["ok"] for run in record["runs"])
            record["summary"] = summarize(record["runs"])
            if loop != "asyncio" and "asyncio" in per_loop and "asyncio" in workload.loops:
                base = per_loop["asyncio"]["runs"]
                ratio_keys = [row.keys[0] for row in ROWS if row.workload == name and row.ratio]
                record["ratios"] = {
                    key: paired_ratio(record["runs"], base, key) for key in ratio_keys
                }
    return failures


def anomalies(report: dict[str, Any]) -> list[str]:
    """What a reader must not miss: failed workers, failed requests, an unclean exit."""
    notes = []
    for name, per_loop in report["results"].items():
        for loop, record in per_loop.items():
            for index, run in enumerate(record["runs"], start=1):
                if not run["ok"]:
                    notes.append(f"{name} on {loop}, run {index}: {run['error'][:300]}")
                    continue
                metrics = run["metrics"]
                if metrics.get("failed"):
                    notes.append(f"{name} on {loop}, run {index}: {metrics['failed']} failed")
                if loop == "asyncio" and run.get("qt_loaded"):
                    notes.append(f"{name} on asyncio, run {index}: Qt was loaded, it must not be")
                if metrics.get("exit_code") or metrics.get("stderr_bytes"):
                    notes.append(
                        f"{name} on {loop}, run {index}: app exit code {metrics['exit_code']}, "
                        f"stderr: {run['samples']['stderr'][-300:]!r}"
                    )
    return notes


# --- the table -------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One line of the table: one or more metrics of a workload shown in one cell."""

    workload: str
    label: str
    keys: tuple[str, ...]
    digits: int
    explain: str = ""
    ratio: bool = False  # throughput-like: show x/asyncio
    signed: bool = False  # a timer error: show the sign, mark early ones


def _sleep_label(delay: float) -> str:
    return f"{delay:g} s" if delay >= 1 else f"{delay * 1000:g} ms"


ROWS: list[Row] = [
    Row("http_saturation", "HTTP saturated: requests/s", ("requests_per_s",), 0,
        "10,000 GETs (quick: 1,000) of 100 B from `guidemo serve` in its own process, "
        "100 in flight, one ClientSession, guidemo.net.fetch; higher is better. Client and "
        "server share the machine's cores, so this moves with the machine's load; CPU per "
        "request is the steadier figure", ratio=True),
    Row("http_saturation", "  client CPU per request, µs", ("cpu_us_per_request",), 0,
        "the client process's CPU time (process_time) over the run / requests; lower is "
        "better", ratio=True),
    Row("http_saturation", "  loop lag p50 / p99 / max, ms", ("lag_p50", "lag_p99", "lag_max"),
        1, "how late a timer due every 10 ms ran during the run (a QTimer on the Qt loops, "
        "call_later on asyncio); one frame at 60 Hz is 16.7 ms"),
    Row("http_accounting", "  task accounting off / on: req/s",
        ("requests_per_s_off", "requests_per_s_on"), 0,
        "the saturated GETs again (2,000 per round; quick: 500), with guidemo.task_accounting "
        "(the tasks panel's per-task columns) off and on in turns, 10 rounds each (quick: 2) "
        "in one process and session"),
    Row("http_accounting", "  accounting cost: req/s / CPU, %", ("cost_pct", "cpu_cost_pct"),
        1, "median over rounds of 1 - on/off (requests/s) and on/off - 1 (client CPU per "
        "request), in %; target <= 5 %. Requests/s moves with the machine's load, CPU per "
        "request less"),
    Row("http_latency", "HTTP 50 ms + table rows: total s", ("total_s",), 2,
        "1,000 GETs (quick: 100) answered after 50 ms, 100 in flight, each answer written "
        "into a row of a shown QTableWidget; the floor is requests / 100 × 0.05 s"),
    Row("http_latency", "  UI lag p99 / max, ms", ("lag_p99", "lag_max"), 1,
        "how late the QTimer probe ran meanwhile: the wait of a repaint or a click"),
    Row("http_panel", "same via the http panel: total s", ("total_s",), 2,
        "the same requests pasted into the real http panel of a MainWindow and run with "
        "its asyncButton, until every row is drawn (guidemo.bench.http.measure_http_panel)"),
    Row("http_panel", "  UI lag p99 / max, ms", ("lag_p99", "lag_max"), 1),
    *(
        Row("timers", f"sleep({_sleep_label(d)}) late by min/p50/p99, ms",
            tuple(f"sleep_{round(d * 1000)}ms_{s}" for s in ("earliest", "p50", "p99")), 2,
            "" if i else "measured duration of `await asyncio.sleep(d)` minus d, 50 samples "
            "at 1 ms down to 3 at 2 s per run (so p99 is often the largest); NEGATIVE = "
            "returned EARLY (marked !); min is the earliest of all runs",
            signed=True)
        for i, (d, _) in enumerate(SLEEPS_FULL)
    ),
    Row("callbacks", "call_soon chained, callbacks/s", ("chained_per_s",), 0,
        "200,000 (quick: 20,000) callbacks, each scheduling the next: one loop turn each",
        ratio=True),
    Row("callbacks", "call_soon batches of 1,000, /s", ("batched_per_s",), 0,
        "200,000 (quick: 20,000) callbacks, scheduled 1,000 at a time, as when many futures "
        "complete together", ratio=True),
    Row("callbacks", "threadsafe round trip p50 / p99, µs",
        ("threadsafe_rtt_p50_us", "threadsafe_rtt_p99_us"), 0,
        "a thread posts call_soon_threadsafe to the idle loop and waits for the callback's "
        "answer through a queue; 2,000 times (quick: 200)"),
    Row("cold_start", "cold start to painted window, s", ("ready_s",), 2,
        "from spawning `python -m guidemo --loop KIND` (offscreen, no saved settings) to its "
        "'window ready' line, printed once the window is shown and painted; target <= 0.5 s"),
    Row("cold_start", "  idle CPU of the whole app, %", ("idle_cpu_pct",), 2,
        "CPU time of the app process, all threads, over 10 s (quick: 1.5 s) of idling, "
        "from each thread's /proc schedstat (ns); 100 % = one core; target <= 0.3 %"),
    Row("cold_start", "  Ctrl+C: exit code / stderr bytes", ("exit_code", "stderr_bytes"), 0,
        "SIGINT to the idle app: it must exit with 0 and write nothing to stderr"),
    Row("freeze", "freeze detection error med / max, ms", ("abs_error_ms", "abs_error_max"),
        1, "|freeze recorded by the HUD's monitor - time the blockButton handler really "
        "blocked|, 2 s sleep job (quick: 1 s), real MainWindow; target <= 50 ms"),
    Row("websocket", "WS push->screen @100/s p50 / p99, ms", ("push_100_p50",
        "push_100_p99"), 1, "server's time stamp to the websocket panel's frame flush, "
        "measured by guidemo.bench.push_latency.measure_push_latency in a real MainWindow"),
    Row("websocket", "WS push->screen @500/s p50 / p99, ms", ("push_500_p50",
        "push_500_p99"), 1),
    Row("tour", "tour: longest stall at a step change 720p / 1080p z1.5, ms",
        ("own_stall_720p_ms", "own_stall_1080p_zoom15_ms"), 0,
        "the whole guided tour (quick: its first 2 steps) walked in a real MainWindow at "
        "1280x720 and at 1920x1080 zoom 1.5, pressing each step's marked control: the longest "
        "a 10 ms probe timer waited while the tour changed page or drew a takeaway "
        "(guidemo.bench.tour); target <= 50 ms"),
    Row("tour", "  own freezes during the walk, longest, ms",
        ("own_freeze_720p_ms", "own_freeze_1080p_zoom15_ms"), 0,
        "the longest freeze (> 100 ms) the HUD's monitor put down to guidemo's own display "
        "code during the walk, runs included; 0 = none"),
]  # fmt: skip


def format_value(value: float | None, digits: int, signed: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text + "!" if signed and value < 0 else text


def cell(summary: dict[str, float] | None, row: Row) -> str:
    if summary is None:
        return "n/a"
    if not any(key in summary for key in row.keys):
        return "-"
    return " / ".join(format_value(summary.get(key), row.digits, row.signed) for key in row.keys)


def render_table(report: dict[str, Any]) -> str:
    """The results as a fixed-width table, then one line per figure saying what it is."""
    results = report["results"]
    loops = [loop for loop in LOOPS if loop in next(iter(results.values()))]
    compared = [loop for loop in loops if loop != "asyncio"] if "asyncio" in loops else []
    compared.reverse()  # guidemo first: the loop this bench is about
    headers = ["metric", *loops, *(f"{loop}/asyncio" for loop in compared)]
    lines_out: list[list[str]] = []
    explanations = []
    for row in ROWS:
        per_loop = results.get(row.workload)
        if per_loop is None:
            continue
        cells = [cell(per_loop[loop]["summary"], row) for loop in loops]
        if all(text in ("-", "n/a") for text in cells):
            continue  # e.g. the 2 s sleep in --quick mode
        ratios = [ratio_cell(per_loop[loop], row) for loop in compared]
        lines_out.append([row.label, *cells, *ratios])
        if row.explain:
            text = f"- {row.label.strip()}: {row.explain}."
            explanations.append(textwrap.fill(text, 100, subsequent_indent="  "))
    widths = [max(len(line[i]) for line in [headers, *lines_out]) for i in range(len(headers))]

    def fmt(line: list[str]) -> str:
        cells = (text.rjust(width) for text, width in zip(line[1:], widths[1:], strict=True))
        return "  ".join([line[0].ljust(widths[0]), *cells]).rstrip()

    ruler = "-" * len(fmt(headers))
    table = [fmt(headers), ruler, *(fmt(line) for line in lines_out), ruler]
    if compared:
        note = (
            "- x/asyncio: the median of per-run ratios (run r of x / run r of asyncio, "
            "measured one after the other), so it need not equal the ratio of the medians."
        )
        explanations.append(textwrap.fill(note, 100, subsequent_indent="  "))
    return "\n".join([*table, "", *explanations])


def ratio_cell(record: dict[str, Any], row: Row) -> str:
    if not row.ratio:
        return ""
    value = (record.get("ratios") or {}).get(row.keys[0])
    return "-" if value is None or math.isnan(value) else f"{value:.2f}x"


def machine_facts() -> dict[str, Any]:
    """What the numbers depend on: CPU, cores, memory, versions."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = math.nan
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = int(line.split()[1]) / 1024**2

    def version(*distributions: str) -> str:
        for name in distributions:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                return importlib.metadata.version(name)
        return "?"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "pyside6": version("PySide6-Essentials", "PySide6"),
        "qasync": version("qasync"),
        "aiohttp": version("aiohttp"),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def render_header(report: dict[str, Any]) -> str:
    m = report["machine"]
    load = report["machine"].get("load_average_at_start")
    load_text = " / ".join(f"{x:.2f}" for x in load) if load else "?"
    return "\n".join(
        [
            f"guidemo bench ({report['mode']}, median of {report['runs']} run(s) per cell, "
            f"each in a fresh process), {report['started']}",
            f"CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), "
            f"RAM {m['ram_gib']} GiB; load average at start {load_text} (1/5/15 min)",
            f"Python {m['python']}, PySide6 {m['pyside6']}, qasync {m['qasync']}, "
            f"aiohttp {m['aiohttp']}; {m['platform']}",
        ]
    )
