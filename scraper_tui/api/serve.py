"""Serving the API: the bind rule, `serve_api` (the seam every front end uses) and `scraper-tui serve`.

The bind rule: loopback needs nothing; any other address needs a token, and
then every request must carry it. `serve_api` serves until it is cancelled,
so the app (`--serve PORT`) can run it in a worker and `serve` can run it
beside the service's schedules until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import ipaddress
import signal
import sys
from collections.abc import Callable
from typing import TextIO

from aiohttp import web

from scraper_tui.api.app import make_app
from scraper_tui.service import ScraperService

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8750
TOKEN_ENV = "SCRAPER_TUI_TOKEN"
SHUTDOWN_TIMEOUT = 2.0
"""Seconds requests in progress get to finish when the server stops."""


class BindRefused(ValueError):
    """A non-loopback address without a token; the message is one line for the user."""


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and the name localhost: reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without a token (BindRefused)."""
    if not token and not is_loopback(host):
        raise BindRefused(
            f"refusing to serve on {host} without a token: anyone who can reach it could start runs; "
            f"pass --token or set {TOKEN_ENV}, or bind 127.0.0.1"
        )


def _url(host: str, port: int) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def serve_api(
    service: ScraperService,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    *,
    ready: Callable[[str], object] | None = None,
) -> None:
    """Serve the API on host:port until cancelled; `ready(url)` is called once it listens.

    Port 0 picks a free port (the URL given to `ready` has the real one).
    Raises BindRefused before binding anything, and OSError when the address
    cannot be bound. It does not start schedules, monitoring or runs: the
    caller owns the service.
    """
    check_bind(host, token)
    runner = web.AppRunner(make_app(service, token=token), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host.strip("[]"), port)
        await site.start()
        bound_port = runner.addresses[0][1]
        if ready is not None:
            ready(_url(host, bound_port))
        await asyncio.Future()  # until cancelled
    finally:
        await runner.cleanup()


async def serve(
    service: ScraperService,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    err: TextIO = sys.stderr,
) -> int:
    """`scraper-tui serve`: prune, listen, run schedules and monitoring until SIGINT/SIGTERM; 0 when told to stop.

    On a signal the server stops taking requests, then running runs are
    cancelled (each flushes what it found and is recorded as cancelled).
    Raises BindRefused, or ValueError when the address cannot be bound.
    """
    await service.prune()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    listening: asyncio.Future[str] = loop.create_future()
    server = asyncio.create_task(serve_api(service, host, port, token, ready=listening.set_result), name="api")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({server, listening}, return_when=asyncio.FIRST_COMPLETED)
        if server.done():  # it could not bind
            try:
                server.result()
            except OSError as error:
                raise ValueError(f"cannot listen on {_url(host, port)}: {error.strerror or error}") from None
        await service.start_monitoring()
        await service.start_schedules()
        print(f"serving on {listening.result()}", file=err, flush=True)
        await asyncio.wait({server, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if server.done():
            server.result()  # a failure of the server itself is a bug: let it show
    finally:
        stopping.cancel()
        server.cancel()
        await asyncio.gather(server, stopping, return_exceptions=True)
        await service.cancel_all()
        for signum in signals:
            loop.remove_signal_handler(signum)
    return 0
