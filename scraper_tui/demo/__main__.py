"""Serve the demo board standalone: `python -m scraper_tui.demo [--port N] [--postings N]`.

Prints the board's URL on stdout (one line, for scripts and benchmarks) and
serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from . import DemoBoard, demo_config_text
from .postings import DEFAULT_POSTINGS, DEFAULT_SEED


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scraper_tui.demo",
                                     description="Serve the scraper-tui demo job board.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--postings", type=int, default=DEFAULT_POSTINGS, metavar="N",
                        help=f"postings per source (default {DEFAULT_POSTINGS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated postings")
    parser.add_argument("--print-config", action="store_true",
                        help="print the matching scrapers config instead of the URL")
    args = parser.parse_args(argv)
    if args.postings < 0:
        parser.error(f"--postings must be 0 or more, not {args.postings}")
    return args


async def _serve(args: argparse.Namespace) -> None:
    board = DemoBoard(postings_per_source=args.postings, seed=args.seed, host=args.host, port=args.port)
    await board.start()
    try:
        print(demo_config_text(board.url) if args.print_config else board.url, flush=True)
        print(f"demo board serving on {board.url}; Ctrl-C stops it", file=sys.stderr, flush=True)
        await asyncio.Event().wait()
    finally:
        await board.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"demo board: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
