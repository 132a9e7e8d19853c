"""`guidemo bench`: the command runs every workload on every loop, prints the table with the
machine's facts, and writes every number to --json. Speed targets are the bench's business,
not this test's: it checks that the measurements happened, not how fast they were. The
websocket panel's measuring hook is checked here too, in the test window."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets

from guidemo.bench import LOOPS, QT_LOOPS, SLEEPS_QUICK, WORKLOADS
from guidemo.bench.push_latency import measure_push_latency

QUICK_BENCH_TIMEOUT_S = 420  # about 60 s on a quiet machine, 2 min in the parallel suite


def guidemo(*args: str, tmp_path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "guidemo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_quick_bench_prints_the_table_writes_the_json_and_did_the_work(tmp_path):
    """One test, one `guidemo bench --quick --json F` (about a minute): a fixture shared by
    several tests would run it once on each parallel worker that picks one of them."""
    out = tmp_path / "bench.json"
    done = guidemo(
        "bench", "--quick", "--json", str(out), tmp_path=tmp_path, timeout=QUICK_BENCH_TIMEOUT_S
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    report = json.loads(out.read_text())
    check_table(done.stdout)
    check_json(report)
    check_work(report)


def check_table(stdout: str) -> None:
    """The table shows the machine, the loops and every figure."""
    lines = stdout.splitlines()
    assert re.search(r"\d+ cores \(\d+ usable\)", stdout), stdout[:400]
    for fact in ("CPU:", "RAM", "Python 3.", "PySide6 6.", "qasync 0.", "aiohttp 3."):
        assert fact in stdout, fact
    header = next(line for line in lines if line.startswith("metric"))
    assert header.split() == ["metric", *LOOPS, "guidemo/asyncio", "qasync/asyncio"]

    def row(label: str) -> list[str]:
        found = [line for line in lines if line.strip().startswith(label)]
        assert found, f"no row {label!r} in:\n{stdout}"
        return found[0][len(found[0]) - len(found[0].lstrip()) + len(label) :].split()

    # requests/s: three numbers, then two ratios to plain asyncio
    rps = row("HTTP saturated: requests/s")
    assert len(rps) == 5 and rps[3].endswith("x") and rps[4].endswith("x"), rps
    assert all(float(cell.replace(",", "")) > 0 for cell in rps[:3]), rps
    # Qt-only workloads say n/a for plain asyncio, and have numbers for both Qt loops
    for label in ("HTTP 50 ms + table rows: total s", "cold start to painted window, s"):
        cells = row(label)
        assert cells[0] == "n/a" and all(float(cell) > 0 for cell in cells[1:3]), cells
    for label in ("sleep(1 ms) late by", "freeze detection error", "WS push->screen @500/s"):
        row(label)
    # task accounting off / on on every loop, then its cost in %
    rates = [c for c in row("task accounting off / on: req/s") if c != "/"]
    assert len(rates) == 6 and all(float(c.replace(",", "")) > 0 for c in rates), rates
    assert len(row("accounting cost: req/s / CPU, %")) == 3 * 3  # "a / b" per loop
    # one explanation line per figure
    assert "- HTTP saturated: requests/s:" in stdout
    assert "NEGATIVE = returned EARLY" in stdout


def check_json(report: dict[str, Any]) -> None:
    """The JSON has every workload for every loop, with numbers."""
    assert report["mode"] == "quick" and report["runs"] == 1
    assert report["machine"]["cores"] >= 1 and report["machine"]["python"].startswith("3.")
    assert set(report["results"]) == set(WORKLOADS)
    for name, per_loop in report["results"].items():
        assert set(per_loop) == set(LOOPS), name
        for loop, cell in per_loop.items():
            if loop not in WORKLOADS[name].loops:
                assert loop == "asyncio" and name != "http_saturation"
                assert cell["applicable"] is False and cell["summary"] is None
                continue
            assert cell["applicable"] is True, (name, loop)
            assert [run["ok"] for run in cell["runs"]] == [True], (name, loop, cell["runs"])
            summary = cell["summary"]
            assert summary and all(is_number(value) for value in summary.values()), (
                name,
                loop,
                summary,
            )


def check_work(report: dict[str, Any]) -> None:
    """The workloads did the work they claim."""
    results = report["results"]
    for loop in LOOPS:
        run = results["http_saturation"][loop]["runs"][0]
        assert run["metrics"]["failed"] == 0, (loop, run)
        assert len(run["samples"]["lag_ms"]) >= 3, (loop, "the lag probe ran")
        timers = results["timers"][loop]["runs"][0]["samples"]
        assert [len(timers[f"sleep_{round(d * 1000)}ms"]) for d, _ in SLEEPS_QUICK] == [
            count for _, count in SLEEPS_QUICK
        ]
        assert results["callbacks"][loop]["runs"][0]["metrics"]["chained_per_s"] > 1000
        accounted = results["http_accounting"][loop]["runs"][0]["metrics"]
        params = report["params"]["http_accounting"]
        assert accounted["failed"] == 0, (loop, accounted)
        # the "on" rounds really accounted for their workers (100 per round)
        assert accounted["tasks_accounted"] >= params["rounds"] * params["concurrency"]
    # the plain-asyncio column really ran without Qt
    for name in ("http_saturation", "timers", "callbacks"):
        assert results[name]["asyncio"]["runs"][0]["qt_loaded"] is False, name
    for loop in QT_LOOPS:
        latency = results["http_latency"][loop]["runs"][0]["metrics"]
        assert latency["failed"] == 0
        assert latency["rows_filled"] == report["params"]["http_latency"]["requests"]
        # 100 requests of 50 ms, 100 at a time, cannot take less than 50 ms
        assert latency["total_s"] >= 0.05
        panel = results["http_panel"][loop]["runs"][0]["metrics"]
        assert panel["failed"] == 0 and panel["rows"] == latency["rows_filled"], panel
        app = results["cold_start"][loop]["runs"][0]["metrics"]
        assert app["exit_code"] == 0 and app["stderr_bytes"] == 0, results["cold_start"][loop]
        freeze = results["freeze"][loop]["runs"][0]
        assert len(freeze["samples"]["signed_error_ms"]) == 1
        assert results["websocket"][loop]["summary"]["push_500_p50"] > 0
    ratios = results["http_saturation"]["guidemo"]["ratios"]
    assert is_number(ratios["requests_per_s"]) and ratios["requests_per_s"] > 0


@pytest.mark.timeout(30)
def test_unknown_workload_is_refused_with_the_valid_names(tmp_path):
    done = guidemo("bench", "--only", "nope", tmp_path=tmp_path, timeout=25)
    assert done.returncode == 2
    assert "unknown loop or workload: nope" in done.stderr
    assert "http_saturation" in done.stderr


@pytest.mark.timeout(30)
def test_the_bench_and_its_workers_import_without_qt():
    """The plain-asyncio worker imports the whole package: none of it may load Qt."""
    code = (
        "import sys, guidemo.bench, guidemo.bench.__main__; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'guidemo.panels', "
        "'guidemo.ui'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=25, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


@pytest.mark.needs_quiet
@pytest.mark.timeout(60)
def test_measure_push_latency_for_the_benchmark(window, run):
    result = run(measure_push_latency(window, rate=100, seconds=1.0, warmup=0.2))
    assert result["messages"] >= 60, result
    assert 0 < result["p50_ms"] <= result["p99_ms"] < 500, result
    status = window.panels["websocket"].findChild(QtWidgets.QLabel, "wsStatusLabel")
    assert "Not connected" in status.text()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("where", ["/nonexistent/x.json", "/proc/x.json", "DIR"])
def test_a_json_path_that_cannot_be_written_is_refused_before_running(tmp_path, where):
    path = str(tmp_path) if where == "DIR" else where  # a directory is no file to write
    started = time.perf_counter()
    done = guidemo(
        "bench", "--quick", "--only", "timers", "--loops", "asyncio", "--json", path,
        tmp_path=tmp_path, timeout=50,
    )  # fmt: skip
    took = time.perf_counter() - started
    assert done.returncode == 2, done.stderr[-800:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("guidemo bench: cannot write"), done.stderr
    assert path in lines[0]
    assert done.stdout == "", "nothing ran"
    assert took < 20


def test_results_that_cannot_be_written_at_the_end_go_to_a_temp_file(capsys):
    from guidemo.bench.run import save_report

    report = {"mode": "quick", "results": {"timers": {"asyncio": {"summary": {"p50": 1.0}}}}}
    assert save_report(report, Path("/proc/gone/x.json")) is False
    err = capsys.readouterr().err
    assert "/proc/gone/x.json" in err and err.count("\n") == 1
    fallback = Path(err.split(" written to ")[1].strip())
    try:
        assert json.loads(fallback.read_text()) == report
    finally:
        fallback.unlink()
