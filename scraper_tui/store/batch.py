"""BatchProcessor: buffered, atomic bulk writes of scraped jobs and URLs.

Each flush is one write transaction: it upserts the buffered jobs in one
executemany of one statement, inserts the scraped URLs, and moves the
roll-up counters, so a flush is all there or not there at all. Rows go to the
driver as plain tuples: SQLAlchemy builds and compiles the statement once,
but its per-row type processing would cost three quarters of the speed.

Created, updated and unchanged are told apart by a content hash read back
for the batch's keys in the same transaction, before the upsert.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, bindparam, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from scraper_tui.monitor import Monitor, ProfileOperation
from scraper_tui.store.db import Store
from scraper_tui.store.models import utcnow, tables

log = logging.getLogger(__name__)
T = TypeVar("T")

JOB_COLUMNS = ("title", "company", "location", "url", "posted_at")
"""Job fields with columns of their own; any other field goes to `data`."""
_MAX_TEXT = 4000
"""Longer values are cut: a selector that matched a whole page is a bug to see, not a batch to lose."""
_IN_CHUNK = 500


class BatchError(Exception):
    """A flush failed and wrote nothing; `item` is the buffered item that broke it, if found."""

    def __init__(self, message: str, item: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.item = item


class _PendingJob(NamedTuple):
    """A buffered job, already in column order: a flush appends the timestamps and run ids."""

    source: str
    external_id: str
    title: str
    company: str | None
    location: str | None
    url: str
    posted_at: str | None
    data: str
    """The other fields, already JSON: serialised once for both the hash and the row."""
    content_hash: str


@dataclass(slots=True)
class _PendingURL:
    url: str
    source: str
    job_id: int | None
    external_id: str | None
    title: str | None
    company: str | None
    data: dict[str, Any]
    status_code: int | None


@dataclass
class FlushResult:
    """What one flush wrote."""

    jobs_created: int = 0
    jobs_updated: int = 0
    jobs_unchanged: int = 0
    jobs_restored: int = 0
    """Jobs that were marked removed and were seen again."""
    jobs_duplicate: int = 0
    """The same posting twice in one batch: stored once."""
    urls_created: int = 0
    created_ids: list[int] = field(default_factory=list)


_RESERVED = frozenset((*JOB_COLUMNS, "external_id"))
_EMPTY_DATA = "{}"


_encode_json = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")).encode
"""One encoder for every row: json.dumps with options builds a new one per call."""
_encode_str = json.encoder.encode_basestring  # the C escaper the encoder itself uses


def data_json(job_data: Mapping[str, Any]) -> str:
    """The fields without columns of their own, as canonical JSON (sorted keys, no spaces).

    Scrapers hand over text, so string-only fields take a short path that
    writes the same JSON as the encoder at a third of its cost.
    """
    extra = [(key, value) for key, value in job_data.items() if key not in _RESERVED]
    if not extra:
        return _EMPTY_DATA
    for key, value in extra:
        if key.__class__ is not str or value.__class__ is not str:
            return _encode_json(dict(extra))
    extra.sort()
    return "{" + ",".join([f"{_encode_str(key)}:{_encode_str(value)}" for key, value in extra]) + "}"


def content_hash(values: tuple[str | None, ...], data: str) -> str:
    """A digest of what a posting says; unchanged postings keep it across runs."""
    payload = "\x1f".join(["" if value is None else value for value in values])
    return hashlib.blake2b(f"{payload}\x1e{data}".encode(), digest_size=16).hexdigest()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT]


def _compile(dialect: Dialect, stmt: Any) -> tuple[str, tuple[str, ...]]:
    """SQL text and positional parameter order for the driver's executemany."""
    compiled = stmt.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ())


def _insert_for(dialect: Dialect) -> Any:
    if dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


_JOB_ROW = (
    "source", "external_id", *JOB_COLUMNS, "data", "content_hash",
    "first_seen_at", "last_seen_at", "first_run_id", "last_run_id",
)  # fmt: skip


