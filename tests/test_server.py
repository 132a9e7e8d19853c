"""The demo server, tested over real sockets with a real aiohttp client (no Qt here)."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from guidemo.server import DemoServer, expected_word_count, news_articles, news_sources
from guidemo.server.ticks import signal as tick_value

Scenario = Callable[[DemoServer, aiohttp.ClientSession], Awaitable[None]]
pytestmark = [pytest.mark.timeout(30), pytest.mark.no_qt]


def run(scenario: Scenario) -> None:
    """Run `scenario` against a fresh server and client, then make leaks show up now."""

    async def main() -> None:
        async with DemoServer() as server, aiohttp.ClientSession() as session:
            await scenario(server, session)

    asyncio.run(main())
    gc.collect()  # unclosed sockets and transports warn here, and warnings are errors


@pytest.fixture(autouse=True)
def no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Neither asyncio ("Task was destroyed...") nor aiohttp may log an error."""
    yield
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors


async def get_json(session: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with session.get(url) as response:
        return response.status, await response.json()


async def wait_for_message(ws: aiohttp.ClientWebSocketResponse, want: Callable[[Any], bool]) -> Any:
    """The first JSON message `want` accepts; other messages are skipped."""
    async with asyncio.timeout(5):
        while True:
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.TEXT, message
            data = json.loads(message.data)
            if want(data):
                return data


async def ticks_for(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> list[dict]:
    """Every tick that arrives within `seconds`."""
    ticks = []
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                data = json.loads((await ws.receive()).data)
                if data["type"] == "tick":
                    ticks.append(data)
    return ticks


# ---- happy paths


def test_index_lists_endpoints() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        status, body = await get_json(session, server.url + "/")
        assert status == 200
        assert {"/api/data", "/api/news/articles", "/ws/ticks"} <= set(body["endpoints"])

    run(scenario)


@pytest.mark.parametrize("size", [0, 1, 12_345])
def test_data_has_exact_size(size: int) -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.get(f"{server.url}/api/data?size={size}") as response:
            body = await response.read()
            assert response.status == 200
            assert response.content_type == "text/plain"
        assert len(body) == size
        assert body.isascii()

    run(scenario)


def test_latency_delays_the_answer() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        started = time.perf_counter()
        status, body = await get_json(session, f"{server.url}/api/json?items=3&latency=0.3")
        assert time.perf_counter() - started >= 0.25
        assert status == 200
        assert [item["id"] for item in body["items"]] == [0, 1, 2]
        assert abs(body["served_at"] - time.time()) < 5

    run(scenario)


@pytest.mark.parametrize("code", [200, 201, 404, 418, 500, 503, 599])
def test_status_answers_with_the_code_asked(code: int) -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        status, body = await get_json(session, f"{server.url}/api/status/{code}")
        assert (status, body) == (code, {"status": code})

    run(scenario)


def test_stream_arrives_in_chunks_over_time() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        started = time.perf_counter()
        # Six chunks 0.2 s apart: a reader held up longer than the stream finds it all
        # there at once (beside a second suite, stalls of 0.2-0.5 s are common).
        url = f"{server.url}/api/stream?chunks=6&size=10&interval=0.2"
        async with session.get(url) as response:
            assert response.headers["Transfer-Encoding"] == "chunked"
            first = await response.content.readany()
            rest = await response.read()
        assert len(first) < 60  # the first chunk came before the last one was sent
        assert len(first + rest) == 60
        assert time.perf_counter() - started >= 1.0  # five intervals of 0.2 s

    run(scenario)


def test_download_announces_its_size_and_arrives_in_pieces_over_time() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        started = time.perf_counter()
        url = f"{server.url}/api/download?size=2500&chunk=1000&interval=0.1"
        async with session.get(url) as response:
            assert response.status == 200 and response.content_length == 2500
            first = await response.content.readany()
            first_at = time.perf_counter() - started
            rest = await response.read()
        took = time.perf_counter() - started
        assert len(first) == 1000 and len(first + rest) == 2500  # the first piece came alone
        assert took >= 0.2  # two pauses of 0.1 s
        # Read before the second piece came, so a pause before the last: 0.2 s on a quiet
        # machine (a bound of 0.15 s from the start failed beside a second suite: 0.22 s).
        assert took - first_at > 0.09, (first_at, took)

    run(scenario)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("size=2000&chunk=1", "size / chunk must be at most 1000 pieces, got 2000 / 1 = 2000"),
        ("size=1000&chunk=10&interval=1", "interval * (pieces - 1) must be at most 60 s"),
    ],
)
def test_download_too_many_pieces_or_too_long_is_400(query: str, named: str) -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        status, body = await get_json(session, f"{server.url}/api/download?{query}")
        assert status == 400 and body["error"].startswith(named), body

    run(scenario)


