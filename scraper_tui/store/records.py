"""Writing runs and scraper definitions, with their roll-up counters kept in step.

Every change of a run's status moves one count between `RunCounter` rows in
the same transaction, so the stats answer never has to count runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from scraper_tui.store.models import LIVE_STATUSES, RUN_STATUSES, RUN_TRIGGERS, tables, utcnow

_run = tables.run
_counter = tables.run_counter
_source_counter = tables.source_counter
_job = tables.job
_scraper = tables.scraper
_log = tables.run_log
_url = tables.scraped_url
_alert = tables.alert


def _move_counter(
    conn: Connection, scraper_name: str, status: str, runs: int, execution_time: float = 0.0
) -> None:
    changed = conn.execute(
        update(_counter)
        .where(_counter.c.scraper_name == scraper_name, _counter.c.status == status)
        .values(runs=_counter.c.runs + runs, execution_time_sum=_counter.c.execution_time_sum + execution_time)
    )
    if changed.rowcount == 0:
        conn.execute(
            insert(_counter).values(
                scraper_name=scraper_name, status=status, runs=runs, execution_time_sum=execution_time
            )
        )


def create_run(
    conn: Connection,
    scraper_name: str,
    *,
    source: str | None = None,
    trigger: str = "manual",
    status: str = "running",
    pid: int | None = None,
    started_at: datetime | None = None,
) -> int:
    """Insert a run and count it (run it with `store.run_write`). Returns the run id.

    started_at is never earlier than the newest run's, which keeps history's
    (started_at, id) order the same as id order even if the clock steps back.
    """
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}; expected one of {', '.join(RUN_STATUSES)}")
    if trigger not in RUN_TRIGGERS:
        raise ValueError(f"unknown run trigger {trigger!r}; expected one of {', '.join(RUN_TRIGGERS)}")
    latest = (conn.execute(select(func.max(_run.c.started_at)))).scalar()
    when = started_at or utcnow()
    if latest is not None and latest > when:
        when = latest
    seq = (
        conn.execute(select(func.max(_run.c.scraper_seq)).where(_run.c.scraper_name == scraper_name))
    ).scalar() or 0
    now = utcnow()
    result = conn.execute(
        insert(_run).values(
            scraper_name=scraper_name, scraper_seq=seq + 1, source=source or scraper_name, status=status,
            trigger=trigger, started_at=when, pid=os.getpid() if pid is None else pid, heartbeat_at=now,
            details={},
        )  # fmt: skip
    )
    _move_counter(conn, scraper_name, status, 1)
    return int(result.inserted_primary_key[0])


def update_run(conn: Connection, run_id: int, **values: Any) -> None:
    """Change a run's columns; a status change moves its count (and execution time) too."""
    status = values.get("status")
    if status is not None and status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}; expected one of {', '.join(RUN_STATUSES)}")
    if status is not None or "execution_time" in values:
        row = (
            conn.execute(
                select(_run.c.scraper_name, _run.c.status, _run.c.execution_time).where(_run.c.id == run_id)
            )
        ).one_or_none()
        if row is None:
            raise LookupError(f"no run with id {run_id}")
        name, old_status, old_time = row
        new_status = status or old_status
        new_time = values.get("execution_time", old_time)
        if (new_status, new_time) != (old_status, old_time):
            _move_counter(conn, name, old_status, -1, -(old_time or 0.0))
            _move_counter(conn, name, new_status, 1, new_time or 0.0)
    conn.execute(update(_run).where(_run.c.id == run_id).values(**values))


def delete_runs(conn: Connection, run_ids: Iterable[int]) -> int:
    """Delete runs (their logs and scraped URLs go with them) and uncount them."""
    ids = list(run_ids)
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = (
            conn.execute(
                select(_run.c.scraper_name, _run.c.status, func.count(), func.coalesce(func.sum(_run.c.execution_time), 0.0))
                .where(_run.c.id.in_(chunk))
                .group_by(_run.c.scraper_name, _run.c.status)
            )
        ).all()
        for name, status, count, total_time in rows:
            _move_counter(conn, name, status, -count, -total_time)
        removed += (conn.execute(delete(_run).where(_run.c.id.in_(chunk)))).rowcount
    return removed


def rebuild_counters(conn: Connection) -> None:
    """Recount every roll-up from the rows: for imports, repairs and tests of the counters."""
    conn.execute(delete(_counter))
    conn.execute(
        insert(_counter).from_select(
            ["scraper_name", "status", "runs", "execution_time_sum"],
            select(
                _run.c.scraper_name, _run.c.status, func.count(), func.coalesce(func.sum(_run.c.execution_time), 0.0)
            ).group_by(_run.c.scraper_name, _run.c.status),
        )
    )
    conn.execute(delete(_source_counter))
    conn.execute(
        insert(_source_counter).from_select(
            ["source", "jobs", "removed"],
            select(
                _job.c.source, func.count(), func.count(_job.c.removed_at)
            ).group_by(_job.c.source),
        )
    )


