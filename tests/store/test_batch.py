"""BatchProcessor: counting, atomic batches, flushing on size, interval, exit and cancellation."""

from __future__ import annotations

import asyncio

import pytest

from scraper_tui.monitor import Monitor
from scraper_tui.store import BatchError, BatchProcessor, Store
from scraper_tui.store import queries, records
from tests.store.helpers import add_run, posting


async def _count(store: Store, sql: str) -> int:
    async with store.read() as conn:
        return int((await conn.exec_driver_sql(sql)).scalar() or 0)


async def test_guide_example_100_jobs_in_batches_of_50(store: Store) -> None:
    batch = BatchProcessor(store, batch_size=50)
    for n in range(100):
        await batch.add_job(posting(n), "signature")
    totals = await batch.flush_all()
    assert totals["jobs_created"] == 100
    assert totals["batches"] == 2
    assert await _count(store, "SELECT count(*) FROM job") == 100
    await batch.close()


async def test_readding_the_same_jobs_counts_them_unchanged(store: Store) -> None:
    async with BatchProcessor(store) as batch:
        for n in range(100):
            await batch.add_job(posting(n), "signature")
    async with BatchProcessor(store) as again:
        for n in range(100):
            await again.add_job(posting(n), "signature")
    assert again.totals["jobs_unchanged"] == 100
    assert again.totals["jobs_created"] == again.totals["jobs_updated"] == 0


async def test_changing_one_field_of_one_job_counts_one_updated(store: Store) -> None:
    async with BatchProcessor(store) as batch:
        for n in range(100):
            await batch.add_job(posting(n), "signature")
    async with BatchProcessor(store) as again:
        for n in range(100):
            await again.add_job(posting(n, location="Hamburg") if n == 42 else posting(n), "signature")
    assert again.totals["jobs_updated"] == 1
    assert again.totals["jobs_unchanged"] == 99
    async with store.read() as conn:
        assert (await conn.exec_driver_sql("SELECT location FROM job WHERE external_id = 'signature-42'")).scalar() == (
            "Hamburg"
        )


async def test_extra_fields_are_kept_in_data_and_part_of_the_hash(store: Store) -> None:
    async with BatchProcessor(store) as batch:
        await batch.add_job(posting(1), "signature")
    async with BatchProcessor(store) as again:
        await again.add_job(posting(1, salary="99k"), "signature")
    assert again.totals["jobs_updated"] == 1
    async with store.read() as conn:
        data = (await conn.exec_driver_sql("SELECT data FROM job")).scalar()
    assert "99k" in data


async def test_same_posting_twice_in_a_batch_is_stored_once(store: Store) -> None:
    async with BatchProcessor(store) as batch:
        await batch.add_job(posting(1), "signature")
        await batch.add_job(posting(1), "signature")
    assert batch.totals["jobs_created"] == 1 and batch.totals["jobs_duplicate"] == 1
    assert await _count(store, "SELECT jobs FROM source_counter WHERE source = 'signature'") == 1


async def test_external_id_defaults_to_the_url(store: Store) -> None:
    async with BatchProcessor(store) as batch:
        job = posting(1)
        del job["external_id"]
        await batch.add_job(job, "signature")
    async with store.read() as conn:
        assert (await conn.exec_driver_sql("SELECT external_id FROM job")).scalar() == job["url"]


async def test_a_job_without_title_or_url_is_refused_at_once(store: Store) -> None:
    batch = BatchProcessor(store)
    with pytest.raises(ValueError, match="title"):
        await batch.add_job(posting(1, title=""), "signature")
    with pytest.raises(ValueError, match="url"):
        await batch.add_job(posting(1, url=None), "signature")
    assert batch.pending == 0
    await batch.close()


async def test_a_task_cancelled_while_adding_leaves_every_added_item_stored(store: Store) -> None:
    added = 0
    ready = asyncio.Event()

    async def scrape() -> None:
        nonlocal added
        async with BatchProcessor(store, batch_size=7, flush_interval=60) as batch:
            for n in range(10_000):
                added += 1  # handed over: stored even if the flush it triggers is cut short
                await batch.add_job(posting(n), "signature")
                if added == 50:
                    ready.set()
                await asyncio.sleep(0)

    task = asyncio.create_task(scrape())
    await ready.wait()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 50 <= added < 10_000
    assert await _count(store, "SELECT count(*) FROM job") == added
    assert await _count(store, "SELECT jobs FROM source_counter") == added


