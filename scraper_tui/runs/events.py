"""What the run manager tells its subscribers, and what it knows about a live run."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scraper_tui.store.models import utcnow

EVENT_KINDS = ("started", "progress", "finished", "alert", "refused")


@dataclass(frozen=True)
class RunEvent:
    """One thing that happened to a run. `data` is JSON-friendly.

    started: trigger, source. progress: the counters of `RunState.snapshot()`.
    finished: status, counters, execution_time, error_message. alert: rule,
    severity, message. refused: reason (the scraper already had a live run).
    """

    kind: str
    run_id: int | None
    scraper: str
    data: dict[str, Any] = field(default_factory=dict)
    time: datetime = field(default_factory=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, "run_id": self.run_id, "scraper": self.scraper, "time": self.time.isoformat(),
                **self.data}  # fmt: skip


@dataclass
class RunState:
    """A run this process owns, as it goes: the live numbers behind progress bars."""

    run_id: int
    scraper: str
    source: str
    trigger: str
    max_pages: int
    max_jobs: int
    status: str = "queued"
    started: float = field(default_factory=time.monotonic)
    """Monotonic seconds when the crawl began (reset when it leaves the queue)."""
    pages: int = 0
    jobs_found: int = 0
    jobs_created: int = 0
    jobs_updated: int = 0
    errors: int = 0
    retries: int = 0
    bytes: int = 0
    peak_rss: int = 0
    last_progress: float = field(default_factory=time.monotonic)
    error_message: str | None = None
    logs: list[tuple[datetime, str, str]] = field(default_factory=list)
    """Log lines not yet written."""
    logged: int = 0
    """Log lines written or dropped so far (a run's log is bounded)."""
    stalled_alerted: bool = False
    changed: bool = True
    task: asyncio.Task[None] | None = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Jobs found per second so far."""
        elapsed = self.elapsed
        return self.jobs_found / elapsed if elapsed > 0 else 0.0

    def log(self, level: str, message: str, limit: int) -> None:
        """Keep a log line for the next heartbeat; past `limit` lines one notice replaces the rest."""
        if self.logged < limit:
            self.logs.append((utcnow(), level, message))
        elif self.logged == limit:
            self.logs.append((utcnow(), "warning", f"log limit of {limit} lines reached; later lines dropped"))
        self.logged += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status, "source": self.source, "trigger": self.trigger, "pages": self.pages,
            "max_pages": self.max_pages, "jobs_found": self.jobs_found, "max_jobs": self.max_jobs,
            "jobs_created": self.jobs_created, "jobs_updated": self.jobs_updated, "errors": self.errors,
            "retries": self.retries, "elapsed": round(self.elapsed, 3), "rate": round(self.rate, 1),
        }  # fmt: skip
