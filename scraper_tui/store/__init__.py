"""The store: tables, the database, queries and the batch buffer."""

from __future__ import annotations

from scraper_tui.store.batch import BatchError, BatchProcessor, FlushResult
from scraper_tui.store.db import Store, StoreError, database_url
from scraper_tui.store.models import (
    RUN_STATUSES,
    SCHEMA_VERSION,
    Alert,
    Job,
    Run,
    RunCounter,
    RunLog,
    Scraper,
    ScrapedURL,
    SourceCounter,
    utcnow,
)
from scraper_tui.store.queries import MAX_PAGE_SIZE, UnknownScraperError

__all__ = [
    "MAX_PAGE_SIZE",
    "RUN_STATUSES",
    "SCHEMA_VERSION",
    "Alert",
    "BatchError",
    "BatchProcessor",
    "FlushResult",
    "Job",
    "Run",
    "RunCounter",
    "RunLog",
    "ScrapedURL",
    "Scraper",
    "SourceCounter",
    "Store",
    "StoreError",
    "UnknownScraperError",
    "database_url",
    "utcnow",
]
