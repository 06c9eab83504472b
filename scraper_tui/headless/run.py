"""`--run`: run scrapers without the app, report as they go, and exit with a code cron understands.

Three ways to report, picked by the caller: a Rich progress display with a
bar per scraper (a terminal), one plain line per event (a log file or
cron mail; progress at most every few seconds), or one JSON object per line
(`--json`: started, progress at most once a second per run, finished, alert,
refused, and a closing summary).

SIGINT and SIGTERM cancel the runs; each flushes what it found and is
recorded as cancelled before the process exits with 130.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from scraper_tui.headless.reports import console_for, to_json_line
from scraper_tui.service import RunEvent, RunRefused, ScraperService

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
PLAIN_PROGRESS_SECONDS = 5.0
JSON_PROGRESS_SECONDS = 1.0


class _Reporter:
    """Turns run events into output; one subclass per way of reporting.

    If the reader goes away (`| head`), output stops quietly; the runs go
    on and are recorded all the same.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.closed = False

    def write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self.closed = True

    def event(self, event: RunEvent) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop any live display."""

    def summary(self, summary: dict[str, Any]) -> None:
        raise NotImplementedError


class _Throttle:
    """Lets progress of each run through at most every `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[int | None, float] = {}

    def allows(self, event: RunEvent) -> bool:
        if event.kind != "progress":
            return True
        now = time.monotonic()
        if now - self._last.get(event.run_id, -self.seconds) < self.seconds:
            return False
        self._last[event.run_id] = now
        return True


class JsonReporter(_Reporter):
    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self.throttle = _Throttle(JSON_PROGRESS_SECONDS)

    def event(self, event: RunEvent) -> None:
        if self.throttle.allows(event):
            self.write(to_json_line(event.to_dict()))

    def summary(self, summary: dict[str, Any]) -> None:
        self.write(to_json_line({"event": "summary", **summary}))


def _line(event: RunEvent) -> str:
    data = event.data
    where = f"{event.scraper} run {event.run_id}"
    if event.kind == "started":
        return f"{where} started ({data['trigger']})"
    if event.kind == "progress":
        return (f"{where}: {data['pages']} pages, {data['jobs_found']} jobs, {data['errors']} errors, "
                f"{data['rate']:.0f} jobs/s")  # fmt: skip
    if event.kind == "finished":
        text = (f"{where} {data['status']} in {data['execution_time']:.1f} s: {data['pages']} pages, "
                f"{data['jobs_found']} jobs ({data['jobs_created']} new, {data['jobs_updated']} updated, "
                f"{data['jobs_removed']} removed), {data['errors']} errors")  # fmt: skip
        return text + (f": {data['error_message']}" if data.get("error_message") else "")
    if event.kind == "alert":
        return f"ALERT {data['rule']} ({data['severity']}): {data['message']}"
    return f"{event.scraper} refused: {data['reason']}"


class PlainReporter(_Reporter):
    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self.throttle = _Throttle(PLAIN_PROGRESS_SECONDS)

    def event(self, event: RunEvent) -> None:
        if self.throttle.allows(event):
            self.write(_line(event) + "\n")

    def summary(self, summary: dict[str, Any]) -> None:
        self.write(_summary_line(summary) + "\n")


def _summary_line(summary: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary["by_status"].items()))
    return f"{len(summary['runs'])} runs: {counts or 'none'}; {summary['alerts']} alerts; exit {summary['exit_code']}"


class ProgressReporter(_Reporter):
    """A bar per scraper: pages against max_pages, with jobs, errors and rate beside it."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self.console = console_for(out)
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[facts]}"), TimeElapsedColumn(),
            console=self.console, transient=False,
        )  # fmt: skip
        self.tasks: dict[int | None, TaskID] = {}
        self.progress.start()

    def event(self, event: RunEvent) -> None:
        data = event.data
        if event.kind in ("alert", "refused"):
            self.progress.console.print(Text(_line(event)))
            return
        task = self.tasks.get(event.run_id)
        if task is None:
            task = self.tasks[event.run_id] = self.progress.add_task(
                event.scraper, total=data.get("max_pages"), facts=""
            )
        facts = f"{data['pages']} pages  {data['jobs_found']} jobs  {data['errors']} errors  {data['rate']:.0f}/s"
        if event.kind == "finished":
            facts = f"{data['status']}  {data['jobs_found']} jobs  {data['jobs_created']} new  {data['errors']} errors"
            self.progress.update(task, completed=data["pages"], total=data["pages"] or 1, facts=facts)
            self.progress.stop_task(task)
        else:
            self.progress.update(task, completed=data["pages"], facts=facts)

    def close(self) -> None:
        self.progress.stop()

    def summary(self, summary: dict[str, Any]) -> None:
        self.console.print(_summary_line(summary))


def reporter_for(mode: str, out: TextIO) -> _Reporter:
    """mode: "json", "plain" or "tty"."""
    return {"json": JsonReporter, "plain": PlainReporter, "tty": ProgressReporter}[mode](out)


async def run_scrapers(
    service: ScraperService,
    names: Sequence[str],
    *,
    mode: str,
    fail_on_alert: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Run the named scrapers at once and wait; 0 all completed, 1 one did not (or an alert with
    `fail_on_alert`), 130 interrupted."""
    reporter = reporter_for(mode, out)
    finished: dict[int, dict[str, Any]] = {}
    refused: list[str] = []
    alerts = 0

    def on_event(event: RunEvent) -> None:
        nonlocal alerts
        if event.kind == "finished" and event.run_id is not None:
            finished[event.run_id] = {"run_id": event.run_id, "scraper": event.scraper, **event.data}
        alerts += event.kind == "alert"
        reporter.event(event)

    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    stops = (signal.SIGINT, signal.SIGTERM)
    for signum in stops:
        loop.add_signal_handler(signum, interrupted.set)
    service.subscribe(on_event)
    try:
        await service.prepare_runs()
        run_ids = []
        for name in names:
            try:
                run_ids.append(await service.start_run(name, trigger="headless"))
            except RunRefused as refusal:
                refused.append(f"{name}: {refusal}")
        waiting = asyncio.ensure_future(service.wait_runs(run_ids))
        stop = asyncio.ensure_future(interrupted.wait())
        await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
        if interrupted.is_set():
            await service.cancel_all()
        await waiting
        stop.cancel()
    finally:
        service.unsubscribe(on_event)
        for signum in stops:
            loop.remove_signal_handler(signum)
        reporter.close()

    statuses = [run["status"] for run in finished.values()]
    if interrupted.is_set():
        code = EXIT_INTERRUPTED
    elif refused or any(status != "completed" for status in statuses) or (fail_on_alert and alerts):
        code = EXIT_FAILED
    else:
        code = EXIT_OK
    by_status: dict[str, int] = {}
    for status in statuses:
        by_status[status] = by_status.get(status, 0) + 1
    if refused:
        by_status["refused"] = len(refused)
    reporter.summary({"runs": list(finished.values()), "refused": refused, "by_status": by_status,
                      "alerts": alerts, "exit_code": code})  # fmt: skip
    return code
