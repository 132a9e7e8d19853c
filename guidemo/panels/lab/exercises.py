"""The lab's exercises, as data: starting code, the goal in a sentence, a hint, a
solution, and a check that reads what the app measured while the code ran (the monitor's
lag and freezes, the lab's task and thread bookkeeping, the demo server's counters),
never what the code printed."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6 import QtWidgets

from guidemo.lessons.lab import LAB_FILE
from guidemo.monitor import LoopMonitor
from guidemo.server.news import news_articles


@dataclass(frozen=True)
class Verdict:
    passed: bool
    text: str  # the numbers: "held the window 1,002 ms (goal < 50 ms); label says 'done'"


@dataclass
class RunFacts:
    """What a check may read about the run that just ended."""

    names: dict[str, Any]  # the learner's variables
    started: float  # time.perf_counter()
    ended: float
    monitor: LoopMonitor
    server: str
    live_tasks: Callable[[], list[asyncio.Task[Any]]]  # the learner's tasks still pending
    buttons: list[QtWidgets.QPushButton]
    labels: list[QtWidgets.QLabel]
    threads_before: set[int]
    queue_peaks: dict[str, int] = field(default_factory=dict)  # name -> largest qsize seen
    records: list[tuple[str, bool]] = field(default_factory=list)  # (text, inside a task)
    longest_step_s: float = 0.0  # the longest step of the learner's tasks (task accounting)

    @property
    def wall_s(self) -> float:
        return self.ended - self.started


Check = Callable[[RunFacts], Awaitable[Verdict]]


@dataclass(frozen=True)
class Exercise:
    title: str
    goal: str
    start: str
    hint: str
    solution: str
    check: Check


async def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


# --- 1. the click handler ------------------------------------------------------------------
async def check_click(facts: RunFacts) -> Verdict:
    if not facts.buttons or not facts.labels:
        return Verdict(False, "no button and label of yours to click: keep button(), label()")
    status = facts.labels[0]
    started = time.perf_counter()
    facts.buttons[0].click()  # the check clicks your button, as a learner would
    held = time.perf_counter() - started
    done = await _wait_for(lambda: status.text() == "done", 5.0)
    ok = held < 0.05 and done
    return Verdict(
        ok,
        f"the click held the window {held * 1000:,.0f} ms (goal < 50 ms); "
        f"the label says {status.text()!r} (goal 'done')",
    )


# --- 2. ten sources ------------------------------------------------------------------------
LATENCY_S = 0.3


async def check_sources(facts: RunFacts) -> Verdict:
    answers = facts.names.get("answers")
    expected = [
        {"source": f"source-{n:02d}", "articles": news_articles(f"source-{n:02d}")}
        for n in range(10)
    ]
    right = isinstance(answers, list) and answers == expected
    fast = facts.wall_s < 2 * LATENCY_S
    return Verdict(
        right and fast,
        f"took {facts.wall_s:.2f} s (goal < {2 * LATENCY_S:.1f} s, two requests' latency); "
        f"answers {'all right' if right else 'not the ten expected, in order'}",
    )


# --- 3. the rate limit ---------------------------------------------------------------------
RATE, BURST, REQUESTS = 50, 10, 100


async def check_rate(facts: RunFacts) -> Verdict:
    url = f"{facts.server}/api/limited/stats?client={facts.names.get('client', '')}"

    def read() -> dict[str, int]:
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.load(response))

    counts = await asyncio.to_thread(read)
    ideal = REQUESTS / RATE  # at the pace the server allows
    ok = counts["accepted"] >= REQUESTS and counts["refused"] == 0
    in_time = facts.wall_s <= 1.5 * ideal
    return Verdict(
        ok and in_time,
        f"the server counted {counts['accepted']} accepted, {counts['refused']} refused "
        f"(goal {REQUESTS}, 0) in {facts.wall_s:.2f} s (goal ≤ {1.5 * ideal:.2f} s, "
        f"1.5 × the ideal {ideal:.2f} s)",
    )


# --- 4. threads and a queue ----------------------------------------------------------------
JOBS = 12


def _runs_learner_code(thread: threading.Thread) -> bool:
    """Does the thread run the learner's function (a target, or a Thread subclass's run)?"""
    target = getattr(thread, "_target", None) or type(thread).run
    code = getattr(target, "__code__", None)
    return code is not None and code.co_filename == LAB_FILE


def _learner_threads(facts: RunFacts) -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t.ident not in facts.threads_before and t.is_alive() and _runs_learner_code(t)
    ]


async def check_threads(facts: RunFacts) -> Verdict:
    await _wait_for(lambda: not _learner_threads(facts), 2.0)
    left = len(_learner_threads(facts))
    done = list(facts.names.get("done", []))
    once = sorted(done) == list(range(JOBS))
    return Verdict(
        once and not left,
        f"{len(done)} jobs done, {len(set(done))} different (goal: each of {JOBS} once); "
        f"{left} worker threads still running (goal 0)",
    )


# --- 5. a greedy coroutine -----------------------------------------------------------------
N = 6_000_000


async def check_polite(facts: RunFacts) -> Verdict:
    lag = facts.monitor.stats_since(facts.started).max_ms
    held = facts.longest_step_s * 1000
    right = facts.names.get("total") == (N - 1) * N * (2 * N - 1) // 6  # the sum of n * n
    return Verdict(
        held < 100 and right,
        f"your code held the loop {held:,.0f} ms at a stretch (goal < 100 ms; the "
        f"heartbeat's worst lag {lag:,.0f} ms); total {'right' if right else 'missing or wrong'}",
    )


# --- 6. a task that hangs ------------------------------------------------------------------
async def check_timeout(facts: RunFacts) -> Verdict:
    left = len(facts.live_tasks())
    cleaned = facts.names.get("cleaned") is True
    return Verdict(
        not left and cleaned and facts.wall_s < 5,
        f"{left} of your tasks still running (goal 0); finally ran: "
        f"{'yes' if cleaned else 'no'}; took {facts.wall_s:.2f} s (goal < 5 s)",
    )


# --- 7. callbacks to await -----------------------------------------------------------------
CHAIN = ["request", "request -> downloaded", "request -> downloaded -> parsed"]


async def check_chain(facts: RunFacts) -> Verdict:
    texts = [text for text, _ in facts.records]
    in_tasks = sum(inside for _, inside in facts.records)
    ok = texts == CHAIN and in_tasks == len(CHAIN)
    return Verdict(
        ok,
        f"steps {'in the same order' if texts == CHAIN else f'were {texts}'}; {in_tasks} of "
        f"{len(texts)} ran inside your coroutine, {len(texts) - in_tasks} in loop callbacks "
        "(goal: all in the coroutine)",
    )


# --- 8. a bounded queue --------------------------------------------------------------------
ITEMS, BOUND = 200, 10


async def check_bounded(facts: RunFacts) -> Verdict:
    peak = max(facts.queue_peaks.values(), default=0)
    produced, consumed = facts.names.get("produced"), facts.names.get("consumed")
    nothing_lost = produced == consumed == list(range(ITEMS))
    return Verdict(
        0 < peak <= BOUND and nothing_lost,
        f"the queue held at most {peak} items (goal ≤ {BOUND}); "
        f"{len(consumed or [])} of {ITEMS} consumed, "
        f"{'nothing lost' if nothing_lost else 'some lost or out of order'}",
    )


EXERCISES: list[Exercise] = [
    Exercise(
        "1. A click handler that freezes",
        "Clicking the button must not freeze the window (held < 50 ms), and the label "
        "still ends at 'done'. The check clicks it for you.",
        """status = label("idle")


