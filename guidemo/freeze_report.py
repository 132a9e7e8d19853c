"""The freeze report a learner can attach to a question: Markdown for people, JSON beside it.

Built from what the monitor recorded (freezes with their profiles, pauses, the last lag
samples) and the facts the numbers depend on (loop kind, versions). Qt-free.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guidemo.monitor import Freeze, Pause


def versions() -> dict[str, str]:
    """Python and the libraries whose behaviour the numbers depend on."""
    import importlib.metadata  # on first use: 30 ms the app's start-up need not pay

    def version(*distributions: str) -> str:
        for name in distributions:
            try:
                return importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
        return "?"

    return {
        "python": platform.python_version(),
        "guidemo": version("guidemo"),
        "pyside6": version("PySide6-Essentials", "PySide6"),
        "qasync": version("qasync"),
        "aiohttp": version("aiohttp"),
        "platform": platform.platform(),
    }


def _cpu_wait(freeze: dict[str, Any]) -> str:
    """How much of a freeze the GUI thread waited for a CPU (other programs had them)."""
    waited = freeze.get("cpu_wait_s", 0.0)
    return f"; {waited:.2f} s of it waiting for a CPU" if waited >= 0.01 else ""


def report_data(
    loop_kind: str,
    freezes: Sequence[Freeze],
    pauses: Sequence[Pause],
    lags: Sequence[tuple[float, float]],
) -> dict[str, Any]:
    """Everything the report says, as plain data (what the JSON file holds)."""
    now = time.perf_counter()
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loop": loop_kind,
        "versions": versions(),
        "freezes": [asdict(freeze) for freeze in freezes],
        "pauses": [asdict(pause) for pause in pauses],
        "lag_ms_last_10_s": [[round(when - now, 3), round(lag, 2)] for when, lag in lags],
    }


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def report_markdown(data: dict[str, Any]) -> str:
    """The report as Markdown: what froze, where, for how long, on what."""
    v = data["versions"]
    lines = [
        "# guidemo freeze report",
        "",
        f"Created {data['created']} on the **{data['loop']}** loop; Python {v['python']}, "
        f"guidemo {v['guidemo']}, PySide6 {v['pyside6']}, qasync {v['qasync']}, "
        f"aiohttp {v['aiohttp']}; {v['platform']}.",
        "",
        f"## Freezes ({len(data['freezes'])}): the GUI thread did not get back to the loop",
        "",
    ]
    if not data["freezes"]:
        lines.append("None recorded.")
    for freeze in data["freezes"]:
        who = "guidemo's own display code" if freeze["own"] else "lesson code"
        lines.append(
            f"- **{freeze['duration_s']:.2f} s** at {_clock(freeze['at'])} in `{freeze['where']}`"
            f" (panel `{freeze['panel'] or '?'}`, {who}{_cpu_wait(freeze)})"
        )
        for path, share in freeze["profile"][:5]:
            lines.append(f"  - {share:.0%} `{path}`")
    lines += [
        "",
        f"## Pauses ({len(data['pauses'])}): asyncio held by a nested Qt event loop",
        "",
    ]
    if not data["pauses"]:
        lines.append("None recorded.")
    for pause in data["pauses"]:
        lines.append(
            f"- **{pause['duration_s']:.2f} s** at {_clock(pause['at'])} by `{pause['where']}`"
            f" (panel `{pause['panel'] or '?'}`)"
        )
    lags = [lag for _, lag in data["lag_ms_last_10_s"]]
    worst = max(lags, default=0.0)
    lines += [
        "",
        "## Loop lag, last 10 s",
        "",
        f"{len(lags)} probes, worst {worst:.1f} ms; every sample (seconds before the "
        "report, ms late) is in the JSON file beside this one.",
        "",
    ]
    return "\n".join(lines)


def save_report(directory: Path, data: dict[str, Any]) -> Path:
    """Write `guidemo-freezes-<time>.md` and `.json` into `directory`; return the .md path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / time.strftime("guidemo-freezes-%Y%m%d-%H%M%S")
    markdown = stem.with_suffix(".md")
    markdown.write_text(report_markdown(data), encoding="utf-8")
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return markdown
