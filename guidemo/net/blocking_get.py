"""The blocking GET, with the standard library's sockets: `fetch_blocking`.

urllib.request gives its timeout to every socket operation, not to the request: a server
that sends its headers a byte at a time keeps it waiting for ever (a 2 s timeout took
20 s). Here every wait on the network gets only the time left until one deadline. The
rules (redirects, encodings, broken answers) are `guidemo.net.rules`, as for aiohttp.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yarl
from multidict import CIMultiDict

from guidemo.net.rules import (
    ACCEPT_ENCODING,
    BAD_CHUNKS,
    BAD_HEADER,
    BAD_LENGTH,
    BAD_STATUS,
    CHUNK,
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT_S,
    LINE_TOO_LONG,
    MAX_HEADERS,
    MAX_LINE,
    MAX_REDIRECTS,
    NO_ANSWER,
    REDIRECT_LOOP,
    RETRIES_WITHOUT_ANSWER,
    TOO_MANY_HEADERS,
    Body,
    Expectation,
    Fault,
    FetchResult,
    connect_problem,
    first_line,
    judge_body,
    next_hop,
    not_http,
    time_left,
    timed_out,
    unknown_host,
)
from guidemo.net.urls import BadUrl, check_url

_STATUS_LINE = re.compile(rb"HTTP/\d\.\d (\d{3})(?: ([^\r\n]*))?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(r"[0-9]+")


def fetch_blocking(
    url: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expect: Expectation | None = None,
) -> FetchResult:
    """The same GET as `fetch`, but it blocks the calling thread until the answer is in.

    Every wait on the network gets only the time left until one deadline, so `timeout`
    holds for the whole request, however slowly the server answers.
    """
    result = FetchResult(url, started=time.perf_counter())
    try:
        download(result, result.started + timeout, max_bytes, expect)
    except (Fault, TimeoutError, OSError, ValueError) as error:
        result.ended = time.perf_counter()
        result.fail(*_problem(error, result, timeout))
    result.ended = result.ended or time.perf_counter()
    return result


def download(result: FetchResult, deadline: float, max_bytes: int, expect: Any) -> None:
    """Follow redirects (the rules say where to), then read, decode and judge the body."""
    url = check_url(result.url)
    for _hop in range(MAX_REDIRECTS + 1):
        connection, head = ask(url, deadline)
        with connection:
            result.status = head.status
            next_url = next_hop(url, head.status, head.headers)
            if next_url is None:
                body = Body(result, head.headers, max_bytes)
                try:
                    for chunk in connection.body(head):
                        body.feed(chunk)
                except ConnectionError as error:
                    raise body.broken(error) from error
                judge_body(result, body.finish(), head.reason, head.headers, expect)
                return
        url = next_url
    raise Fault("redirects", REDIRECT_LOOP)


def ask(url: str, deadline: float) -> tuple[Connection, Head]:
    """Connect, send the GET, read the answer's head. A server that closes without an
    answer is asked once more, as aiohttp does for a GET (RFC 9112 allows it for requests
    that change nothing): so both ways take as long, and say the same."""
    for attempt in range(1 + RETRIES_WITHOUT_ANSWER):
        connection = Connection(url, deadline)
        try:
            return connection, connection.head()
        except BaseException as error:
            connection.close()
            no_answer = isinstance(error, Fault) and error.message == NO_ANSWER
            if not no_answer or attempt == RETRIES_WITHOUT_ANSWER:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def _problem(error: BaseException, result: FetchResult, timeout: float) -> tuple[str, str]:
    if isinstance(error, Fault):
        return error.problem, error.message
    if isinstance(error, TimeoutError):
        return timed_out(result, timeout)
    if isinstance(error, BadUrl):
        return "bad-url", str(error)
    if isinstance(error, ssl.SSLError):
        return connect_problem(error, result.url)
    if isinstance(error, ValueError):  # yarl's or IDNA's objections to the URL
        return "bad-url", f"malformed URL: {first_line(error)}"
    return "network", f"network error: {first_line(error) or type(error).__name__}"


# --- one request on one socket ----------------------------------------------------------------
@dataclass
class Head:
    status: int
    reason: str
    headers: CIMultiDict[str]


class Connection:
    """One GET over one socket (HTTP/1.1, `Connection: close`), read by hand so that every
    wait is bounded by the deadline and every broken answer is named by the rules."""

    def __init__(self, url: str, deadline: float) -> None:
        self.url, self.deadline = yarl.URL(url), deadline
        self.buffer = bytearray()
        self.sock = open_socket(url, self.url, deadline)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def head(self) -> Head:
        """Send the request and read the answer's status line and headers."""
        path = self.url.raw_path_qs or "/"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.url.host_port_subcomponent}\r\n"
            f"Accept: */*\r\nAccept-Encoding: {ACCEPT_ENCODING}\r\n"
            "User-Agent: guidemo\r\nConnection: close\r\n\r\n"
        )
        try:
            self._time_left()
            self.sock.sendall(request.encode("ascii"))
            while True:
                head = self._read_head()
                if not 100 <= head.status < 200:  # 1xx: interim, the real answer follows
                    return head
        except ConnectionError:
            raise Fault("reset", NO_ANSWER) from None

    def body(self, head: Head) -> Iterator[bytes]:
        """The body's bytes as they arrive: by Content-Length, in chunks, or until closed."""
        if head.status in (204, 304):
            return
        codings = head.headers.get("Transfer-Encoding", "")
        if codings.split(",")[-1].strip().lower() == "chunked":
            yield from self._chunks()
        elif "Content-Length" in head.headers:
            yield from self._exactly(int(head.headers["Content-Length"]))
            if self.buffer and not starts_like_a_status_line(self.buffer):
                # More bytes than announced: to HTTP they begin the next answer, and they
                # are not one (aiohttp's parser reads them the same way).
                raise not_http(BAD_STATUS)
        else:
            while True:
                if self.buffer:
                    yield bytes(self.buffer)
                    self.buffer.clear()
                if not self.wait_for_bytes():
                    return

    # --- reading, never longer than the deadline ---------------------------------------------
    def _time_left(self) -> None:
        self.sock.settimeout(time_left(self.deadline))

    def wait_for_bytes(self) -> bool:
        """Wait for the server's next bytes, at most until the deadline (this is where a
        frozen window waits); False when the server closed the connection."""
        self._time_left()
        data = self.sock.recv(CHUNK)
        self.buffer += data
        return bool(data)

    def _line(self, first: bool = False) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > MAX_LINE + 1:
                raise not_http(LINE_TOO_LONG)
            if not self.wait_for_bytes():
                if first and not starts_like_a_status_line(self.buffer):
                    raise not_http(BAD_STATUS)  # some bytes, then the server closed: not HTTP
                raise ConnectionResetError("closed in the middle of a line")
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        line = line.removesuffix(b"\r")
        if len(line) > MAX_LINE:
            raise not_http(LINE_TOO_LONG)
        return line

    def _read_head(self) -> Head:
        match = _STATUS_LINE.fullmatch(self._line(first=True))
        if match is None:
            raise not_http(BAD_STATUS)
        pairs: list[list[bytes]] = []
        while line := self._line():
            if line[:1] in (b" ", b"\t") and pairs:  # a value continued on the next line
                pairs[-1][1] += b" " + line.strip(b" \t")
                continue
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name) or b"\x00" in value or b"\r" in value:
                raise not_http(BAD_HEADER)
            pairs.append([name, value.strip(b" \t")])
            if len(pairs) > MAX_HEADERS:
                raise not_http(TOO_MANY_HEADERS)
        headers: CIMultiDict[str] = CIMultiDict(
            (name.decode("ascii"), value.decode("utf-8", "surrogateescape"))
            for name, value in pairs
        )
        lengths = headers.getall("Content-Length", [])
        if len(lengths) > 1 or (lengths and "Transfer-Encoding" in headers):
            raise not_http(BAD_LENGTH)
        if lengths and not _DIGITS.fullmatch(lengths[0]):
            raise not_http(BAD_LENGTH)
        reason = (match.group(2) or b"").decode("latin-1").strip()
        return Head(int(match.group(1)), reason, headers)

    def _exactly(self, count: int) -> Iterator[bytes]:
        while count > 0:
            if not self.buffer and not self.wait_for_bytes():
                raise ConnectionResetError("closed mid-body")
            piece = bytes(self.buffer[:count])
            del self.buffer[: len(piece)]
            count -= len(piece)
            yield piece

    def _chunks(self) -> Iterator[bytes]:
        while True:
            size = self._line().split(b";")[0].strip()
            if not _HEX.fullmatch(size):
                raise not_http(BAD_CHUNKS)
            if int(size, 16) == 0:
                break
            yield from self._exactly(int(size, 16))
            if self._line():  # every chunk ends with an empty line
                raise not_http(BAD_CHUNKS)
        while self._line():  # trailer fields, ignored
            pass


