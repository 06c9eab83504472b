"""The read side: stats, history pages and a scraper's config, in the service's answer shapes.

Stats read the roll-up counters and the ten newest runs: a few rows whatever
the size of the tables. History pages are found by keyset, never by OFFSET
over whole rows: the first row of page N is located through a dense ordinal
(run id, or `scraper_seq` per scraper) when the runs are contiguous, and
otherwise by skipping entries of a covering index; the page itself is then
read by the row-value condition `(started_at, id) <= (...)`.
"""

from __future__ import annotations

import functools
import math
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, null, select, tuple_
from sqlalchemy import Connection

from scraper_tui.store.models import RUN_STATUSES, tables

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20
FINISHED_STATUSES = ("completed", "failed", "cancelled", "interrupted")

_run = tables.run
_counter = tables.run_counter
_sources = tables.source_counter
_scraper = tables.scraper
_alert = tables.alert
_log = tables.run_log
_job = tables.job

LIST_COLUMNS = (
    "id", "scraper_name", "source", "status", "trigger", "started_at", "finished_at", "execution_time",
    "pages_scraped", "jobs_found", "jobs_created", "jobs_updated", "errors",
)  # fmt: skip
"""The fields a list of runs shows; details stay out of list answers."""
_LIST = [_run.c[name] for name in LIST_COLUMNS]


class UnknownScraperError(LookupError):
    """No scraper of that name is defined."""


def jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 strings; everything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def run_summary(row: Any) -> dict[str, Any]:
    """A run row as a JSON-friendly dict of the list fields."""
    return {name: jsonable(value) for name, value in zip(LIST_COLUMNS, row, strict=True)}


def _recent_runs(conn: Connection, limit: int = 10, scraper: str | None = None) -> list[dict[str, Any]]:
    stmt = select(*_LIST).order_by(_run.c.started_at.desc(), _run.c.id.desc()).limit(limit)
    if scraper is not None:
        stmt = stmt.where(_run.c.scraper_name == scraper)
    return [run_summary(row) for row in conn.execute(stmt)]


def _run_counts(conn: Connection, scraper: str | None = None) -> dict[str, Any]:
    stmt = select(_counter.c.status, func.sum(_counter.c.runs), func.sum(_counter.c.execution_time_sum)).group_by(
        _counter.c.status
    )
    if scraper is not None:
        stmt = stmt.where(_counter.c.scraper_name == scraper)
    by_status = {status: (int(runs or 0), float(seconds or 0.0)) for status, runs, seconds in conn.execute(stmt)}
    runs = {status: by_status.get(status, (0, 0.0))[0] for status in RUN_STATUSES}
    total = sum(runs.values())
    finished = sum(runs[status] for status in FINISHED_STATUSES)
    completed = runs["completed"]
    completed_time = by_status.get("completed", (0, 0.0))[1]
    return {
        "total_runs": total,
        "completed_runs": completed,
        "failed_runs": runs["failed"],
        # Runs still queued or running have not failed: only finished runs count.
        "success_rate": round(100.0 * completed / finished, 1) if finished else 0.0,
        "avg_execution_time": round(completed_time / completed, 3) if completed else 0.0,
        "runs_by_status": runs,
    }


def stats(conn: Connection) -> dict[str, Any]:
    """The stats answer, without `cached_at` (the cache adds it)."""
    answer = _run_counts(conn)
    sources = conn.execute(
        select(_sources.c.source, _sources.c.jobs, _sources.c.removed).order_by(
            _sources.c.jobs.desc(), _sources.c.source
        )
    )
    by_source: dict[str, int] = {}
    removed: dict[str, int] = {}
    for source, jobs, gone in sources:
        by_source[source] = int(jobs)
        removed[source] = int(gone)
    answer["jobs_by_source"] = by_source
    answer["removed_jobs_by_source"] = removed
    answer["total_jobs"] = sum(by_source.values())
    answer["recent_jobs"] = _recent_runs(conn)
    return answer


