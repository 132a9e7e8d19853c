"""The rules every way of downloading follows, whatever the client library: one deadline,
which redirects to follow, how a body is decoded and capped, when an answer is broken,
and the sentence each failure becomes.

`fetch` (aiohttp) and `fetch_blocking` (plain sockets) both go through these, so the same
server answer gives the same row in every way of the http panel.
"""

from __future__ import annotations

import json
import re
import ssl
import time
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from guidemo.net.urls import CONTROL, BadUrl, check_url, shorten

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_BYTES = 5_000_000
MAX_REDIRECTS = 10
RETRIES_WITHOUT_ANSWER = 1  # a GET the server closed on without answering is asked again
CHUNK = 64 * 1024
MAX_LINE = 8190  # bytes in the status line or one header line (aiohttp's limit too)
MAX_HEADERS = 100  # header lines in one answer (the standard library's limit too)
MAX_ERROR = 300  # characters kept of an error sentence
REDIRECTS = (301, 302, 303, 307, 308)
# What a client may ask for; anything else in Content-Encoding is the server's mistake.
ACCEPT_ENCODING = "gzip, deflate"
# Checks the decoded JSON: returns "" if it is what the caller expected, else what is wrong.
Expectation = Callable[[Any], str]

# What can be wrong with an answer that is not valid HTTP (the words after "not a valid
# HTTP answer: "), whichever library noticed it.
BAD_STATUS = "bad status line"
BAD_HEADER = "bad header line"
LINE_TOO_LONG = f"a line longer than {MAX_LINE:,} bytes"
TOO_MANY_HEADERS = f"more than {MAX_HEADERS} header lines"
BAD_LENGTH = "bad or conflicting Content-Length"
BAD_CHUNKS = "bad chunked encoding"
NO_ANSWER = "the server closed the connection without an answer"


@dataclass(slots=True)
class FetchResult:
    """What happened to one request. `error` is "" when it went well."""

    url: str
    status: int | None = None  # the HTTP status, if an answer came at all
    nbytes: int = 0  # body bytes read, decoded (at most the cap)
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
        self.problem, self.error = problem, error[:MAX_ERROR]
        if problem == "protocol":  # not valid HTTP: whatever status or body it began with is void
            self.status, self.nbytes = None, 0
        return self


class Fault(Exception):
    """A request that cannot succeed, already put into words: (problem key, sentence)."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(problem, message)
        self.problem, self.message = problem, message


def not_http(what: str) -> Fault:
    return Fault("protocol", f"not a valid HTTP answer: {what}")


# --- redirects ------------------------------------------------------------------------------
def next_hop(url: str, status: int, headers: Any) -> str | None:
    """Where a redirect leads (None: this answer is the final one). Only to http(s) URLs,
    checked like a typed one: a redirect to ftp:// is refused, as ftp:// in the box is."""
    if status not in REDIRECTS:
        return None
    location = (headers.get("Location") or "").strip()
    if not location:
        raise Fault("redirects", f"HTTP {status} redirect without a Location to follow")
    try:
        return check_url(urllib.parse.urljoin(url, location))
    except (BadUrl, ValueError) as exc:
        raise Fault("redirects", f"redirected to {shorten(location, 80)}, refused: {exc}") from None


REDIRECT_LOOP = f"redirect loop: still redirected after {MAX_REDIRECTS} hops"


