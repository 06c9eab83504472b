"""Schedules: slots from the last run, missed slots run once at start and say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from scraper_tui.demo import DemoBoard
from scraper_tui.runs.schedule import Scheduler
from scraper_tui.service import ScraperService
from scraper_tui.store import records
from tests.conftest import demo_config


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def scheduled_service(board: DemoBoard, db_path: Path, every: str = "6h") -> ScraperService:
    config = demo_config(board, db_path)
    config.scrapers["flygosh"] = config.scrapers["flygosh"].model_copy(update={"every": timedelta(hours=6)})
    return await ScraperService.open(config=config)


async def test_a_scraper_that_never_ran_runs_at_start_and_then_every_interval(board: DemoBoard, db_path: Path) -> None:
    async with await scheduled_service(board, db_path) as service:
        clock = Clock()
        scheduler = Scheduler(service.runs, service.store, service.definitions, now=clock)
        await scheduler.load()
        [first] = await scheduler.tick()
        await service.wait_runs()
        assert (await service.run_detail(first))["trigger"] == "schedule"
        assert await scheduler.tick() == []
        clock.now += timedelta(hours=5, minutes=59)
        assert await scheduler.tick() == []
        clock.now += timedelta(minutes=2)
        assert len(await scheduler.tick()) == 1
        await service.wait_runs()


async def test_a_missed_slot_runs_once_at_start_and_says_so(board: DemoBoard, db_path: Path) -> None:
    async with await scheduled_service(board, db_path) as service:
        old = datetime.now(UTC) - timedelta(days=2)
        run_id = await service.store.run_write(records.create_run, "flygosh", started_at=old)
        await service.store.run_write(records.update_run, run_id, status="completed", execution_time=1.0)
        scheduler = Scheduler(service.runs, service.store, service.definitions)
        await scheduler.load()
        [made_up] = await scheduler.tick()
        await service.wait_runs()
        log = (await service.run_detail(made_up))["log"]
        assert "makes up for the slot" in log[0]["message"] and "missed while down" in log[0]["message"]
        assert await scheduler.tick() == []  # four missed slots, one run


async def test_a_disabled_scraper_is_not_scheduled(board: DemoBoard, db_path: Path) -> None:
    async with await scheduled_service(board, db_path) as service:
        await service.store.run_write(records.set_scraper_enabled, "flygosh", False)
        scheduler = Scheduler(service.runs, service.store, service.definitions)
        await scheduler.load()
        assert await scheduler.tick() == []


async def test_scrapers_without_every_have_no_slot(board: DemoBoard, db_path: Path) -> None:
    async with await scheduled_service(board, db_path) as service:
        scheduler = Scheduler(service.runs, service.store, service.definitions)
        await scheduler.load()
        assert set(scheduler.due) == {"flygosh"}
