"""ScraperService: the one facade every front end talks to.

It opens the store, owns one cache, one monitor and the run manager,
mirrors the configured scraper definitions into the store, and answers
stats, history and config in the shapes of DESIGN.md. Every store call is
profiled under `db_query`; slow operations the monitor reports become
`Alert` rows. Runs started through it report to its subscribers.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any


from scraper_tui.cache import CacheManager
from scraper_tui.config import Config
from scraper_tui.monitor import AlertRecord, Monitor
from scraper_tui.runs import RunEvent, RunManager, RunRefused, RunState
from scraper_tui.runs.manager import still_alive
from scraper_tui.runs.schedule import Scheduler
from scraper_tui.store import BatchProcessor, Store, browse, queries, records

if TYPE_CHECKING:
    from scraper_tui.config import ScraperConfig

log = logging.getLogger(__name__)

EXPORT_COLUMNS = queries.EXPORT_COLUMNS
"""The fields of an exported job, in order."""
__all__ = ["EXPORT_COLUMNS", "RunEvent", "RunRefused", "RunState", "ScraperService", "check_history_args"]


def check_history_args(page: int, page_size: int, status: str | None) -> None:
    """Refuse a bad page, page size or status before anything is opened (ValueError, one line)."""
    queries.check_page_args(page, page_size)
    queries.check_status(status)


def scraper_definition(scraper: ScraperConfig) -> dict[str, Any]:
    """A scraper's config as the store mirrors it."""
    dumped = scraper.model_dump(mode="json")
    every = dumped.get("every")
    return {
        "name": scraper.name,
        "source": scraper.source,
        "enabled": scraper.enabled,
        "max_pages": scraper.max_pages,
        "max_jobs": scraper.max_jobs,
        "schedule": every if every else None,
        "settings": {k: v for k, v in dumped.items() if k not in ("name", "source", "enabled")},
    }