def test_news_word_count_matches_expected() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        status, body = await get_json(session, f"{server.url}/api/news/sources?count=5")
        assert status == 200
        words: list[str] = []
        for source in body["sources"]:
            url = f"{server.url}/api/news/articles?source={source['id']}"
            status, articles = await get_json(session, url)
            assert (status, articles["source"]) == (200, source["id"])
            for article in articles["articles"]:
                text = article["title"] + " " + article["description"]
                words += [w.lower() for w in re.split(r"[^A-Za-z0-9_]+", text) if w]
        for word in ("async", "Loop", "news", "missing"):
            assert words.count(word.lower()) == expected_word_count(word, 5)
        assert expected_word_count("async", 5) > 0

    run(scenario)


def test_news_data_is_deterministic() -> None:
    assert news_sources(3) == news_sources(3)
    assert [s["id"] for s in news_sources(3)] == ["source-00", "source-01", "source-02"]
    assert news_articles("source-01") == news_articles("source-01")
    assert news_articles("source-01") != news_articles("source-02")
    assert expected_word_count("ASYNC", 10) == expected_word_count("async", 10)


def test_tick_polling_returns_the_latest_tick_of_the_rate_asked() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        _, first = await get_json(session, server.url + "/api/tick?rate=100")
        _, second = await get_json(session, server.url + "/api/tick?rate=100&latency=0.05")
        assert first["seq"] + 4 <= second["seq"], (first, second)  # 50 ms at 100/s
        assert first["t"] <= second["t"] <= time.time()
        apart = (second["seq"] - first["seq"]) / 100
        assert second["t"] - first["t"] == pytest.approx(apart, abs=1e-6)
        assert -1 <= second["value"] <= 1 and second["rate"] == 100
        _, default = await get_json(session, server.url + "/api/tick")
        assert default["rate"] == 10

    run(scenario)


def test_polling_and_push_read_the_same_ticks() -> None:
    """Same seq, same stamp, same value: polling can count exactly what it missed."""

    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(server.url + "/ws/ticks?rate=50") as ws:
            _, polled = await get_json(session, server.url + "/api/tick?rate=50")
            pushed: list[dict] = []
            async with asyncio.timeout(10):  # until the push passed the polled tick
                while not pushed or pushed[-1]["seq"] < polled["seq"]:
                    data = json.loads((await ws.receive()).data)
                    if data["type"] == "tick":
                        pushed.append(data)
        same = [tick for tick in pushed if tick["seq"] == polled["seq"]]
        assert same, (polled, [t["seq"] for t in pushed])
        assert {k: same[0][k] for k in ("seq", "t", "value")} == {
            k: polled[k] for k in ("seq", "t", "value")
        }

    run(scenario)


def test_the_signal_changes_suddenly() -> None:
    """Levels that jump and spikes of 50 ms: what a client polling now and then misses."""
    values = [tick_value(1000 + n / 100) for n in range(1000)]  # 10 s at 100 ticks/s
    jumps = [abs(b - a) for a, b in itertools.pairwise(values)]
    assert sum(jump >= 0.5 for jump in jumps) >= 10
    assert all(-1 <= value <= 1 for value in values)
    spikes, run_length = [], 0
    for value in values:
        if abs(value) == 0.95:
            run_length += 1
        elif run_length:
            spikes.append(run_length)
            run_length = 0
    assert len(spikes) >= 5 and max(spikes) <= 10, spikes  # short: 50 ms, or two in a row


# ---- bad input: always a 400 with a JSON error naming the parameter

NUMERIC_PARAMS = [
    ("/api/data", "size", "10000001"),
    ("/api/data", "latency", "30.5"),
    ("/api/json", "items", "1001"),
    ("/api/json", "latency", "1e9"),
    ("/api/status/200", "latency", "31"),
    ("/api/stream", "chunks", "1001"),
    ("/api/stream", "size", "1000001"),
    ("/api/stream", "interval", "5.1"),
    ("/api/download", "size", "10000001"),
    ("/api/download", "chunk", "10000001"),
    ("/api/download", "interval", "5.1"),
    ("/api/news/sources", "count", "201"),
    ("/api/news/articles", "latency", "31"),
    ("/api/tick", "latency", "31"),
    ("/ws/ticks", "rate", "501"),
]


@pytest.mark.parametrize(("path", "name", "too_large"), NUMERIC_PARAMS)
def test_bad_numbers_are_400_naming_the_parameter(path: str, name: str, too_large: str) -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        extra = "&source=source-00" if "articles" in path else ""
        for value in ["abc", "nan", "inf", "-inf", "-1", too_large, ""]:
            status, body = await get_json(session, f"{server.url}{path}?{name}={value}{extra}")
            assert status == 400, (name, value)
            assert name in body["error"], body

    run(scenario)


