"""Runs: background scraper runs, their accounting, alert rules and schedules."""

from __future__ import annotations

from scraper_tui.runs.events import RunEvent, RunState
from scraper_tui.runs.manager import RunManager
from scraper_tui.store.records import RunRefused

__all__ = ["RunEvent", "RunManager", "RunRefused", "RunState"]