STATUS_LINE_SHAPE = b"HTTP/0.0 000 "  # 0: any ASCII digit


def starts_like_a_status_line(data: bytes | bytearray) -> bool:
    """Whether `data` can be the start of a status line ("HTTP/1.1 2" can, "hello" cannot).
    Cut off there, the answer was cut short; anything else is not HTTP. aiohttp's parser
    checks each byte as it comes, so this tells the two apart as it does."""
    for got, want in zip(data, STATUS_LINE_SHAPE, strict=False):
        if not (0x30 <= got <= 0x39 if want == 0x30 else got == want):
            return False
    return True


def open_socket(text: str, url: yarl.URL, deadline: float) -> socket.socket:
    """A connected socket (TLS for https), within the deadline; Fault if nobody answers."""
    host, port = url.raw_host or "", url.port or 80
    error: OSError = OSError("no address")
    try:
        addresses = look_up(host, port, deadline)
    except socket.gaierror:
        raise Fault(*unknown_host(text)) from None
    for family, address in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(time_left(deadline))
            sock.connect(address)
            if url.scheme == "https":
                sock.settimeout(time_left(deadline))
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            return sock
        except (TimeoutError, ssl.SSLError):
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            error = exc
    raise Fault(*connect_problem(error, text))


def look_up(host: str, port: int, deadline: float) -> list[tuple[int, Any]]:
    """The addresses of `host`, looked up in a helper thread: getaddrinfo itself cannot be
    given a timeout, and a slow name server must not outlast the deadline."""
    try:
        version = ipaddress.ip_address(host).version
        return [(socket.AF_INET6 if version == 6 else socket.AF_INET, (host, port))]
    except ValueError:
        pass
    found: list[Any] = []

    def ask_resolver() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:
            found.append(exc)

    lookup = threading.Thread(target=ask_resolver, name=f"dns: {host[:40]}", daemon=True)
    lookup.start()
    lookup.join(time_left(deadline))
    if not found:
        raise TimeoutError
    if isinstance(found[0], Exception):
        raise found[0]
    return [(info[0], info[4]) for info in found[0]]
