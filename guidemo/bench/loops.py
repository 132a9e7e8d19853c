"""The loop's own machinery: how exact its timers are, how fast it runs callbacks.

Both workloads run on every loop, plain asyncio included; neither needs a window.
"""

from __future__ import annotations

import asyncio
import math
import queue
import statistics
import threading
import time

from guidemo.bench.measure import Params, Result
from guidemo.stats import percentile


async def timers(loop_kind: str, p: Params) -> Result:
    """How far from `d` does `await asyncio.sleep(d)` return? Negative means EARLY.

    Measured with perf_counter around the await, so it includes the turn the task needs
    to resume: exactly what a coroutine that sleeps experiences.
    """
    metrics: dict[str, float] = {}
    samples: dict[str, list[float]] = {}
    for delay, count in p["sleeps"]:
        errors = []
        for _ in range(count):
            started = time.perf_counter()
            await asyncio.sleep(delay)
            errors.append((time.perf_counter() - started - delay) * 1000)
        key = f"sleep_{round(delay * 1000)}ms"
        samples[key] = errors
        metrics[f"{key}_earliest"] = min(errors)
        metrics[f"{key}_p50"] = statistics.median(errors)
        metrics[f"{key}_p99"] = percentile(errors, 0.99, empty=math.nan)
    return {"metrics": metrics, "samples": samples}


async def callbacks(loop_kind: str, p: Params) -> Result:
    """`call_soon` throughput, and the round trip of `call_soon_threadsafe` from a thread.

    Chained: each callback schedules the next, so every callback costs a loop turn.
    Batched: a batch of callbacks is scheduled at once, as when many futures complete
    together. Round trip: a thread posts a callback, the loop (idle until then) runs it,
    the callback answers through a queue; the thread times post-to-answer.
    """
    loop = asyncio.get_running_loop()

    async def chained(count: int) -> float:
        done = loop.create_future()
        left = count

        def step() -> None:
            nonlocal left
            left -= 1
            if left:
                loop.call_soon(step)
            else:
                done.set_result(None)

        started = time.perf_counter()
        loop.call_soon(step)
        await done
        return count / (time.perf_counter() - started)

    async def batched(count: int, batch: int) -> float:
        ran = 0

        def tick() -> None:
            nonlocal ran
            ran += 1

        started = time.perf_counter()
        for _ in range(count // batch):
            for _ in range(batch):
                loop.call_soon(tick)
            await asyncio.sleep(0)  # lets the batch run (FIFO: it is ahead of us)
        while ran < count // batch * batch:
            await asyncio.sleep(0)
        return ran / (time.perf_counter() - started)

    def ping(count: int, answers: queue.SimpleQueue[float], rtts: list[float]) -> None:
        for _ in range(count):
            time.sleep(0.0002)  # let the loop go back to waiting: measure its wake-up
            sent = time.perf_counter()
            loop.call_soon_threadsafe(answers.put, 0.0)
            answers.get()
            rtts.append((time.perf_counter() - sent) * 1e6)

    per_s_chained = await chained(p["chained"])
    per_s_batched = await batched(p["batched"], p["batch"])
    rtts: list[float] = []
    answers: queue.SimpleQueue[float] = queue.SimpleQueue()
    finished = loop.create_future()

    def pinger() -> None:
        try:
            ping(p["round_trips"], answers, rtts)
        finally:
            loop.call_soon_threadsafe(finished.set_result, None)

    threading.Thread(target=pinger, name="bench-pinger").start()
    await finished
    metrics = {
        "chained_per_s": per_s_chained,
        "batched_per_s": per_s_batched,
        "threadsafe_rtt_p50_us": statistics.median(rtts),
        "threadsafe_rtt_p99_us": percentile(rtts, 0.99, empty=math.nan),
    }
    return {"metrics": metrics, "samples": {"threadsafe_rtt_us": rtts}}
