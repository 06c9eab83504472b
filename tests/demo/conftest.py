"""Fixtures for the demo board tests: a running board and a client session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from scraper_tui.demo import DemoBoard


@pytest.fixture
async def board() -> AsyncIterator[DemoBoard]:
    """A running demo board with the default postings, on a free port."""
    async with DemoBoard() as running:
        yield running


@pytest.fixture
async def small_board() -> AsyncIterator[DemoBoard]:
    """A running board with few postings, for tests that walk every page."""
    async with DemoBoard(postings_per_source=70) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client: no retries, so every board answer is seen as is."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client:
        yield client
