"""The read side: stats, history pages and a scraper's config, in the service's answer shapes.

Stats read the roll-up counters and the ten newest runs: a few rows whatever
the size of the tables. History pages are found by keyset, never by OFFSET
over whole rows: the first row of page N is located through a dense ordinal
(run id, or `scraper_seq` per scraper) when the runs are contiguous, and
otherwise by skipping entries of a covering index; the page itself is then
read by the row-value condition `(started_at, id) <= (...)`.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from scraper_tui.store.models import RUN_STATUSES, Alert, Run, RunCounter, Scraper, SourceCounter

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20
FINISHED_STATUSES = ("completed", "failed", "cancelled", "interrupted")

_run: Table = Run.__table__  # type: ignore[assignment]
_counter: Table = RunCounter.__table__  # type: ignore[assignment]
_sources: Table = SourceCounter.__table__  # type: ignore[assignment]
_scraper: Table = Scraper.__table__  # type: ignore[assignment]
_alert: Table = Alert.__table__  # type: ignore[assignment]

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


async def _recent_runs(conn: AsyncConnection, limit: int = 10, scraper: str | None = None) -> list[dict[str, Any]]:
    stmt = select(*_LIST).order_by(_run.c.started_at.desc(), _run.c.id.desc()).limit(limit)
    if scraper is not None:
        stmt = stmt.where(_run.c.scraper_name == scraper)
    return [run_summary(row) for row in await conn.execute(stmt)]


async def _run_counts(conn: AsyncConnection, scraper: str | None = None) -> dict[str, Any]:
    stmt = select(_counter.c.status, func.sum(_counter.c.runs), func.sum(_counter.c.execution_time_sum)).group_by(
        _counter.c.status
    )
    if scraper is not None:
        stmt = stmt.where(_counter.c.scraper_name == scraper)
    by_status = {status: (int(runs or 0), float(seconds or 0.0)) for status, runs, seconds in await conn.execute(stmt)}
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


async def stats(conn: AsyncConnection) -> dict[str, Any]:
    """The stats answer, without `cached_at` (the cache adds it)."""
    answer = await _run_counts(conn)
    sources = await conn.execute(
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
    answer["recent_jobs"] = await _recent_runs(conn)
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


async def history(
    conn: AsyncConnection,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    scraper: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """One page of runs, newest first; ValueError for a page that does not exist."""
    page, page_size = check_page_args(page, page_size)
    if status is not None and status not in RUN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}, got {status!r}")
    count_stmt = select(func.coalesce(func.sum(_counter.c.runs), 0))
    if scraper is not None:
        count_stmt = count_stmt.where(_counter.c.scraper_name == scraper)
    if status is not None:
        count_stmt = count_stmt.where(_counter.c.status == status)
    count = int((await conn.execute(count_stmt)).scalar() or 0)
    num_pages = max(1, math.ceil(count / page_size))
    if page > num_pages:
        pages = "is 1 page" if num_pages == 1 else f"are {num_pages} pages"
        raise ValueError(f"page {page} is past the end: there {pages} of {page_size}")
    answer: dict[str, Any] = {"count": count, "page": page, "page_size": page_size, "num_pages": num_pages}
    if count == 0:
        return answer | {"results": []}

    conditions = []
    if scraper is not None:
        conditions.append(_run.c.scraper_name == scraper)
    if status is not None:
        conditions.append(_run.c.status == status)
    skip = (page - 1) * page_size
    anchor = await _page_anchor(conn, conditions, scraper, status, count, skip)
    stmt = select(*_LIST).where(*conditions).order_by(_run.c.started_at.desc(), _run.c.id.desc()).limit(page_size)
    if anchor is not None:
        stmt = stmt.where(tuple_(_run.c.started_at, _run.c.id) <= anchor)
    answer["results"] = [run_summary(row) for row in await conn.execute(stmt)]
    return answer


async def _page_anchor(
    conn: AsyncConnection, conditions: list[Any], scraper: str | None, status: str | None, count: int, skip: int
) -> Any:
    """A scalar subquery for the (started_at, id) of the page's first row; None for page 1."""
    if skip == 0:
        return None
    if status is None:
        ordinal = _run.c.id if scraper is None else _run.c.scraper_seq
        low, high = (await conn.execute(select(func.min(ordinal), func.max(ordinal)).where(*conditions))).one()
        if low is not None and high - low + 1 == count:
            # Runs are contiguous in this ordinal and ordered like (started_at, id):
            # the page's first row is found by arithmetic, whatever the depth.
            return (
                select(_run.c.started_at, _run.c.id)
                .where(*conditions, ordinal == high - skip)
                .scalar_subquery()
            )
    return (
        select(_run.c.started_at, _run.c.id)
        .where(*conditions)
        .order_by(_run.c.started_at.desc(), _run.c.id.desc())
        .offset(skip)
        .limit(1)
        .scalar_subquery()
    )


async def scraper_names(conn: AsyncConnection) -> list[str]:
    return list((await conn.execute(select(_scraper.c.name).order_by(_scraper.c.name))).scalars())


async def config(conn: AsyncConnection, name: str) -> dict[str, Any]:
    """A scraper's settings and its stats; UnknownScraperError when it is not defined."""
    row = (await conn.execute(select(_scraper).where(_scraper.c.name == name))).mappings().one_or_none()
    if row is None:
        known = ", ".join(await scraper_names(conn)) or "none"
        raise UnknownScraperError(f"no scraper named {name!r} (known: {known})")
    settings = {key: jsonable(value) for key, value in row.items()}
    jobs = (
        await conn.execute(select(_sources.c.jobs, _sources.c.removed).where(_sources.c.source == row["source"]))
    ).one_or_none()
    counts = await _run_counts(conn, scraper=name)
    recent = await _recent_runs(conn, limit=5, scraper=name)
    counts["jobs"] = int(jobs[0]) if jobs else 0
    counts["removed_jobs"] = int(jobs[1]) if jobs else 0
    counts["last_run"] = recent[0] if recent else None
    counts["recent_runs"] = recent
    return {"name": name, "settings": settings, "stats": counts}


async def alerts(conn: AsyncConnection, limit: int = 50) -> list[dict[str, Any]]:
    """Stored alerts, newest first."""
    stmt = select(_alert).order_by(_alert.c.time.desc(), _alert.c.id.desc()).limit(limit)
    return [{key: jsonable(value) for key, value in row.items()} for row in (await conn.execute(stmt)).mappings()]
