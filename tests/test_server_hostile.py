"""The demo server against hostile and careless clients made of raw sockets: memory stays
bounded with clients that never read, idle and slow connections are closed, connections
are capped, absurd numbers are refused, client errors reach a callback (the app's error
log) instead of stderr, and `guidemo serve` says what a public address exposes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from PySide6 import QtWidgets

from guidemo.server import DemoServer
from guidemo.server.guard import ClientError, Limits
from guidemo.server.running import exposure_warning
from tests.helpers import wait_until
from tests.ws_peer import client_frame, raw_ws_client

pytestmark = [pytest.mark.timeout(60), pytest.mark.fast]
ROOT = Path(__file__).resolve().parent.parent
SHORT = Limits(request_timeout=0.5, idle_timeout=0.5, send_timeout=0.5)


@pytest.fixture(autouse=True)
def no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Client errors are the client's: nothing may be logged as an error of ours (the app's
    error reporter logs what it shows in the errorLog: that is by design)."""
    yield
    records = caplog.get_records("call")
    errors = [
        r.getMessage() for r in records if r.levelno >= logging.ERROR and r.name != "guidemo.errors"
    ]
    assert not errors


def run(coro) -> None:
    asyncio.run(coro)
    gc.collect()  # unclosed sockets warn here, and warnings are errors


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """True when the server hangs up within `timeout` s (whatever it sent before)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        / 1024
    )


async def get_status(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "guidemo", "serve", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


def stop_serve(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_100_clients_that_never_read_a_10mb_download_cost_little_memory():
    port = free_port()
    process, line = start_serve("--port", str(port))
    clients: list[socket.socket] = []
    try:
        assert "demo server on" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/data?size=100000") as answer:
            assert len(answer.read()) == 100_000  # warmed up: the code paths are loaded
        baseline = rss_mb(process.pid)
        for _ in range(100):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /api/data?size=10000000 HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(sock)
        time.sleep(2.0)  # the server writes until every socket's buffers are full
        grown = rss_mb(process.pid) - baseline
        assert grown < 100, f"{grown:.0f} MB more with 100 non-readers"  # was 1,875 MB
    finally:
        for sock in clients:
            sock.close()
        _, err = stop_serve(process)
    assert process.returncode == 0 and err == "", err


def test_silent_slow_and_non_reading_connections_are_closed():
    async def main() -> None:
        async with DemoServer(limits=SHORT) as server:
            host, port = "127.0.0.1", server.port
            loop = asyncio.get_running_loop()
            with contextlib.ExitStack() as sockets:
                silent = sockets.enter_context(socket.create_connection((host, port)))
                slow = sockets.enter_context(socket.create_connection((host, port)))
                slow.sendall(b"GET /api/json HTTP/1.1\r\nHost: x\r\n")

                async def dribble() -> None:
                    """A header line every 0.1 s, never the end of the headers."""
                    with contextlib.suppress(OSError):  # until the server hangs up
                        for _ in range(50):
                            await asyncio.sleep(0.1)
                            slow.sendall(b"X-Slow: yes\r\n")

                dribbling = asyncio.create_task(dribble())
                reader = sockets.enter_context(socket.socket())  # asks for 10 MB, reads none
                reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                reader.connect((host, port))
                reader.sendall(b"GET /api/data?size=10000000 HTTP/1.1\r\nHost: x\r\n\r\n")
                ws = sockets.enter_context(raw_ws_client(host, port, "/ws/ticks?rate=500", 4096))
                echo = client_frame(json.dumps({"echo": "e" * 3000}))
                ws.settimeout(3)

                def flood() -> None:  # 9 MB of echoes to answer, none of them read
                    with contextlib.suppress(OSError):  # the server stops reading, hangs up
                        ws.sendall(echo * 3000)

                await loop.run_in_executor(None, flood)
                await wait_until(lambda: server.open_connections == 0, 10, "all closed")
                await dribbling
                for sock in (silent, slow):
                    assert await loop.run_in_executor(None, closed_by_server, sock, 2)
            assert await get_status(server.url + "/api/json?items=1") == 200  # still serving

    run(main())


def test_connections_beyond_the_cap_get_503_and_a_callback():
    reported: list[tuple[BaseException, str]] = []

    async def main() -> None:
        async with DemoServer(limits=Limits(max_connections=10)) as server:
            server.on_error = lambda error, where: reported.append((error, where))
            held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(10)]
            try:
                await wait_until(lambda: server.open_connections == 10, 5, "10 open")
                extra = socket.create_connection(("127.0.0.1", server.port))
                with extra:
                    extra.settimeout(5)
                    answer = await asyncio.get_running_loop().run_in_executor(
                        None, extra.recv, 4096
                    )
                assert answer.startswith(b"HTTP/1.1 503"), answer
                assert b"too many connections" in answer
                held.pop().close()
                await wait_until(lambda: server.open_connections <= 9, 5, "one left")
                assert await get_status(server.url + "/api/json?items=1") == 200
            finally:
                for sock in held:
                    sock.close()
            await wait_until(lambda: reported, 5, "the refusal reported")

    run(main())
    error, where = reported[0]
    assert isinstance(error, ClientError) and "refused a connection" in str(error)
    assert "demo server" in where


def test_a_rate_with_400_digits_closes_the_websocket_with_4400_and_a_reason():
    async def main() -> None:
        async with (
            DemoServer() as server,
            aiohttp.ClientSession() as session,
            session.ws_connect(server.url + "/ws/ticks?rate=50") as ws,
        ):
            await ws.send_str('{"rate": ' + "9" * 400 + "}")
            async with asyncio.timeout(5):
                while (message := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                    pass
            assert message.type == aiohttp.WSMsgType.CLOSE, message
            assert ws.close_code == 4400
            assert "400 digits" in message.extra and "1.0 to 500.0" in message.extra

    run(main())


@pytest.mark.parametrize("number", ["1_000", "٣", "５", " 7", "1e3", "+5", "0x10", "7" * 40])
def test_only_plain_ascii_decimals_are_numbers(number: str):
    async def main() -> None:
        async with DemoServer() as server, aiohttp.ClientSession() as session:
            async with session.get(server.url + "/api/data", params={"size": number}) as answer:
                assert answer.status == 400
                assert "size must be an integer" in (await answer.json())["error"]
            async with session.ws_connect(server.url + "/ws/ticks?rate=1") as ws:
                await ws.send_json({"rate": number})
                async with asyncio.timeout(5):
                    while (message := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                        if json.loads(message.data)["type"] == "error":
                            break
                if message.type == aiohttp.WSMsgType.TEXT:
                    assert "rate must be a number" in json.loads(message.data)["error"]
                else:  # an absurdly long one is hung up on, with the reason
                    assert ws.close_code == 4400 and len(number) > 31

    run(main())


def test_malformed_requests_reach_on_error_as_short_lines_at_a_limited_rate():
    reported: list[tuple[BaseException, str]] = []

    async def main() -> None:
        async with DemoServer() as server:
            server.on_error = lambda error, where: reported.append((error, where))
            long_url = b"GET /api/json?x=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
            for request in [b"GARBAGE\r\n\r\n", long_url] + [
                b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"
            ] * 40:
                with socket.create_connection(("127.0.0.1", server.port)) as sock:
                    sock.sendall(request)
                    sock.settimeout(5)
                    answer = await asyncio.get_running_loop().run_in_executor(None, sock.recv, 4096)
                    assert answer.split(b" ")[1] == b"400", answer
            await wait_until(lambda: any("more client errors" in str(e) for e, _ in reported))

    run(main())
    texts = [str(error) for error, _ in reported]
    assert len(texts) <= 2 * Limits().errors_per_s + 2, texts
    assert all(len(text) <= 300 for text in texts)
    assert all(isinstance(error, ClientError) for error, _ in reported)
    assert "LineTooLong" in texts[0] and "\n" not in texts[0], texts[0]  # one line
    assert "BadHttpMessage" in texts[1], texts[1]


def test_a_malformed_request_to_the_embedded_server_reaches_the_error_log(window, run, server):
    error_log = window.findChild(QtWidgets.QListWidget, "errorLog")
    before = error_log.count()

    async def scenario() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /api/json?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.read(100)).split(b" ")[1] == b"400"
        writer.close()
        await writer.wait_closed()
        await wait_until(lambda: error_log.count() > before, 5, "an errorLog row")

    run(scenario())
    row = error_log.item(error_log.count() - 1).text()
    assert "demo server" in row and "ClientError" in row, row
    assert len(row) < 500


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("127.0.0.1", None),
        ("::1", None),
        ("localhost", None),
        ("0.0.0.0", "every network interface"),
        ("::", "every network interface"),
        ("192.168.1.20", "address 192.168.1.20"),
        ("example.org", "the name 'example.org'"),
    ],
)
def test_exposure_warning_says_what_a_host_exposes(host: str, says: str | None):
    warning = exposure_warning(host, 8765)
    if says is None:
        assert warning is None
    else:
        assert warning is not None and says in warning and "--host 127.0.0.1" in warning


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX")
def test_serve_on_every_interface_warns_on_stderr():
    port = free_port()
    process, line = start_serve("--host", "0.0.0.0", "--port", str(port))
    _, err = stop_serve(process)
    assert line == f"guidemo demo server on http://0.0.0.0:{port} (Ctrl+C to stop)\n"
    assert process.returncode == 0
    assert err.count("\n") == 1 and "every network interface" in err, err
