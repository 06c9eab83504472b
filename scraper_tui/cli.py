"""The command line: parse arguments, load the config, open the service, pick a front end.

Exit codes: 0 done, 1 a run failed, 2 a usage, configuration or database
error (reported in one line on stderr, nothing written), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from scraper_tui import __version__

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--db and --config, accepted before and after a command."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--db", metavar="PATH|URL", default=default, help="database file or URL")
    parser.add_argument("--config", metavar="FILE", default=default, help="scraper definitions (TOML)")


def _page_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scraper-tui",
        description="A terminal scraper manager: define scrapers, run them, watch what happens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    stats = commands.add_parser("stats", help="print run and job statistics")
    _common(stats, top=False)
    stats.add_argument("--json", action="store_true", help="one JSON document on stdout")

    history = commands.add_parser("history", help="print runs, newest first, a page at a time")
    _common(history, top=False)
    history.add_argument("--page", type=_page_number, default=1)
    history.add_argument("--page-size", type=_page_number, default=None)
    history.add_argument("--scraper", default=None, help="only this scraper's runs")
    history.add_argument("--status", default=None, help="only runs with this status")
    history.add_argument("--json", action="store_true", help="one JSON document on stdout")
    return parser


def _fail(message: str) -> int:
    print(f"scraper-tui: {message}", file=sys.stderr)
    return EXIT_USAGE


async def _run(args: argparse.Namespace) -> int:
    from scraper_tui.config import ConfigError, default_database_path, load_config
    from scraper_tui.store import StoreError

    try:
        config = load_config(args.config)
    except ConfigError as err:
        return _fail(str(err))
    database = args.db or config.settings.database
    if not args.db and "://" not in database and Path(database) == default_database_path():
        Path(database).parent.mkdir(parents=True, exist_ok=True)  # our own data dir, created on first use

    from scraper_tui import headless
    from scraper_tui.service import ScraperService

    try:
        service = await ScraperService.open(database, config=config)
    except StoreError as err:
        return _fail(str(err))
    async with service:
        try:
            if args.command == "history":
                return await headless.show_history(
                    service, page=args.page, page_size=args.page_size, scraper=args.scraper, status=args.status,
                    as_json=args.json,
                )  # fmt: skip
            return await headless.show_stats(service, as_json=getattr(args, "json", False))
        except ValueError as err:
            return _fail(str(err))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