# Every number any endpoint reads, in the query or the path ({} marks where a value goes).
EVERY_NUMBER = [
    *((f"{path}?{name}={{}}", name) for path, name, _ in NUMERIC_PARAMS if "news" not in path),
    ("/api/news/sources?count={}", "count"),
    ("/api/news/articles?source=source-00&latency={}", "latency"),
    ("/api/tick?rate={}", "rate"),
    ("/api/status/{}", "code"),
    ("/api/limited?rate={}", "rate"),
    ("/api/limited?burst={}", "burst"),
    ("/api/limited?latency={}", "latency"),
]
# What Python's int() and float() take, or choke on, that no endpoint may: one parser for all.
NOT_PLAIN_NUMBERS = ["²", "9" * 5000, "1_000", "٣", "５", " 5", "+5", ".5", "1e1", "1e-400"]


@pytest.mark.parametrize(("template", "name"), EVERY_NUMBER)
def test_every_endpoint_takes_plain_ascii_numbers_only(template: str, name: str) -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        statuses = {}
        for value in NOT_PLAIN_NUMBERS:
            url = server.url + template.format(urllib.parse.quote(value, safe=""))
            async with session.get(url) as response:
                statuses[value[:10]] = response.status
                if response.status == 400:
                    body = await response.json()
                    assert body["error"].startswith(f"{name} must be"), body
                    assert len(body["error"]) < 200, body
        assert set(statuses.values()) == {400}, statuses

    run(scenario)


@pytest.mark.parametrize(
    "path",
    [
        "/api/status/abc",
        "/api/status/199",
        "/api/status/101",
        "/api/status/600",
        "/api/status/nan",
        "/api/status/-1",
        "/api/news/articles",
        "/api/news/articles?source=source-999",
        "/api/news/articles?source=../etc",
        "/api/fault/nope",
    ],
)
def test_bad_paths_and_ids_are_400_json(path: str) -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        status, body = await get_json(session, server.url + path)
        assert status == 400
        assert body["error"]

    run(scenario)


def test_unknown_route_and_wrong_method_are_json() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        status, body = await get_json(session, server.url + "/no/such/thing")
        assert status == 404
        assert "/no/such/thing" in body["error"]
        async with session.post(server.url + "/api/data") as response:
            assert response.status == 405
            assert "POST" in (await response.json())["error"]

    run(scenario)


# ---- faults on purpose


def test_fault_reset_breaks_the_body() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        with pytest.raises((aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError)):
            async with session.get(server.url + "/api/fault/reset") as response:
                assert response.status == 200
                await response.read()

    run(scenario)


def test_fault_bad_utf8_and_not_json() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.get(server.url + "/api/fault/bad-utf8") as response:
            assert response.status == 200
            assert response.charset == "utf-8"
            body = await response.read()
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        async with session.get(server.url + "/api/fault/not-json") as response:
            assert response.content_type == "application/json"
            with pytest.raises(ValueError):
                await response.json()

    run(scenario)


def test_fault_redirect_loop_is_caught_by_the_client() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        with pytest.raises(aiohttp.TooManyRedirects):
            async with session.get(server.url + "/api/fault/redirect-loop", max_redirects=5):
                pass

    run(scenario)


def test_fault_huge_announces_50mb_and_a_client_can_stop_early() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.get(server.url + "/api/fault/huge") as response:
            assert response.content_length == 50_000_000
            received = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                received += len(chunk)
                if received >= 1_000_000:
                    break  # the size cap of a careful client
        assert received >= 1_000_000

    run(scenario)


# ---- websocket


@pytest.mark.no_outside_load  # counts ticks in 0.5 s (fewer than 20 beside a second suite)
def test_websocket_pushes_ticks_at_the_rate_asked() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(server.url + "/ws/ticks?rate=100") as ws:
            ticks = await ticks_for(ws, 0.5)
        assert 20 <= len(ticks) <= 80
        seqs = [t["seq"] for t in ticks]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # none skipped
        assert all(abs(t["t"] - time.time()) < 5 and -1 <= t["value"] <= 1 for t in ticks)
        assert ticks[-1]["t"] - ticks[0]["t"] == pytest.approx((len(ticks) - 1) / 100, abs=1e-6)

    run(scenario)


def test_websocket_rate_can_be_changed() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(server.url + "/ws/ticks?rate=1") as ws:
            await wait_for_message(ws, lambda m: m["type"] == "tick")
            await ws.send_json({"rate": 200})
            ack = await wait_for_message(ws, lambda m: m["type"] != "tick")
            assert ack == {"type": "rate", "rate": 200}
            # The next 20, whenever they come: in 0.5 s a busy machine's client had read none.
            ticks = [await wait_for_message(ws, lambda m: m["type"] == "tick") for _ in range(20)]
        seqs = [t["seq"] for t in ticks]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        assert ticks[1]["t"] - ticks[0]["t"] == pytest.approx(1 / 200, abs=1e-6)

    run(scenario)


