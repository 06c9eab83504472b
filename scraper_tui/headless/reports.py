"""Reports: stats, history and one run's details as text tables or one JSON document."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from rich.box import SIMPLE_HEAD
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scraper_tui.service import ScraperService


def console_for(out: TextIO) -> Console:
    # Scraped text is data: no markup, no emoji codes, no highlighting of numbers.
    return Console(file=out, markup=False, emoji=False, highlight=False, soft_wrap=False)


def to_json_line(answer: Any) -> str:
    return json.dumps(answer, ensure_ascii=False, default=str) + "\n"


def write_json(answer: Any, out: TextIO) -> None:
    out.write(to_json_line(answer))


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}s"


def _started(iso: str | None) -> str:
    """'2026-12-04T20:50:53.1+00:00' as '12-04 20:50:53': a history table has 80 columns to share."""
    return "" if not iso else f"{iso[5:10]} {iso[11:19]}"


def _runs_table(runs: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", box=SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    for heading, justify in (("run", "right"), ("scraper", "left"), ("status", "left"), ("started UTC", "left"),
                             ("time", "right"), ("pages", "right"), ("found", "right"), ("new", "right"),
                             ("upd", "right"), ("err", "right")):  # fmt: skip
        table.add_column(heading, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for run in runs:
        table.add_row(
            str(run["id"]), Text(run["scraper_name"]), run["status"], _started(run["started_at"]),
            _seconds(run["execution_time"]), str(run["pages_scraped"]), str(run["jobs_found"]),
            str(run["jobs_created"]), str(run["jobs_updated"]), str(run["errors"]),
        )  # fmt: skip
    return table


def print_stats(answer: dict[str, Any], out: TextIO = sys.stdout) -> None:
    console = console_for(out)
    console.print(
        f"runs {answer['total_runs']}  completed {answer['completed_runs']}  failed {answer['failed_runs']}  "
        f"success {answer['success_rate']:.1f}%  avg time {answer['avg_execution_time']:.1f} s"
    )
    sources = Table(box=SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
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
    console = console_for(out)
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


def print_run(run: dict[str, Any], out: TextIO = sys.stdout) -> None:
    """One run: counters, details, alerts and its log."""
    console = console_for(out)
    console.print(_runs_table([run], title=f"run {run['id']}"))
    details = run.get("details") or {}
    facts = [
        f"trigger {run['trigger']}", f"unchanged {run['jobs_unchanged']}", f"removed {run['jobs_removed']}",
        f"complete {'yes' if run['complete'] else 'no'}",
    ]  # fmt: skip
    if "status_histogram" in details:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(details["status_histogram"].items()))
        facts += [f"HTTP {statuses or 'none'}", f"retries {details['retries']}",
                  f"latency p50 {details['latency_p50'] * 1000:.0f} ms p95 {details['latency_p95'] * 1000:.0f} ms"]  # fmt: skip
    if details.get("peak_rss"):
        facts.append(f"peak RSS {details['peak_rss'] / 2**20:.0f} MB")
    console.print("  ".join(facts))
    if details.get("field_coverage"):
        coverage = ", ".join(f"{name} {share:.0%}" for name, share in details["field_coverage"].items())
        console.print(Text(f"field coverage: {coverage}"))
    if run["error_message"]:
        console.print(Text(f"error: {run['error_message']}"))
    for alert in run["alerts"]:
        console.print(Text(f"alert {alert['rule']} ({alert['severity']}): {alert['message']}"))
    for line in run["log"]:
        console.print(Text(f"{line['time'][:19].replace('T', ' ')} {line['level']:<7} {line['message']}"))


async def show_run(service: ScraperService, run_id: int, as_json: bool, out: TextIO = sys.stdout) -> int:
    run = await service.run_detail(run_id)
    write_json(run, out) if as_json else print_run(run, out)
    return 0
