"""RunManager: scrapers run as background tasks, with their numbers kept true in the store.

Each run is an asyncio task: it crawls, writes every item through a
`BatchProcessor`, and on its way out (completed, failed or cancelled) writes
its final counters, details, log and alerts in one transaction. A ticker
keeps the `Run` rows' heartbeats and counters current, coalesces progress
events, and watches for runs that stopped making progress.

A run row whose process is gone, or whose heartbeat went stale, is marked
`interrupted` at the next start or claim, so nothing is left `running`
forever after a kill.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import psutil

from scraper_tui.config import Config, ScraperConfig
from scraper_tui.monitor import Monitor
from scraper_tui.runs.events import RunEvent, RunState
from scraper_tui.runs.rules import RunOutcome, check_run, no_progress
from scraper_tui.store import BatchProcessor, Store, queries, records
from scraper_tui.store.models import utcnow
from scraper_tui.store.records import RunRefused

if TYPE_CHECKING:
    from scraper_tui.scraping import Fetcher

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
"""How often a live run's row is updated."""
STALE_AFTER_SECONDS = 30.0
"""A run whose heartbeat is older than this has no live owner."""
PROGRESS_SECONDS = 0.25
"""Progress events of one run come at most this often."""
LOG_LIMIT = 500
"""Log lines kept per run."""

Subscriber = Callable[[RunEvent], None]


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def still_alive(run: Any) -> str | None:
    """None when the run's owner is alive and beating, else why it is not."""
    pid = run.pid
    if pid is None or not psutil.pid_exists(pid):
        return f"process {pid} is gone"
    try:
        born = psutil.Process(pid).create_time()
    except psutil.Error:
        return f"process {pid} is gone"
    if born > run.started_at.timestamp() + 1:
        return f"process {pid} is gone (its pid now belongs to another process)"
    if run.heartbeat_at is not None:
        silent = (utcnow() - run.heartbeat_at).total_seconds()
        if silent > STALE_AFTER_SECONDS:
            return f"no heartbeat for {silent:.0f} s"
    return None


