"""HTTP client helpers for the lessons and the benchmark: one GET, told as a record, never
as a crash.

`fetch` (aiohttp, for coroutines) and `fetch_blocking` (urllib.request from the standard
library, for plain threads and for the deliberately blocking way) do the same job the same
way: a per-request timeout, a cap on the body size, the body checked (UTF-8, JSON), and
every failure turned into a short sentence in `FetchResult.error`. A panel can therefore
show 10,000 requests, a few hundred of them broken, as rows, and carry on. Qt-free; the
three ways of using them are the lesson `guidemo.lessons.news`.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_BYTES = 5_000_000
MAX_URLS = 10_000  # a pasted list is cut here; the rest is reported, not requested
MAX_REDIRECTS = 10
CHUNK = 64 * 1024
ALLOWED_SCHEMES = ("http", "https")
# Checks the decoded JSON: returns "" if it is what the caller expected, else what is wrong.
Expectation = Callable[[Any], str]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)
_SPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PORT_ONLY = re.compile(r"\d+(/|$)")  # what follows "host:" in "host:8080/path"


@dataclass(slots=True)
class FetchResult:
    """What happened to one request. `error` is "" when it went well."""

    url: str
    status: int | None = None  # the HTTP status, if an answer came at all
    nbytes: int = 0  # body bytes read (at most the cap)
    started: float = 0.0  # time.perf_counter() when the request began (0: never sent)
    ended: float = 0.0
    error: str = ""  # a readable sentence
    problem: str = ""  # a short key: dns, refused, timeout, http, reset, utf8, json, ...
    data: Any = None  # the decoded JSON, when the caller asked for JSON

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000 if self.started else 0.0

    def fail(self, problem: str, error: str) -> FetchResult:
        self.problem, self.error = problem, error
        return self


class BadUrl(ValueError):
    """A line that is not an http(s) URL; the message says why, for the results table."""


def check_url(line: str) -> str:
    """The URL on `line` without surrounding spaces, or BadUrl saying what is wrong."""
    url = line.strip()
    if not url:
        raise BadUrl("empty line")
    if _SPACE.search(url):
        raise BadUrl("malformed URL: it contains a space (write %20)")
    if _CONTROL.search(url):
        raise BadUrl("malformed URL: it contains a control character")
    match = _SCHEME.match(url)
    if match is None or _PORT_ONLY.match(match.group(2)):  # "example.com", "host:8080"
        raise BadUrl("malformed URL: no scheme; start it with http:// or https://")
    scheme = match.group(1).lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BadUrl(f"unsupported scheme {scheme}: (only http and https)")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0..65535
    except ValueError as exc:
        raise BadUrl(f"malformed URL: {exc}") from None
    if not parts.hostname:
        raise BadUrl("malformed URL: no host name after //")
    return url


@dataclass
class UrlLines:
    """A pasted list of URLs, read: (url, "") for good lines, (line, reason) for bad ones."""

    entries: list[tuple[str, str]]
    blank: int  # empty (or all-space) lines, skipped
    beyond_cap: int  # non-empty lines after the first MAX_URLS, not requested


def read_url_lines(text: str, cap: int = MAX_URLS) -> UrlLines:
    """One URL per line: spaces stripped, empty lines skipped, at most `cap` kept."""
    entries: list[tuple[str, str]] = []
    blank = beyond = 0
    for line in text.splitlines():
        if not line.strip():
            blank += 1
        elif len(entries) >= cap:
            beyond += 1
        else:
            try:
                entries.append((check_url(line), ""))
            except BadUrl as exc:
                entries.append((line.strip(), str(exc)))
    return UrlLines(entries, blank, beyond)


# --- the async way: aiohttp ---------------------------------------------------------------


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expect: Expectation | None = None,
) -> FetchResult:
    """GET `url` and return what happened. Never raises, except when cancelled.

    `timeout` covers the whole request (connect, headers, body); the body is read in
    chunks and reading stops once it passes `max_bytes`. With `expect`, the body must be
    JSON that `expect` accepts.
    """
    result = FetchResult(url, started=time.perf_counter())
    announced = None  # the Content-Length the server promised
    try:
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=timeout), max_redirects=MAX_REDIRECTS
        ) as response:
            result.status, announced = response.status, response.content_length
            body = bytearray()
            while chunk := await response.content.read(CHUNK):
                body += chunk
                result.nbytes = len(body)
                if len(body) > max_bytes:
                    return _too_big(result, max_bytes, response.content_length)
            judge_body(result, bytes(body), response.reason, response.headers, expect)
    except TimeoutError:  # aiohttp's own timeout errors are TimeoutErrors too
        result.fail("timeout", f"timed out after {timeout:g} s")
    except aiohttp.TooManyRedirects:
        result.fail("redirects", f"redirect loop: still redirected after {MAX_REDIRECTS} hops")
    except aiohttp.ClientConnectorDNSError:
        result.fail("dns", f"unknown host {_host(url)} (DNS lookup failed)")
    except aiohttp.ClientConnectorError as exc:
        result.fail(*_connect_problem(exc.os_error, url))
    except (
        aiohttp.ClientPayloadError,
        aiohttp.ServerDisconnectedError,
        aiohttp.ClientConnectionResetError,
    ):
        if result.status is None:
            result.fail("reset", "the server closed the connection without an answer")
        else:
            result.fail("reset", _cut_short(result.nbytes, announced))
    except aiohttp.ClientResponseError as exc:  # the answer could not be parsed as HTTP
        result.fail("protocol", f"not an HTTP answer: {_first_line(exc.message)}")
    except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError, UnicodeError) as exc:
        result.fail("bad-url", f"malformed URL: {exc}")
    except (aiohttp.ClientError, OSError) as exc:
        result.fail("network", f"network error: {exc or type(exc).__name__}")
    finally:
        result.ended = time.perf_counter()
    return result


# --- the blocking way: urllib.request, for threads (and, on purpose, the GUI thread) ----------


def fetch_blocking(
    url: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expect: Expectation | None = None,
) -> FetchResult:
    """The same GET as `fetch`, with the standard library: it blocks the calling thread.

    urllib applies `timeout` to each socket operation, so the total is also checked
    between chunks. urllib follows redirects itself and stops a loop.
    """
    result = FetchResult(url, started=time.perf_counter())
    deadline = result.started + timeout
    announced = None  # the Content-Length the server promised
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # direct, like aiohttp
    try:
        try:
            response = opener.open(url, timeout=timeout)
        except urllib.error.HTTPError as error:  # 4xx/5xx arrive as an exception with a body
            response = error
        with response:
            result.status = response.status
            announced = response.headers.get("Content-Length")
            if 300 <= response.status < 400:  # urllib gave up following them
                return result.fail(
                    "redirects", "redirect loop: the server keeps redirecting (urllib gave up)"
                )
            body = bytearray()
            while chunk := response.read1(CHUNK):  # what has arrived, up to CHUNK bytes
                body += chunk
                result.nbytes = len(body)
                if len(body) > max_bytes:
                    return _too_big(result, max_bytes, response.headers.get("Content-Length"))
                if time.perf_counter() > deadline:
                    raise TimeoutError
            if getattr(response, "length", None):  # read() returns b"" if the server hung up
                return result.fail("reset", _cut_short(result.nbytes, announced))
            judge_body(result, bytes(body), response.reason, response.headers, expect)
    except TimeoutError:
        result.fail("timeout", f"timed out after {timeout:g} s")
    except urllib.error.URLError as exc:  # could not connect: the reason is an OSError
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            result.fail("timeout", f"timed out after {timeout:g} s")
        elif isinstance(reason, socket.gaierror):
            result.fail("dns", f"unknown host {_host(url)} (DNS lookup failed)")
        elif isinstance(reason, OSError):
            result.fail(*_connect_problem(reason, url))
        else:
            result.fail("network", f"network error: {reason}")
    except http.client.IncompleteRead as exc:
        result.fail("reset", _cut_short(result.nbytes + len(exc.partial), announced))
    except http.client.RemoteDisconnected:
        result.fail("reset", "the server closed the connection without an answer")
    except ConnectionError:  # reset (RST) while reading the answer
        if result.status is None:
            result.fail("reset", "the server closed the connection without an answer")
        else:
            result.fail("reset", _cut_short(result.nbytes, announced))
    except http.client.HTTPException as exc:  # BadStatusLine, LineTooLong, ...
        result.fail("protocol", f"not an HTTP answer: {type(exc).__name__} {_first_line(exc)}")
    except (ValueError, UnicodeError) as exc:  # http.client.InvalidURL is a ValueError
        result.fail("bad-url", f"malformed URL: {exc}")
    except OSError as exc:
        result.fail("network", f"network error: {exc}")
    finally:
        result.ended = time.perf_counter()
    return result


# --- shared by both ways -------------------------------------------------------------------


def judge_body(
    result: FetchResult,
    body: bytes,
    reason: str | None,
    headers: Any,
    expect: Expectation | None,
) -> FetchResult:
    """Decide whether a complete answer is a good one: status, encoding, JSON shape."""
    content_type = headers.get("Content-Type", "")
    media = content_type.split(";")[0].strip().lower()
    charset = _charset(content_type)
    if result.status is not None and result.status >= 400:
        detail = _error_message(body)
        text = f"HTTP {result.status} {reason or ''}".strip()
        return result.fail("http", f"{text}: {detail}" if detail else text)
    wants_json = expect is not None or media == "application/json" or media.endswith("+json")
    if not (wants_json or media.startswith("text/") or charset):
        return result  # images, archives, ...: bytes are all we count
    try:
        text = body.decode(charset or "utf-8")
    except UnicodeDecodeError as exc:
        bad = body[exc.start : exc.start + 1].hex()
        name = (charset or "utf-8").upper()
        return result.fail("utf8", f"body is not valid {name}: byte 0x{bad} at offset {exc.start}")
    except LookupError:
        return result.fail("utf8", f"unknown charset {charset!r}")
    if not wants_json:
        return result
    try:
        result.data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return result.fail("json", f"not JSON: {str(exc)[:80]}")
    wrong = expect(result.data) if expect is not None else ""
    return result.fail("json", f"not the JSON expected: {wrong}") if wrong else result


def _too_big(result: FetchResult, max_bytes: int, announced: Any) -> FetchResult:
    said = f" of {int(announced):,} announced" if str(announced or "").isdigit() else ""
    return result.fail(
        "too-big",
        f"body over the {max_bytes:,}-byte cap: stopped reading after {result.nbytes:,}{said}",
    )


def _cut_short(got: int, announced: int | str | None = None) -> str:
    text = str(announced or "")
    of = f" of {int(text):,}" if text.isdigit() else ""
    return f"connection closed mid-body after {got:,}{of} bytes"


def _connect_problem(error: OSError | None, url: str) -> tuple[str, str]:
    where = _host(url, with_port=True)
    if isinstance(error, ConnectionRefusedError):
        return "refused", f"connection refused by {where} (nothing listens there)"
    if isinstance(error, TimeoutError):
        return "timeout", f"timed out connecting to {where}"
    if isinstance(error, ssl.SSLError):
        return "tls", f"TLS error with {where}: {error.reason or error}"
    return "network", f"cannot connect to {where}: {getattr(error, 'strerror', None) or error}"


def _host(url: str, with_port: bool = False) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    host = parts.hostname or "?"
    if with_port and port:
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return host


def _first_line(message: object) -> str:
    """The first line of an error message, with unprintable characters escaped."""
    lines = [part.strip() for part in str(message).splitlines() if part.strip()]
    text = " ".join(lines[:2])[:100].encode("ascii", "backslashreplace").decode()
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _charset(content_type: str) -> str:
    match = re.search(r"charset=\"?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else ""


def _error_message(body: bytes) -> str:
    """The {"error": ...} text an API put in its error answer, if there is one."""
    try:
        data = json.loads(body[:10_000].decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    message = data.get("error") if isinstance(data, dict) else None
    return str(message)[:200] if message else ""