def on_click():
    status.setText("working...")
    time.sleep(1)  # the slow job, in the click handler
    status.setText("done")


button("Do the job", on_click)
""",
        "A handler may be an async def: button() starts it as a task. Inside, await "
        "asyncio.sleep(1) lets the loop run while the job waits.",
        """status = label("idle")


async def on_click():
    status.setText("working...")
    await asyncio.sleep(1)  # the loop runs on meanwhile
    status.setText("done")


button("Do the job", on_click)
""",
        check_click,
    ),
    Exercise(
        "2. Ten sources, one after another",
        "Fetch the ten sources concurrently: in less than two requests' latency "
        f"({2 * LATENCY_S:.1f} s), every answer right and in order.",
        f"""URL = server + "/api/news/articles?latency={LATENCY_S}&source="


async def fetch(session, source):
    async with session.get(URL + source) as response:
        return await response.json()


answers = []
async with aiohttp.ClientSession() as session:
    for number in range(10):
        answers.append(await fetch(session, f"source-{{number:02d}}"))
say(len(answers), "answers")
""",
        "asyncio.gather(*(fetch(session, ...) for number in range(10))) sends them all "
        "before waiting, and keeps their order.",
        f"""URL = server + "/api/news/articles?latency={LATENCY_S}&source="


async def fetch(session, source):
    async with session.get(URL + source) as response:
        return await response.json()