async def test_a_failing_batch_writes_nothing_of_itself_and_names_the_item(store: Store) -> None:
    batch = BatchProcessor(store, batch_size=1000)
    for n in range(10):
        await batch.add_job(posting(n), "signature")
    await batch.add_scraped_url("http://127.0.0.1/signature/jobs/3", job_id=424242, source="signature", title="x")
    with pytest.raises(BatchError) as err:
        await batch.flush()
    message = str(err.value)
    assert "424242" in message and "http://127.0.0.1/signature/jobs/3" in message
    assert "FOREIGN KEY" in message
    assert err.value.item is not None and err.value.item["job_id"] == 424242
    assert await _count(store, "SELECT count(*) FROM job") == 0
    assert await _count(store, "SELECT count(*) FROM scraped_url") == 0
    assert await _count(store, "SELECT count(*) FROM source_counter") == 0
    # The broken batch is dropped; the processor goes on with the next one.
    await batch.add_job(posting(99), "signature")
    assert (await batch.flush_all())["jobs_created"] == 1
    await batch.close()


async def test_flushes_by_itself_after_the_interval(store: Store) -> None:
    batch = BatchProcessor(store, batch_size=1000, flush_interval=0.05)
    await batch.add_job(posting(1), "signature")
    for _ in range(200):
        if batch.pending == 0:
            break
        await asyncio.sleep(0.01)
    assert batch.pending == 0
    assert await _count(store, "SELECT count(*) FROM job") == 1
    await batch.close()


async def test_context_exit_flushes_what_is_buffered(store: Store) -> None:
    async with BatchProcessor(store, batch_size=1000, flush_interval=60) as batch:
        for n in range(5):
            await batch.add_job(posting(n), "signature")
        assert await _count(store, "SELECT count(*) FROM job") == 0
    assert await _count(store, "SELECT count(*) FROM job") == 5


async def test_scraped_urls_link_to_jobs_of_the_same_batch(store: Store) -> None:
    run_id = await add_run(store, status="running")
    async with BatchProcessor(store, run_id=run_id) as batch:
        for n in range(3):
            await batch.add_job(posting(n), "signature")
            await batch.add_scraped_url(
                posting(n)["url"], source="signature", title="t", external_id=f"signature-{n}", status_code=200
            )
    assert batch.totals["urls_created"] == 3
    async with store.read() as conn:
        rows = (await conn.exec_driver_sql("SELECT u.job_id = j.id, u.run_id FROM scraped_url u JOIN job j "
                                           "ON j.url = u.url")).all()
    assert rows == [(1, run_id)] * 3


async def test_a_removed_job_seen_again_is_restored(store: Store) -> None:
    async with BatchProcessor(store) as batch:
        await batch.add_job(posting(1), "signature")
    async with store.write() as conn:
        await conn.exec_driver_sql("UPDATE job SET removed_at = '2026-01-01 00:00:00'")
        await conn.exec_driver_sql("UPDATE source_counter SET removed = 1")
    async with BatchProcessor(store) as again:
        await again.add_job(posting(1), "signature")
    assert again.totals["jobs_restored"] == 1
    assert await _count(store, "SELECT count(*) FROM job WHERE removed_at IS NOT NULL") == 0
    assert await _count(store, "SELECT removed FROM source_counter") == 0


async def test_roll_up_counters_match_a_recount(store: Store) -> None:
    async with BatchProcessor(store, batch_size=13) as batch:
        for n in range(40):
            await batch.add_job(posting(n, source="signature" if n % 3 else "indigo"), "signature" if n % 3 else "indigo")
    for status in ("completed", "failed", "completed", "cancelled"):
        await add_run(store, status=status, seconds=2.0)
    before = await store.run_read(queries.stats)
    await store.run_write(records.rebuild_counters)
    after = await store.run_read(queries.stats)
    assert before == after
    assert before["jobs_by_source"] == {"signature": 26, "indigo": 14}


async def test_each_flush_is_profiled_as_batch_insert(store: Store) -> None:
    monitor = Monitor()
    async with BatchProcessor(store, monitor=monitor) as batch:
        await batch.add_job(posting(1), "signature")
    metrics = monitor.metrics.get_metrics("batch_flush")
    assert metrics["count"] == 1 and metrics["category"] == "batch_insert"


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        BatchProcessor(None, batch_size=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="flush_interval"):
        BatchProcessor(None, flush_interval=0)  # type: ignore[arg-type]
