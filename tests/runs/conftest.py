"""Fixtures for run tests: the demo board, its config with quick settings, and a service on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from scraper_tui.config import Config, parse_config
from scraper_tui.demo import DemoBoard, demo_config_text
from scraper_tui.runs import RunEvent
from scraper_tui.service import ScraperService

QUICK = {"timeout": 5, "connect_timeout": 2, "retries": 2, "backoff": 0.01, "max_retry_after": 0.2, "flush_interval": 0.2}


def demo_config(board: DemoBoard, db_path: Path, **settings: Any) -> Config:
    """The demo config pointed at `board`, writing to `db_path`, with quick retries."""
    config = parse_config(demo_config_text(board.url))
    config.settings = config.settings.model_copy(update={**QUICK, "database": str(db_path), **settings})
    return config


@pytest.fixture
async def board() -> AsyncIterator[DemoBoard]:
    async with DemoBoard(postings_per_source=60) as running:
        yield running


@pytest.fixture
async def demo_service(board: DemoBoard, db_path: Path) -> AsyncIterator[ScraperService]:
    async with await ScraperService.open(config=demo_config(board, db_path)) as service:
        yield service


class Recorder:
    """Collects run events."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []

    def __call__(self, event: RunEvent) -> None:
        self.events.append(event)

    def kinds(self, run_id: int | None = None) -> list[str]:
        return [e.kind for e in self.events if run_id is None or e.run_id == run_id]

    def of(self, kind: str) -> list[RunEvent]:
        return [e for e in self.events if e.kind == kind]


@pytest.fixture
def recorder(demo_service: ScraperService) -> Recorder:
    found = Recorder()
    demo_service.subscribe(found)
    return found
