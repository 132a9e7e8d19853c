"""The code lab's runner without a window: compiling, refusing, trimming tracebacks,
routing prints, and the rescue against plain threads on plain asyncio."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest

from guidemo.lessons import jobs
from guidemo.lessons.lab import (
    LabOutput,
    LabStopped,
    Refused,
    Rescue,
    RescueSignal,
    StdoutRouter,
    code_for_lab,
    compile_lab,
    learner_traceback,
    run_code,
)

pytestmark = pytest.mark.timeout(30)


def test_top_level_await_keeps_the_editors_line_numbers():
    names: dict = {"asyncio": asyncio}
    code = compile_lab("x = 1\nawait asyncio.sleep(0)\ny = x + 1\n")
    asyncio.run(run_code(code, names))
    assert names["y"] == 2
    plain = compile_lab("z = 3\n")  # no await: evaluating runs it
    asyncio.run(run_code(plain, names))
    assert names["z"] == 3
    with pytest.raises(SyntaxError) as error:
        compile_lab("a = 1\nif a\n    pass\n")
    assert error.value.lineno == 2


@pytest.mark.parametrize(
    "code",
    ["sys.exit()", "exit()", "os._exit(1)", "loop.stop()", "my_loop.close()",
     "asyncio.get_running_loop().close()", "asyncio.run(main())", "loop.run_until_complete(f)"],
)  # fmt: skip
def test_code_that_would_end_the_app_is_refused(code):
    with pytest.raises(Refused, match="refused"):
        compile_lab(code + "\n")


def test_session_close_is_not_refused():
    compile_lab("async with aiohttp.ClientSession() as session:\n    await session.close()\n")


def test_a_traceback_keeps_only_the_learners_frames():
    code = compile_lab("def f():\n    return {}['missing']\n\nf()\n")
    with pytest.raises(KeyError) as error:
        asyncio.run(run_code(code, {}))
    text = learner_traceback(error.value)
    assert text.splitlines() == [
        "Traceback (your code only):",
        "  line 4, top level: f()",
        "  line 2, in f: return {}['missing']",
        "KeyError: 'missing'",
    ]


def test_only_prints_from_learner_frames_are_routed():
    output, original = LabOutput(), io.StringIO()
    router = StdoutRouter(original, output)  # type: ignore[arg-type]
    code = compile_lab("out.write('from the learner\\n')\n")
    asyncio.run(run_code(code, {"out": router}))
    router.write("from the app\n")
    text, dropped = output.take()
    assert text.endswith("from the learner\n") and text.startswith("+")
    assert original.getvalue() == "from the app\n" and dropped == 0


def test_output_is_bounded():
    output = LabOutput(max_chars=1_000)
    for _ in range(100):
        output.write("x" * 99 + "\n")
    text, dropped = output.take()
    assert len(text) <= 1_000 and dropped > 0


def test_code_for_lab_runs_the_function_shown():
    text = code_for_lab(jobs.slow_sleep)
    assert text.startswith("from guidemo.lessons.jobs import *")
    assert "def slow_sleep" in text and "result = slow_sleep(" in text


def _rescue_in_thread(
    code: str, limit: float = 0.3, beat_back_after: float = 0.0, kind: type[Rescue] = Rescue
) -> tuple[list[str], float]:
    """Run learner code on the main thread with a fake heartbeat that stops while it runs,
    and comes back `beat_back_after` seconds after the code has stopped."""
    beat = [time.perf_counter()]
    handler = RescueSignal()
    handler.install()
    seen: list[str] = []
    rescue = kind(threading.get_ident(), lambda: beat[0], lambda: limit, handler,
                  lambda kind, where, frozen: seen.append(f"{kind} | {where}"))  # fmt: skip
    rescue.start()
    started = time.perf_counter()
    try:
        with pytest.raises(LabStopped):
            asyncio.run(run_code(compile_lab(code), {"time": time}))
    finally:
        took = time.perf_counter() - started
        time.sleep(beat_back_after)
        beat[0] = time.perf_counter() + 1  # the heartbeat is back
        deadline = time.perf_counter() + 2
        while not seen and time.perf_counter() < deadline:
            time.sleep(0.01)
        rescue.stop()
        handler.uninstall()
    return seen, took


def test_the_rescue_stops_a_python_loop_with_an_asynchronous_exception():
    seen, took = _rescue_in_thread("n = 0\nwhile True:\n    n += 1\n")
    assert took < 1.5 and seen and seen[0].startswith("a Python loop"), seen
    assert "your code, line 3: `n += 1`" in seen[0] or "line 2" in seen[0]


def test_a_rescue_is_reported_though_the_heartbeat_comes_back_late():
    """On a busy machine the loop took longer than the rescue waited to beat again: the
    code was stopped, and the learner was not told."""
    seen, _ = _rescue_in_thread("time.sleep(600)\n", beat_back_after=1.0)
    assert seen == ["a blocking call (signal) | your code, line 1: `time.sleep(600)`"]


class LateRescue(Rescue):
    """A rescue on a machine too busy for its waits: the code lets go only after it stopped
    waiting (it waits until the code has let go, then says it did not)."""

    def _recovered(self, beat: float, within_s: float) -> bool:
        super()._recovered(beat, 2.0)
        return False


def test_a_rescue_is_reported_though_the_code_let_go_after_it_stopped_waiting():
    """Beside a second suite the learner's loop was stopped and nothing said so: the
    exception (or the signal's) landed just after the rescue's wait ran out."""
    seen, _ = _rescue_in_thread("n = 0\nwhile True:\n    n += 1\n", kind=LateRescue)
    assert len(seen) == 1 and seen[0].startswith("a Python loop (asynchronous exception)"), seen
    seen, _ = _rescue_in_thread("time.sleep(600)\n", kind=LateRescue)
    assert seen == ["a blocking call (signal) | your code, line 1: `time.sleep(600)`"]


def test_the_rescue_stops_a_blocking_call_with_a_signal():
    seen, took = _rescue_in_thread("time.sleep(600)\n")
    assert took < 1.5 and seen == [
        "a blocking call (signal) | your code, line 1: `time.sleep(600)`"
    ]