_new_job = functools.partial(tuple.__new__, _PendingJob)
"""`_PendingJob._make` without its Python-level call: this runs once per scraped item."""


class _Statements:
    """The flush's statements, compiled once per dialect."""

    def __init__(self, dialect: Dialect) -> None:
        insert = _insert_for(dialect)
        job = tables.job
        stmt = insert(job).values({name: bindparam(name) for name in _JOB_ROW})
        refreshed = (*JOB_COLUMNS, "data", "content_hash", "last_seen_at", "last_run_id")
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "external_id"],
            set_={**{name: stmt.excluded[name] for name in refreshed}, "removed_at": null()},
        )
        self.job_sql, order = _compile(dialect, stmt)
        # Rows are built as tuples in _JOB_ROW order; the driver must want the same.
        assert order == _JOB_ROW, order

        url_table = tables.scraped_url
        url_cols = ("run_id", "url", "source", "job_id", "title", "company", "data", "status_code", "fetched_at")
        self.url_sql, self.url_order = _compile(
            dialect, insert(url_table).values({name: bindparam(name) for name in url_cols})
        )

        counter = tables.source_counter
        cstmt = insert(counter).values(source=bindparam("source"), jobs=bindparam("jobs"), removed=bindparam("removed"))
        cstmt = cstmt.on_conflict_do_update(
            index_elements=["source"],
            set_={"jobs": counter.c.jobs + cstmt.excluded.jobs, "removed": counter.c.removed + cstmt.excluded.removed},
        )
        self.counter_sql, self.counter_order = _compile(dialect, cstmt)

        # The dialect's own processors: through the generic type the driver would get datetime
        # objects and adapt each one per row (sqlite3's adapter cost about 1.7 us a row).
        self.to_db_time = job.c.first_seen_at.type.dialect_impl(dialect).bind_processor(dialect)
        self.to_db_json = job.c.data.type.dialect_impl(dialect).bind_processor(dialect)


_STATEMENTS: dict[str, _Statements] = {}


def _statements(dialect: Dialect) -> _Statements:
    found = _STATEMENTS.get(dialect.name)
    if found is None:
        found = _STATEMENTS[dialect.name] = _Statements(dialect)
    return found


def _describe(item: _PendingJob | _PendingURL) -> str:
    if isinstance(item, _PendingJob):
        return f"job {item.source}/{item.external_id} ({item.url})"
    return f"scraped URL {item.url} (source {item.source}, job_id {item.job_id})"


