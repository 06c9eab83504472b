"""The SQLModel tables of scraper-tui.

Timestamps are timezone-aware UTC on the Python side. SQLite has no time zone
type, so `UTCDateTime` stores them as naive UTC and gives them back aware; a
naive datetime is refused at bind time rather than silently guessed.

Roll-up counters (`RunCounter`, `SourceCounter`) are written in the same
transaction as the rows they count, so the stats answer reads a handful of
rows instead of counting a million.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Table, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1
"""Written to `PRAGMA user_version`; a database with a larger number is refused."""

RUN_STATUSES = ("queued", "running", "completed", "failed", "cancelled", "interrupted")
LIVE_STATUSES = ("queued", "running")
RUN_TRIGGERS = ("manual", "schedule", "headless")


def utcnow() -> datetime:
    """Now, timezone-aware UTC: the only clock the store uses."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime column that only accepts and returns aware UTC values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: scraper-tui stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Run(SQLModel, table=True):
    """One execution of one scraper (the guide's ScraperJob)."""

    __tablename__ = "run"
    __table_args__ = (
        Index("ix_run_started", "started_at", "id"),
        Index("ix_run_scraper_seq", "scraper_name", "scraper_seq", unique=True),
        Index("ix_run_scraper_started", "scraper_name", "started_at", "id"),
        Index("ix_run_status_started", "status", "started_at", "id"),
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="ck_run_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    scraper_name: str
    scraper_seq: int
    """1, 2, 3... per scraper: lets a deep history page be found without OFFSET."""
    source: str
    status: str = "queued"
    trigger: str = "manual"
    started_at: datetime = _when()
    """Set inside the write lock and never earlier than the previous run's, so
    (started_at, id) order equals id order."""
    finished_at: datetime | None = _when(nullable=True)
    execution_time: float | None = None
    """Seconds from start to finish."""
    pages_scraped: int = 0
    jobs_found: int = 0
    jobs_created: int = 0
    jobs_updated: int = 0
    jobs_unchanged: int = 0
    jobs_removed: int = 0
    errors: int = 0
    error_message: str | None = None
    complete: bool = False
    """Pagination reached its end with no fetch errors: only then are unseen jobs marked removed."""
    pid: int | None = None
    heartbeat_at: datetime | None = _when(nullable=True)
    details: dict[str, Any] = _json()
    """Status histogram, retries, fetch latency p50/p95, peak RSS, field coverage."""


class Job(SQLModel, table=True):
    """One job posting, unique on (source, external_id)."""

    __tablename__ = "job"
    __table_args__ = (
        # The only secondary index: every other one would be paid on each of millions of
        # upserts. Newest first is id order (ids grow with first_seen_at, both set on insert
        # under the write lock), and marking removed jobs scans one source by this index.
        UniqueConstraint("source", "external_id", name="uq_job_source_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    external_id: str
    title: str
    company: str | None = None
    location: str | None = None
    url: str
    posted_at: str | None = None
    """As found on the page: sites disagree on date formats, so nothing is guessed."""
    data: dict[str, Any] = _json()
    """The scraper's other fields."""
    content_hash: str
    first_seen_at: datetime = _when()
    last_seen_at: datetime = _when()
    first_run_id: int | None = None
    """Run ids are kept as plain references: jobs outlive the runs retention prunes."""
    last_run_id: int | None = None
    removed_at: datetime | None = _when(nullable=True)


class ScrapedURL(SQLModel, table=True):
    """A URL seen in a run, with what was found there."""

    __tablename__ = "scraped_url"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("run.id", ondelete="CASCADE"), index=True)
    )
    url: str
    source: str
    job_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("job.id", ondelete="SET NULL")))
    title: str | None = None
    company: str | None = None
    data: dict[str, Any] = _json()
    status_code: int | None = None
    fetched_at: datetime = _when()


class Scraper(SQLModel, table=True):
    """A scraper definition mirrored from the config file; `enabled` may be changed in the app."""

    __tablename__ = "scraper"

    name: str = Field(primary_key=True)
    source: str
    enabled: bool = True
    max_pages: int = 50
    max_jobs: int = 1000
    schedule: str | None = None
    settings: dict[str, Any] = _json()
    updated_at: datetime = _when()


class RunLog(SQLModel, table=True):
    """A run's log lines, bounded per run."""

    __tablename__ = "run_log"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("run.id", ondelete="CASCADE"), index=True, nullable=False))
    time: datetime = _when()
    level: str = "info"
    message: str


class Alert(SQLModel, table=True):
    """A fired alert: a slow operation from the monitor or a run rule."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    time: datetime = _when(index=True)
    rule: str
    scraper: str | None = None
    run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("run.id", ondelete="SET NULL"), index=True)
    )
    message: str
    severity: str = "warning"
    value: float | None = None
    threshold: float | None = None


class RunCounter(SQLModel, table=True):
    """Runs per (scraper, status), with the summed execution time of those runs."""

    __tablename__ = "run_counter"

    scraper_name: str = Field(primary_key=True)
    status: str = Field(primary_key=True)
    runs: int = 0
    execution_time_sum: float = 0.0


class SourceCounter(SQLModel, table=True):
    """Jobs stored per source, and how many of them are marked removed."""

    __tablename__ = "source_counter"

    source: str = Field(primary_key=True)
    jobs: int = 0
    removed: int = 0


class tables:  # noqa: N801 - a namespace, read as `tables.run.c.status`
    """The Core tables behind the models, for statements that skip the ORM (all of the hot paths)."""

    run: Table = Run.__table__  # type: ignore[assignment]
    job: Table = Job.__table__  # type: ignore[assignment]
    scraped_url: Table = ScrapedURL.__table__  # type: ignore[assignment]
    scraper: Table = Scraper.__table__  # type: ignore[assignment]
    run_log: Table = RunLog.__table__  # type: ignore[assignment]
    alert: Table = Alert.__table__  # type: ignore[assignment]
    run_counter: Table = RunCounter.__table__  # type: ignore[assignment]
    source_counter: Table = SourceCounter.__table__  # type: ignore[assignment]
