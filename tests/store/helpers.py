"""Small builders for store tests."""

from __future__ import annotations

from typing import Any

from scraper_tui.store import Store
from scraper_tui.store import records


def posting(n: int, source: str = "signature", **changes: Any) -> dict[str, Any]:
    """A job posting as a scraper would hand it over."""
    job = {
        "external_id": f"{source}-{n}",
        "title": f"Engineer {n}",
        "company": f"Company {n % 7}",
        "location": "Berlin",
        "url": f"http://127.0.0.1/{source}/jobs/{n}",
        "posted_at": "2026-11-01",
        "salary": f"{50 + n}k",
    }
    job.update(changes)
    return job


async def add_run(store: Store, scraper: str = "signature", status: str = "completed", seconds: float = 1.0) -> int:
    """A run that has already ended with `status`."""
    run_id = await store.run_write(records.create_run, scraper, source=scraper)
    await store.run_write(records.update_run, run_id, status=status, execution_time=seconds)
    return run_id