class BatchProcessor:
    """Buffers jobs and scraped URLs and writes them in atomic batches.

    A flush happens when `batch_size` jobs are buffered, every `flush_interval`
    seconds while anything is buffered, on `flush()`/`flush_all()`, and when
    the `async with` block exits, also by cancellation. A flush in progress
    is never cut short by cancellation: it finishes (or fails whole) first,
    so an item is either written or still buffered, never half of either.
    """

    def __init__(
        self,
        store: Store,
        batch_size: int = 100,
        flush_interval: float = 2.0,
        *,
        run_id: int | None = None,
        monitor: Monitor | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if flush_interval <= 0:
            raise ValueError(f"flush_interval must be positive, got {flush_interval}")
        self.store = store
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.run_id = run_id
        self.monitor = monitor
        self._jobs: list[_PendingJob] = []
        self._urls: list[_PendingURL] = []
        self._lock = asyncio.Lock()
        self._last_flush = time.monotonic()
        self._ticker: asyncio.Task[None] | None = None
        self._in_flight: asyncio.Future[FlushResult | None] | None = None
        self._held = (0, 0)
        """Jobs and URLs at the front of the buffers that a flush is writing now."""
        self._background_error: BaseException | None = None
        self.totals: dict[str, int] = {
            "jobs_created": 0, "jobs_updated": 0, "jobs_unchanged": 0, "jobs_restored": 0,
            "jobs_duplicate": 0, "urls_created": 0, "batches": 0,
        }  # fmt: skip

    @property
    def pending(self) -> int:
        """Items buffered and not yet written."""
        return len(self._jobs) + len(self._urls)

    async def add_job(self, job_data: Mapping[str, Any], source: str) -> None:
        """Buffer one posting; `title` and `url` are required, `external_id` defaults to the URL.

        This runs once per scraped item, so it does the least it can: the row
        is checked, serialised and hashed here, once.
        """
        if self._background_error is not None:
            self._raise_background_error()
        get = job_data.get
        values = (get("title"), get("company"), get("location"), get("url"), get("posted_at"))  # JOB_COLUMNS
        for value in values:
            if value is not None and (value.__class__ is not str or len(value) > _MAX_TEXT):
                values = tuple(map(_text, values))
                break
        if not values[0] or not values[3] or not source:
            raise ValueError(
                f"a job needs a title, a url and a source; got title={values[0]!r}, url={values[3]!r}, "
                f"source={source!r}"
            )
        data = data_json(job_data)
        external_id = _text(get("external_id")) or values[3]
        self._jobs.append(_new_job((source, external_id, *values, data, content_hash(values, data))))
        if self._ticker is None or len(self._jobs) - self._held[0] >= self.batch_size:
            await self._after_add()

    async def add_scraped_url(
        self,
        url: str,
        job_id: int | None = None,
        source: str = "",
        title: str | None = None,
        company: str | None = None,
        data: Mapping[str, Any] | None = None,
        *,
        external_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        """Buffer a URL seen in the run; `external_id` links it to a job of this batch."""
        if self._background_error is not None:
            self._raise_background_error()
        if not url or not source:
            raise ValueError(f"a scraped URL needs a url and a source; got url={url!r}, source={source!r}")
        self._urls.append(
            _PendingURL(url, source, job_id, external_id, _text(title), _text(company), dict(data or {}), status_code)
        )
        await self._after_add()

    async def _after_add(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick(), name="batch-flush-interval")
        held_jobs, held_urls = self._held
        if len(self._jobs) - held_jobs >= self.batch_size or len(self._urls) - held_urls >= self.batch_size:
            # The full batch is written on the store's thread while the caller
            # goes on filling the next one; at most one batch is in flight.
            if self._in_flight is not None:
                await _settle(self._in_flight)
                self._raise_background_error()
            self._in_flight = asyncio.ensure_future(self._flush_locked())
            self._in_flight.add_done_callback(self._keep_error)
            await asyncio.sleep(0)  # let it hand the batch to the writer thread now, not at the next await

    def _keep_error(self, task: asyncio.Future[Any]) -> None:
        if task is self._in_flight:
            self._in_flight = None
        if not task.cancelled() and task.exception() is not None and self._background_error is None:
            self._background_error = task.exception()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval / 4)
            if self.pending and time.monotonic() - self._last_flush >= self.flush_interval:
                try:
                    await self.flush()
                except Exception as err:  # raised again to the owner at its next call
                    self._background_error = err
                    return

    def _raise_background_error(self) -> None:
        """Raise, once, what a flush the caller did not await ran into."""
        if self._background_error is not None:
            err, self._background_error = self._background_error, None
            raise err

    async def flush(self) -> FlushResult | None:
        """Write up to `batch_size` buffered jobs (and the URLs) in one transaction.

        Cancellation waits for the write to finish before it is raised.
        Raises BatchError, with nothing of the batch written, when it fails;
        the failed batch is dropped from the buffer so later batches can go on.
        """
        if self._in_flight is not None:
            await _settle(self._in_flight)
        self._raise_background_error()
        return await _settle(asyncio.ensure_future(self._flush_locked()))

    async def flush_all(self) -> dict[str, int]:
        """Write everything buffered; the running totals of this processor."""
        while self.pending or self._in_flight is not None:
            await self.flush()
        return dict(self.totals)

    async def close(self) -> dict[str, int]:
        """Flush everything and stop the interval timer."""
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        return await self.flush_all()

    async def __aenter__(self) -> BatchProcessor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        closing = asyncio.ensure_future(self.close())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await asyncio.wait({closing})
            if not closing.cancelled() and closing.exception() is not None:
                log.error("flush on cancellation failed", exc_info=closing.exception())
            raise

    async def _flush_locked(self) -> FlushResult | None:
        async with self._lock:
            if not self.pending:
                return None
            jobs = self._jobs[: self.batch_size]
            urls = self._urls[: self.batch_size]
            self._held = (len(jobs), len(urls))
            try:
                with ProfileOperation("batch_flush", category="batch_insert", monitor=self.monitor):
                    result = await self._write(jobs, urls)
            except Exception as err:
                del self._jobs[: len(jobs)]
                del self._urls[: len(urls)]
                raise await self._explain(jobs, urls, err) from err
            else:
                del self._jobs[: len(jobs)]
                del self._urls[: len(urls)]
            finally:
                self._held = (0, 0)
            self._last_flush = time.monotonic()
            for name in ("jobs_created", "jobs_updated", "jobs_unchanged", "jobs_restored", "jobs_duplicate"):
                self.totals[name] += getattr(result, name)
            self.totals["urls_created"] += result.urls_created
            self.totals["batches"] += 1
            return result

    async def _write(self, jobs: list[_PendingJob], urls: list[_PendingURL]) -> FlushResult:
        result = FlushResult()
        unique: dict[tuple[str, str], _PendingJob] = {}
        for job in jobs:
            unique[(job.source, job.external_id)] = job
        result.jobs_duplicate = len(jobs) - len(unique)
        await self.store.run_write(self._write_in, unique, urls, result)
        return result

    def _write_in(
        self,
        conn: Connection,
        unique: dict[tuple[str, str], _PendingJob],
        urls: list[_PendingURL],
        result: FlushResult,
        *,
        one_by_one: bool = False,
    ) -> None:
        """The body of a flush, on the store's writer thread; `one_by_one` finds the row that fails."""
        st = _statements(conn.dialect)
        now = st.to_db_time(utcnow()) if st.to_db_time else utcnow()
        to_json = st.to_db_json
        run_id = self.run_id
        existing = _existing(conn, unique.keys())
        counters: dict[str, list[int]] = {}
        tail = (now, now, run_id, run_id)
        rows = []
        for key, job in unique.items():
            found = existing.get(key)
            counts = counters.setdefault(job.source, [0, 0])
            if found is None:
                result.jobs_created += 1
                counts[0] += 1
            elif found[1] != job.content_hash:
                result.jobs_updated += 1
            else:
                result.jobs_unchanged += 1
            if found is not None and found[2]:
                result.jobs_restored += 1
                counts[1] -= 1
            rows.append(job + tail)
        _execute_rows(conn, st.job_sql, list(unique.values()), rows, one_by_one)

        if urls:
            pending_links = {(u.source, u.external_id) for u in urls if u.job_id is None and u.external_id}
            links = {key: found[0] for key, found in existing.items()}
            missing = pending_links - links.keys()
            if missing:
                links.update({key: found[0] for key, found in _existing(conn, missing).items()})
            url_rows = []
            for u in urls:
                job_id = u.job_id if u.job_id is not None else links.get((u.source, u.external_id or ""))
                row = {
                    "run_id": run_id, "url": u.url, "source": u.source, "job_id": job_id, "title": u.title,
                    "company": u.company, "data": to_json(u.data) if to_json else u.data,
                    "status_code": u.status_code, "fetched_at": now,
                }  # fmt: skip
                url_rows.append(tuple(row[name] for name in st.url_order))
            _execute_rows(conn, st.url_sql, urls, url_rows, one_by_one)
            result.urls_created = len(url_rows)

        changed = [
            tuple({"source": s, "jobs": c[0], "removed": c[1]}[n] for n in st.counter_order)
            for s, c in counters.items()
            if c[0] or c[1]
        ]
        if changed:
            conn.exec_driver_sql(st.counter_sql, changed)

    def _replay(self, conn: Connection, jobs: list[_PendingJob], urls: list[_PendingURL]) -> None:
        """Run a failed batch row by row to find its culprit; always raises, so nothing stays."""
        unique = {(job.source, job.external_id): job for job in jobs}
        try:
            self._write_in(conn, unique, urls, FlushResult(), one_by_one=True)
        except _RowFailed:
            raise
        raise _RowFailed(None)

    async def _explain(self, jobs: list[_PendingJob], urls: list[_PendingURL], err: Exception) -> BatchError:
        """Find the item that broke a batch by replaying it row by row, then roll that back too."""
        culprit: _PendingJob | _PendingURL | None = None
        try:
            await self.store.run_write(self._replay, jobs, urls)
        except _RowFailed as failed:
            culprit = failed.item
        except Exception:  # the database itself is in trouble: report the first error
            log.debug("could not replay the failed batch", exc_info=True)
        size = f"{len(jobs)} jobs, {len(urls)} URLs"
        if culprit is None:
            return BatchError(f"batch of {size} not written: {err}")
        item = {"source": culprit.source, "url": getattr(culprit, "url", None)}
        if isinstance(culprit, _PendingJob):
            item = culprit._asdict()
        else:
            item |= {"job_id": culprit.job_id, "title": culprit.title}
        reason = getattr(err, "orig", None) or err
        return BatchError(f"batch of {size} not written: {_describe(culprit)}: {reason}", item)


async def _settle(task: asyncio.Future[T]) -> T:
    """Await a flush; if the caller is cancelled meanwhile, let the flush finish first."""
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


class _RowFailed(Exception):
    """Raised by a replay: the item that failed, or None when every row went in."""

    def __init__(self, item: _PendingJob | _PendingURL | None) -> None:
        super().__init__(_describe(item) if item is not None else "no row failed")
        self.item = item


def _execute_rows(
    conn: Connection, sql: str, items: list[Any], rows: list[tuple[Any, ...]], one_by_one: bool
) -> None:
    """executemany on the driver's own cursor: these rows need nothing from SQLAlchemy's result machinery.

    `items[i]` is what `rows[i]` was made from, to name the one that fails when run `one_by_one`.
    """
    if not rows:
        return
    cursor = conn.connection.cursor()
    try:
        if not one_by_one:
            cursor.executemany(sql, rows)
            return
        for item, params in zip(items, rows, strict=True):
            try:
                cursor.execute(sql, params)
            except Exception:
                raise _RowFailed(item) from None
    finally:
        cursor.close()


_LOOKUP_SIZES = (16, 64, 256, _IN_CHUNK)
"""IN lists are padded up to one of these sizes, so a handful of statements serve every batch."""


@functools.cache
def _lookup_sql(dialect: Dialect, size: int) -> str:
    """Driver SQL reading (external_id, id, content_hash, removed) for `size` keys of one source."""
    job = tables.job
    stmt = select(job.c.external_id, job.c.id, job.c.content_hash, job.c.removed_at.is_not(None)).where(
        job.c.source == bindparam("source"), job.c.external_id.in_([bindparam(f"k{i}") for i in range(size)])
    )
    sql, order = _compile(dialect, stmt)
    assert order == ("source", *(f"k{i}" for i in range(size))), order
    return sql


def _existing(conn: Connection, keys: Any) -> dict[tuple[str, str], tuple[int, str, bool]]:
    """(source, external_id) -> (id, content_hash, removed) for the keys already stored.

    Driver SQL with fixed-size IN lists: SQLAlchemy's expanding IN renders the
    statement anew each time, which cost more than the lookup itself.
    """
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], tuple[int, str, bool]] = {}
    cursor = conn.connection.cursor()
    try:
        for source, ids in by_source.items():
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                size = next(size for size in _LOOKUP_SIZES if size >= len(chunk))
                cursor.execute(_lookup_sql(conn.dialect, size), (source, *chunk, *[chunk[0]] * (size - len(chunk))))
                for external_id, job_id, digest, removed in cursor.fetchall():
                    found[(source, external_id)] = (job_id, digest, bool(removed))
    finally:
        cursor.close()
    return found
