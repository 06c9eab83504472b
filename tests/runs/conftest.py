"""Fixtures for run tests: a recorder of run events (the board and the service come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from scraper_tui.runs import RunEvent
from scraper_tui.service import ScraperService


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
