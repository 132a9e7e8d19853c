"""Back-pressure: a fast producer and a slow consumer joined by a queue.

With `asyncio.Queue()` (no maxsize) `put()` never waits: the producer runs ahead and the
queue grows for as long as the run lasts, holding every item in memory. With
`asyncio.Queue(maxsize=N)` a full queue makes `await queue.put()` wait until the consumer
takes one: the producer is slowed to the consumer's pace and the queue never holds more
than N. `queue.Queue` does the same for threads, blocking the producer's thread instead.

Memory is measured as `sys.getsizeof` of the real payloads made and not yet taken out of
the queue: each is a bytes object, whose getsizeof is its whole allocation, and nothing
else keeps it. (tracemalloc would trace every allocation of the whole app, slowing it.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

ITEM_BYTES = 16_384  # each item carries this much payload (random bytes)
PRODUCE_EVERY_S = 0.002  # the producer makes an item every 2 ms (about 500 a second)...
CONSUME_S = 0.02  # ...the consumer needs 20 ms for each (50 a second)
RUN_S = 4.0  # a run stops after this long...
MAX_ITEMS = 2_000  # ...or once this many items were made, so memory stays bounded


@dataclass
class QueueMeter:
    """What the queue holds, counted by the producer and consumer as they go (thread-safe)."""

    length: int = 0  # items in the queue, as of the latest put or get
    held_bytes: int = 0  # sys.getsizeof of every item made and not yet taken out
    peak_length: int = 0
    peak_bytes: int = 0
    made: int = 0
    consumed: int = 0
    put_waited_s: float = 0.0  # how long put() kept the producer waiting, in all
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def item_made(self, item: bytes) -> None:
        with self.lock:
            self.made += 1
            self.held_bytes += sys.getsizeof(item)
            self.peak_bytes = max(self.peak_bytes, self.held_bytes)

    def item_put(self, length: int, waited_s: float) -> None:
        with self.lock:
            self.length = length
            self.peak_length = max(self.peak_length, length)
            self.put_waited_s += waited_s

    def item_taken(self, item: bytes, length: int) -> None:
        with self.lock:
            self.consumed += 1
            self.held_bytes -= sys.getsizeof(item)
            self.length = length


def make_item() -> bytes:
    """A real payload: ITEM_BYTES of random bytes (memory the queue really holds)."""
    return os.urandom(ITEM_BYTES)


async def produce(items: asyncio.Queue[bytes], meter: QueueMeter, run_s: float) -> None:
    """A fast producer. With maxsize, `await put()` waits while the queue is full."""
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + run_s
    while loop.time() < stop_at and meter.made < MAX_ITEMS:
        item = make_item()
        meter.item_made(item)
        asked = loop.time()
        await items.put(item)  # unbounded: returns at once; bounded: waits for room
        meter.item_put(items.qsize(), loop.time() - asked)
        await asyncio.sleep(PRODUCE_EVERY_S)


async def consume(items: asyncio.Queue[bytes], meter: QueueMeter) -> None:
    """A slow consumer: CONSUME_S per item, until cancelled."""
    while True:
        item = await items.get()
        meter.item_taken(item, items.qsize())
        await asyncio.sleep(CONSUME_S)  # the slow part: say, writing it to a slow disk
        items.task_done()


async def run_async_queue(maxsize: int, meter: QueueMeter, run_s: float = RUN_S) -> None:
    """Producer and consumer through asyncio.Queue(maxsize) (0: unbounded) for `run_s`."""
    items: asyncio.Queue[bytes] = asyncio.Queue(maxsize)
    consumer = asyncio.create_task(consume(items, meter))
    try:
        await produce(items, meter, run_s)
    finally:
        consumer.cancel()  # the backlog is dropped: with no maxsize it could take minutes
        with contextlib.suppress(asyncio.CancelledError):
            await consumer


def produce_in_thread(
    items: queue.Queue[bytes | None], meter: QueueMeter, run_s: float, stop: threading.Event
) -> None:
    """The same producer on a thread. With maxsize, put() blocks this thread while full."""
    stop_at = time.monotonic() + run_s
    while time.monotonic() < stop_at and meter.made < MAX_ITEMS and not stop.is_set():
        item = make_item()
        meter.item_made(item)
        asked = time.monotonic()
        items.put(item)  # blocks this thread (not the event loop) while the queue is full
        meter.item_put(items.qsize(), time.monotonic() - asked)
        time.sleep(PRODUCE_EVERY_S)


def consume_in_thread(
    items: queue.Queue[bytes | None], meter: QueueMeter, done: threading.Event
) -> None:
    """The same slow consumer on a thread, until the producer is done."""
    while not done.is_set():
        item = items.get()
        if item is None:  # the producer's "no more", when the queue was empty
            break
        meter.item_taken(item, items.qsize())
        time.sleep(CONSUME_S)


def run_thread_queue(
    maxsize: int, meter: QueueMeter, stop: threading.Event, run_s: float = RUN_S
) -> None:
    """Producer and consumer threads through queue.Queue(maxsize) (0: unbounded)."""
    items: queue.Queue[bytes | None] = queue.Queue(maxsize)
    done = threading.Event()
    consumer = threading.Thread(target=consume_in_thread, args=(items, meter, done))
    consumer.start()
    try:
        produce_in_thread(items, meter, run_s, stop)  # this thread is the producer
    finally:
        done.set()  # the consumer stops after its item; the backlog is dropped
        with contextlib.suppress(queue.Full):
            items.put_nowait(None)  # wakes it if it waits on an empty queue
        consumer.join()
