"""Input checking, in one place: bad input is a 400 that says what is allowed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

MAX_LATENCY = 30.0

Number = TypeVar("Number", int, float)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _parse(name: str, raw: Any, lo: Number, hi: Number) -> Number:
    """`raw` as a number of lo's type within lo..hi, else ValueError naming the range."""
    try:
        value = type(lo)(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not lo <= value <= hi:  # the comparison is also False for nan
        kind = "an integer" if isinstance(lo, int) else "a number"
        raise ValueError(f"{name} must be {kind} from {lo} to {hi}, got {raw!r}")
    return value


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
