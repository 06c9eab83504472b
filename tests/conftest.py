"""Fixtures shared by every test: a real SQLite file in a temp dir, and what stands on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scraper_tui.monitor import Monitor
from scraper_tui.service import ScraperService
from scraper_tui.store import Store


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
