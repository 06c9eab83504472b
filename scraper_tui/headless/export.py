"""`export`: stored jobs as JSON lines or CSV, streamed, written whole or not at all."""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from scraper_tui.service import EXPORT_COLUMNS, ScraperService

FORMATS = ("jsonl", "csv")


def _csv_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value


async def write_jobs(
    service: ScraperService, out: TextIO, fmt: str, *, source: str | None, include_removed: bool
) -> int:
    """Write every matching job to `out`; returns how many."""
    count = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(EXPORT_COLUMNS)
    async for job in service.export_jobs(source=source, include_removed=include_removed):
        if writer is not None:
            writer.writerow([_csv_value(job[name]) for name in EXPORT_COLUMNS])
        else:
            out.write(json.dumps(job, ensure_ascii=False) + "\n")
        count += 1
    return count


async def export(
    service: ScraperService,
    *,
    fmt: str,
    source: str | None,
    include_removed: bool,
    output: Path | None,
    err: TextIO = sys.stderr,
) -> int:
    """Export to a file (replaced only once complete) or to stdout."""
    if output is None:
        count = await write_jobs(service, sys.stdout, fmt, source=source, include_removed=include_removed)
        print(f"exported {count} jobs", file=err)
        return 0
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            count = await write_jobs(service, out, fmt, source=source, include_removed=include_removed)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    print(f"exported {count} jobs to {output}", file=err)
    return 0
