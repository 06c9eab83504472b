"""The Jobs screen: newest first, paged with PgDn/PgUp, by source, by search, removed ones marked, details on Enter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input

from scraper_tui.demo import DemoBoard
from scraper_tui.service import ScraperService
from scraper_tui.tui.app import ScraperTUI
from scraper_tui.tui.messages import DataChanged
from scraper_tui.tui.screens.job_detail import JobDetailScreen
from scraper_tui.tui.screens.jobs import JobsScreen
from tests.conftest import demo_config
from tests.tui.screens_harness import app_on, cell, screen_text, settle

TRICKY = "[bold]x[/bold]\x1b[31m"
SHOWN_TRICKY = "[bold]x[/bold]\u241b[31m"
"""The tricky title as the screen must show it: the markup as text, ESC as its control picture."""


@pytest.fixture
async def jobs_service(board: DemoBoard, db_path: Path) -> AsyncIterator[ScraperService]:
    """120 scraped jobs (signature, flygosh), one removed from signature, then one hand-added tricky title."""
    async with await ScraperService.open(config=demo_config(board, db_path)) as service:
        for name in ("signature", "flygosh"):
            await service.wait_runs([await service.start_run(name)])
        gone = board.postings("signature")[5]
        board.remove_posting("signature", gone.external_id)
        await service.wait_runs([await service.start_run("signature")])
        batch = service.batch_processor()
        await batch.add_job({"title": TRICKY, "url": "https://elsewhere.example/1", "company": "Tricky Ltd"}, "manual")
        await batch.close()
        yield service


def _table(app: ScraperTUI) -> DataTable[Text]:
    return app.screen.query_one("#jobs-table", DataTable)


def _title(app: ScraperTUI) -> str:
    return str(_table(app).border_title)


async def test_newest_first_with_the_page_in_the_border(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, JobsScreen)
        table = _table(app)
        assert table.row_count == 20
        assert table.ordered_rows[0].key.value == str((await jobs_service.jobs())["results"][0]["id"])
        assert "Jobs · 121" in _title(app) and "page 1/7" in _title(app)


async def test_page_down_and_up_move_between_pages(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        first = [row.key.value for row in _table(app).ordered_rows]
        assert app.screen.check_action("page", (-1,)) is None  # dimmed on page 1
        await pilot.press("pagedown")
        await settle(pilot)
        second = [row.key.value for row in _table(app).ordered_rows]
        expected = [str(job["id"]) for job in (await jobs_service.jobs(page=2))["results"]]
        assert "page 2/7" in _title(app) and second == expected and not set(first) & set(second)
        await pilot.press("pageup")
        await settle(pilot)
        assert "page 1/7" in _title(app) and [row.key.value for row in _table(app).ordered_rows] == first


async def test_last_page_dims_page_down(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        for _ in range(6):
            await pilot.press("pagedown")
            await settle(pilot)
        assert "page 7/7" in _title(app) and _table(app).row_count == 1
        assert app.screen.check_action("page", (1,)) is None
        await pilot.press("pagedown")
        await settle(pilot)
        assert "page 7/7" in _title(app)


async def test_source_key_filters_to_one_source_then_all(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("s")  # sources in order: flygosh, manual, signature
        await settle(pilot)
        table = _table(app)
        assert {cell(table, str(row.key.value), "source") for row in table.ordered_rows} == {"flygosh"}
        assert "Jobs · 60 · flygosh" in _title(app)
        for _ in range(3):
            await pilot.press("s")
            await settle(pilot)
        assert "Jobs · 121 ·" in _title(app)


async def test_search_matches_title_or_company_as_typed(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("slash")
        assert app.screen.focused is app.screen.query_one("#jobs-search", Input)
        await pilot.press(*"tricky")
        await settle(pilot)  # the debounced search runs in a worker
        table = _table(app)
        assert table.row_count == 1 and cell(table, str(table.ordered_rows[0].key.value), "company") == "Tricky Ltd"
        assert "“tricky”" in _title(app)


async def test_search_with_no_match_shows_an_empty_list(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("slash", *"no such thing", "enter")
        await settle(pilot)
        assert _table(app).row_count == 0 and "Jobs · 0" in _title(app)


async def test_removed_job_is_marked_with_a_text_marker(jobs_service: ScraperService) -> None:
    removed = [job for job in (await jobs_service.jobs(page_size=200))["results"] if job["removed_at"]]
    assert len(removed) == 1
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        while str(removed[0]["id"]) not in {row.key.value for row in _table(app).ordered_rows}:
            await pilot.press("pagedown")
            await settle(pilot)
        table = _table(app)
        marks = {str(row.key.value): cell(table, str(row.key.value), "removed") for row in table.ordered_rows}
        assert marks.pop(str(removed[0]["id"])) == "✗"
        assert set(marks.values()) == {""}


async def test_a_store_change_reloads_the_page_and_keeps_the_cursor(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("down", "down")
        table = _table(app)
        selected = table.ordered_rows[table.cursor_row].key.value
        batch = jobs_service.batch_processor()
        await batch.add_job({"title": "Fresh posting", "url": "https://elsewhere.example/2"}, "manual")
        await batch.close()
        app.screen.post_message(DataChanged())  # what the app posts when its poll sees the store changed
        await settle(pilot)
        assert "Jobs · 122" in _title(app)
        assert cell(table, str(table.ordered_rows[0].key.value), "title") == "Fresh posting"
        assert table.ordered_rows[table.cursor_row].key.value == selected


async def test_enter_shows_every_field_of_the_job(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, JobDetailScreen)
        job = await jobs_service.job(detail.job_id)
        assert detail.job_id == int(_table_of(app).ordered_rows[1].key.value)
        text = screen_text(app)
        for field in ("url", "content_hash", "first_seen_at", "last_seen_at", "removed_at", "data"):
            assert field in text
        assert job["content_hash"] in text
        await pilot.press("escape")
        assert isinstance(app.screen, JobsScreen)


def _table_of(app: ScraperTUI) -> DataTable[Text]:
    """The Jobs table under a modal."""
    return app.screen_stack[-2].query_one("#jobs-table", DataTable)


async def test_markup_and_escapes_in_scraped_text_show_literally(jobs_service: ScraperService) -> None:
    app = app_on(jobs_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        table = _table(app)
        newest = str(table.ordered_rows[0].key.value)
        title = table.get_cell(newest, "title")
        assert isinstance(title, Text) and title.plain == SHOWN_TRICKY and not title.spans
        shown = screen_text(app)
        assert SHOWN_TRICKY[:18] in shown and "\x1b" not in shown
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(app)
        assert SHOWN_TRICKY in shown and "\x1b" not in shown
        assert "[bold]x[/bold]" in app.export_screenshot()


async def test_a_wider_terminal_gives_titles_and_companies_the_room(jobs_service: ScraperService) -> None:
    widths = {}
    for size in ((80, 24), (120, 40)):
        app = app_on(jobs_service)
        async with app.run_test(size=size) as pilot:
            await pilot.press("5")
            await settle(pilot)
            table = _table(app)
            widths[size] = {key.value: column.width for key, column in table.columns.items()}
            assert table.row_count == 20 and table.virtual_size.width <= table.size.width  # no sideways scrolling
    assert widths[(120, 40)]["title"] > widths[(80, 24)]["title"]
    assert widths[(120, 40)]["company"] > widths[(80, 24)]["company"]
    assert widths[(120, 40)]["source"] == widths[(80, 24)]["source"]
