"""A deterministic database for the app's tests, snapshots and screenshots.

Built through the store's record functions and the batch buffer, with the
clock frozen at `FROZEN_NOW`, so every timestamp, count and id is the same on
every machine and every run. `scripts/screenshots.py` imports it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from scraper_tui.config import Config, parse_config
from scraper_tui.demo import demo_config_text
from scraper_tui.service import ScraperService, scraper_definition
from scraper_tui.store import BatchProcessor, Store, records

FROZEN_NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
"""The moment the sample database was 'built'; also `cached_at` in tests."""
BASE = FROZEN_NOW - timedelta(days=3)
BOARD_URL = "http://127.0.0.1:9"
"""A board that is never contacted: the sample config only names it."""
TRICKY = "[bold]x[/bold]\x1b[31m"
"""Text that must be shown literally: markup and an escape sequence."""
SCRAPERS = ("signature", "flygosh", "indigo")
JOBS_PER_SOURCE = {"signature": 60, "flygosh": 45, "indigo": 30}
RUNS_PER_SCRAPER = 15


def sample_config(db_path: Path) -> Config:
    """The demo board's scraper config, writing to `db_path`."""
    config = parse_config(demo_config_text(BOARD_URL))
    config.settings = config.settings.model_copy(update={"database": str(db_path)})
    return config


@contextmanager
def frozen_clock(now: datetime = FROZEN_NOW) -> Iterator[None]:
    """Freeze the store's `utcnow` where records and batches take it from."""
    with (
        mock.patch("scraper_tui.store.records.utcnow", lambda: now),
        mock.patch("scraper_tui.store.batch.utcnow", lambda: now),
    ):
        yield


def _status_for(scraper_index: int, n: int) -> str:
    # A fixed pattern: mostly completed, a failure every so often, one of each other ending.
    if (n + scraper_index) % 7 == 3:
        return "failed"
    if n == 4 and scraper_index == 1:
        return "cancelled"
    if n == 9 and scraper_index == 2:
        return "interrupted"
    return "completed"


def _details(scraper_index: int, n: int, status: str) -> dict[str, Any]:
    ok = 10 + (n % 4)
    histogram = {"200": ok} if status == "completed" else {"200": ok // 2, "503": 3}
    return {
        "status_histogram": histogram,
        "retries": 0 if status == "completed" else 3,
        "latency_p50": 0.012 + 0.001 * scraper_index,
        "latency_p95": 0.048 + 0.002 * n,
        "field_coverage": {"title": 1.0, "url": 1.0, "company": 0.95 - 0.05 * scraper_index, "location": 0.8,
                           "posted_at": 0.0 if status == "failed" else 0.9},
        "peak_rss": (60 + n) * 2**20,
        "stopped_by": "end" if status == "completed" else "error",
    }


def _add_runs(conn: Any) -> list[int]:
    ids: list[int] = []
    for n in range(RUNS_PER_SCRAPER):
        for index, name in enumerate(SCRAPERS):
            started = BASE + timedelta(hours=4 * n, minutes=7 * index)
            status = _status_for(index, n)
            run_id = records.create_run(conn, name, source=name, trigger=("schedule", "manual", "headless")[n % 3],
                                        status="running", pid=0, started_at=started)  # fmt: skip
            seconds = round(3.5 + 0.75 * index + 0.25 * (n % 5), 3)
            found = 0 if status == "failed" else 40 + 5 * index + n
            records.update_run(
                conn, run_id, status=status, finished_at=started + timedelta(seconds=seconds),
                execution_time=seconds, pages_scraped=found // 10 + 1, jobs_found=found,
                jobs_created=found if n == 0 else min(found, n % 3), jobs_updated=min(found, n % 4), errors=0 if status == "completed" else 3,
                error_message=None if status == "completed" else f"503 from /{name}/jobs?page=2 after 3 retries",
                complete=status == "completed", details=_details(index, n, status), heartbeat_at=started,
            )  # fmt: skip
            log = [
                (started, "info", f"started {name} ({name} board)"),
                (started + timedelta(seconds=1), "info", f"page 1: {min(found, 10)} jobs"),
            ]
            if status != "completed":
                log.append((started + timedelta(seconds=2), "error", f"page 2 answered 503 {TRICKY}"))
            log.append((started + timedelta(seconds=seconds), "info", f"{status} in {seconds:.1f} s"))
            records.add_logs(conn, run_id, log)
            if status == "failed":
                records.add_alert(conn, time=started + timedelta(seconds=seconds), rule="zero_jobs", scraper=name,
                                  run_id=run_id, message=f"{name} found no jobs", severity="warning")  # fmt: skip
            ids.append(run_id)
    return ids


async def build_sample_database(db_path: Path) -> Path:
    """Write the sample database at `db_path` (which must not exist yet) and return the path."""
    config = sample_config(db_path)
    with frozen_clock():
        store = await Store.open(db_path)
        try:
            await store.run_write(records.save_scrapers, [scraper_definition(s) for s in config.scrapers.values()])
            run_ids = await store.run_write(_add_runs)
            first_run = {name: run_ids[i] for i, name in enumerate(SCRAPERS)}
            for source, count in JOBS_PER_SOURCE.items():
                async with BatchProcessor(store, run_id=first_run[source]) as batch:
                    for n in range(count):
                        kind = ("Backend", "Data", "Site reliability")[n % 3]
                        title = TRICKY if (source, n) == ("signature", 0) else f"{kind} engineer {n}"
                        await batch.add_job(
                            {"external_id": f"{source}-{n}", "title": title, "company": f"Company {n % 7}",
                             "location": ("Berlin", "Lisbon", "Remote")[n % 3],
                             "url": f"{BOARD_URL}/{source}/jobs/{n}", "posted_at": f"2026-02-{1 + n % 28:02d}"},
                            source,
                        )  # fmt: skip
            await store.run_write(records.add_alert, time=FROZEN_NOW - timedelta(minutes=5), rule="slow_operation",
                                  message="db_query 'stats' took 1.20 s (threshold 1.00 s)", severity="warning")  # fmt: skip
        finally:
            await store.close()
    return db_path


async def open_sample_service(db_path: Path) -> ScraperService:
    """The service on a sample database, with `cached_at` frozen at FROZEN_NOW."""
    service = await ScraperService.open(db_path, config=sample_config(db_path))
    freeze_service(service)
    return service


def freeze_service(service: ScraperService) -> None:
    """Stamp every stats answer with FROZEN_NOW, so `cached_at` shows the same on every run."""
    service.cache._now = lambda: FROZEN_NOW  # the cache's clock is injectable; tests reach it here


def main() -> None:  # pragma: no cover - a convenience for looking at the data by hand
    import sys

    asyncio.run(build_sample_database(Path(sys.argv[1])))


if __name__ == "__main__":  # pragma: no cover
    main()
