"""The command line: parse arguments, load the config, open the service, pick a front end.

Exit codes: 0 done, 1 a run did not complete (or an alert fired, with
--fail-on-alert), 2 a usage, configuration or database error (one line on
stderr, nothing written), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scraper_tui import __version__

if TYPE_CHECKING:
    from scraper_tui.config import Config
    from scraper_tui.service import ScraperService

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEMO_PORT = 8751
DEMO_DATABASE = "demo.db"
"""The demo's own database, beside the default one in the user data dir."""


class UsageError(Exception):
    """Bad input found after parsing; exit 2 with this one line."""


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--db, --config and --demo, accepted before and after a command."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--db", metavar="PATH|URL", default=default, help="database file or URL")
    parser.add_argument("--config", metavar="FILE", default=default, help="scraper definitions (TOML)")
    parser.add_argument("--demo", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="use the embedded demo job board, its scrapers and its own database")  # fmt: skip


def _whole_number(text: str) -> int:
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
    parser.add_argument("--run", nargs="*", metavar="NAME", default=None,
                        help="run the enabled scrapers (or the named ones) headless, report and exit")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="with --run: one JSON object per line on stdout")
    parser.add_argument("--fail-on-alert", action="store_true", help="with --run: exit 1 when an alert fired")
    parser.add_argument("--serve", type=_whole_number, default=None, metavar="PORT",
                        help="with the app: also serve the JSON API on 127.0.0.1:PORT while it is open")  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    stats = commands.add_parser("stats", help="print run and job statistics")
    _common(stats, top=False)
    stats.add_argument("--json", action="store_true", help="one JSON document on stdout")

    history = commands.add_parser("history", help="print runs, newest first, a page at a time")
    _common(history, top=False)
    history.add_argument("--page", type=_whole_number, default=1)
    history.add_argument("--page-size", type=_whole_number, default=None)
    history.add_argument("--scraper", default=None, help="only this scraper's runs")
    history.add_argument("--status", default=None, help="only runs with this status")
    history.add_argument("--run", dest="run_id", type=_whole_number, default=None, metavar="ID",
                         help="one run: counters, details, alerts and log")  # fmt: skip
    history.add_argument("--json", action="store_true", help="one JSON document on stdout")

    export = commands.add_parser("export", help="write stored jobs as JSON lines or CSV")
    _common(export, top=False)
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--source", default=None, help="only this source's jobs")
    export.add_argument("--include-removed", action="store_true", help="also jobs no longer on their site")
    export.add_argument("-o", "--output", type=Path, default=None, metavar="FILE", help="a file instead of stdout")

    prune = commands.add_parser("prune", help="delete runs older than retention_days, with their logs")
    _common(prune, top=False)
    prune.add_argument("--days", type=_whole_number, default=None, help="keep this many days instead")

    serve = commands.add_parser("serve", help="serve the JSON API (and run schedules) until SIGINT or SIGTERM")
    _common(serve, top=False)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_whole_number, default=8750, help="port (default 8750; 0 picks a free one)")
    serve.add_argument("--token", default=None,
                       help="require 'Authorization: Bearer TOKEN' (default: $SCRAPER_TUI_TOKEN); "
                            "needed for any address but loopback")  # fmt: skip
    return parser


def _fail(message: str) -> int:
    print(f"scraper-tui: {message}", file=sys.stderr)
    return EXIT_USAGE


def _check(args: argparse.Namespace, config: Config) -> None:
    """Everything that can be refused before the database is touched."""
    if args.run is not None and args.command:
        raise UsageError("--run cannot be combined with a command")
    if args.serve is not None and (args.run is not None or args.command):
        raise UsageError("--serve goes with the app; for the JSON service alone use `scraper-tui serve`")
    if args.serve is not None and not 0 <= args.serve <= 65535:
        raise UsageError(f"--serve needs a port from 0 to 65535, got {args.serve}")
    for name in args.run or ():
        config.scraper(name)  # ConfigError naming the known scrapers
    if args.command == "history":
        from scraper_tui.service import check_history_args

        try:
            check_history_args(args.page, args.page_size or config.settings.page_size, args.status)
        except ValueError as err:
            raise UsageError(str(err)) from None
    if args.command == "prune" and args.days is not None and args.days < 0:
        raise UsageError(f"--days must be 0 or more, got {args.days}")
    if args.command == "export" and args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"{args.output}: directory {args.output.parent} does not exist")
    if args.command == "serve":
        from scraper_tui.api import check_bind

        if not 0 <= args.port <= 65535:
            raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
        try:
            check_bind(args.host, _token(args))
        except ValueError as err:
            raise UsageError(str(err)) from None


