"""Stats, history pages and configs read from the store."""

from __future__ import annotations

import pytest

from scraper_tui.store import Store, UnknownScraperError
from scraper_tui.store import queries, records
from tests.store.helpers import add_run


async def _all_runs_newest_first(store: Store, where: str = "") -> list[int]:
    async with store.read() as conn:
        rows = await conn.exec_driver_sql(f"SELECT id FROM run {where} ORDER BY started_at DESC, id DESC")
        return [row[0] for row in rows]


async def _pages(store: Store, page_size: int, **filters: str) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        answer = await store.run_read(queries.history, page, page_size, **filters)
        ids.extend(run["id"] for run in answer["results"])
        if page == answer["num_pages"]:
            return ids
        page += 1


@pytest.fixture
async def runs(store: Store) -> Store:
    """23 runs of two scrapers with mixed outcomes."""
    for n in range(23):
        scraper = "signature" if n % 3 else "indigo"
        status = "failed" if n % 5 == 0 else "completed"
        await add_run(store, scraper, status, seconds=float(n))
    return store


async def test_stats_of_an_empty_store(store: Store) -> None:
    answer = await store.run_read(queries.stats)
    assert answer["total_runs"] == answer["completed_runs"] == answer["failed_runs"] == 0
    assert answer["success_rate"] == 0.0 and answer["avg_execution_time"] == 0.0
    assert answer["jobs_by_source"] == {} and answer["recent_jobs"] == []


async def test_stats_counts_rates_and_recent_runs(runs: Store) -> None:
    answer = await runs.run_read(queries.stats)
    failed = [n for n in range(23) if n % 5 == 0]
    completed = [n for n in range(23) if n % 5]
    assert answer["total_runs"] == 23
    assert answer["failed_runs"] == len(failed) and answer["completed_runs"] == len(completed)
    assert answer["success_rate"] == round(100 * len(completed) / 23, 1)
    assert answer["avg_execution_time"] == round(sum(completed) / len(completed), 3)
    assert [run["id"] for run in answer["recent_jobs"]] == list(range(23, 13, -1))
    assert set(answer["recent_jobs"][0]) == set(queries.LIST_COLUMNS)
    assert answer["recent_jobs"][0]["started_at"].endswith("+00:00")


async def test_running_runs_do_not_lower_the_success_rate(store: Store) -> None:
    await add_run(store, status="completed")
    await add_run(store, status="running")
    answer = await store.run_read(queries.stats)
    assert answer["total_runs"] == 2 and answer["success_rate"] == 100.0


async def test_history_pages_cover_every_run_once_in_order(runs: Store) -> None:
    expected = await _all_runs_newest_first(runs)
    for size in (1, 4, 10, 23, 200):
        assert await _pages(runs, size) == expected


async def test_history_filters_by_scraper_and_status(runs: Store) -> None:
    assert await _pages(runs, 4, scraper="indigo") == await _all_runs_newest_first(
        runs, "WHERE scraper_name = 'indigo'"
    )
    assert await _pages(runs, 2, status="failed") == await _all_runs_newest_first(runs, "WHERE status = 'failed'")
    assert await _pages(runs, 3, scraper="signature", status="completed") == await _all_runs_newest_first(
        runs, "WHERE scraper_name = 'signature' AND status = 'completed'"
    )


async def test_history_answer_shape(runs: Store) -> None:
    answer = await runs.run_read(queries.history, 2, 10)
    assert {key: answer[key] for key in ("count", "page", "page_size", "num_pages")} == {
        "count": 23, "page": 2, "page_size": 10, "num_pages": 3,
    }  # fmt: skip
    assert len(answer["results"]) == 10


async def test_history_stays_right_when_runs_are_not_contiguous(runs: Store) -> None:
    await runs.run_write(records.delete_runs, [5, 11, 12])
    assert await _pages(runs, 4) == await _all_runs_newest_first(runs)
    assert await _pages(runs, 3, scraper="signature") == await _all_runs_newest_first(
        runs, "WHERE scraper_name = 'signature'"
    )


async def test_history_after_pruning_the_oldest_runs(runs: Store) -> None:
    await runs.run_write(records.delete_runs, range(1, 8))
    assert await _pages(runs, 5) == await _all_runs_newest_first(runs)


async def test_empty_history_is_one_empty_page(store: Store) -> None:
    answer = await store.run_read(queries.history)
    assert answer == {"count": 0, "page": 1, "page_size": 20, "num_pages": 1, "results": []}


@pytest.mark.parametrize(
    ("page", "page_size", "message"),
    [
        (0, 20, "page must be 1 or more, got 0"),
        (-3, 20, "page must be 1 or more"),
        (1, 1000, "page_size must be between 1 and 200, got 1000"),
        (1, 0, "page_size must be between 1 and 200"),
        ("abc", 20, "page must be a whole number, got 'abc'"),
        (3, 20, "page 3 is past the end: there are 2 pages of 20"),
    ],
)
async def test_bad_pages_are_refused_with_a_clear_message(
    runs: Store, page: object, page_size: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await runs.run_read(queries.history, page, page_size)


async def test_an_unknown_status_is_refused(runs: Store) -> None:
    with pytest.raises(ValueError, match="status must be one of"):
        await runs.run_read(queries.history, status="done")


async def test_config_has_settings_and_stats(runs: Store) -> None:
    await runs.run_write(
        records.save_scrapers, [{"name": "indigo", "source": "indigo", "max_pages": 7, "settings": {"delay": 0.1}}]
    )
    answer = await runs.run_read(queries.config, "indigo")
    assert answer["settings"]["max_pages"] == 7 and answer["settings"]["settings"] == {"delay": 0.1}
    assert answer["stats"]["total_runs"] == len([n for n in range(23) if n % 3 == 0])
    assert answer["stats"]["last_run"]["scraper_name"] == "indigo"


async def test_config_of_an_unknown_scraper_names_the_known_ones(store: Store) -> None:
    await store.run_write(records.save_scrapers, [{"name": "indigo", "source": "indigo"}])
    with pytest.raises(UnknownScraperError, match="'hidden'.*indigo"):
        await store.run_read(queries.config, "hidden")


async def test_saving_scrapers_keeps_enabled_set_in_the_app(store: Store) -> None:
    await store.run_write(records.save_scrapers, [{"name": "indigo", "source": "indigo"}])
    await store.run_write(records.set_scraper_enabled, "indigo", False)
    await store.run_write(records.save_scrapers, [{"name": "indigo", "source": "indigo", "max_pages": 3}])
    answer = await store.run_read(queries.config, "indigo")
    assert answer["settings"]["enabled"] is False and answer["settings"]["max_pages"] == 3


async def test_run_status_changes_move_the_counters(store: Store) -> None:
    run_id = await store.run_write(records.create_run, "indigo")
    assert (await store.run_read(queries.stats))["runs_by_status"]["running"] == 1
    await store.run_write(records.update_run, run_id, status="completed", execution_time=4.0)
    answer = await store.run_read(queries.stats)
    assert answer["runs_by_status"]["running"] == 0 and answer["completed_runs"] == 1
    assert answer["avg_execution_time"] == 4.0


async def test_started_at_never_goes_back_so_history_order_is_id_order(store: Store) -> None:
    from datetime import UTC, datetime

    first = await store.run_write(records.create_run, "indigo", started_at=datetime(2030, 1, 1, tzinfo=UTC))
    second = await store.run_write(records.create_run, "indigo")
    assert await _all_runs_newest_first(store) == [second, first]
