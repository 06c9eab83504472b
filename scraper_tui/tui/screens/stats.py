"""The Stats screen: run totals, success rate, average time, jobs by source and the recent runs.

Everything comes from one `service.stats()` answer (served by the cache
until the database changes) plus the cache's hit rate. The screen reloads on
`DataChanged`, on a finished run, when it is shown again, and on a timer;
it redraws only what changed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from scraper_tui.tui.format import count, percent, seconds, utc_time
from scraper_tui.tui.screens.base import ReloadingScreen
from scraper_tui.tui.widgets.bar_chart import BarChart
from scraper_tui.tui.widgets.run_table import RunTable

__all__ = ["StatsScreen", "summary_table"]


def summary_table(stats: dict[str, Any]) -> Table:
    """Totals, success rate and average time as a two-column grid (labels, values)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column(justify="right", style="bold")
    by_status = stats.get("runs_by_status") or {}
    rows = [
        ("Runs", count(stats.get("total_runs"))),
        ("Completed", count(stats.get("completed_runs"))),
        ("Failed", count(stats.get("failed_runs"))),
        ("Cancelled/interrupted", count((by_status.get("cancelled") or 0) + (by_status.get("interrupted") or 0))),
        ("Success rate", percent(stats.get("success_rate"))),
        ("Average time", seconds(stats.get("avg_execution_time"))),
        ("Jobs stored", count(stats.get("total_jobs"))),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    return grid


class StatsScreen(ReloadingScreen):
    """Totals, jobs by source and the ten most recent runs."""

    CSS_PATH = "stats.tcss"
    SUB_TITLE = "Stats"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload", tooltip="Read the stats again (through the cache)", id="stats.reload",
                show=False),
        Binding("enter", "open_run", "Details", tooltip="Open the selected run", id="stats.open", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[Any, ...] | None = None
        self._subtitles: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="stats-top"):
            summary = Static(id="summary")
            summary.border_title = "Runs"
            yield summary
            chart = BarChart(id="by-source", empty="no jobs stored yet")
            chart.border_title = "Jobs by source"
            yield chart
        table = RunTable(id="recent")
        table.border_title = "Recent runs"
        yield table

    def on_mount(self) -> None:
        self.query_one(RunTable).focus()
        interval = getattr(self.app, "interval", None)
        if interval:
            self.set_interval(interval, self._on_timer, name="stats-refresh")

    def _on_timer(self) -> None:
        if self.is_current:
            self.load()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="stats", name="stats", exit_on_error=False)
    async def load(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Ask the service (cached); the answer is applied on success, in `on_worker_state_changed`."""
        service = self.app.service  # type: ignore[attr-defined]
        stats = await service.stats()
        return stats, service.performance()["cache"]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.name == "stats":
            self.show_stats(*event.worker.result)
        else:
            self.app.report_worker(event)  # type: ignore[attr-defined]

    def show_stats(self, stats: dict[str, Any], cache: dict[str, Any]) -> None:
        """Draw an answer; parts whose numbers did not change are left alone (an idle screen repaints nothing)."""
        summary = self.query_one("#summary", Static)
        numbers = tuple(sorted((k, v) for k, v in stats.items() if not isinstance(v, (dict, list))))
        shown = (numbers, repr(stats.get("runs_by_status")))
        if shown != self._shown:
            self._shown = shown
            summary.update(summary_table(stats))
        cached = utc_time(stats.get("cached_at"), with_seconds=True)
        self._retitle(summary, f"cached {cached[11:]} UTC · hits {percent(cache.get('hit_rate'))}")
        chart = self.query_one(BarChart)
        chart.values = dict(stats.get("jobs_by_source") or {})
        self._retitle(chart, f"{count(stats.get('total_jobs'))} jobs")
        self.query_one(RunTable).show_runs(stats.get("recent_jobs") or [])

    def _retitle(self, widget: Static | BarChart, subtitle: str) -> None:
        """Set a border subtitle only when it changes (setting one always repaints)."""
        if self._subtitles.get(widget.id or "") != subtitle:
            self._subtitles[widget.id or ""] = subtitle
            widget.border_subtitle = Text(subtitle)
