"""CacheManager and cache_results: TTLs, invalidation, and never serving numbers the database has moved past."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper_tui.cache import CacheManager, cache_results
from scraper_tui.store import Store, UnknownScraperError
from scraper_tui.store import records
from tests.store.helpers import add_run


class FakeClock:
    """Monotonic seconds that only move when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_two_calls_return_equal_answers_with_the_same_cached_at(store: Store) -> None:
    cache = CacheManager(store)
    first = await cache.get_scraper_stats()
    second = await cache.get_scraper_stats()
    assert first == second
    assert first["cached_at"] == second["cached_at"]
    assert datetime.fromisoformat(first["cached_at"]).tzinfo is not None
    assert cache.get_metrics()["hits"] == 1 and cache.get_metrics()["misses"] == 1


async def test_stats_expire_after_their_ttl(store: Store) -> None:
    clock = FakeClock()
    cache = CacheManager(store, stats_ttl=300, clock=clock)
    await cache.get_scraper_stats()
    clock.now += 299
    await cache.get_scraper_stats()
    assert cache.misses == 1
    clock.now += 2
    await cache.get_scraper_stats()
    assert cache.misses == 2
    assert cache.get_metrics()["evictions"] >= 1


async def test_config_keeps_its_own_longer_ttl(store: Store) -> None:
    await store.run_write(records.save_scrapers, [{"name": "indigo", "source": "indigo"}])
    clock = FakeClock()
    cache = CacheManager(store, clock=clock)
    await cache.get_config("indigo")
    clock.now += 3599
    await cache.get_config("indigo")
    assert cache.misses == 1
    clock.now += 2
    await cache.get_config("indigo")
    assert cache.misses == 2


async def test_unknown_config_raises_and_is_not_cached(store: Store) -> None:
    cache = CacheManager(store)
    with pytest.raises(UnknownScraperError):
        await cache.get_config("hidden")
    assert cache.get_metrics()["size"] == 0


async def test_invalidation_forces_a_fresh_answer(store: Store) -> None:
    cache = CacheManager(store)
    await cache.get_scraper_stats()
    cache.invalidate_all_stats()
    await cache.get_scraper_stats()
    assert cache.misses == 2


async def test_a_write_through_this_store_shows_at_once(store: Store) -> None:
    cache = CacheManager(store)
    assert (await cache.get_scraper_stats())["total_runs"] == 0
    await add_run(store)
    assert (await cache.get_scraper_stats())["total_runs"] == 1


async def test_writes_by_another_process_show_at_the_next_call(store: Store, db_path: Path) -> None:
    cache = CacheManager(store)
    assert (await cache.get_scraper_stats())["total_runs"] == 0
    script = textwrap.dedent(
        f"""
        import asyncio
        from scraper_tui.store import Store, BatchProcessor, records

        async def main():
            store = await Store.open({str(db_path)!r})
            run_id = await store.run_write(records.create_run, "flygosh")
            await store.run_write(records.update_run, run_id, status="completed", execution_time=2.0)
            async with BatchProcessor(store, run_id=run_id) as batch:
                for n in range(7):
                    await batch.add_job({{"title": f"t{{n}}", "url": f"http://x/{{n}}"}}, "flygosh")
            await store.close()

        asyncio.run(main())
        """
    )
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script)
    assert await process.wait() == 0
    answer = await cache.get_scraper_stats()
    assert answer["total_runs"] == 1 and answer["jobs_by_source"] == {"flygosh": 7}


async def test_writes_through_a_second_engine_show_at_the_next_call(store: Store, db_path: Path) -> None:
    cache = CacheManager(store)
    await cache.get_scraper_stats()
    other = await Store.open(db_path)
    await add_run(other)
    await other.close()
    assert (await cache.get_scraper_stats())["total_runs"] == 1


async def test_warm_loads_stats_and_every_config(store: Store) -> None:
    await store.run_write(records.save_scrapers, [{"name": n, "source": n} for n in ("indigo", "flygosh")])
    cache = CacheManager(store)
    await cache.warm()
    metrics = cache.get_metrics()
    assert metrics["size"] == 3
    assert set(metrics["keys"]) == {"scraper_stats", "config:indigo", "config:flygosh"}
    assert metrics["keys"]["config:indigo"]["ttl"] == 3600
    await cache.get_config("flygosh")
    assert cache.get_metrics()["hits"] == 1


async def test_cached_at_comes_from_the_injected_clock(store: Store) -> None:
    moment = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    cache = CacheManager(store, now=lambda: moment)
    assert (await cache.get_scraper_stats())["cached_at"] == "2026-12-04T12:00:00+00:00"


async def test_misses_are_profiled_as_db_queries(store: Store, monitor) -> None:  # type: ignore[no-untyped-def]
    cache = CacheManager(store, monitor=monitor)
    await cache.get_scraper_stats()
    await cache.get_scraper_stats()
    metrics = monitor.metrics.get_metrics("stats")
    assert metrics["count"] == 1 and metrics["category"] == "db_query"


def test_cache_results_caches_sync_functions_until_the_ttl() -> None:
    clock = FakeClock()
    calls: list[int] = []

    @cache_results(ttl=10, timer=clock)
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert square(3) == square(3) == 9
    assert calls == [3]
    clock.now += 11
    assert square(3) == 9
    assert calls == [3, 3]
    square.cache_clear()
    square(3)
    assert calls == [3, 3, 3]


async def test_cache_results_caches_async_functions_and_not_errors() -> None:
    calls: list[int] = []

    @cache_results(ttl=300)
    async def load(n: int) -> int:
        calls.append(n)
        if n < 0:
            raise ValueError("negative")
        return n + 1

    assert await load(1) == await load(1) == 2
    assert calls == [1]
    for _ in range(2):
        with pytest.raises(ValueError):
            await load(-1)
    assert calls == [1, -1, -1]