def check_page_args(page: Any, page_size: Any) -> tuple[int, int]:
    """Validate page numbers as given by a user; ValueError names the bad one."""
    for name, value in (("page", page), ("page_size", page_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    if page < 1:
        raise ValueError(f"page must be 1 or more, got {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    return page, page_size


def check_status(status: str | None) -> None:
    if status is not None and status not in RUN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}, got {status!r}")


def history(
    conn: Connection,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    scraper: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """One page of runs, newest first; ValueError for a page that does not exist.

    Two statements whatever the page: one reads the count (from the roll-ups)
    with the bounds of the dense ordinal, one reads the page by keyset from
    its first row's (started_at, id).
    """
    page, page_size = check_page_args(page, page_size)
    check_status(status)
    params = {"scraper": scraper, "status": status, "page_size": page_size, "skip": (page - 1) * page_size}
    count_stmt, page_by_ordinal, page_by_index = _history_statements(scraper is not None, status is not None)
    count, low, high = conn.execute(count_stmt, params).one()
    count = int(count or 0)
    num_pages = max(1, math.ceil(count / page_size))
    if page > num_pages:
        pages = "is 1 page" if num_pages == 1 else f"are {num_pages} pages"
        raise ValueError(f"page {page} is past the end: there {pages} of {page_size}")
    answer: dict[str, Any] = {"count": count, "page": page, "page_size": page_size, "num_pages": num_pages}
    if count == 0:
        return answer | {"results": []}
    if page_by_ordinal is not None and high - low + 1 == count:
        # Contiguous ordinals, ordered like (started_at, id): the page's first
        # row is found by arithmetic, whatever the depth.
        stmt, params["first"] = page_by_ordinal, high - params["skip"]
    else:
        # Gaps, or a status filter: skip entries of a covering index, not rows.
        stmt = page_by_index
    answer["results"] = [run_summary(row) for row in conn.execute(stmt, params)]
    return answer


@functools.cache
def _history_statements(by_scraper: bool, by_status: bool) -> tuple[Any, Any, Any]:
    """(count and ordinal bounds, page from an ordinal, page from an index offset), built once per filter kind."""
    conditions, counted = [], []
    if by_scraper:
        conditions.append(_run.c.scraper_name == bindparam("scraper"))
        counted.append(_counter.c.scraper_name == bindparam("scraper"))
    if by_status:
        conditions.append(_run.c.status == bindparam("status"))
        counted.append(_counter.c.status == bindparam("status"))
    count = select(func.coalesce(func.sum(_counter.c.runs), 0)).where(*counted).scalar_subquery()
    # A status filter has no dense ordinal: runs change status after they start.
    ordinal = None if by_status else _run.c.scraper_seq if by_scraper else _run.c.id
    if ordinal is None:
        bounds = select(count, null(), null())
    else:
        # Separate scalar subqueries: SQLite answers a lone min() or max() from
        # the index edge, but scans every row for both in one SELECT.
        bounds = select(
            count,
            select(func.min(ordinal)).where(*conditions).scalar_subquery(),
            select(func.max(ordinal)).where(*conditions).scalar_subquery(),
        )
    newest_first = (_run.c.started_at.desc(), _run.c.id.desc())
    key = tuple_(_run.c.started_at, _run.c.id)
    rows = select(*_LIST).where(*conditions).order_by(*newest_first).limit(bindparam("page_size"))
    by_index = select(_run.c.started_at, _run.c.id).where(*conditions).order_by(*newest_first)
    by_index = by_index.offset(bindparam("skip")).limit(1)
    page_by_index = rows.where(key <= by_index.scalar_subquery())
    page_by_ordinal = None
    if ordinal is not None:
        first = select(_run.c.started_at, _run.c.id).where(*conditions, ordinal == bindparam("first"))
        page_by_ordinal = rows.where(key <= first.scalar_subquery())
    return bounds, page_by_ordinal, page_by_index


def scraper_enabled(conn: Connection) -> dict[str, bool]:
    """Each stored scraper's enabled flag (the app may have changed it since the config was read)."""
    return {name: bool(enabled) for name, enabled in conn.execute(select(_scraper.c.name, _scraper.c.enabled))}


def scraper_names(conn: Connection) -> list[str]:
    return list((conn.execute(select(_scraper.c.name).order_by(_scraper.c.name))).scalars())


def config(conn: Connection, name: str) -> dict[str, Any]:
    """A scraper's settings and its stats; UnknownScraperError when it is not defined."""
    row = (conn.execute(select(_scraper).where(_scraper.c.name == name))).mappings().one_or_none()
    if row is None:
        known = ", ".join(scraper_names(conn)) or "none"
        raise UnknownScraperError(f"no scraper named {name!r} (known: {known})")
    settings = {key: jsonable(value) for key, value in row.items()}
    jobs = (
        conn.execute(select(_sources.c.jobs, _sources.c.removed).where(_sources.c.source == row["source"]))
    ).one_or_none()
    counts = _run_counts(conn, scraper=name)
    recent = _recent_runs(conn, limit=5, scraper=name)
    counts["jobs"] = int(jobs[0]) if jobs else 0
    counts["removed_jobs"] = int(jobs[1]) if jobs else 0
    counts["last_run"] = recent[0] if recent else None
    counts["recent_runs"] = recent
    return {"name": name, "settings": settings, "stats": counts}


def alerts(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Stored alerts, newest first."""
    stmt = select(_alert).order_by(_alert.c.time.desc(), _alert.c.id.desc()).limit(limit)
    return [{key: jsonable(value) for key, value in row.items()} for row in (conn.execute(stmt)).mappings()]


def run_detail(conn: Connection, run_id: int) -> dict[str, Any]:
    """Everything about one run: its row, details, log and alerts; LookupError when there is no such run."""
    row = conn.execute(select(_run).where(_run.c.id == run_id)).mappings().one_or_none()
    if row is None:
        raise LookupError(f"no run with id {run_id}")
    answer = {key: jsonable(value) for key, value in row.items()}
    answer["log"] = [
        {"time": jsonable(when), "level": level, "message": message}
        for when, level, message in conn.execute(
            select(_log.c.time, _log.c.level, _log.c.message).where(_log.c.run_id == run_id).order_by(_log.c.id)
        )
    ]
    stmt = select(_alert).where(_alert.c.run_id == run_id).order_by(_alert.c.id)
    answer["alerts"] = [{key: jsonable(value) for key, value in alert.items()} for alert in conn.execute(stmt).mappings()]
    return answer


def recent_completed(conn: Connection, scraper: str, before_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """The scraper's last completed runs before a run: the baseline the alert rules compare with."""
    stmt = (
        select(_run.c.id, _run.c.jobs_found, _run.c.details)
        .where(_run.c.scraper_name == scraper, _run.c.status == "completed", _run.c.id < before_id)
        .order_by(_run.c.id.desc())
        .limit(limit)
    )
    return [{"id": id_, "jobs_found": found, "details": details or {}} for id_, found, details in conn.execute(stmt)]


def last_started(conn: Connection) -> dict[str, datetime]:
    """When each scraper's newest run started (for schedules)."""
    stmt = select(_run.c.scraper_name, func.max(_run.c.started_at)).group_by(_run.c.scraper_name)
    return {name: when for name, when in conn.execute(stmt) if when is not None}


EXPORT_COLUMNS = (
    "external_id", "source", "title", "company", "location", "url", "posted_at",
    "first_seen_at", "last_seen_at", "removed_at", "data",
)  # fmt: skip


def export_chunk(
    conn: Connection, *, after_id: int, limit: int, source: str | None, include_removed: bool
) -> list[tuple[int, dict[str, Any]]]:
    """Up to `limit` jobs with id > after_id, by id: an export streams through these chunks."""
    stmt = select(_job.c.id, *(_job.c[name] for name in EXPORT_COLUMNS)).where(_job.c.id > after_id)
    if source is not None:
        stmt = stmt.where(_job.c.source == source)
    if not include_removed:
        stmt = stmt.where(_job.c.removed_at.is_(None))
    rows = conn.execute(stmt.order_by(_job.c.id).limit(limit))
    return [(row[0], {name: jsonable(value) for name, value in zip(EXPORT_COLUMNS, row[1:], strict=True)}) for row in rows]