class RunManager:
    """Starts, watches, cancels and records runs of the configured scrapers.

    `close()` cancels what still runs, waits until every run has written its
    end, and closes the shared HTTP client.
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        monitor: Monitor,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.monitor = monitor
        self._on_finished = on_finished
        self._subscribers: list[Subscriber] = []
        self._states: dict[int, RunState] = {}
        self._slots = asyncio.Semaphore(config.settings.max_runs)
        self._fetcher: Fetcher | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._last_heartbeat = 0.0
        self._process = psutil.Process()

    # -- subscribers ---------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> None:
        if callback not in self._subscribers:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def _emit(self, event: RunEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("a run event subscriber failed on %s", event.kind)

    # -- what runs -------------------------------------------------------------

    @property
    def running(self) -> list[RunState]:
        """Runs of this process that have not finished, oldest first."""
        return list(self._states.values())

    def state(self, run_id: int) -> RunState | None:
        return self._states.get(run_id)

    def running_for(self, scraper: str) -> RunState | None:
        return next((state for state in self._states.values() if state.scraper == scraper), None)

    @property
    def in_flight(self) -> int:
        """HTTP requests in flight now, across all runs."""
        return self._fetcher.in_flight if self._fetcher is not None else 0

    # -- starting and stopping -------------------------------------------------

    async def recover(self) -> list[int]:
        """Mark runs left `running` by dead or silent processes as interrupted."""
        return await self.store.run_write(records.recover_runs, still_alive)

    async def start(self, name: str, trigger: str = "manual", *, note: str | None = None) -> int:
        """Queue a run of the named scraper; it starts when a slot is free. Returns its run id.

        Raises ConfigError for an unknown scraper and RunRefused when it has a
        live run (here or in another process); the refusal is recorded as an
        `overlap` alert.
        """
        scraper = self.config.scraper(name)
        try:
            run_id = await self.store.run_write(
                records.claim_run, name, source=scraper.source, trigger=trigger, still_alive=still_alive
            )
        except RunRefused as refused:
            await self.store.run_write(
                records.add_alert, rule="overlap", severity="warning", scraper=name,
                message=f"start refused: {refused}",
            )  # fmt: skip
            self._emit(RunEvent("refused", refused.run_id, name, {"reason": str(refused), "trigger": trigger}))
            raise
        state = RunState(run_id, name, scraper.source, trigger, scraper.max_pages, scraper.max_jobs)
        if note:
            state.log("info", note, LOG_LIMIT)
        self._states[run_id] = state
        state.task = asyncio.get_running_loop().create_task(self._execute(state, scraper), name=f"run-{run_id}")
        self._ensure_ticker()
        return run_id

    async def cancel(self, run_id: int) -> bool:
        """Stop a run of this process, flush what it found and mark it cancelled; False if not ours."""
        state = self._states.get(run_id)
        if state is None or state.task is None:
            return False
        state.task.cancel()
        await asyncio.wait({state.task})
        return True

    async def wait(self, run_ids: Iterable[int] | None = None) -> None:
        """Until the given runs (default: all of this process's) have finished and been recorded."""
        ids = list(self._states) if run_ids is None else list(run_ids)
        tasks = {self._states[i].task for i in ids if i in self._states and self._states[i].task is not None}
        if tasks:
            await asyncio.wait(tasks)  # type: ignore[arg-type]

    async def close(self) -> None:
        for state in list(self._states.values()):
            if state.task is not None:
                state.task.cancel()
        await self.wait()
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        if self._fetcher is not None:
            await self._fetcher.close()
            self._fetcher = None

    async def prune(self, days: int | None = None) -> dict[str, int]:
        """Delete finished runs older than `days` (default: retention_days), with logs and scraped URLs."""
        keep = self.config.settings.retention_days if days is None else days
        return await self.store.run_write(records.prune, utcnow() - timedelta(days=keep))

    # -- one run ---------------------------------------------------------------

    async def warm_up(self) -> None:
        """Load the scraping stack (aiohttp, selectolax) on a thread, once.

        Importing it on the event loop stalls the loop for 150 ms or more
        (aiohttp builds its SSL contexts at import), which a live screen or
        a run's heartbeat would feel; the app and `--run` call this early.
        """
        if self._fetcher is None:
            scraping = await asyncio.to_thread(importlib.import_module, "scraper_tui.scraping")
            if self._fetcher is None:
                self._fetcher = scraping.Fetcher(self.config.settings, monitor=self.monitor)

    async def _execute(self, state: RunState, scraper: ScraperConfig) -> None:
        crawl = None
        status = "completed"
        batch = BatchProcessor(
            self.store,
            batch_size=self.config.settings.batch_size,
            flush_interval=self.config.settings.flush_interval,
            run_id=state.run_id,
            monitor=self.monitor,
        )
        try:
            async with self._slots:
                state.status, state.started, state.last_progress = "running", time.monotonic(), time.monotonic()
                state.peak_rss = self._process.memory_info().rss
                await self.store.run_write(
                    records.update_run, state.run_id, status="running", pid=os.getpid(), heartbeat_at=utcnow()
                )
                state.log("info", f"started ({state.trigger})", LOG_LIMIT)
                self._emit(RunEvent("started", state.run_id, state.scraper, state.snapshot()))
                await self.warm_up()
                from scraper_tui.scraping import make_crawl

                assert self._fetcher is not None
                crawl = make_crawl(scraper, self._fetcher)
                async with batch:
                    await self._consume(state, crawl, batch)
        except asyncio.CancelledError:
            status = "cancelled"
            state.log("info", "cancelled", LOG_LIMIT)
        except Exception as err:
            status = "failed"
            state.error_message = _one_line(err)
            state.log("error", state.error_message, LOG_LIMIT)
            log.warning("run %s of %s failed", state.run_id, state.scraper, exc_info=True)
        finishing = asyncio.ensure_future(self._finish(state, status, crawl, batch))
        while not finishing.done():
            try:
                await asyncio.shield(finishing)
            except asyncio.CancelledError:
                continue  # the end of a run is always written
        self._states.pop(state.run_id, None)
        if finishing.exception() is not None:
            log.error("could not record the end of run %s", state.run_id, exc_info=finishing.exception())

    async def _consume(self, state: RunState, crawl: Any, batch: BatchProcessor) -> None:
        from scraper_tui.scraping import ItemsEvent

        source = state.source
        for_totals = batch.totals
        async for event in crawl:
            if isinstance(event, ItemsEvent):
                for item in event.items:
                    await batch.add_job(item, source)
                    await batch.add_scraped_url(
                        item["url"], source=source, title=item.get("title"), company=item.get("company"),
                        external_id=item.get("external_id"),
                    )  # fmt: skip
                state.jobs_found += len(event.items)
            else:
                state.last_progress = time.monotonic()
                if event.status is not None:
                    state.pages += 1
                state.retries += event.retries
                state.bytes += event.bytes
                if event.error:
                    state.errors += 1
                    state.log("warning", f"{event.url}: {event.error}", LOG_LIMIT)
                elif event.skipped:
                    state.log("info", f"{event.url}: skipped ({event.skipped})", LOG_LIMIT)
            state.jobs_created = for_totals["jobs_created"]
            state.jobs_updated = for_totals["jobs_updated"]
            state.changed = True

    async def _finish(self, state: RunState, status: str, crawl: Any, batch: BatchProcessor) -> None:
        """Record the end of a run in one transaction, then tell everyone."""
        try:
            totals = await batch.close()
        except Exception as err:  # a batch that would not go in: the run failed, its error is kept
            status, state.error_message = "failed", _one_line(err)
            totals = dict(batch.totals)
        summary = crawl.summary if crawl is not None else None
        state.peak_rss = max(state.peak_rss, self._process.memory_info().rss)
        if status == "completed" and summary is not None:
            if summary.stopped_by == "error" and summary.exception is not None:
                status, state.error_message = "failed", _one_line(summary.exception)
            elif summary.errors and not (summary.pages - summary.errors):
                status, state.error_message = "failed", f"no page could be fetched: {summary.last_error}"
        elapsed = round(state.elapsed, 3) if state.status == "running" else 0.0
        details: dict[str, Any] = {"peak_rss": state.peak_rss, "jobs_restored": totals.get("jobs_restored", 0),
                                   "jobs_duplicate": totals.get("jobs_duplicate", 0), "bytes": state.bytes}  # fmt: skip
        if summary is not None:
            details |= {
                "status_histogram": dict(summary.status_histogram), "retries": summary.retries,
                "latency_p50": round(summary.p50, 4), "latency_p95": round(summary.p95, 4),
                "field_coverage": {k: round(v, 4) for k, v in summary.field_coverage.items()},
                "skip_reasons": dict(summary.skip_reasons), "pages_skipped": dict(summary.pages_skipped),
                "stopped_by": summary.stopped_by,
            }  # fmt: skip
        complete = bool(status == "completed" and summary is not None and summary.complete)
        outcome = RunOutcome(
            state.run_id, state.scraper, status, state.jobs_found, summary.pages if summary else 0,
            summary.errors if summary else 0, elapsed, state.peak_rss,
            summary.field_coverage if summary else {},
        )  # fmt: skip
        values = {
            "status": status, "finished_at": utcnow(), "execution_time": elapsed, "heartbeat_at": utcnow(),
            "pages_scraped": state.pages, "jobs_found": state.jobs_found, "jobs_created": totals["jobs_created"],
            "jobs_updated": totals["jobs_updated"], "jobs_unchanged": totals["jobs_unchanged"],
            "errors": state.errors, "error_message": state.error_message, "complete": complete, "details": details,
        }  # fmt: skip
        state.log("info", f"{status} in {elapsed:.1f} s: {state.pages} pages, {state.jobs_found} jobs "
                          f"({totals['jobs_created']} new, {totals['jobs_updated']} updated)", LOG_LIMIT)  # fmt: skip
        settings = self.config.settings
        removed, fired = await self.store.run_write(
            _finish_transaction, state, values, complete, outcome, settings.alerts, settings.rss_limit_mb
        )
        if self._on_finished is not None:
            self._on_finished()
        for alert in fired:
            self._emit(RunEvent("alert", state.run_id, state.scraper, alert))
        state.jobs_created, state.jobs_updated = totals["jobs_created"], totals["jobs_updated"]
        done = state.snapshot() | {key: values[key] for key in ("status", "execution_time", "jobs_unchanged",
                                                                   "error_message", "complete")}  # fmt: skip
        done |= {"jobs_removed": removed, "alerts": len(fired)}
        self._emit(RunEvent("finished", state.run_id, state.scraper, done))

    # -- the ticker --------------------------------------------------------------

    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick(), name="run-ticker")

    async def _tick(self) -> None:
        while self._states:
            await asyncio.sleep(PROGRESS_SECONDS)
            rss = self._process.memory_info().rss
            for state in list(self._states.values()):
                state.peak_rss = max(state.peak_rss, rss)
                if state.changed and state.status == "running":
                    state.changed = False
                    self._emit(RunEvent("progress", state.run_id, state.scraper, state.snapshot()))
            if time.monotonic() - self._last_heartbeat >= HEARTBEAT_SECONDS:
                self._last_heartbeat = time.monotonic()
                try:
                    await self._heartbeat()
                except Exception:
                    log.warning("heartbeat failed", exc_info=True)

    async def _heartbeat(self) -> None:
        """Keep live rows current, write pending log lines, and raise the no-progress alert."""
        limit = self.config.settings.alerts.no_progress_seconds
        stalled = []
        for state in self._states.values():
            idle = time.monotonic() - state.last_progress
            if state.status == "running" and idle > limit and not state.stalled_alerted:
                state.stalled_alerted = True
                stalled.append((state, no_progress(state.scraper, idle, limit)))
        states = list(self._states.values())
        rows = [alert.row(state.scraper, state.run_id) for state, alert in stalled]
        await self.store.run_write(_heartbeat_transaction, states, rows)
        for row in rows:
            self._emit(RunEvent("alert", row["run_id"], row["scraper"], row))


