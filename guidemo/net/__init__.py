"""HTTP client helpers for the lessons and the benchmark: one GET, told as a record, never
as a crash.

`fetch` (aiohttp, for coroutines) and `fetch_blocking` (the standard library's sockets,
for plain threads and for the deliberately blocking way) do the same job by the same
rules (`rules`): one deadline for the whole request, redirects only to http(s) URLs,
gzip and deflate bodies decoded and capped, broken answers named alike, and every
failure turned into a short sentence in `FetchResult.error`. A panel can therefore show
10,000 requests, a few hundred of them broken, as rows, and carry on. Qt-free; the three
ways of using them are the lesson `guidemo.lessons.news`.
"""

from guidemo.net.aio import fetch
from guidemo.net.blocking_get import fetch_blocking
from guidemo.net.rules import (
    CHUNK,
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT_S,
    MAX_REDIRECTS,
    Expectation,
    FetchResult,
    judge_body,
)
from guidemo.net.urls import MAX_URLS, BadUrl, UrlLines, check_url, read_url_lines, shorten

__all__ = [
    "CHUNK",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_S",
    "MAX_REDIRECTS",
    "MAX_URLS",
    "BadUrl",
    "Expectation",
    "FetchResult",
    "UrlLines",
    "check_url",
    "fetch",
    "fetch_blocking",
    "judge_body",
    "read_url_lines",
    "shorten",
]
