"""Command line: `guidemo [--panel SLUG] [--screenshot DIR] [--loop KIND]`, `serve`, `bench`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guidemo.lifecycle import Lifecycle
from guidemo.loop_kinds import LOOP_KINDS
from guidemo.paths import cannot_write_in
from guidemo.widgets.palette import ZOOM_STEPS  # Qt-free: Qt is imported after the handlers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guidemo",
        description="See, touch and measure event-driven programming in a Qt + asyncio GUI.",
    )
    parser.add_argument(
        "--panel", metavar="SLUG", help="open at this panel (blocking, http, event-loop, ...)"
    )
    parser.add_argument(
        "--screenshot",
        metavar="DIR",
        type=Path,
        help="render every panel to DIR/<slug>.png, then exit",
    )
    parser.add_argument(
        "--tour", action="store_true", help="start the guided tour through the lecture"
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        type=_size,
        help="with --screenshot: the window's size, e.g. 1280x720 (default 1600x1000)",
    )
    parser.add_argument(
        "--zoom",
        metavar="FACTOR",
        type=_zoom,
        help=f"scale the whole window, e.g. 1.5 for a projector ({ZOOM_STEPS[0]:g} to "
        f"{ZOOM_STEPS[-1]:g}; Ctrl+= / Ctrl+- / Ctrl+0), on the whole screen",
    )
    parser.add_argument(
        "--theme",
        choices=("light", "dark", "system"),
        help="colours: light, dark, or as the desktop (system, the default; remembered; "
        "Ctrl+Shift+T in the app)",
    )
    parser.add_argument(
        "--loop",
        choices=LOOP_KINDS,
        default="guidemo",
        help="event loop to run on (default: guidemo)",
    )
    commands = parser.add_subparsers(dest="command", metavar="{serve,bench}")
    serve = commands.add_parser("serve", help="run the demo server alone, until Ctrl+C")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port to bind (default: 8765)")
    bench = commands.add_parser("bench", help="measure the loops side by side (see README)")
    bench.add_argument(
        "--quick", action="store_true", help="a tiny run that proves the command works"
    )
    bench.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    bench.add_argument(
        "--loops",
        metavar="LIST",
        type=_comma_list,
        help="comma-separated loops to compare (default: asyncio,qasync,guidemo)",
    )
    bench.add_argument(
        "--runs", type=int, metavar="N", help="runs per cell, median taken (default: 3, quick: 1)"
    )
    bench.add_argument(
        "--only",
        metavar="LIST",
        type=_comma_list,
        help="comma-separated workloads to run (default: all; names in guidemo/bench/workloads.py)",
    )
    return parser


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT, e.g. 1280x720, not {text!r}"
        ) from None
    if not (320 <= width <= 10_000 and 240 <= height <= 10_000):
        raise argparse.ArgumentTypeError(f"size {text} out of range (320x240 to 10000x10000)")
    return width, height


def _zoom(text: str) -> float:
    try:
        factor = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1.5, not {text!r}") from None
    low, high = ZOOM_STEPS[0], ZOOM_STEPS[-1]  # the window's own range
    if not low <= factor <= high:
        raise argparse.ArgumentTypeError(f"zoom {factor:g} out of range ({low:g} to {high:g})")
    return factor


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args.host, args.port)
    if args.command == "bench":
        from guidemo.bench import run_bench

        return run_bench(
            quick=args.quick,
            json_path=args.json,
            loops=args.loops,
            runs=args.runs,
            workloads=args.only,
        )
    # Quit signals are handled from here on, before the slow imports (Qt, aiohttp) begin:
    # see guidemo/lifecycle.py for what a signal does at each stage.
    lifecycle = Lifecycle()
    lifecycle.install()
    from guidemo.panels import SLUGS

    if args.panel is not None and args.panel not in SLUGS:
        parser.error(f"unknown panel {args.panel!r}; choose one of: {', '.join(SLUGS)}")
    if args.screenshot is not None:
        try:
            args.screenshot.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            why = error.strerror or str(error)
            print(f"guidemo: cannot create {str(args.screenshot)!r}: {why}", file=sys.stderr)
            return 2
        refused = cannot_write_in(args.screenshot)
        if refused is not None:
            print(f"guidemo: cannot write in {str(args.screenshot)!r}: {refused}", file=sys.stderr)
            return 2
    # Only the app needs Qt: import it here so `serve` starts fast and without a display.
    from guidemo.app import run_app

    return run_app(
        panel=args.panel,
        screenshot_dir=args.screenshot,
        loop_kind=args.loop,
        lifecycle=lifecycle,
        zoom=args.zoom,
        size=args.size,
        tour=args.tour,
        theme=args.theme,
    )


def _serve(host: str, port: int) -> int:
    import signal

    # Until the server's loop takes them over (serve_forever), a quit signal stops `serve`
    # as Ctrl+C does: quietly, exit code 0, even in the middle of importing aiohttp.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.default_int_handler)
    try:
        import asyncio

        from guidemo.server.running import host_problem, serve_forever

        if not 0 <= port <= 65535:
            print(f"guidemo serve: port must be 0..65535, not {port}", file=sys.stderr)
            return 2
        problem = host_problem(host)
        if problem is not None:
            print(f"guidemo serve: {problem}", file=sys.stderr)
            return 2
        asyncio.run(serve_forever(host, port))
    except KeyboardInterrupt:
        pass
    except (OSError, UnicodeError) as error:  # UnicodeError: a name the resolver refuses
        why = getattr(error, "strerror", None) or str(error)
        print(f"guidemo serve: cannot listen on {host}:{port}: {why}", file=sys.stderr)
        return 1
    return 0
