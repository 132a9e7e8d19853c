"""Input checking, in one place: bad input is a 400 that says what is allowed."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

MAX_LATENCY = 30.0

Number = TypeVar("Number", int, float)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


PLAIN_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")  # ASCII digits only
MAX_DIGITS = 15  # beyond this a "number" is not an honest mistake


class HostileValue(ValueError):
    """A value no honest client sends: a number with hundreds of digits, NaN, a long string."""


def _describe(raw: Any) -> str:
    """`raw` as an error message may show it: short, whatever it is."""
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= 10**MAX_DIGITS:
        return f"an integer with {len(str(abs(raw)))} digits"
    text = repr(raw)
    return text if len(text) <= 40 else f"{text[:30]}… ({len(text):,} characters)"


def _number(raw: Any, integer: bool) -> int | float | None:
    """A plain number from a query string ("250", "0.5") or JSON (250, 0.5), else None.

    Python's int() and float() accept "1_000", "٣" (Arabic-Indic three), "５" (fullwidth
    five), " 7 " and "1e3"; a URL parameter here is plain ASCII digits and nothing else.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        if abs(raw) >= 10**MAX_DIGITS:
            raise HostileValue(f"got {_describe(raw)}")
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise HostileValue(f"got {raw!r}")
        return None if integer and not raw.is_integer() else raw
    if isinstance(raw, str):
        if len(raw) > 2 * MAX_DIGITS + 1:
            raise HostileValue(f"got {_describe(raw)}")
        if not PLAIN_DECIMAL.fullmatch(raw) or (integer and "." in raw):
            return None
        return int(raw) if integer else float(raw)
    return None


def _parse(name: str, raw: Any, lo: Number, hi: Number) -> Number:
    """`raw` as a number of lo's type within lo..hi, else ValueError naming the range
    (HostileValue, a ValueError too, for values like a 400-digit integer)."""
    kind = "an integer" if isinstance(lo, int) else "a number"
    should = f"{name} must be {kind} from {lo} to {hi}"
    try:
        value = _number(raw, integer=isinstance(lo, int))
    except HostileValue as exc:
        raise HostileValue(f"{should}, {exc}") from None
    if value is None or not lo <= value <= hi:
        raise ValueError(f"{should} (plain ASCII digits), got {_describe(raw)}")
    return type(lo)(value)


def _param(values: Mapping[str, str], name: str, default: Number, lo: Number, hi: Number) -> Number:
    """One query (or path) parameter, checked; a missing one gets the default."""
    if name not in values:
        return default
    try:
        return _parse(name, values[name], lo, hi)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


async def _wait_latency(request: web.Request) -> None:
    """Pretend to be a slow server: sleep without blocking anyone else."""
    await asyncio.sleep(_param(request.query, "latency", 0.0, 0.0, MAX_LATENCY))


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every HTTP error into {"error": ...}, so a client always has a message to show."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # a redirect is not an error
        message = {
            404: f"no such endpoint: {request.path} (GET / lists them)",
            405: f"method {request.method} not allowed: every endpoint is GET",
        }.get(exc.status, exc.text)
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.json_response({"error": message}, status=exc.status, headers=headers)