def save_scrapers(conn: Connection, definitions: Iterable[Mapping[str, Any]]) -> None:
    """Mirror scraper definitions from the config; `enabled` set in the app is kept."""
    now = utcnow()
    for definition in definitions:
        values = {
            "source": definition["source"],
            "max_pages": definition.get("max_pages", 50),
            "max_jobs": definition.get("max_jobs", 1000),
            "schedule": definition.get("schedule"),
            "settings": dict(definition.get("settings", {})),
            "updated_at": now,
        }
        changed = conn.execute(update(_scraper).where(_scraper.c.name == definition["name"]).values(**values))
        if changed.rowcount == 0:
            enabled = definition.get("enabled", True)
            conn.execute(insert(_scraper).values(name=definition["name"], enabled=enabled, **values))


def set_scraper_enabled(conn: Connection, name: str, enabled: bool) -> None:
    changed = conn.execute(update(_scraper).where(_scraper.c.name == name).values(enabled=enabled))
    if changed.rowcount == 0:
        raise LookupError(f"no scraper named {name!r}")


def add_alert(conn: Connection, **values: Any) -> int:
    """Store a fired alert (time, rule, message, severity, and optionally scraper, run_id, value, threshold)."""
    values.setdefault("time", utcnow())
    return int(conn.execute(insert(_alert).values(**values)).inserted_primary_key[0])


class RunRefused(Exception):
    """A scraper already has a live run; `run_id` is that run."""

    def __init__(self, message: str, run_id: int | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


def live_runs(conn: Connection, scraper_name: str | None = None) -> list[Any]:
    """Runs marked queued or running (some may be left over from a dead process)."""
    stmt = select(_run.c.id, _run.c.scraper_name, _run.c.pid, _run.c.heartbeat_at, _run.c.started_at).where(
        _run.c.status.in_(LIVE_STATUSES)
    )
    if scraper_name is not None:
        stmt = stmt.where(_run.c.scraper_name == scraper_name)
    return list(conn.execute(stmt))


def interrupt_run(conn: Connection, run: Any, reason: str) -> None:
    """Mark a run whose process is gone as interrupted, with the reason."""
    now = utcnow()
    update_run(
        conn, run.id, status="interrupted", finished_at=now, error_message=reason,
        execution_time=round((now - run.started_at).total_seconds(), 3),
    )  # fmt: skip


def recover_runs(conn: Connection, still_alive: Callable[[Any], str | None]) -> list[int]:
    """Mark every live-looking run whose owner is gone as interrupted.

    `still_alive(run)` returns None for a run that is really running, else
    the reason it is not ("process 123 is gone", "no heartbeat for 5 min").
    """
    recovered = []
    for run in live_runs(conn):
        reason = still_alive(run)
        if reason is not None:
            interrupt_run(conn, run, reason)
            recovered.append(run.id)
    return recovered


def claim_run(
    conn: Connection,
    scraper_name: str,
    *,
    source: str,
    trigger: str,
    still_alive: Callable[[Any], str | None],
) -> int:
    """Create a queued run unless the scraper has a live one: one scraper never runs twice.

    Run it with `store.run_write`: the write lock makes the check and the
    insert one step across processes. Leftovers of dead processes are marked
    interrupted on the way. Raises RunRefused naming the live run.
    """
    for run in live_runs(conn, scraper_name):
        reason = still_alive(run)
        if reason is None:
            started = run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
            raise RunRefused(
                f"{scraper_name} is already running (run {run.id}, pid {run.pid}, started {started})", run.id
            )
        interrupt_run(conn, run, reason)
    return create_run(conn, scraper_name, source=source, trigger=trigger, status="queued")


def mark_removed(conn: Connection, run_id: int, scraper_name: str, source: str) -> int:
    """After a complete run: jobs of this scraper it did not see are removed. Returns how many."""
    scraper_runs = select(_run.c.id).where(_run.c.scraper_name == scraper_name)
    removed = conn.execute(
        update(_job)
        .where(
            _job.c.source == source,
            _job.c.removed_at.is_(None),
            _job.c.last_run_id != run_id,
            _job.c.last_run_id.in_(scraper_runs),
        )
        .values(removed_at=utcnow())
    ).rowcount
    if removed:
        conn.execute(
            update(_source_counter)
            .where(_source_counter.c.source == source)
            .values(removed=_source_counter.c.removed + removed)
        )
    return int(removed)


def add_logs(conn: Connection, run_id: int, lines: Iterable[tuple[datetime, str, str]]) -> None:
    """Append (time, level, message) lines to a run's log."""
    rows = [{"run_id": run_id, "time": when, "level": level, "message": message} for when, level, message in lines]
    if rows:
        conn.execute(insert(_log), rows)


def prune(conn: Connection, before: datetime) -> dict[str, int]:
    """Delete finished runs started before `before` with their logs and scraped URLs, and older alerts; jobs stay."""
    ids = list(
        conn.execute(
            select(_run.c.id).where(_run.c.started_at < before, _run.c.status.not_in(LIVE_STATUSES))
        ).scalars()
    )
    counts = {"runs": 0, "logs": 0, "scraped_urls": 0}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        counts["logs"] += conn.execute(select(func.count()).where(_log.c.run_id.in_(chunk))).scalar() or 0
        counts["scraped_urls"] += conn.execute(select(func.count()).where(_url.c.run_id.in_(chunk))).scalar() or 0
    counts["runs"] = delete_runs(conn, ids)
    counts["alerts"] = conn.execute(delete(_alert).where(_alert.c.time < before)).rowcount
    return counts
