"""The async GET, with aiohttp: `fetch`. Its failures become sentences by `guidemo.net.rules`."""

from __future__ import annotations

import errno
import ssl
import time
from typing import Any

import aiohttp
from aiohttp import http_exceptions

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
    MAX_REDIRECTS,
    NO_ANSWER,
    REDIRECT_LOOP,
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

# aiohttp does none of the rules' work itself: they are the same for every way. (Its
# limits on a line's length are the rules' MAX_LINE already.)
SAME_RULES: dict[str, Any] = {
    "allow_redirects": False,
    "auto_decompress": False,
    "headers": {"Accept-Encoding": ACCEPT_ENCODING},
}


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expect: Expectation | None = None,
) -> FetchResult:
    """GET `url` and return what happened. Never raises, except when cancelled.

    One deadline, `timeout`, covers the whole request: connecting, every redirect, the
    headers and the body. With `expect`, the body must be JSON that `expect` accepts.
    """
    result = FetchResult(url, started=time.perf_counter())
    try:
        await download(session, result, result.started + timeout, max_bytes, expect)
    except (Fault, TimeoutError, aiohttp.ClientError, OSError, ValueError) as error:
        result.ended = time.perf_counter()
        result.fail(*_problem(error, result, timeout))
    result.ended = result.ended or time.perf_counter()
    return result


async def download(
    session: aiohttp.ClientSession,
    result: FetchResult,
    deadline: float,
    max_bytes: int,
    expect: Any,
) -> None:
    """Follow redirects (the rules say where to), then read, decode and judge the body;
    each hop gets only the time left until the deadline."""
    url = check_url(result.url)
    for _hop in range(MAX_REDIRECTS + 1):
        left = aiohttp.ClientTimeout(total=time_left(deadline))
        async with session.get(url, timeout=left, **SAME_RULES) as response:
            result.status = response.status
            if len(response.raw_headers) > MAX_HEADERS:
                raise not_http(TOO_MANY_HEADERS)
            next_url = next_hop(url, response.status, response.headers)
            if next_url is None:
                body = Body(result, response.headers, max_bytes)
                try:
                    while chunk := await response.content.read(CHUNK):
                        body.feed(chunk)
                except TimeoutError:  # aiohttp's read timeouts are connection errors too
                    raise
                except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as error:
                    raise body.broken(error) from error
                judge_body(result, body.finish(), response.reason, response.headers, expect)
                return
        url = next_url
    raise Fault("redirects", REDIRECT_LOOP)


def _problem(error: BaseException, result: FetchResult, timeout: float) -> tuple[str, str]:
    """aiohttp's exceptions, told in the rules' words."""
    if isinstance(error, Fault):
        return error.problem, error.message
    if isinstance(error, TimeoutError):  # aiohttp's own timeout errors are TimeoutErrors too
        return timed_out(result, timeout)
    if isinstance(error, BadUrl):
        return "bad-url", str(error)
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return unknown_host(result.url)
    if isinstance(error, aiohttp.ClientSSLError):
        inner = getattr(error, "certificate_error", None) or getattr(error, "os_error", None)
        return connect_problem(inner or ssl.SSLError(first_line(error)), result.url)
    if isinstance(error, aiohttp.ClientConnectorError):
        return connect_problem(error.os_error, result.url)
    if isinstance(error, aiohttp.ServerDisconnectedError | ConnectionResetError | BrokenPipeError):
        return "reset", NO_ANSWER  # before an answer (a body cut short is Body.broken's)
    if isinstance(error, OSError) and error.errno in (errno.ECONNRESET, errno.EPIPE):
        return "reset", NO_ANSWER  # aiohttp's ClientOSError: a kept-alive socket was closed
    if isinstance(error, aiohttp.ClientResponseError):  # the answer could not be parsed
        fault = not_http(_malformed(error))
        return fault.problem, fault.message
    if isinstance(error, aiohttp.InvalidURL | UnicodeError):
        return "bad-url", f"malformed URL: {first_line(error)}"
    return "network", f"network error: {first_line(error) or type(error).__name__}"


def _malformed(error: BaseException) -> str:
    """Which rule aiohttp's parser found broken (it says so in its own words)."""
    cause: BaseException = error
    while cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(getattr(cause, "message", cause)).strip().split("\n")[0].lower()  # not the data
    if isinstance(cause, http_exceptions.LineTooLong):
        return LINE_TOO_LONG
    if isinstance(cause, http_exceptions.BadStatusLine):
        return BAD_STATUS
    if "too many headers" in text:
        return TOO_MANY_HEADERS
    if "chunk" in text:
        return BAD_CHUNKS
    if "content-length" in text or "transfer-encoding" in text:
        return BAD_LENGTH
    if isinstance(cause, http_exceptions.InvalidHeader) or "header" in text:
        return BAD_HEADER
    return first_line(text) or BAD_STATUS
