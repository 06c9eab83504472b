"""Fixtures shared by every test: a real SQLite file in a temp dir, and what stands on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from scraper_tui.config import Config, parse_config
from scraper_tui.demo import DemoBoard, demo_config_text, write_demo_config
from scraper_tui.monitor import Monitor
from scraper_tui.service import ScraperService
from scraper_tui.store import Store

QUICK = {"timeout": 5, "connect_timeout": 2, "retries": 2, "backoff": 0.01, "max_retry_after": 0.2, "flush_interval": 0.2}
"""Settings that keep retries and flushes quick in tests."""


def demo_config(board: DemoBoard, db_path: Path, **settings: Any) -> Config:
    """The demo config pointed at `board`, writing to `db_path`, with quick retries."""
    config = parse_config(demo_config_text(board.url))
    config.settings = config.settings.model_copy(update={**QUICK, "database": str(db_path), **settings})
    return config


def write_quick_demo_config(board: DemoBoard, path: Path) -> Path:
    """The demo config as a file, for the command line, with quick retries and flushes."""
    write_demo_config(path, board.url)
    quick = "".join(f"{key} = {value}\n" for key, value in QUICK.items() if key in ("backoff", "max_retry_after",
                                                                                  "flush_interval"))  # fmt: skip
    path.write_text(path.read_text().replace("[settings]\n", f"[settings]\n{quick}", 1))
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "scraper.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(db_path)
    yield opened
    await opened.close()


@pytest.fixture
def monitor() -> Monitor:
    return Monitor()


@pytest.fixture
async def service(db_path: Path, monitor: Monitor) -> AsyncIterator[ScraperService]:
    opened = await ScraperService.open(db_path, monitor=monitor)
    yield opened
    await opened.close()


@pytest.fixture
async def board() -> AsyncIterator[DemoBoard]:
    """The demo board with 60 postings per source, on a free loopback port."""
    async with DemoBoard(postings_per_source=60) as running:
        yield running


@pytest.fixture
async def demo_service(board: DemoBoard, db_path: Path) -> AsyncIterator[ScraperService]:
    """A service on a fresh database with the demo board's scrapers."""
    async with await ScraperService.open(config=demo_config(board, db_path)) as service:
        yield service
