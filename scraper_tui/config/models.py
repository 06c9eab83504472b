"""The validated shapes of the file: `Settings` (with `AlertSettings`),
`ScraperConfig` and the `Config` holding them.

Unknown keys are errors (`extra="forbid"`) and values are never coerced
(`strict=True`); the attribute docstrings are the fields' descriptions.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .durations import _DURATION_EXAMPLES, format_duration, parse_duration
from .errors import ConfigError, _show, _toml_key
from .fields import FieldSpec, FieldSpecValue, _item_selector, _next_page_spec
from .plugins import load_plugin

_SCRAPER_NAME = re.compile(r"\w[\w-]*")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Columns the store fills itself; a field of that name would clash with them.
_RESERVED_FIELDS = frozenset(
    {"id", "source", "data", "content_hash", "first_seen_at", "last_seen_at",
     "first_run_id", "last_run_id", "removed_at", "run_id", "job_id", "status_code", "fetched_at"}
)  # fmt: skip


def _every(value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as {_DURATION_EXAMPLES}, got {_show(value)}")
    return parse_duration(value)


def _http_url(value: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http or https URL, got {_show(value)}")
    return value


def _field_name(name: str) -> str:
    if not _FIELD_NAME.fullmatch(name):
        raise PydanticCustomError("field_name", "unknown key; expected a field name of letters, digits and _")
    if name in _RESERVED_FIELDS:
        raise PydanticCustomError(
            "field_name", "unknown key; {name} is reserved for the store, choose another field name",
            {"name": json.dumps(name)},
        )  # fmt: skip
    return name


HttpUrl = Annotated[str, AfterValidator(_http_url)]

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, use_attribute_docstrings=True)


class AlertSettings(BaseModel):
    """Thresholds of the alert rules (`[settings.alerts]`)."""

    model_config = _STRICT

    api_request: float = Field(2.0, gt=0)
    """Seconds before an API request counts as slow."""
    db_query: float = Field(1.0, gt=0)
    """Seconds before a database query counts as slow."""
    batch_insert: float = Field(5.0, gt=0)
    """Seconds before a batch write counts as slow."""
    scraper_run: float = Field(600.0, gt=0)
    """Seconds before a run counts as too long."""
    jobs_drop_ratio: float = Field(0.5, ge=0, le=1)
    """Alert when jobs found fall below this share of the median of the last 5 completed runs."""
    error_rate: float = Field(0.10, ge=0, le=1)
    """Alert when this share of a run's requests failed (0..1)."""
    coverage_drop_points: float = Field(30, ge=0, le=100)
    """Alert when a field's coverage drops this many percentage points below its median of the last 5 runs."""
    no_progress_seconds: float = Field(120.0, gt=0)
    """Alert when a running scraper made no progress for this many seconds."""


class Settings(BaseModel):
    """The `[settings]` table. Every key has a default."""

    model_config = _STRICT

    database: str = Field("scraper.db", min_length=1)
    """SQLite file or database URL (anything with `://`). `Config` resolves it: a
    relative path against the config file's directory; when the file names
    none, `default_database_path()` (user data dir or `$SCRAPER_TUI_DB`)."""
    concurrency: int = Field(16, gt=0)
    """Requests in flight, all hosts together."""
    per_host_concurrency: int = Field(8, gt=0)
    """Requests in flight to one host."""
    timeout: float = Field(30, gt=0)
    """Read timeout of one request, seconds."""
    connect_timeout: float = Field(10, gt=0)
    """Connect timeout of one request, seconds."""
    retries: int = Field(3, ge=0)
    """Retries on timeouts, connection errors, 429 and 5xx; 0 disables them."""
    backoff: float = Field(0.5, ge=0)
    """Base of the exponential backoff between retries, seconds (jitter added)."""
    max_retry_after: float = Field(60, ge=0)
    """Longest Retry-After honoured, seconds; longer ones are capped to this."""
    obey_robots: bool = True
    """Obey robots.txt."""
    user_agent: str = Field("scraper-tui/0.1", min_length=1)
    """User-Agent header of every request."""
    max_response_bytes: int = Field(10_000_000, gt=0)
    """Larger responses are cut off and counted as errors."""
    max_runs: int = Field(4, gt=0)
    """Runs at once."""
    retention_days: int = Field(90, gt=0)
    """Runs, their logs and scraped URLs older than this are pruned (jobs stay)."""
    page_size: int = Field(20, gt=0, le=200)
    """Rows per history page."""
    batch_size: int = Field(500, gt=0)
    """Rows buffered before a batch write. Larger than the guide's 100: each transaction has a
    fixed cost (at 100 rows a batch writes run at about 0.5 of raw executemany, at 500 about 0.7),
    and `flush_interval` still bounds how long a found job waits to be written."""
    flush_interval: float = Field(2.0, gt=0)
    """Seconds between batch writes of a partly filled buffer."""
    stats_ttl: float = Field(300, gt=0)
    """Seconds the stats cache lives."""
    config_ttl: float = Field(3600, gt=0)
    """Seconds the per-scraper config cache lives."""
    rss_limit_mb: int = Field(1024, gt=0)
    """Alert when the process's resident memory exceeds this many MB."""
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """Alert thresholds, `[settings.alerts]`."""


