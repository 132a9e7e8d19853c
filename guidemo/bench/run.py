"""`guidemo bench`: schedule the workers, collect their records, print and write the report.

Runs are interleaved (run 1 of every workload and loop, then run 2, ...), and the loop
order turns round each run, so a noisy minute on the machine hits every loop alike.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from guidemo.bench.measure import LOOPS
from guidemo.bench.processes import DemoServerProcess, no_nan, spawn_worker, worker_env
from guidemo.bench.report import (
    anomalies,
    machine_facts,
    render_header,
    render_table,
    summarize_report,
)
from guidemo.bench.workloads import WORKLOADS
from guidemo.paths import cannot_write


def run_bench(
    quick: bool,
    json_path: Path | None,
    loops: list[str] | None = None,
    runs: int | None = None,
    workloads: list[str] | None = None,
) -> int:
    """Run every selected (run, workload, loop) in its own process, print the table,
    write the JSON; return 0 if every worker succeeded, else 1."""
    loops = list(loops or LOOPS)
    names = list(workloads or WORKLOADS)
    unknown = [x for x in loops if x not in LOOPS] + [x for x in names if x not in WORKLOADS]
    if unknown:
        print(f"guidemo bench: unknown loop or workload: {', '.join(unknown)}", file=sys.stderr)
        print(f"  loops: {', '.join(LOOPS)}; workloads: {', '.join(WORKLOADS)}", file=sys.stderr)
        return 2
    refused = cannot_write(json_path) if json_path is not None else None
    if refused is not None:  # said now, not after minutes of measuring
        print(f"guidemo bench: cannot write {str(json_path)!r}: {refused}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    report: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "runs": runs or (1 if quick else 3),
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "params": {name: getattr(WORKLOADS[name], "quick" if quick else "full") for name in names},
        "results": {name: {loop: {"runs": []} for loop in loops} for name in names},
    }
    run_all(report, timeout=60 if quick else None)
    failures = summarize_report(report)
    report["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(render_header(report), render_table(report), sep="\n\n")
    print(
        f"\n{report['seconds']:.0f} s in all. Whatever else this machine did meanwhile is in\n"
        "these numbers: compare the loops within one bench, not across benches."
    )
    notes = anomalies(report)
    if notes:
        print("\nNOTES:\n" + "\n".join(f"- {note}" for note in notes))
    saved = save_report(report, json_path) if json_path is not None else True
    return 1 if failures or not saved else 0


def save_report(report: dict[str, Any], path: Path) -> bool:
    """Write the JSON to `path`; if that fails after all, to a temporary file, and say
    where in one line (minutes of measuring are never lost). True if `path` was written."""
    text = json.dumps(no_nan(report), indent=1)
    try:
        path.write_text(text)
        return True
    except OSError as error:
        with tempfile.NamedTemporaryFile(
            "w", prefix="guidemo-bench-", suffix=".json", delete=False
        ) as fallback:
            fallback.write(text)
        why = error.strerror or str(error)
        print(
            f"guidemo bench: cannot write {str(path)!r} ({why}); the results are written to "
            f"{fallback.name}",
            file=sys.stderr,
        )
        return False


def schedule(report: dict[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(run, workload, loop) in the order they run: run 1 of every workload on every loop,
    then run 2, ...; the loops' order turns round from run to run, so none always goes
    first, and a noisy minute on the machine hits all loops alike."""
    loops = list(next(iter(report["results"].values())))
    for run in range(report["runs"]):
        order = loops[run % len(loops) :] + loops[: run % len(loops)]
        for name in report["results"]:
            for loop in order:
                if loop in WORKLOADS[name].loops:
                    yield run, name, loop


def run_all(report: dict[str, Any], timeout: float | None) -> None:
    """Run every worker of the schedule; collect its record into report["results"]."""
    with tempfile.TemporaryDirectory(prefix="guidemo-bench-") as config:
        env = worker_env(config)
        needs_server = any(WORKLOADS[name].needs_server for name in report["results"])
        server = DemoServerProcess(env) if needs_server else None
        try:
            for run, name, loop in schedule(report):
                params = dict(report["params"][name], server=server and server.url)
                record = spawn_worker(loop, name, params, env, timeout or WORKLOADS[name].timeout_s)
                report["results"][name][loop]["runs"].append(record)
                last_error = (record.get("error") or "").strip().splitlines()[-1:]
                print(
                    f"bench: run {run + 1}/{report['runs']} {name:<16} {loop:<8} "
                    f"{record.get('wall_s', 0):5.1f} s {'ok' if record['ok'] else 'FAILED'} "
                    + "".join(last_error),
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            if server is not None:
                server.stop()
