"""Fixtures for the scraping tests: the demo board, quick settings, a fetcher,
and small aiohttp.web sites for the cases the board does not stage.

Everything listens on 127.0.0.1 only; no other network is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from scraper_tui.config import ScraperConfig, Settings, parse_config
from scraper_tui.demo import DemoBoard, demo_config_text
from scraper_tui.monitor import Monitor
from scraper_tui.scraping import Crawl, Fetcher, ItemsEvent, PageEvent


def quick_settings(**overrides: Any) -> Settings:
    """Settings for tests: short timeouts, tiny backoff and Retry-After cap."""
    values: dict[str, Any] = dict(timeout=5, connect_timeout=2, retries=3, backoff=0.01, max_retry_after=0.2,
                                  user_agent="scraper-tui-tests/1.0")
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings() -> Settings:
    return quick_settings()


@pytest.fixture
def monitor() -> Monitor:
    return Monitor()


@pytest.fixture
async def fetcher(settings: Settings, monitor: Monitor) -> AsyncIterator[Fetcher]:
    async with Fetcher(settings, monitor=monitor) as running:
        yield running


@pytest.fixture
async def board() -> AsyncIterator[DemoBoard]:
    """The demo board with 70 postings per source (3-4 pages each), on a free port."""
    async with DemoBoard(postings_per_source=70) as running:
        yield running


def demo_scraper(board: DemoBoard, name: str, **overrides: Any) -> ScraperConfig:
    """The demo config's scraper `name`, pointed at `board`, with `overrides`."""
    scraper = parse_config(demo_config_text(board.url)).scrapers[name]
    return scraper.model_copy(update=overrides) if overrides else scraper


async def run_crawl(crawl: Crawl) -> tuple[list[dict[str, Any]], list[PageEvent]]:
    """Iterate a crawl to its end: (items, page events)."""
    items: list[dict[str, Any]] = []
    pages: list[PageEvent] = []
    async for event in crawl:
        if isinstance(event, ItemsEvent):
            items.extend(event.items)
        else:
            pages.append(event)
    return items, pages


SiteFactory = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[SiteFactory]:
    """`await serve(app)` runs an aiohttp.web app on 127.0.0.1 and returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()
