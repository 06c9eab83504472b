"""ScraperService: the facade's answers, profiling, alerts and closing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper_tui.monitor import Monitor
from scraper_tui.service import ScraperService
from scraper_tui.store import UnknownScraperError, records
from tests.store.helpers import add_run, posting


async def test_stats_answer_has_the_design_keys(service: ScraperService) -> None:
    answer = await service.stats()
    for key in ("total_runs", "completed_runs", "failed_runs", "success_rate", "avg_execution_time",
                "jobs_by_source", "recent_jobs", "cached_at"):  # fmt: skip
        assert key in answer


async def test_history_uses_the_default_page_size(service: ScraperService) -> None:
    for _ in range(25):
        await add_run(service.store)
    answer = await service.history()
    assert answer["page_size"] == 20 and answer["num_pages"] == 2 and len(answer["results"]) == 20
    with pytest.raises(ValueError, match="past the end"):
        await service.history(page=3)


async def test_config_answers_and_unknown_scrapers_raise(service: ScraperService) -> None:
    await service.store.run_write(records.save_scrapers, [{"name": "indigo", "source": "indigo"}])
    assert (await service.config("indigo"))["name"] == "indigo"
    with pytest.raises(UnknownScraperError):
        await service.config("hidden")


async def test_every_store_call_is_profiled_as_db_query(service: ScraperService, monitor: Monitor) -> None:
    await service.stats()
    await service.history()
    for name in ("stats", "history"):
        assert monitor.metrics.get_metrics(name)["category"] == "db_query"
        assert monitor.metrics.get_metrics(name)["count"] == 1


async def test_a_slow_db_query_fires_a_stored_alert_with_its_fields(service: ScraperService, monitor: Monitor) -> None:
    monitor.alerts.set_threshold("db_query", 0.0)
    await service.history()
    fired = monitor.alerts.history[0]
    assert fired.operation == "history" and fired.category == "db_query"
    assert fired.duration > fired.threshold == 0.0
    assert fired.rule == "slow_operation" and fired.severity in ("warning", "critical") and "history" in fired.message
    stored = await service.alerts()
    assert stored[-1]["rule"] == "slow_operation" and "history" in stored[-1]["message"]
    assert stored[-1]["threshold"] == 0.0 and stored[-1]["value"] > 0 and stored[-1]["time"]


async def test_performance_has_operations_alerts_system_and_cache(service: ScraperService) -> None:
    await service.stats()
    service.monitor.sampler.sample()
    answer = service.performance()
    assert "stats" in answer["operations"]
    assert answer["system"]["rss"] > 0
    assert answer["cache"]["misses"] == 1


async def test_closing_flushes_batch_buffers_it_handed_out(db_path: Path) -> None:
    service = await ScraperService.open(db_path)
    batch = service.batch_processor()
    await batch.add_job(posting(1), "signature")
    await service.close()
    async with await ScraperService.open(db_path) as reopened:
        assert (await reopened.stats())["jobs_by_source"] == {"signature": 1}


async def test_open_needs_a_database(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="database"):
        await ScraperService.open()