def _heartbeat_transaction(conn: Any, states: list[RunState], alerts: list[dict[str, Any]]) -> None:
    now = utcnow()
    for state in states:
        values: dict[str, Any] = {"heartbeat_at": now}
        if state.status == "running":
            values |= {"pages_scraped": state.pages, "jobs_found": state.jobs_found,
                       "jobs_created": state.jobs_created, "jobs_updated": state.jobs_updated, "errors": state.errors}  # fmt: skip
        records.update_run(conn, state.run_id, **values)
        lines, state.logs = state.logs, []
        records.add_logs(conn, state.run_id, lines)
    for alert in alerts:
        records.add_alert(conn, **alert)


def _finish_transaction(
    conn: Any, state: RunState, values: dict[str, Any], complete: bool, outcome: RunOutcome, alerts: Any,
    rss_limit_mb: int,
) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
    removed = records.mark_removed(conn, state.run_id, state.scraper, state.source) if complete else 0
    records.update_run(conn, state.run_id, jobs_removed=removed, **values)
    baseline = queries.recent_completed(conn, state.scraper, before_id=state.run_id)
    fired = [
        alert.row(state.scraper, state.run_id)
        for alert in check_run(outcome, baseline, alerts, rss_limit_mb=rss_limit_mb)
    ]
    for alert in fired:
        records.add_alert(conn, **alert)
    lines, state.logs = state.logs, []
    records.add_logs(conn, state.run_id, lines)
    return removed, fired
