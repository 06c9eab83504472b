"""Reads for browsing: stored jobs page by page with a search, one job, the scrapers' overview, alert counts.

These serve the app's Jobs and Scrapers screens and the JSON service's
metrics; the stats and history answers live in `queries`.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Connection, func, or_, select

from scraper_tui.store.models import tables
from scraper_tui.store.queries import check_page_args, jsonable

_job = tables.job
_run = tables.run
_scraper = tables.scraper
_sources = tables.source_counter
_alert = tables.alert

JOB_LIST_COLUMNS = ("id", "source", "title", "company", "location", "posted_at", "first_seen_at", "removed_at")


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with the user's % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def jobs_page(
    conn: Connection, page: int = 1, page_size: int = 20, source: str | None = None, search: str | None = None
) -> dict[str, Any]:
    """Stored jobs, newest first; `search` matches title or company, case-insensitively.

    Without a search the count comes from the roll-ups; a search counts its
    matches (a scan, fine for a person typing, not for a million-row API).
    """
    page, page_size = check_page_args(page, page_size)
    conditions = []
    if source is not None:
        conditions.append(_job.c.source == source)
    search = (search or "").strip()
    if search:
        pattern = _like(search)
        conditions.append(or_(_job.c.title.ilike(pattern, escape="\\"), _job.c.company.ilike(pattern, escape="\\")))
        count = conn.execute(select(func.count()).select_from(_job).where(*conditions)).scalar() or 0
    else:
        stmt = select(func.coalesce(func.sum(_sources.c.jobs), 0))
        if source is not None:
            stmt = stmt.where(_sources.c.source == source)
        count = conn.execute(stmt).scalar() or 0
    num_pages = max(1, math.ceil(count / page_size))
    if page > num_pages:
        raise ValueError(f"page {page} is past the end: there {'is 1 page' if num_pages == 1 else f'are {num_pages} pages'}")
    rows = conn.execute(
        select(*(_job.c[name] for name in JOB_LIST_COLUMNS))
        .where(*conditions)
        .order_by(_job.c.id.desc())  # newest first: ids grow with first_seen_at
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    results = [{name: jsonable(value) for name, value in zip(JOB_LIST_COLUMNS, row, strict=True)} for row in rows]
    return {"count": int(count), "page": page, "page_size": page_size, "num_pages": num_pages, "results": results}


def job_detail(conn: Connection, job_id: int) -> dict[str, Any]:
    """Every field of one job; LookupError when there is none."""
    row = conn.execute(select(_job).where(_job.c.id == job_id)).mappings().one_or_none()
    if row is None:
        raise LookupError(f"no job with id {job_id}")
    return {key: jsonable(value) for key, value in row.items()}


def sources(conn: Connection) -> list[str]:
    return list(conn.execute(select(_sources.c.source).order_by(_sources.c.source)).scalars())


def scrapers_overview(conn: Connection) -> list[dict[str, Any]]:
    """Each stored scraper with its enabled flag and its newest run."""
    answer = []
    for row in conn.execute(select(_scraper).order_by(_scraper.c.name)).mappings():
        last = conn.execute(
            select(_run.c.id, _run.c.status, _run.c.started_at, _run.c.finished_at, _run.c.jobs_found)
            .where(_run.c.scraper_name == row["name"])
            .order_by(_run.c.scraper_seq.desc())
            .limit(1)
        ).one_or_none()
        answer.append({
            "name": row["name"], "source": row["source"], "enabled": bool(row["enabled"]),
            "schedule": row["schedule"], "max_pages": row["max_pages"], "max_jobs": row["max_jobs"],
            "last_run": None if last is None else {
                "id": last.id, "status": last.status, "started_at": jsonable(last.started_at),
                "finished_at": jsonable(last.finished_at), "jobs_found": last.jobs_found,
            },
        })  # fmt: skip
    return answer


def alert_counts(conn: Connection) -> dict[str, int]:
    """Stored alerts per rule."""
    stmt = select(_alert.c.rule, func.count()).group_by(_alert.c.rule).order_by(_alert.c.rule)
    return {rule: int(count) for rule, count in conn.execute(stmt)}