def _token(args: argparse.Namespace) -> str | None:
    """serve's bearer token: --token, else $SCRAPER_TUI_TOKEN; empty means none."""
    return args.token or os.environ.get("SCRAPER_TUI_TOKEN") or None


@asynccontextmanager
async def _demo_board(enabled: bool) -> AsyncIterator[str | None]:
    if not enabled:
        yield None
        return
    from scraper_tui.demo import DemoBoard

    # A steady port keeps the postings' URLs, and so their content, the same
    # from one demo session to the next; any free port will do if it is taken.
    board = DemoBoard(port=DEMO_PORT)
    try:
        await board.start()
    except OSError:
        board = DemoBoard()
        await board.start()
    try:
        yield board.url
    finally:
        await board.stop()


def _database(args: argparse.Namespace, config: Config) -> str:
    from platformdirs import user_data_path

    from scraper_tui.config import default_database_path

    if args.db:
        return str(args.db)
    if args.demo:
        path = user_data_path("scraper-tui") / DEMO_DATABASE
    else:
        path = Path(config.settings.database) if "://" not in config.settings.database else None
        if path is None or path != default_database_path():
            return config.settings.database
    path.parent.mkdir(parents=True, exist_ok=True)  # our own data dir, made on first use
    return str(path)


def _load_config(args: argparse.Namespace, board_url: str | None) -> Config:
    from scraper_tui.config import load_config, parse_config

    if board_url is not None:
        from scraper_tui.demo import DEMO_CONFIG_PATH, demo_config_text

        return parse_config(demo_config_text(board_url), DEMO_CONFIG_PATH)
    return load_config(args.config)


async def _command(service: ScraperService, args: argparse.Namespace, config: Config) -> int:
    from scraper_tui import headless

    if args.run is not None:
        names = args.run or [scraper.name for scraper in config.enabled_scrapers()]
        mode = "json" if args.json else "tty" if sys.stdout.isatty() else "plain"
        await service.prune()
        return await headless.run_scrapers(service, names, mode=mode, fail_on_alert=args.fail_on_alert)
    if not args.command:
        return await _app(service, args.serve)
    if args.command == "history":
        if args.run_id is not None:
            return await headless.show_run(service, args.run_id, args.json)
        return await headless.show_history(
            service, page=args.page, page_size=args.page_size, scraper=args.scraper, status=args.status,
            as_json=args.json,
        )  # fmt: skip
    if args.command == "export":
        return await headless.export(
            service, fmt=args.format, source=args.source, include_removed=args.include_removed, output=args.output
        )
    if args.command == "prune":
        counts = await service.prune(args.days)
        print(f"pruned {counts['runs']} runs, {counts['logs']} log lines, {counts['scraped_urls']} scraped URLs")
        return 0
    if args.command == "serve":
        from scraper_tui.api import serve

        return await serve(service, host=args.host, port=args.port, token=_token(args))
    return await headless.show_stats(service, as_json=getattr(args, "json", False))


async def _app(service: ScraperService, serve_port: int | None) -> int:
    """The Textual app; with --serve the JSON service runs beside it on 127.0.0.1 while it is open."""
    from scraper_tui.tui.app import run_app

    if serve_port is None:
        return await run_app(service)
    from scraper_tui.api import serve_api

    listening = asyncio.Event()
    serving = asyncio.ensure_future(serve_api(service, "127.0.0.1", serve_port, ready=lambda _url: listening.set()))
    await asyncio.wait({serving, asyncio.ensure_future(listening.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if serving.done():  # it could not listen: say so before any screen appears
        raise UsageError(f"cannot serve on 127.0.0.1:{serve_port}: {serving.exception()}")
    try:
        return await run_app(service)
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)


async def _main(args: argparse.Namespace) -> int:
    from scraper_tui.config import ConfigError
    from scraper_tui.store import StoreError

    async with _demo_board(args.demo) as board_url:
        try:
            config = _load_config(args, board_url)
            _check(args, config)
        except (ConfigError, UsageError) as err:
            return _fail(str(err))
        from scraper_tui.service import ScraperService

        try:
            service = await ScraperService.open(_database(args, config), config=config)
        except StoreError as err:
            return _fail(str(err))
        async with service:
            try:
                return await _command(service, args, config)
            except (ValueError, LookupError, UsageError) as err:
                return _fail(str(err).strip("'\""))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="scraper-tui: %(message)s")
    try:
        return asyncio.run(_main(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader left (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
