"""The Scrapers screen on the demo board: `r` runs with live progress, `x` cancels, `e` enables or disables."""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import DataTable

from scraper_tui.demo import DemoBoard
from scraper_tui.service import ScraperService
from scraper_tui.tui.app import ScraperTUI
from scraper_tui.tui.screens.scrapers import ScrapersScreen, progress_text
from scraper_tui.tui.screens.stats import StatsScreen
from tests.tui.screens_harness import app_on, cell, screen_text, settle, until


def _table(app: ScraperTUI) -> DataTable[Text]:
    return app.screen.query_one("#scrapers-table", DataTable)


async def _select(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    """Move the cursor down to the scraper's row, as a user would."""
    table = _table(pilot.app)
    while table.ordered_rows[table.cursor_row].key.value != name:
        await pilot.press("down")


async def test_each_scraper_with_enabled_state_and_last_run(demo_service: ScraperService) -> None:
    app = app_on(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, ScrapersScreen)
        table = _table(app)
        assert [row.key.value for row in table.ordered_rows] == ["flygosh", "indigo", "signature"]
        assert cell(table, "signature", "enabled") == "yes" and cell(table, "signature", "last") == "never"
        assert cell(table, "signature", "progress") == "—"
        assert str(table.border_title) == "Scrapers · 3"


async def test_r_runs_the_selected_scraper_with_live_progress_then_completion(
    demo_service: ScraperService, board: DemoBoard
) -> None:
    board.faults.slow("signature", 0.1)  # slow enough for progress to be seen before the end
    app = app_on(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await _select(pilot, "signature")
        await pilot.press("r")
        table = _table(app)
        await until(pilot, lambda: "/100p" in cell(table, "signature", "progress"))
        assert cell(table, "signature", "last") == "running"
        assert "1 running" in str(table.border_title)
        assert app.screen.check_action("cancel", ()) is True and app.screen.check_action("run", ()) is None
        await until(pilot, lambda: cell(table, "signature", "last").startswith("completed"))
        await settle(pilot)
        assert cell(table, "signature", "last") == "completed · 60"
        assert cell(table, "signature", "progress") == "—"
        stats = await demo_service.stats()
        assert stats["completed_runs"] == 1 and stats["jobs_by_source"] == {"signature": 60}
        await pilot.press("1")  # and the Stats screen says so
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)
        assert re.search(r"Completed\s+1\b", screen_text(app)) and "signature" in screen_text(app)


async def test_x_cancels_the_selected_scrapers_run(demo_service: ScraperService, board: DemoBoard) -> None:
    board.faults.slow("signature", 0.3)
    app = app_on(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await _select(pilot, "signature")
        await pilot.press("r")
        table = _table(app)
        await until(pilot, lambda: cell(table, "signature", "last") == "running")
        await pilot.press("x")
        await until(pilot, lambda: cell(table, "signature", "last").startswith("cancelled"))
        await settle(pilot)
        assert cell(table, "signature", "progress") == "—"
        assert app.screen.check_action("cancel", ()) is None
        history = await demo_service.history()
        assert history["results"][0]["status"] == "cancelled"


async def test_x_is_dimmed_when_the_selected_scraper_is_not_running(demo_service: ScraperService) -> None:
    app = app_on(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert app.screen.check_action("cancel", ()) is None
        assert app.screen.check_action("run", ()) is True
        await pilot.press("x")
        await settle(pilot)
        assert (await demo_service.history())["count"] == 0


async def test_e_disables_then_enables_the_selected_scraper(demo_service: ScraperService) -> None:
    app = app_on(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await _select(pilot, "indigo")
        await pilot.press("e")
        await settle(pilot)
        table = _table(app)
        assert cell(table, "indigo", "enabled") == "no"
        assert {row["name"]: row["enabled"] for row in await demo_service.scrapers()}["indigo"] is False
        await pilot.press("e")
        await settle(pilot)
        assert cell(table, "indigo", "enabled") == "yes"
        assert {row["name"]: row["enabled"] for row in await demo_service.scrapers()}["indigo"] is True


async def test_a_run_started_elsewhere_shows_up_live(demo_service: ScraperService, board: DemoBoard) -> None:
    board.faults.slow("flygosh", 0.1)
    app = app_on(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        run_id = await demo_service.start_run("flygosh", trigger="schedule")
        table = _table(app)
        await until(pilot, lambda: cell(table, "flygosh", "last") == "running")
        await demo_service.wait_runs([run_id])
        await until(pilot, lambda: cell(table, "flygosh", "last") == "completed · 60")


def test_progress_text_carries_pages_jobs_and_rate_without_colour() -> None:
    live = {"status": "running", "pages": 2, "max_pages": 10, "jobs_found": 45, "rate": 12.34}
    assert progress_text(live) == "▰▱▱▱▱ 2/10p 45j 12.3/s"
    assert progress_text({**live, "max_pages": 0}).startswith("▱▱▱▱▱ 2/∞p")
    assert progress_text({"status": "queued"}) == "queued"
