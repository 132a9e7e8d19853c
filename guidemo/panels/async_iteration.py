"""Panel `async-iteration`: `async with`, `async for` and async generators, live.

A streamed download from the demo server moves a progress bar chunk by chunk; a
hand-written async iterator counts down; an async generator is read to its end, or
stopped early and closed with `aclose()`, its `finally` logged when it runs.
"""

from __future__ import annotations

import asyncio
import html
import sys
import time
from collections.abc import Coroutine, Mapping
from typing import Any, ClassVar

import aiohttp
from PySide6 import QtWidgets

from guidemo.lessons import async_iteration as lesson
from guidemo.panels.base import Panel, PanelContext
from guidemo.widgets import palette
from guidemo.widgets.kit import column, dspin, flow, label, log_view, make_button, named, spin

READ_BYTES = 16_384  # iter_chunked(READ_BYTES): the most one chunk hands over
COUNTDOWN_FROM, COUNTDOWN_PAUSE_S = 5, 0.2
HOLD_S = 1.0  # how long a generator dropped without aclose() is kept before `del`
FINALLY_TIMEOUT_S = 5.0  # how long the panel waits for a dropped generator's finally


class AsyncIterationPanel(Panel):
    slug = "async-iteration"
    title = "async with, async for and async generators"
    sources = (
        lesson.stream_download,
        lesson.Countdown,
        lesson.count_down,
        lesson.numbered_chunks,
        lesson.read_all,
        lesson.stop_early,
        lesson.stop_early_and_drop,
    )
    button_lessons: ClassVar[Mapping[str, object]] = {
        "streamDownloadButton": lesson.stream_download,
        "customIteratorButton": lesson.Countdown,
        "asyncGeneratorButton": lesson.read_all,
        "stopEarlyButton": lesson.stop_early,
        "dropGeneratorButton": lesson.stop_early_and_drop,
    }
    explanation_numbers: ClassVar[Mapping[str, float]] = {
        "read_bytes": READ_BYTES,
        "countdown_pause_s": COUNTDOWN_PAUSE_S,
    }

    def __init__(self, context: PanelContext) -> None:
        super().__init__(context)
        self._run_task: asyncio.Task[None] | None = None
        self._started = 0.0
        self._broke_at = self._finally_at = 0.0  # seconds since the start; 0: not yet
        self._dropped_at = 0.0
        self._finally_task = ""  # the task the generator's finally ran in
        self.size_spin = spin(
            "downloadSizeSpin", 1, 5000, 200, "How much the demo server sends", " KB"
        )
        self.piece_spin = spin(
            "pieceSizeSpin", 1, 1000, 10, "How much it sends at a time (at most 1000 pieces)", " KB"
        )
        self.interval_spin = dspin(
            "pieceIntervalSpin", 0.0, 1.0, 0.1, "The pause between two pieces", step=0.05
        )
        self.stop_after_spin = spin(
            "stopAfterSpin", 1, 20, 3, "The consumer breaks out of its loop after this chunk"
        )
        self.stream_button = make_button(
            "async for chunk in iter_chunked(…)",
            "streamDownloadButton",
            "Download with async with / async for: the bar moves as each chunk arrives, the "
            "window stays live",
            lambda: self.start(self._stream(), "streamed download"),
        )
        self.countdown_button = make_button(
            f"async for n in Countdown({COUNTDOWN_FROM})",
            "customIteratorButton",
            "A hand-written async iterator: __aiter__ and an async __anext__ that raises "
            "StopAsyncIteration at the end",
            lambda: self.start(self._countdown(), "countdown"),
        )
        self.generator_button = make_button(
            "Read the async generator to the end",
            "asyncGeneratorButton",
            "An async generator yields each chunk of the download; its finally runs once it "
            "is exhausted",
            lambda: self.start(self._generator(stop_after=0), "async generator"),
        )
        self.stop_early_button = make_button(
            "Stop early, then aclose()",
            "stopEarlyButton",
            "Break out after a few chunks: the generator stays paused at its yield until "
            "aclose() runs its finally",
            lambda: self.start(
                self._generator(stop_after=self.stop_after_spin.value()), "stop early"
            ),
        )
        self.drop_button = make_button(
            "Stop early, no aclose(): drop it",
            "dropGeneratorButton",
            f"Break out and never call aclose(): the generator stays open for {HOLD_S:g} s, "
            "until the last reference goes and the loop closes it in a task of its own",
            lambda: self.start(self._dropped(self.stop_after_spin.value()), "drop generator"),
        )
        self.buttons = (
            self.stream_button,
            self.countdown_button,
            self.generator_button,
            self.stop_early_button,
            self.drop_button,
        )
        self.progress = named(
            QtWidgets.QProgressBar(),
            "downloadProgress",
            "Bytes received of the Content-Length the server announced",
        )
        self.summary = label(
            "Start the download: bytes and chunks received, and when the first and last came.",
            "iterationSummary",
            "The latest run: bytes and chunks received, time to the first chunk and to the end",
            rich=True,
        )
        self.log = log_view(
            "iterationLog",
            "What the iterator, the generator and its consumer did, with the time since start",
            "Each line: seconds since the start, who, what",
        )
        self.log.setMinimumHeight(6 * self.fontMetrics().height())
        self.set_controls(
            column(
                flow(
                    ("download", self.size_spin),
                    ("in pieces of", self.piece_spin),
                    ("every", self.interval_spin),
                ),
                flow(self.stream_button, self.countdown_button),
                flow(
                    self.generator_button,
                    ("break after chunk", self.stop_after_spin),
                    self.stop_early_button,
                    self.drop_button,
                ),
                self.progress,
                self.summary,
                (self.log, 1),
            )
        )

    # --- runs ---------------------------------------------------------------------------
    def busy(self) -> bool:
        return self._run_task is not None

    def start(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        if self._run_task is not None:
            coro.close()  # one run at a time: the buttons are disabled meanwhile
            return
        for button in self.buttons:
            button.setEnabled(False)
        self.progress.setValue(0)
        self._started = time.perf_counter()
        self._run_task = self.spawn(self._one_run(coro), name)

    async def _one_run(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except (lesson.DownloadRefused, aiohttp.ClientError, OSError, TimeoutError) as error:
            problem = f"{type(error).__name__}: {error}"
            self.note(problem)
            self.summary.setText(f"<b style='color:{palette.BAD}'>{html.escape(problem)}</b>")
        finally:
            self._run_task = None
            for button in self.buttons:
                button.setEnabled(True)

    def url(self) -> str:
        return lesson.download_url(
            self.context.server_url,
            self.size_spin.value() * 1000,
            self.piece_spin.value() * 1000,
            self.interval_spin.value(),
        )

    def note(self, text: str) -> None:
        """A log line stamped with the seconds since the run started."""
        if self.shut_down:
            return  # a generator closed late (by the loop's finalizer) after the panel went
        self.log.appendPlainText(f"+{time.perf_counter() - self._started:6.2f} s  {text}")

    def _show_progress(self, received: int, expected: int | None) -> None:
        if expected:
            self.progress.setRange(0, expected)
        self.progress.setValue(min(received, self.progress.maximum()))

    async def _stream(self) -> None:
        self.note(f"GET {self.url()}")
        got = await lesson.stream_download(self.url(), READ_BYTES, self._show_progress)
        if got.error:
            self.note(f"error: {got.error}")
            self.summary.setText(f"<b style='color:{palette.BAD}'>{got.error}</b>")
            return
        self.note(f"done: {got.received:,} bytes in {got.chunks} chunks")
        lag = self.context.monitor.stats_since(self._started)
        self.summary.setText(
            f"Received <b>{got.received:,} bytes in {got.chunks} chunks</b>: the first chunk "
            f"after <b>{got.first_chunk_s * 1000:.0f} ms</b>, "
            f"the end after <b>{got.total_s:.2f} s</b>; "
            f"meanwhile the loop's worst lag was {lag.max_ms:.0f} ms."
        )

    async def _countdown(self) -> None:
        numbers = []
        async for number in lesson.Countdown(COUNTDOWN_FROM, COUNTDOWN_PAUSE_S):
            numbers.append(number)
            self.note(f"Countdown: __anext__ returned {number}")
        self.note("Countdown: __anext__ raised StopAsyncIteration: the loop ends")
        self.summary.setText(
            f"<b>Countdown</b> gave {', '.join(map(str, numbers))} in "
            f"{time.perf_counter() - self._started:.2f} s, one awaited __anext__ each."
        )

    async def _generator(self, stop_after: int) -> None:
        chunks = lesson.numbered_chunks(self.url(), READ_BYTES, self._generator_note)
        self._broke_at = self._finally_at = 0.0
        if not stop_after:
            total = await lesson.read_all(chunks, self.note)
            self.summary.setText(
                f"Read to the end: <b>{total:,} bytes</b>; the generator's finally ran when "
                f"it was exhausted, after <b>{self._finally_at:.2f} s</b>."
            )
            return
        await lesson.stop_early(chunks, stop_after, self._consumer_note)
        if not self._broke_at:
            self.summary.setText(
                f"The download had fewer than {stop_after} chunks: the generator ended by "
                "itself and its finally ran then. Make the download longer."
            )
            return
        waited = self._finally_at - self._broke_at
        self.summary.setText(
            f"Stopped after <b>chunk {stop_after}</b>: the generator's finally ran only at "
            f"aclose(), <b>{waited * 1000:.1f} ms after the break</b>, and closed the "
            f"connection at {self._finally_at:.2f} s."
        )

    async def _dropped(self, stop_after: int) -> None:
        self._broke_at = self._finally_at = self._dropped_at = 0.0
        if sys.get_asyncgen_hooks().finalizer is None:  # qasync's loop installs none
            self.summary.setText(
                f"<b style='color:{palette.BAD}'>This loop installs no async-generator "
                "finalizer</b> (sys.get_asyncgen_hooks()): a generator dropped unfinished "
                "would be closed without a loop, and its finally's await would fail with "
                "'async generator ignored GeneratorExit'. Call aclose()."
            )
            return
        await lesson.stop_early_and_drop(
            self.url(), READ_BYTES, stop_after, HOLD_S, self._generator_note
        )
        if not self._broke_at:
            self.summary.setText(
                f"The download had fewer than {stop_after} chunks: the generator ended by "
                "itself and its finally ran then. Make the download longer."
            )
            return
        deadline = time.perf_counter() + FINALLY_TIMEOUT_S
        while not self._finally_at and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)  # the finally runs in a task the loop started
        if not self._finally_at:
            self.summary.setText(
                f"<b style='color:{palette.BAD}'>The generator's finally had not run "
                f"{FINALLY_TIMEOUT_S:g} s after the last reference went.</b>"
            )
            return
        after = (self._finally_at - self._dropped_at) * 1000
        self.summary.setText(
            f"Stopped after <b>chunk {stop_after}</b> without aclose(): the connection stayed "
            f"open <b>{self._dropped_at - self._broke_at:.2f} s</b>, until the last reference "
            f"went; the finally ran <b>{after:.1f} ms</b> later, in task "
            f"'{self._finally_task}', which the loop started to close it."
        )

    def _generator_note(self, text: str) -> None:
        now = time.perf_counter() - self._started
        if "finally" in text:
            self._finally_at = now
            task = asyncio.current_task()
            self._finally_task = task.get_name() if task is not None else "none"
        elif "broke out" in text:
            self._broke_at = now
        elif "del chunks" in text:
            self._dropped_at = now
        self.note(text)

    def _consumer_note(self, text: str) -> None:
        if "broke out" in text:
            self._broke_at = time.perf_counter() - self._started
        self.note(text)

    async def screenshot_demo(self) -> None:
        self.start(self._stream(), "streamed download")
        while self.busy():
            await asyncio.sleep(0.05)
