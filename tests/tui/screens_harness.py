"""Helpers for the Performance, Scrapers and Jobs screen tests: the real app on an open service, and waiting.

`app_on(service)` is `ScraperTUI` polling nothing and sampling nothing on
its own (as the shell's `make_app` fixture does), so that what a test sees
comes from what it did; tests reach a screen with its key, as a user does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerCancelled

from scraper_tui.service import ScraperService
from scraper_tui.tui.app import ScraperTUI


def app_on(service: ScraperService, **options: Any) -> ScraperTUI:
    """The app on `service` (left open for the test's fixture to close)."""
    options.setdefault("interval", None)
    options.setdefault("monitoring", False)
    return ScraperTUI(service, **options)


async def settle(pilot: Pilot[None], rounds: int = 3) -> None:
    """Let workers finish and the messages they posted be handled (a worker's result is a message)."""
    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one (a reload, the search debounce)
            continue
        await pilot.pause()


async def until(pilot: Pilot[None], condition: Callable[[], bool], *, tries: int = 200) -> None:
    """Poll `condition` between short pauses, for things that happen on their own time (a live run)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met while polling")


def cell(table: DataTable[Any], row_key: str, column_key: str) -> str:
    """A cell's text as shown (cells hold `Text`)."""
    value = table.get_cell(row_key, column_key)
    return value.plain if isinstance(value, Text) else str(value)


def screen_text(app: App[Any]) -> str:
    """What the active screen draws, as plain text, one line per row."""
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())
