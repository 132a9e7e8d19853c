"""Lesson `backpressure`: an unbounded queue grows, a bounded one slows the producer."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass

import pytest

from guidemo.lessons.backpressure import (
    CONSUME_S,
    ITEM_BYTES,
    MAX_ITEMS,
    QueueMeter,
    make_item,
    run_async_queue,
    run_thread_queue,
)

pytestmark = [pytest.mark.no_qt, pytest.mark.fast, pytest.mark.timeout(60)]
RUN_S = 1.0


@dataclass
class PutMeter(QueueMeter):
    """A QueueMeter that also sees each put() coming: how many items were made and not yet
    taken just before it (the most, over the run), and how many puts found `maxsize` of
    them, a full queue, so had to wait for the consumer to take one. Exact for asyncio (no
    await between making an item, putting it and counting it taken); with threads the
    consumer may have taken an item it has not counted yet: one more, at most."""

    maxsize: int = 0
    peak_backlog: int = 0
    full_puts: int = 0

    def item_made(self, item: bytes) -> None:
        super().item_made(item)
        with self.lock:
            backlog = self.made - 1 - self.consumed
            self.peak_backlog = max(self.peak_backlog, backlog)
            self.full_puts += self.maxsize > 0 and backlog >= self.maxsize


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.backpressure; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_item_is_a_real_payload_measured_whole() -> None:
    item = make_item()
    meter = QueueMeter()
    meter.item_made(item)
    assert len(item) == ITEM_BYTES and len(set(item)) > 200, "random bytes, not a shared zero"
    assert ITEM_BYTES < meter.held_bytes == sys.getsizeof(item) < ITEM_BYTES + 100


def test_an_unbounded_asyncio_queue_grows_past_all_the_consumer_takes(run) -> None:
    meter = QueueMeter()
    run(run_async_queue(0, meter, RUN_S))
    most_consumed = RUN_S / CONSUME_S + 2
    assert meter.consumed <= most_consumed
    assert meter.length == meter.made - meter.consumed, "the queue kept every item not taken"
    # Quiet: 414-418 held against 50 taken. Beside a second suite the loop runs both sides
    # late (14 held against 8 taken), so the bar is the whole run's take, not a multiple.
    assert meter.peak_length > meter.consumed, "the producer ran ahead"
    assert meter.peak_length <= meter.made <= MAX_ITEMS
    assert meter.peak_bytes >= meter.peak_length * ITEM_BYTES
    assert meter.put_waited_s < 0.1 * RUN_S, "put() never waits on an unbounded queue"


def test_a_bounded_asyncio_queue_holds_at_most_maxsize_and_slows_the_producer(run) -> None:
    meter = PutMeter(maxsize=5)
    run(run_async_queue(5, meter, RUN_S))
    assert meter.peak_length == 5
    assert meter.peak_bytes <= 6 * (ITEM_BYTES + 100), "the queue's 5 and the one waiting"
    assert meter.made <= RUN_S / CONSUME_S + 10, "the producer went at the consumer's pace"
    # Most of the run it waited in put() on a quiet machine (put_waited_s > 0.5 * RUN_S).
    # Beside a second suite the loop turns so late that both sleeps end on one turn and put()
    # waits next to nothing, so the check is what the waits did: the producer ran into a
    # full queue, and was never more than the queue's 5 ahead of the consumer (unbounded:
    # some 390 ahead quiet, 14 held against 8 taken beside a second suite).
    assert meter.full_puts >= 1, "put() never had to wait"
    assert meter.peak_backlog <= 5 and meter.made - meter.consumed <= 5, meter


def test_thread_queues_do_the_same() -> None:
    unbounded, bounded = QueueMeter(), PutMeter(maxsize=5)
    threads_before = threading.active_count()
    run_thread_queue(0, unbounded, threading.Event(), RUN_S)
    run_thread_queue(5, bounded, threading.Event(), RUN_S)
    # The thread producer sleeps 2 ms, the consumer 20 ms: ten to one on a quiet machine.
    # On a busy one every wake-up waits for a CPU too (37 made to 13 taken beside a second
    # suite), so the check is that the queue held more than the consumer ever took.
    assert unbounded.peak_length > unbounded.consumed
    assert bounded.peak_length <= 5 < unbounded.peak_length
    # Quiet, the bounded producer waited in put() most of the run (> 0.5 * RUN_S); on a busy
    # machine both threads wait for a CPU alike and put()'s share shrinks. As above: it ran
    # into a full queue and was held to 5 ahead of the consumer (one more while the consumer
    # has an item it has not counted yet; after the run, all are counted).
    assert bounded.full_puts >= 1, "put() never had to wait"
    assert bounded.peak_backlog <= 6 and bounded.made - bounded.consumed <= 5, bounded
    assert unbounded.put_waited_s < 0.5 * RUN_S, "put() never waits on an unbounded queue"
    assert threading.active_count() == threads_before, "the consumer thread ended"


def test_a_thread_run_stops_soon_when_asked_even_with_a_full_queue() -> None:
    meter, stop = QueueMeter(), threading.Event()
    runner = threading.Thread(target=run_thread_queue, args=(2, meter, stop, 60.0))
    runner.start()
    threading.Timer(0.3, stop.set).start()
    runner.join(5)
    assert not runner.is_alive()