# --- the body -------------------------------------------------------------------------------
class Body:
    """A body as it arrives: decoded (gzip, deflate) and capped at `max_bytes` decoded
    bytes, so a small compressed answer cannot grow into gigabytes in memory."""

    def __init__(self, result: FetchResult, headers: Any, max_bytes: int) -> None:
        self.result, self.max_bytes = result, max_bytes
        self.announced = _int(headers.get("Content-Length"))
        self.encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        self.data = bytearray()
        self.wire = 0  # bytes received, before decoding
        if self.encoding in ("gzip", "x-gzip"):
            self._decoder: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self._decoder = zlib.decompressobj()
        elif self.encoding == "identity":
            self._decoder = None
        else:
            raise Fault(
                "encoding",
                f"unsupported Content-Encoding {shorten(self.encoding, 30)!r} "
                f"(the request asked for {ACCEPT_ENCODING})",
            )

    def feed(self, chunk: bytes) -> None:
        self.wire += len(chunk)
        room = self.max_bytes - len(self.data)
        if self._decoder is not None:
            try:
                chunk = self._decoder.decompress(chunk, room + 1)  # never more than we keep
            except zlib.error as exc:
                raise Fault("encoding", f"body is not valid {self.encoding}: {exc}") from None
        self.data += chunk[:room]
        self.result.nbytes = len(self.data)
        if len(chunk) > room:
            said = ""
            if self._decoder is None and self.announced is not None:
                said = f"; the server announced {self.announced:,}"
            raise Fault(
                "too-big",
                f"body over the size cap: the first {len(self.data):,} bytes were read, then "
                f"reading stopped (cap {self.max_bytes:,} bytes{said})",
            )

    def finish(self) -> bytes:
        """The whole body, decoded; a compressed stream that ends early is broken."""
        if self._decoder is not None:
            self.feed(b"")
            if not self._decoder.eof:
                raise Fault("encoding", f"body is not valid {self.encoding}: it ends too early")
        return bytes(self.data)

    def broken(self, error: BaseException) -> Fault:
        """The connection failed mid-body: a broken chunked encoding, or a body cut short."""
        if "chunk" in str(error).lower() and "not enough data" not in str(error).lower():
            return not_http(BAD_CHUNKS)
        of = f" of {self.announced:,}" if self.announced is not None else ""
        return Fault("reset", f"connection closed mid-body after {self.wire:,}{of} bytes")


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and re.fullmatch(r"[0-9]+", text.strip()) else None


# --- is it a good answer? -------------------------------------------------------------------
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
        text = f"HTTP {result.status} {shorten(reason or '', 60)}".strip()
        return result.fail("http", f"{text}: {detail}" if detail else text)
    if 300 <= (result.status or 0) < 400:
        text = f"HTTP {result.status} {shorten(reason or '', 60)}".strip()
        followed = ", ".join(map(str, REDIRECTS))
        return result.fail("redirects", f"{text}: not followed (only {followed} are)")
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


# --- failures as sentences ------------------------------------------------------------------
def time_left(deadline: float) -> float:
    """Seconds until `deadline` (a perf_counter() time); TimeoutError once it has passed."""
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError
    return left


def timed_out(result: FetchResult, timeout: float) -> tuple[str, str]:
    """Where the deadline cut the request off: the same time as the row's ms column."""
    text = f"timed out after {result.ms / 1000:.2f} s (limit {timeout:g} s)"
    if result.status is not None:
        text += f", {result.nbytes:,} bytes of the body read"
    return "timeout", text


def connect_problem(error: OSError | None, url: str) -> tuple[str, str]:
    where = host_of(url, with_port=True)
    if isinstance(error, ConnectionRefusedError):
        return "refused", f"connection refused by {where} (nothing listens there)"
    if isinstance(error, ssl.SSLError):
        return "tls", f"TLS error with {where}: {getattr(error, 'reason', None) or error}"
    detail = getattr(error, "strerror", None) or error
    return "network", f"cannot connect to {where}: {shorten(str(detail), 100)}"


def unknown_host(url: str) -> tuple[str, str]:
    return "dns", f"unknown host {host_of(url)} (DNS lookup failed)"


def host_of(url: str, with_port: bool = False) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    host = shorten(parts.hostname or "?", 80)
    if with_port and port:
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return host


def first_line(message: object) -> str:
    """The first line of an error message, with unprintable characters escaped."""
    lines = [part.strip() for part in str(message).splitlines() if part.strip()]
    text = " ".join(lines[:2])[:100].encode("ascii", "backslashreplace").decode()
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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
    return shorten(str(message), 200) if message else ""
