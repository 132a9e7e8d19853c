"""What the http panel says about a run: the warning before a freeze, the question before
a long one, progress, the summary and the speed-up. Plain strings (rich text), no Qt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from guidemo.net import MAX_URLS, UrlLines
from guidemo.panels.http.run import CANCELLED, FAILED, OK, Estimate, Run, RunRecord
from guidemo.widgets import palette

if TYPE_CHECKING:
    from guidemo.monitor import LagStats


def sync_warning(run: Run, estimate: Estimate) -> str:
    requests = 1 + run.count if run.scenario else run.count
    guess = f" for about {estimate.seconds:.1f} s" if estimate.seconds >= 0.1 else ""
    return (
        f"<b style='color:{palette.BAD}'>sync</b>: {requests:,} requests one after another "
        f"in the GUI thread. <b>The window freezes{guess}</b>: nothing is drawn, clicks "
        "wait (even Cancel). That is the point; watch the HUD when it comes back."
    )


def freeze_question(run: Run, estimate: Estimate) -> str:
    """Asked before a sync run expected to freeze the window for long."""
    requests = 1 + run.count if run.scenario else run.count
    return (
        f"<b style='color:{palette.BAD}'>sync</b> would make {requests:,} requests "
        "one after another "
        f"in the GUI thread: the window would freeze for about "
        f"<b>{duration(estimate.seconds)}</b> (from {estimate.basis}), up to "
        f"{duration(estimate.worst)} if every request ran into its timeout. Nothing works "
        "meanwhile, not even Cancel. Freeze it?"
    )


def declined_text() -> str:
    return (
        "<b>sync</b>: not run, the window stays live. Try <b>async</b> or the "
        "<b>thread pool</b>: they wait for the same requests side by side."
    )


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def list_notes(lines: UrlLines) -> list[str]:
    """What became of the pasted lines that are not rows: beyond the cap, blank."""
    notes = []
    if lines.beyond_cap:
        notes.append(
            f"<span style='color:{palette.BAD}'>{lines.beyond_cap:,} more "
            f"{plural(lines.beyond_cap, 'line')} beyond the cap of {MAX_URLS:,} "
            "not requested.</span>"
        )
    if lines.blank:
        notes.append(f"{lines.blank:,} empty {plural(lines.blank, 'line')} skipped.")
    return notes


def progress_text(run: Run, now: float) -> str:
    """During a run: the same numbers as the progress bar, drawn at the same moment."""
    text = (
        f"<b>{run.way}</b>: {run.done:,} of {run.total:,} answered"
        f" ({run.failed:,} failed), {now - run.t0:.1f} s so far…"
    )
    if run.scenario:
        text += f" “{run.word}” counted {run.word_so_far:,} times so far."
    if run.cancelled and run.cancel_note:
        text += f"<br>Cancelling: {run.cancel_note}."
    return " ".join([text, *run.notes])


def summary_text(run: Run, records: Mapping[str, RunRecord], lag: LagStats) -> str:
    """The finished run: requests and failures, the word count, the speed-up, the UI's lag."""
    sent = run.requests
    rejected = sum(
        1 for result in run.results if result is not None and result.problem == "bad-url"
    )
    cancelled, ok, failed = (run.states.count(state) for state in (CANCELLED, OK, FAILED))
    parts = [
        f"<b>{run.way}</b>: {sent:,} {plural(sent, 'request')} in <b>{run.wall:.2f} s</b>: "
        f"<span style='color:{palette.GOOD}'>{ok:,} ok</span>, "
        f"<span style='color:{palette.BAD if failed else palette.GOOD}'>{failed:,} failed</span>"
    ]
    if rejected:
        parts[0] += f" ({rejected:,} bad {plural(rejected, 'line')} rejected without a request)"
    if cancelled:
        parts[0] += f", <span style='color:{palette.NOTE}'>{cancelled:,} cancelled</span>"
    parts[0] += "."
    if run.cancelled:
        parts.append(f"<b>Cancelled</b>: {run.cancel_note or 'stopped'}.")
    if run.scenario and run.news is not None:
        news = run.news
        if news.list_error:
            parts.append(f"The list of sources failed ({news.list_error}): nothing to count.")
        else:
            unread = f"{news.failed:,} failed"
            if news.cancelled:
                unread += f", {news.cancelled:,} cancelled before they were asked"
            parts.append(
                f"“{news.word}” appears <b>{news.count:,}</b> times in {news.sources:,} "
                f"{plural(news.sources, 'source')} ({unread})."
            )
    parts.extend(run.notes)
    current = records.get(run.way)
    if current is not None:
        parts.append(speedups(current, records))
    if lag.max_ms > 100:
        parts.append(
            f"UI: <b style='color:{palette.BAD}'>frozen</b>, worst lag {lag.max_ms:,.0f} ms."
        )
    else:
        parts.append(
            f"UI: <span style='color:{palette.GOOD}'>live</span>, worst lag {lag.max_ms:.0f} ms, "
            f"p99 {lag.p99_ms:.0f} ms."
        )
    return " ".join(part for part in parts if part)


def speedups(run: RunRecord, records: Mapping[str, RunRecord]) -> str:
    """How much faster than sync: said only under a complete run of the same requests
    as the complete sync run it is compared with."""
    if not run.complete:
        return ""
    if run.way == "sync":
        pairs = [(records[way], run) for way in ("async", "threads") if way in records]
    else:
        pairs = [(run, records["sync"])] if "sync" in records else []
    found = [
        f"{fast.way} ({fast.settings.rsplit(' · ', 1)[-1]}) is "
        f"<b>{sync.wall / fast.wall:.1f}× faster</b> than sync "
        f"({fast.wall:.2f} s vs {sync.wall:.2f} s)"
        for fast, sync in pairs
        if fast.complete and sync.complete and fast.key == sync.key and fast.wall > 0
    ]
    return ("Same requests: " + "; ".join(found) + ".") if found else ""


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"