async with aiohttp.ClientSession() as session:
    answers = await asyncio.gather(
        *(fetch(session, f"source-{{number:02d}}") for number in range(10))
    )
say(len(answers), "answers")
""",
        check_sources,
    ),
    Exercise(
        "3. A server that allows 50 requests a second",
        f"Get {REQUESTS} answers with no 429 from the server, within 1.5 times the ideal time.",
        f"""URL = f"{{server}}/api/limited?rate={RATE}&burst={BURST}&client={{client}}"


async def get(session):
    async with session.get(URL) as response:
        return response.status


async with aiohttp.ClientSession() as session:
    statuses = await asyncio.gather(*(get(session) for _ in range({REQUESTS})))
say(statuses.count(200), "accepted,", statuses.count(429), "refused")
""",
        f"Pace them: start one request, then await asyncio.sleep(1 / {RATE}), and gather "
        "the tasks at the end.",
        f"""URL = f"{{server}}/api/limited?rate={RATE}&burst={BURST}&client={{client}}"


async def get(session):
    async with session.get(URL) as response:
        return response.status


async with aiohttp.ClientSession() as session:
    pending = []
    for _ in range({REQUESTS}):
        pending.append(asyncio.create_task(get(session)))
        await asyncio.sleep(1 / {RATE})  # the server's pace
    statuses = await asyncio.gather(*pending)
say(statuses.count(200), "accepted,", statuses.count(429), "refused")
""",
        check_rate,
    ),
    Exercise(
        "4. The threaded downloader",
        f"Three worker threads share {JOBS} jobs through a queue: every job done once, "
        "every worker ends.",
        f"""import threading

jobs = list(range({JOBS}))
done = []


def worker():
    for job in jobs:  # every worker takes every job
        time.sleep(0.02)  # download it
        done.append(job)


workers = [threading.Thread(target=worker) for _ in range(3)]
for thread in workers:
    thread.start()
for thread in workers:
    await asyncio.to_thread(thread.join)  # wait without freezing the window
say(len(done), "jobs done")
""",
        "A queue.Queue hands each job to one worker; put one STOP per worker after the "
        "jobs, and a worker ends when it takes its STOP.",
        f"""import queue
import threading

STOP = None
jobs = queue.Queue()
done = []


def worker():
    while (job := jobs.get()) is not STOP:
        time.sleep(0.02)  # download it
        done.append(job)


workers = [threading.Thread(target=worker) for _ in range(3)]
for thread in workers:
    thread.start()
for job in range({JOBS}):
    jobs.put(job)
for _ in workers:
    jobs.put(STOP)
for thread in workers:
    await asyncio.to_thread(thread.join)
say(len(done), "jobs done")
""",
        check_threads,
    ),
    Exercise(
        "5. A greedy coroutine",
        "Make the coroutine polite: the heartbeat never stops more than 100 ms, and the "
        "total is still right.",
        f"""def slice_of_work(start):
    return sum(n * n for n in range(start, start + 100_000))


