"""guidemo.net against a hostile server of raw sockets: one deadline and one set of rules for
the three ways of the http panel (sync, async, threads), through the lesson's own functions.

Every test runs the same URL the three ways and expects the same row from each.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest

from guidemo.lessons.news import Board, fetch_all_async, fetch_all_sync, fetch_all_threads
from guidemo.net import FetchResult, aio, fetch_blocking, shorten
from guidemo.net.rules import MAX_ERROR, NO_ANSWER
from tests.hostile_http import GZIP_JSON, HostileServer

pytestmark = [pytest.mark.timeout(60), pytest.mark.no_qt]
WAYS = ["sync", "async", "threads"]


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


def get(run: Any, way: str, url: str, **options: Any) -> FetchResult:
    """One GET the way the http panel's `way` does it (the lesson's functions)."""
    board = Board()
    jobs = board.plan([url])
    if way == "sync":
        return fetch_all_sync(jobs, board, **options)[0]
    if way == "async":

        async def main() -> list[FetchResult]:
            async with aiohttp.ClientSession() as session:
                return await fetch_all_async(session, jobs, 1, board, **options)

        return run(main())[0]
    with ThreadPoolExecutor(1) as pool:
        [result] = run(fetch_all_threads(pool, jobs, board, **options))
    assert result is not None
    return result


def row(result: FetchResult) -> tuple[Any, ...]:
    """What the results table shows of a request (and the JSON it decoded)."""
    return (result.status, result.problem, result.error, result.nbytes, result.data)


# --- one deadline for the whole request -----------------------------------------------------
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("path", ["/slow-head", "/slow-body"])
def test_the_timeout_holds_however_slowly_the_server_sends(run, hostile, way, path):
    """Every read is quick (a byte every 0.1 s), so a per-read timeout never fires: before,
    the sync and threads ways took 20 s for a 1 s timeout and said 200 OK."""
    began = time.perf_counter()
    result = get(run, way, f"{hostile.url}{path}", timeout=1.0)
    took = time.perf_counter() - began
    assert took < 2.5, (took, result)
    assert result.problem == "timeout", result
    assert 0.95 <= result.ms / 1000 < 2.5, result  # 1.57 s beside a second suite
    # The row says when it was cut off, the same time as its ms column.
    assert result.error.startswith(f"timed out after {result.ms / 1000:.2f} s (limit 1 s)"), result
    if path == "/slow-body":
        assert result.status == 200 and 0 < result.nbytes < 1000, result
        assert f"{result.nbytes:,} bytes of the body read" in result.error
    else:
        assert result.status is None and result.nbytes == 0, result


# --- one set of rules -------------------------------------------------------------------------
@pytest.mark.parametrize("way", WAYS)
def test_a_redirect_to_ftp_is_refused_like_a_typed_one(run, hostile, way):
    typed = get(run, way, hostile.ftp_url, timeout=2.0)
    assert typed.problem == "bad-url" and "unsupported scheme ftp:" in typed.error, typed
    redirected = get(run, way, f"{hostile.url}/redirect-ftp", timeout=2.0)
    assert redirected.status == 302 and redirected.problem == "redirects", redirected
    assert f"redirected to {hostile.ftp_url}, refused: unsupported scheme ftp:" in redirected.error
    assert hostile.ftp_visits == 0 and hostile.ftp_lines == [], "nobody logged in to the FTP server"


# (path, status, problem, words in the error; "" for a good answer)
SAME_ROW = [
    ("/garbage", None, "protocol", "not a valid HTTP answer: bad status line"),
    ("/http09", None, "protocol", "bad status line"),
    ("/http2-status", None, "protocol", "bad status line"),
    ("/no-colon", None, "protocol", "bad header line"),
    ("/space-in-name", None, "protocol", "bad header line"),
    ("/nul-in-value", None, "protocol", "bad header line"),
    ("/bad-length", None, "protocol", "bad or conflicting Content-Length"),
    ("/two-lengths", None, "protocol", "bad or conflicting Content-Length"),
    ("/length-and-chunked", None, "protocol", "bad or conflicting Content-Length"),
    ("/bad-chunk", None, "protocol", "bad chunked encoding"),
    ("/chunk-overflow", None, "protocol", "bad chunked encoding"),
    ("/long-header", None, "protocol", "a line longer than 8,190 bytes"),
    ("/many-headers", None, "protocol", "more than 100 header lines"),
    ("/silence", None, "reset", "closed the connection without an answer"),
    ("/reset", 200, "reset", "connection closed mid-body after 100 of 1,000 bytes"),
    ("/hangup", 200, "reset", "connection closed mid-body after 100 of 1,000 bytes"),
    ("/extra-body", None, "protocol", "bad status line"),  # 100 bytes after Content-Length: 10
    ("/chunked", 200, "", ""),
    ("/no-reason", 200, "", ""),
    ("/interim-100", 200, "", ""),
    ("/until-close", 200, "", ""),
    ("/folded", 200, "", ""),
    ("/gzip", 200, "", ""),
    ("/deflate", 200, "", ""),
    ("/redirect-relative", 200, "", ""),
    ("/brotli", 200, "encoding", "unsupported Content-Encoding 'br'"),
    ("/bad-gzip", 200, "encoding", "body is not valid gzip"),
    ("/bad-utf8", 200, "utf8", "body is not valid UTF-8: byte 0xc3 at offset 3"),
    ("/status-999", 999, "http", "HTTP 999 Weird"),
    ("/not-modified", 304, "redirects", "HTTP 304 Not Modified: not followed"),
    ("/redirect-no-location", 302, "redirects", "HTTP 302 redirect without a Location"),
    ("/redirect-loop", 302, "redirects", "redirect loop: still redirected after 10 hops"),
    ("/redirect-javascript", 302, "redirects", "refused: unsupported scheme javascript:"),
]


@pytest.mark.parametrize(("path", "status", "problem", "words"), SAME_ROW)
def test_the_same_answer_gives_the_same_row_in_every_way(
    run, hostile, path, status, problem, words
):
    rows = {way: row(get(run, way, f"{hostile.url}{path}", timeout=3.0)) for way in WAYS}
    assert rows["sync"] == rows["async"] == rows["threads"], rows
    got_status, got_problem, error, _, _ = rows["async"]
    assert (got_status, got_problem) == (status, problem), rows["async"]
    assert words in error if words else error == "", rows["async"]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        # Each try drips for 2.5 s: 4.5 s runs out in the second (3.5 s had run out in the
        # first on a busy machine, where the drip's waits came late).
        (4.5, (None, "timeout", "timed out")),
        # Both tries end by 5 s; 8 s had run out first on a busy machine.
        (15.0, (None, "reset", "the server closed the connection without an answer")),
    ],
)
def test_a_status_line_dripped_then_cut_gives_the_same_row_in_every_way(
    run, hostile, way, timeout, expected
):
    """ "HTTP/" a byte every 0.5 s, then the connection closes: no answer. aiohttp asks a
    GET a second time when the server closed without an answer (RFC 9112 allows it for
    idempotent requests); the blocking way does too, so both take the same time. Before,
    the blocking way said "bad status line" after 2.5 s while aiohttp said "no answer" or,
    by then, "timed out". (One test per way, each against the same row, so that the
    ways run in parallel.)"""
    before = hostile.requests.count("GET /drip-status HTTP/1.1")
    result = get(run, way, f"{hostile.url}/drip-status", timeout=timeout)
    asked = hostile.requests.count("GET /drip-status HTTP/1.1") - before
    assert (*row(result)[:2], result.error.split(" after ")[0]) == expected, result
    assert asked == 2, asked  # the first try and one more


def test_compressed_bodies_are_decoded_alike(run, hostile):
    for path in ("/gzip", "/deflate"):
        for way in WAYS:
            result = get(run, way, f"{hostile.url}{path}", expect=lambda _: "")
            assert result.ok and result.data == GZIP_JSON, (path, way, result)
            assert result.nbytes == len(str(GZIP_JSON).replace("'", '"')), "decoded bytes"


@pytest.mark.parametrize("way", WAYS)
def test_the_size_cap_says_what_was_read_and_holds_for_a_gzip_bomb(run, hostile, way):
    for path in ("/endless", "/gzip-bomb"):  # 20 MB of zeros in 20 KB of gzip
        result = get(run, way, f"{hostile.url}{path}", max_bytes=1_000_000, timeout=5.0)
        assert result.problem == "too-big", (path, result)
        assert result.nbytes == 1_000_000, (path, result)
        assert result.error.startswith(
            "body over the size cap: the first 1,000,000 bytes were read, then reading stopped "
            "(cap 1,000,000 bytes"
        ), result.error


@pytest.mark.parametrize(
    ("url", "problem", "words"),
    [
        ("http://127.1/", "bad-url", "127.1 is not an IPv4 address of four numbers"),
        ("http://2130706433/", "bad-url", "is not an IPv4 address"),
        ("http://a..b/", "bad-url", "malformed URL"),
        ("http://bücher.invalid/", "dns", "unknown host bücher.invalid"),
        ("http://127.0.0.1:1/", "refused", "connection refused by 127.0.0.1:1"),
        ("javascript:alert(1)", "bad-url", "unsupported scheme javascript:"),
    ],
)
def test_odd_urls_give_the_same_row_in_every_way(run, url, problem, words):
    rows = {way: row(get(run, way, url, timeout=3.0)) for way in WAYS}
    assert rows["sync"] == rows["async"] == rows["threads"], rows
    assert rows["async"][1] == problem and words in rows["async"][2], rows["async"]


def test_a_huge_url_makes_a_bounded_error(run, hostile):
    url = f"{hostile.url}/redirect-ftp?" + "q" * 1_000_000
    result = fetch_blocking("ftp://" + "h" * 1_000_000)
    assert len(result.error) <= MAX_ERROR and "unsupported scheme ftp:" in result.error
    result = fetch_blocking(f"http://{'h' * 100_000}.invalid/", timeout=2.0)
    assert len(result.error) <= MAX_ERROR, result.error
    assert len(shorten(url)) < 200 and "1,0" in shorten(url), "says how long it was"


def test_a_kept_alive_connection_reset_before_the_answer_is_a_reset():
    """aiohttp reuses a kept-alive connection; if the server has closed it meanwhile, the
    request fails with a raw "[Errno 104] Connection reset by peer" (seen against the
    hostile server about one run in three). The blocking way calls that no answer: so
    does the async way."""
    url = "http://127.0.0.1:9/"
    for error in (
        aiohttp.ClientOSError(errno.ECONNRESET, "Connection reset by peer"),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        aiohttp.ClientOSError(errno.EPIPE, "Broken pipe"),
    ):
        assert aio._problem(error, FetchResult(url), 1.0) == ("reset", NO_ANSWER), error