class ScraperConfig(BaseModel):
    """One `[scrapers.NAME]` table: a declarative scraper, or a plugin."""

    model_config = _STRICT

    name: str = Field(pattern=_SCRAPER_NAME.pattern)
    """The table's key; not written inside the table."""
    source: str = Field(min_length=1)
    """Source label of the jobs found; defaults to the name."""
    enabled: bool = True
    """Disabled scrapers are neither scheduled nor run by `--run` without names."""
    start_urls: list[HttpUrl]
    """First pages, http or https; at least one."""
    max_pages: int = Field(50, gt=0)
    """Pages fetched per run at most."""
    max_jobs: int = Field(1000, gt=0)
    """Jobs collected per run at most."""
    delay: float = Field(0.5, ge=0)
    """Seconds between requests to one host."""
    every: Annotated[timedelta | None, PlainValidator(_every), PlainSerializer(
        lambda v: None if v is None else format_duration(v))] = None  # fmt: skip
    """Schedule: run this often ("30s", "15m", "6h", "1d", "1h30m"); None runs on demand only."""
    item: Annotated[str | None, PlainValidator(_item_selector)] = None
    """CSS selector with one match per job posting; required unless `plugin`."""
    next_page: Annotated[FieldSpec | None, PlainValidator(_next_page_spec), PlainSerializer(
        lambda v: None if v is None else str(v))] = None  # fmt: skip
    """Where the next page's URL is (field syntax; without @attr the href); None: one page."""
    fields: dict[Annotated[str, PlainValidator(_field_name)], FieldSpecValue] = Field(default_factory=dict)
    """Field name to field selector; `title` and `url` required unless `plugin`."""
    plugin: str | None = None
    """`"package.module:Class"` doing the extraction instead of `item`/`fields`."""

    @model_validator(mode="before")
    @classmethod
    def _source_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "source" not in data and "name" in data:
            data = {**data, "source": data["name"]}
        return data

    @field_validator("start_urls")
    @classmethod
    def _not_empty(cls, urls: list[str]) -> list[str]:
        if not urls:
            raise ValueError("expected a list of http or https URLs, got an empty list")
        return urls

    @field_validator("plugin")
    @classmethod
    def _plugin_imports(cls, spec: str | None) -> str | None:
        if spec is not None:
            load_plugin(spec)
            spec = spec.strip()
        return spec

    @model_validator(mode="after")
    def _declarative_needs_item_and_fields(self) -> ScraperConfig:
        if self.plugin is not None:
            return self
        if self.item is None:
            raise _missing("item", "a CSS selector with one match per job posting (or a plugin)")
        for name in ("title", "url"):
            if name not in self.fields:
                close = difflib.get_close_matches(name, list(self.fields), n=1)
                hint = f'; found {json.dumps(close[0])}, did you mean {json.dumps(name)}?' if close else ""
                raise _missing(f"fields.{name}", f'a field such as "h2" or "a@href"{hint}')
        return self


def _missing(key: str, expected: str) -> PydanticCustomError:
    return PydanticCustomError("missing_key", "missing; expected {expected}", {"expected": expected, "key": key})


@dataclass
class Config:
    """A loaded configuration: settings, scrapers in file order, the file."""

    settings: Settings = field(default_factory=Settings)
    scrapers: dict[str, ScraperConfig] = field(default_factory=dict)
    path: Path | None = None
    """The file read; None when there was none (defaults, no scrapers)."""

    def enabled_scrapers(self) -> list[ScraperConfig]:
        """Scrapers with `enabled = true`, in file order."""
        return [s for s in self.scrapers.values() if s.enabled]

    def scraper(self, name: str) -> ScraperConfig:
        """The scraper called `name`; ConfigError naming the known ones otherwise."""
        try:
            return self.scrapers[name]
        except KeyError:
            known = ", ".join(self.scrapers) or "none"
            raise ConfigError(f"unknown scraper; known scrapers: {known}", file=self.path,
                              key=f"scrapers.{_toml_key(name)}", scraper=name) from None  # fmt: skip