async def add_up():
    total = 0
    for start in range(0, {N:_}, 100_000):
        total += slice_of_work(start)  # never gives the loop a turn
    return total


total = await add_up()
say("total", total)
""",
        "Between two slices, await asyncio.sleep(0): the loop gets a turn, the window "
        "repaints, then the work goes on.",
        f"""def slice_of_work(start):
    return sum(n * n for n in range(start, start + 100_000))


async def add_up():
    total = 0
    for start in range(0, {N:_}, 100_000):
        total += slice_of_work(start)
        await asyncio.sleep(0)  # give the loop a turn
    return total


total = await add_up()
say("total", total)
""",
        check_polite,
    ),
    Exercise(
        "6. A task that hangs",
        "Give the request a timeout of 0.5 s and clean up: no task of yours left running, "
        "and its finally ran.",
        """cleaned = False


async def ask_a_server_that_never_answers():
    global cleaned
    try:
        await asyncio.sleep(3600)
    finally:
        cleaned = True


task = asyncio.create_task(ask_a_server_that_never_answers())
await asyncio.sleep(0.5)
say("gave up waiting, but the task is still there")
""",
        "asyncio.wait_for(coro, 0.5) cancels the coroutine when time is up (its finally "
        "runs) and raises TimeoutError.",
        """cleaned = False


async def ask_a_server_that_never_answers():
    global cleaned
    try:
        await asyncio.sleep(3600)
    finally:
        cleaned = True


try:
    await asyncio.wait_for(ask_a_server_that_never_answers(), 0.5)
except TimeoutError:
    say("timed out, and cleaned up")
""",
        check_timeout,
    ),
    Exercise(
        "7. A callback-style chain",
        "Rewrite the chain with async/await: the same steps in the same order, each one "
        "run inside your coroutine (record() notes where it runs).",
        """loop = asyncio.get_running_loop()


def parsed(text):
    record(text + " -> parsed")


def downloaded(text):
    record(text + " -> downloaded")
    loop.call_later(0.1, parsed, text + " -> downloaded")


record("request")
loop.call_later(0.1, downloaded, "request")
await asyncio.sleep(0.5)  # wait for the chain to end
""",
        "Write download() and parse() as async defs that await asyncio.sleep(0.1) and "
        "return the new text; then await them one after the other.",
        """async def download(text):
    await asyncio.sleep(0.1)
    return text + " -> downloaded"


async def parse(text):
    await asyncio.sleep(0.1)
    return text + " -> parsed"


record("request")
text = await download("request")
record(text)
record(await parse(text))
""",
        check_chain,
    ),
    Exercise(
        "8. A producer faster than its consumer",
        f"Bound the queue: it never holds more than {BOUND} items, and all {ITEMS} arrive, "
        "in order.",
        f"""produced, consumed = [], []
queue = asyncio.Queue()  # no bound: it grows while the consumer lags


async def producer():
    for item in range({ITEMS}):
        produced.append(item)
        await queue.put(item)
        await asyncio.sleep(0.001)


async def consumer():
    while len(consumed) < {ITEMS}:
        consumed.append(await queue.get())
        await asyncio.sleep(0.005)


await asyncio.gather(producer(), consumer())
say(len(consumed), "consumed")
""",
        f"asyncio.Queue(maxsize={BOUND}): put() then waits while the queue is full, so the "
        "producer slows to the consumer's pace.",
        f"""produced, consumed = [], []
queue = asyncio.Queue(maxsize={BOUND})  # put() waits while it is full


async def producer():
    for item in range({ITEMS}):
        produced.append(item)
        await queue.put(item)
        await asyncio.sleep(0.001)


async def consumer():
    while len(consumed) < {ITEMS}:
        consumed.append(await queue.get())
        await asyncio.sleep(0.005)


await asyncio.gather(producer(), consumer())
say(len(consumed), "consumed")
""",
        check_bounded,
    ),
]
