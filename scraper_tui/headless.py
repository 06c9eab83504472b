"""The headless front end: stats and history as text tables or JSON, for cron, SSH and scripts.

It talks to `ScraperService` only and never imports Textual. stdout carries
the data (a table, or one JSON document); diagnostics go to stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scraper_tui.service import ScraperService


def _console(out: TextIO) -> Console:
    # Scraped text is data: no markup, no emoji codes, no highlighting of numbers.
    return Console(file=out, markup=False, emoji=False, highlight=False, soft_wrap=False)


def write_json(answer: Any, out: TextIO) -> None:
    out.write(json.dumps(answer, ensure_ascii=False, default=str) + "\n")


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def _runs_table(runs: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for heading, justify in (("run", "right"), ("scraper", "left"), ("status", "left"), ("started (UTC)", "left"),
                             ("time", "right"), ("pages", "right"), ("found", "right"), ("new", "right"),
                             ("updated", "right"), ("errors", "right")):  # fmt: skip
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for run in runs:
        table.add_row(
            str(run["id"]), Text(run["scraper_name"]), run["status"], (run["started_at"] or "")[:19].replace("T", " "),
            _seconds(run["execution_time"]), str(run["pages_scraped"]), str(run["jobs_found"]),
            str(run["jobs_created"]), str(run["jobs_updated"]), str(run["errors"]),
        )  # fmt: skip
    return table


def print_stats(answer: dict[str, Any], out: TextIO = sys.stdout) -> None:
    console = _console(out)
    console.print(
        f"runs {answer['total_runs']}  completed {answer['completed_runs']}  failed {answer['failed_runs']}  "
        f"success {answer['success_rate']:.1f}%  avg time {answer['avg_execution_time']:.1f} s"
    )
    sources = Table(show_edge=False, pad_edge=False)
    sources.add_column("source")
    sources.add_column("jobs", justify="right")
    for source, count in answer["jobs_by_source"].items():
        sources.add_row(Text(source), str(count))
    if answer["jobs_by_source"]:
        console.print(sources)
    else:
        console.print("no jobs stored yet")
    if answer["recent_jobs"]:
        console.print(_runs_table(answer["recent_jobs"], title="recent runs"))
    console.print(f"as of {answer['cached_at']}")


def print_history(answer: dict[str, Any], out: TextIO = sys.stdout) -> None:
    console = _console(out)
    if not answer["results"]:
        console.print("no runs match")
        return
    console.print(_runs_table(answer["results"]))
    console.print(f"page {answer['page']} of {answer['num_pages']}  ({answer['count']} runs)")


async def show_stats(service: ScraperService, as_json: bool, out: TextIO = sys.stdout) -> int:
    answer = await service.stats()
    write_json(answer, out) if as_json else print_stats(answer, out)
    return 0


async def show_history(
    service: ScraperService,
    *,
    page: int,
    page_size: int | None,
    scraper: str | None,
    status: str | None,
    as_json: bool,
    out: TextIO = sys.stdout,
) -> int:
    answer = await service.history(page=page, page_size=page_size, scraper=scraper, status=status)
    write_json(answer, out) if as_json else print_history(answer, out)
    return 0