class ScraperService:
    """Stats, history and configs over one database, with a cache and a monitor.

    Use `async with await ScraperService.open(path) as service:` or call
    `close()`; closing flushes open batch buffers and disposes the engine.
    """

    def __init__(self, store: Store, *, config: Config | None = None, monitor: Monitor | None = None) -> None:
        self.store = store
        self.definitions = config if config is not None else Config()
        """The loaded config: settings and scraper definitions."""
        settings = self.definitions.settings
        self.monitor = monitor or Monitor(db_path=store.path)
        for category in ("api_request", "db_query", "batch_insert", "scraper_run"):
            self.monitor.alerts.set_threshold(category, getattr(settings.alerts, category))
        self.cache = CacheManager(
            store, stats_ttl=settings.stats_ttl, config_ttl=settings.config_ttl, monitor=self.monitor
        )
        self.page_size = settings.page_size
        self.runs = RunManager(store, self.definitions, monitor=self.monitor, on_finished=self.cache.invalidate_all_stats)
        self.scheduler = Scheduler(self.runs, store, self.definitions)
        self._batches: set[BatchProcessor] = set()
        self._alert_writes: set[asyncio.Task[None]] = set()
        self.monitor.alerts.subscribe(self._on_monitor_alert)

    @classmethod
    async def open(
        cls, database: str | Path | None = None, *, config: Config | None = None, monitor: Monitor | None = None
    ) -> ScraperService:
        """Open the database (the config's, unless given) and mirror the config's scrapers into it."""
        if database is None:
            if config is None:
                raise ValueError("ScraperService.open needs a database path or URL, or a config that names one")
            database = config.settings.database
        store = await Store.open(database)
        try:
            service = cls(store, config=config, monitor=monitor)
            if config is not None and config.scrapers:
                await store.run_write(records.save_scrapers, [scraper_definition(s) for s in config.scrapers.values()])
            # Runs left `running` by a process that is gone are shown for what they are.
            await store.run_write(records.recover_runs, still_alive)
        except BaseException:
            await store.close()
            raise
        return service

    async def __aenter__(self) -> ScraperService:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def stats(self) -> dict[str, Any]:
        """The stats answer, from the cache while the database is unchanged."""
        return await self.cache.get_scraper_stats()

    async def history(
        self,
        page: int = 1,
        page_size: int | None = None,
        scraper: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        """One page of runs, newest first; ValueError for a bad or missing page."""
        with self.monitor.profile("history", category="db_query"):
            return await self.store.run_read(queries.history, page, page_size or self.page_size, scraper, status)

    async def config(self, name: str) -> dict[str, Any]:
        """A scraper's settings and stats; UnknownScraperError (a LookupError) when unknown."""
        return await self.cache.get_config(name)

    def batch_processor(self, *, run_id: int | None = None) -> BatchProcessor:
        """A batch buffer on this store, flushed by `close()` if its owner has not."""
        settings = self.definitions.settings
        batch = BatchProcessor(
            self.store,
            batch_size=settings.batch_size,
            flush_interval=settings.flush_interval,
            run_id=run_id,
            monitor=self.monitor,
        )
        self._batches.add(batch)
        return batch

    # -- runs ------------------------------------------------------------------

    def subscribe(self, callback: Callable[[RunEvent], None]) -> None:
        """Be told of run events: started, progress (a few a second at most), finished, alert, refused."""
        self.runs.subscribe(callback)

    def unsubscribe(self, callback: Callable[[RunEvent], None]) -> None:
        self.runs.unsubscribe(callback)

    async def prepare_runs(self) -> None:
        """Load the scraping stack off the event loop, so the first run does not stall it."""
        await self.runs.warm_up()

    async def start_run(self, name: str, trigger: str = "manual") -> int:
        """Start a run of a configured scraper; ConfigError if unknown, RunRefused if it is running."""
        return await self.runs.start(name, trigger)

    async def start_schedules(self) -> None:
        """Run scrapers with `every` on their interval until close (the app and `serve` do this)."""
        await self.scheduler.start()

    async def cancel_run(self, run_id: int) -> bool:
        """Cancel a run of this process (flushed, marked cancelled); False if it is not one."""
        return await self.runs.cancel(run_id)

    async def cancel_all(self) -> None:
        for state in self.runs.running:
            await self.runs.cancel(state.run_id)

    async def wait_runs(self, run_ids: list[int] | None = None) -> None:
        await self.runs.wait(run_ids)

    def running(self) -> list[RunState]:
        return self.runs.running

    async def run_detail(self, run_id: int) -> dict[str, Any]:
        """A run's counters, details, log and alerts; LookupError when there is no such run."""
        with self.monitor.profile("run_detail", category="db_query"):
            return await self.store.run_read(queries.run_detail, run_id)

    async def prune(self, days: int | None = None) -> dict[str, int]:
        """Delete runs older than the retention (or `days`), their logs and scraped URLs; jobs stay."""
        with self.monitor.profile("prune", category="db_query"):
            return await self.runs.prune(days)

    async def export_jobs(
        self, *, source: str | None = None, include_removed: bool = False, chunk: int = 2000
    ) -> AsyncIterator[dict[str, Any]]:
        """Stored jobs in insertion order, streamed a chunk at a time (memory stays flat)."""
        after = 0
        while True:
            with self.monitor.profile("export", category="db_query"):
                rows = await self.store.run_read(
                    queries.export_chunk, after_id=after, limit=chunk, source=source, include_removed=include_removed
                )
            for _, job in rows:
                yield job
            if len(rows) < chunk:
                return
            after = rows[-1][0]

    # -- browsing ----------------------------------------------------------------

    async def jobs(
        self, page: int = 1, page_size: int | None = None, source: str | None = None, search: str | None = None
    ) -> dict[str, Any]:
        """Stored jobs newest first, a page at a time; `search` matches title or company."""
        with self.monitor.profile("jobs", category="db_query"):
            return await self.store.run_read(browse.jobs_page, page, page_size or self.page_size, source, search)

    async def job(self, job_id: int) -> dict[str, Any]:
        """Every field of one job; LookupError when there is none."""
        with self.monitor.profile("job", category="db_query"):
            return await self.store.run_read(browse.job_detail, job_id)

    async def sources(self) -> list[str]:
        with self.monitor.profile("sources", category="db_query"):
            return await self.store.run_read(browse.sources)

    async def scrapers(self) -> list[dict[str, Any]]:
        """Each scraper: enabled, schedule, its newest run, its next scheduled run and, if running here, live progress."""
        with self.monitor.profile("scrapers", category="db_query"):
            rows = await self.store.run_read(browse.scrapers_overview)
        for row in rows:
            due = self.scheduler.due.get(row["name"])
            row["next_run"] = due.isoformat() if due is not None else None
            state = self.runs.running_for(row["name"])
            row["live"] = None if state is None else {"run_id": state.run_id, **state.snapshot()}
        return rows

    async def set_enabled(self, name: str, enabled: bool) -> None:
        """Enable or disable a scraper in the store (the config file is left as it is)."""
        self.definitions.scraper(name)  # ConfigError naming the known ones
        with self.monitor.profile("set_enabled", category="db_query"):
            await self.store.run_write(records.set_scraper_enabled, name, enabled)
        self.cache.invalidate_config(name)

    async def alert_counts(self) -> dict[str, int]:
        with self.monitor.profile("alert_counts", category="db_query"):
            return await self.store.run_read(browse.alert_counts)

    def data_version(self) -> int | None:
        """A number that moves whenever the database changes (any process); None when unknown.

        Asking costs microseconds and touches no cache counters, so a screen
        can poll it every second to know when to reload.
        """
        return self.store.data_version()

    def invalidate_cache(self) -> None:
        """The guide's manual invalidation: the next answers are read from the store."""
        self.cache.invalidate_all_stats()

    async def start_monitoring(self) -> None:
        """Sample RSS, CPU, threads and the database size once a second (for live panes)."""
        await self.monitor.sampler.start()

    def system(self) -> dict[str, Any]:
        """The latest system sample and the recent history of each series, for sparklines."""
        sampler = self.monitor.sampler
        return {
            "latest": sampler.latest(),
            "history": {key: sampler.history(key) for key in ("rss", "cpu_percent", "threads", "db_size")},
            "requests_in_flight": self.runs.in_flight,
            "runs_running": len(self.runs.running),
        }

    def performance(self) -> dict[str, Any]:
        """Operation metrics, recent alerts, the latest system sample and cache metrics."""
        return {
            "operations": self.monitor.metrics.all_metrics(),
            "alerts": [alert.to_dict() for alert in self.monitor.alerts.history],
            "system": self.monitor.sampler.latest(),
            "cache": self.cache.get_metrics(),
        }

    async def alerts(self, limit: int = 50) -> list[dict[str, Any]]:
        """Stored alerts, newest first, including any still being written."""
        if self._alert_writes:
            await asyncio.gather(*self._alert_writes, return_exceptions=True)
        with self.monitor.profile("alerts", category="db_query"):
            return await self.store.run_read(queries.alerts, limit)

    def _on_monitor_alert(self, record: AlertRecord) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # raised from a thread without a loop: kept in memory only
            return
        task = loop.create_task(self._save_alert(record))
        self._alert_writes.add(task)
        task.add_done_callback(self._alert_writes.discard)

    async def _save_alert(self, record: AlertRecord) -> None:
        try:
            await self.store.run_write(
                records.add_alert, time=record.time, rule=record.rule, message=record.message,
                severity=record.severity, value=record.duration, threshold=record.threshold,
            )  # fmt: skip
        except Exception:
            log.warning("could not store alert: %s", record.message, exc_info=True)

    async def close(self) -> None:
        """Cancel and record running runs, flush batch buffers, write pending alerts, dispose the engine."""
        await self.scheduler.stop()
        await self.runs.close()
        self.monitor.alerts.unsubscribe(self._on_monitor_alert)
        for batch in list(self._batches):
            try:
                await batch.close()
            except Exception:
                log.exception("flushing a batch on close failed")
        self._batches.clear()
        if self._alert_writes:
            await asyncio.gather(*self._alert_writes, return_exceptions=True)
        await self.monitor.sampler.stop()
        await self.store.close()
