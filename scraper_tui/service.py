"""ScraperService: the one facade every front end talks to.

It opens the store, owns one cache and one monitor, mirrors the configured
scraper definitions into the store, and answers stats, history and config in
the shapes of DESIGN.md. Every store call is profiled under `db_query`;
slow operations the monitor reports become `Alert` rows.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scraper_tui.cache import CacheManager
from scraper_tui.monitor import AlertRecord, Monitor
from scraper_tui.store import BatchProcessor, Store, queries, records

if TYPE_CHECKING:
    from scraper_tui.config import Config, ScraperConfig

log = logging.getLogger(__name__)


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
        self.config_file = config
        settings = config.settings if config is not None else None
        self.monitor = monitor or Monitor(db_path=store.path)
        if settings is not None:
            for category in ("api_request", "db_query", "batch_insert", "scraper_run"):
                self.monitor.alerts.set_threshold(category, getattr(settings.alerts, category))
        self.cache = CacheManager(
            store,
            stats_ttl=settings.stats_ttl if settings else 300.0,
            config_ttl=settings.config_ttl if settings else 3600.0,
            monitor=self.monitor,
        )
        self.page_size = settings.page_size if settings else queries.DEFAULT_PAGE_SIZE
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
        service = cls(store, config=config, monitor=monitor)
        if config is not None and config.scrapers:
            await store.run_write(records.save_scrapers, [scraper_definition(s) for s in config.scrapers.values()])
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
        settings = self.config_file.settings if self.config_file else None
        batch = BatchProcessor(
            self.store,
            batch_size=settings.batch_size if settings else 100,
            flush_interval=settings.flush_interval if settings else 2.0,
            run_id=run_id,
            monitor=self.monitor,
        )
        self._batches.add(batch)
        return batch

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
        """Flush every batch buffer handed out, write pending alerts, stop sampling, dispose the engine."""
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
