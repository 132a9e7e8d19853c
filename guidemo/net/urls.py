"""Which lines are URLs guidemo will request: http and https only, each line checked alone."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

MAX_URLS = 10_000  # a pasted list is cut here; the rest is reported, not requested
ALLOWED_SCHEMES = ("http", "https")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)
_SPACE = re.compile(r"\s")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMERIC = re.compile(r"[0-9.]+")  # a host like this must be an IPv4 address:
_IPV4 = re.compile(r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(?!$)|$)){4}")  # 0..255, four times
_PORT_ONLY = re.compile(r"\d+(/|$)")  # what follows "host:" in "host:8080/path"


class BadUrl(ValueError):
    """A line that is not an http(s) URL; the message says why, for the results table."""


def check_url(line: str) -> str:
    """The URL on `line` without surrounding spaces, or BadUrl saying what is wrong."""
    url = line.strip()
    if not url:
        raise BadUrl("empty line")
    if _SPACE.search(url):
        raise BadUrl("malformed URL: it contains a space (write %20)")
    if CONTROL.search(url):
        raise BadUrl("malformed URL: it contains a control character")
    match = _SCHEME.match(url)
    if match is None or _PORT_ONLY.match(match.group(2)):  # "example.com", "host:8080"
        raise BadUrl("malformed URL: no scheme; start it with http:// or https://")
    scheme = match.group(1).lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BadUrl(f"unsupported scheme {shorten(scheme, 20)}: (only http and https)")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0..65535
    except ValueError as exc:
        raise BadUrl(f"malformed URL: {shorten(str(exc), 80)}") from None
    if not parts.hostname:
        raise BadUrl("malformed URL: no host name after //")
    if _NUMERIC.fullmatch(parts.hostname) and not _dotted_quad(parts.hostname):
        host = shorten(parts.hostname, 40)  # 127.1 or 2130706433: what does it mean?
        raise BadUrl(f"malformed URL: {host} is not an IPv4 address of four numbers 0..255")
    return url


def _dotted_quad(host: str) -> bool:
    return _IPV4.fullmatch(host) is not None


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


def shorten(text: str, limit: int = 120) -> str:
    """`text` cut in the middle to at most about `limit` characters, saying how long it was:
    a 1 MB URL must not become a 1 MB cell, tooltip or error message."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head}…[{len(text):,} characters]…{tail}"
