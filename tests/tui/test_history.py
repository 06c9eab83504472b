"""The History screen: pages, filters, details, literal text, and the Stats screen beside it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.content import Content
from textual.pilot import Pilot

from scraper_tui.store import Store, records
from scraper_tui.tui.app import ScraperTUI
from scraper_tui.tui.screens.history import HistoryScreen
from scraper_tui.tui.screens.run_detail import RunDetailScreen
from scraper_tui.tui.widgets.run_table import RunTable
from tests.tui.sample_data import TRICKY
from tests.tui.test_app import screen_text

MakeApp = Callable[..., ScraperTUI]


async def settle(app: ScraperTUI, pilot: Pilot[int]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_history(app: ScraperTUI, pilot: Pilot[int]) -> tuple[HistoryScreen, RunTable]:
    await pilot.press("2")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, HistoryScreen)
    return screen, screen.query_one(RunTable)


def title(table: RunTable) -> str:
    """The table's border title as shown (border titles are kept as markup)."""
    return Content.from_markup(str(table.border_title)).plain


def column(table: RunTable, key: str) -> list[str]:
    return [str(getattr(cell, "plain", cell)) for cell in table.get_column(key)]


async def test_history_shows_the_first_page_newest_first(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, table = await open_history(app, pilot)
        assert table.run_ids == list(range(45, 25, -1))  # page size 20 from the settings
        assert str(table.border_subtitle) == "page 1 of 3 · 45 runs"


async def test_page_down_and_page_up_move_between_pages(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_history(app, pilot)
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert table.run_ids == list(range(25, 5, -1))
        assert "page 2 of 3" in str(table.border_subtitle)
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert table.run_ids == list(range(5, 0, -1))
        await pilot.press("pagedown")  # past the last page: nothing happens
        await settle(app, pilot)
        assert screen.page == 3
        await pilot.press("pageup", "pageup")
        await settle(app, pilot)
        assert table.run_ids == list(range(45, 25, -1))
        assert "page 1 of 3" in str(table.border_subtitle)


async def test_page_keys_are_dimmed_at_the_ends(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await open_history(app, pilot)
        assert screen.check_action("page", (-1,)) is None
        assert screen.check_action("page", (1,)) is True


async def test_s_filters_by_each_configured_scraper_in_turn(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_history(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        assert screen.scraper == "signature"
        assert set(column(table, "scraper")) == {"signature"}
        assert "scraper signature" in title(table)
        assert "15 runs" in str(table.border_subtitle)
        await pilot.press("s")
        await settle(app, pilot)
        assert set(column(table, "scraper")) == {"flygosh"}


async def test_t_filters_by_status_and_c_clears(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_history(app, pilot)
        await pilot.press("t")  # queued: none in the sample
        await settle(app, pilot)
        assert table.row_count == 0
        assert "0 runs" in str(table.border_subtitle)
        await pilot.press("t", "t", "t")  # running, completed, failed
        await settle(app, pilot)
        assert screen.status == "failed"
        assert set(column(table, "status")) == {"failed"}
        assert table.row_count == 6
        await pilot.press("s")  # and signature
        await settle(app, pilot)
        assert set(column(table, "scraper")) == {"signature"}
        assert set(column(table, "status")) == {"failed"}
        await pilot.press("c")
        await settle(app, pilot)
        assert (screen.scraper, screen.status) == (None, None)
        assert table.row_count == 20


async def test_a_filter_goes_back_to_the_first_page(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await open_history(app, pilot)
        await pilot.press("pagedown")
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        assert screen.page == 1
        assert table.run_ids[0] == 43


async def test_enter_opens_the_selected_runs_details(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen, _table = await open_history(app, pilot)
        await pilot.press("down", "down")  # run 43
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        assert detail.run_id == 43
        text = screen_text(app)
        assert "Run 43 · signature" in text
        for section in ("HTTP status", "Field coverage", "Alerts (0)", "Log (3 lines)"):
            assert section in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen


async def test_details_show_stored_text_literally(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await open_history(app, pilot)
        await pilot.press("t", "t", "t", "t")  # failed runs have an error line holding markup
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        text = screen_text(app)
        assert "page 2 answered 503 [bold]x[/bold]\\x1b[31m" in text
        assert "Alerts (1)" in text and "found no jobs" in text


async def test_a_scraper_name_with_markup_is_shown_literally(make_app: MakeApp, sample_db: Path) -> None:
    store = await Store.open(sample_db)
    try:
        await store.run_write(records.create_run, TRICKY, source="odd", status="failed")
    finally:
        await store.close()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, table = await open_history(app, pilot)
        assert column(table, "scraper")[0] == "[bold]x[/bold]\\x1b[31m"
        assert "[bold]x[/bold]\\x1b[31m" in screen_text(app)
        await pilot.press("1")
        await settle(app, pilot)
        assert "[bold]x[/bold]\\x1b[31m" in screen_text(app)


async def test_stats_show_totals_sources_and_recent_runs(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        for expected in ("Runs", "45", "Completed", "37", "Failed", "6", "Success rate", "82.2%", "4.7 s",
                         "signature", "60", "flygosh", "45", "indigo", "30", "cached 12:00:00 UTC"):  # fmt: skip
            assert expected in text, expected
        table = app.screen.query_one(RunTable)
        assert table.run_ids == list(range(45, 35, -1))


async def test_enter_on_stats_opens_a_recent_run(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.run_id == 45