def test_websocket_commands_echo_errors_and_bad() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(server.url + "/ws/ticks?rate=20") as ws:
            await ws.send_json({"echo": "hello"})
            echo = await wait_for_message(ws, lambda m: m["type"] != "tick")
            assert echo == {"type": "echo", "text": "hello"}

            for wrong in ['{"rate": "x"}', '{"rate": 0}', '{"rate": 501}', "hello", "[[[[["]:
                await ws.send_str(wrong)
                error = await wait_for_message(ws, lambda m: m["type"] != "tick")
                assert error["type"] == "error" and error["error"], wrong
            before = await wait_for_message(ws, lambda m: m["type"] == "tick")
            after = await wait_for_message(ws, lambda m: m["type"] == "tick")
            assert after["seq"] > before["seq"]  # the stream carried on

            await ws.send_str("bad")
            async with asyncio.timeout(5):
                while (message := await ws.receive()).data.startswith('{"type": "tick"'):
                    pass
            assert message.data == "this is not json {"
            with pytest.raises(ValueError):
                json.loads(message.data)

    run(scenario)


# ---- lifecycle


def test_stop_with_busy_clients_is_quick() -> None:
    async def main() -> None:
        server = DemoServer()
        await server.start()
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(server.url + "/ws/ticks?rate=100")
            slow = asyncio.create_task(get_json(session, server.url + "/api/json?latency=10"))
            url = server.url + "/api/stream?chunks=100&interval=0.1"
            async with session.get(url) as streaming:
                await streaming.content.readany()  # the stream is under way
                await wait_for_message(ws, lambda m: m["type"] == "tick")
                started = time.perf_counter()
                await server.stop()
                assert time.perf_counter() - started < 2
                with pytest.raises(aiohttp.ClientError):
                    await streaming.read()
            with pytest.raises(aiohttp.ClientError):
                await asyncio.wait_for(slow, 5)
            async with asyncio.timeout(5):
                while not ws.closed:
                    await ws.receive()
            await ws.close()

    asyncio.run(main())
    gc.collect()


@pytest.mark.parametrize("turns", range(5))
def test_a_connection_accepted_as_the_server_stops_is_closed(turns: int) -> None:
    """asyncio accepts a connection, then makes its transport a turn later; a stop in
    between used to leave that socket open for the garbage collector ("unclosed
    transport" on stderr at the app's exit). `turns` moves the stop across those turns."""
    from guidemo.server.running import LoopServer

    async def main() -> None:
        async with LoopServer() as server:
            clients = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
            for _ in range(turns):
                await asyncio.sleep(0)
        for client in clients:
            client.settimeout(5)
            try:
                data = client.recv(1)
            except ConnectionResetError:
                data = b""  # reset: one the server never accepted
            assert data == b""  # closed by the server, not left open
            client.close()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        asyncio.run(main())
        gc.collect()
    assert [str(w.message) for w in caught] == []


def test_restart_reuses_the_port() -> None:
    async def main() -> None:
        server = DemoServer()
        async with aiohttp.ClientSession() as session:
            async with server:
                port = server.port
                assert port > 0
                assert (await get_json(session, server.url + "/api/tick"))[0] == 200
                deadline = time.monotonic() + 5
                before = {"seq": 0}
                while before["seq"] < 5 and time.monotonic() < deadline:  # the clock has run
                    _, before = await get_json(session, server.url + "/api/tick?rate=100")
                assert before["seq"] >= 5
            async with server:
                assert server.port == port
                status, after = await get_json(session, server.url + "/api/tick?rate=100")
                assert status == 200
                assert after["seq"] >= before["seq"]  # the same clock goes on after a restart

    asyncio.run(main())
    gc.collect()


def test_binds_to_localhost_by_default() -> None:
    async def scenario(server: DemoServer, session: aiohttp.ClientSession) -> None:
        assert server.host == "127.0.0.1"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert server.open_connections >= 0
        assert [address[0] for address in server._server.addresses] == ["127.0.0.1"]

    run(scenario)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX")
def test_serve_forever_runs_until_ctrl_c() -> None:
    port = free_port()
    code = (
        "import asyncio; from guidemo.server import serve_forever; "
        f"asyncio.run(serve_forever('127.0.0.1', {port}))"
    )
    process = subprocess.Popen(
        [sys.executable, "-W", "default::ResourceWarning", "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A child started in the background may inherit "ignore SIGINT": undo that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = process.stdout.readline()
        assert line == f"guidemo demo server on http://127.0.0.1:{port} (Ctrl+C to stop)\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/json?items=1") as response:
            assert json.load(response)["items"] == [{"id": 0, "name": "item 0"}]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert (process.returncode, out, err) == (0, "guidemo demo server stopped (SIGINT)\n", "")
