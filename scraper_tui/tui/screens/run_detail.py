"""One run in full: counters, HTTP status histogram, field coverage, its alerts and its log.

A modal screen over History or Stats, from `service.run_detail(run_id)`.
Everything stored (names, messages, log lines) is shown literally. `escape`
or `q` closes it; the screen below reloads when it is shown again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from scraper_tui.tui.format import count, literal, megabytes, plain, seconds, utc_time
from scraper_tui.tui.messages import DataChanged
from scraper_tui.tui.widgets.bar_chart import render_bars

__all__ = ["RunDetailScreen", "run_detail_renderable"]


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _counters(run: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column()
    details = run.get("details") or {}
    pairs = [
        ("Status", literal(run.get("status"), style="bold")),
        ("Trigger", literal(run.get("trigger"))),
        ("Started", Text(f"{utc_time(run.get('started_at'), with_seconds=True)} UTC")),
        ("Finished", Text(f"{utc_time(run.get('finished_at'), with_seconds=True)} UTC" if run.get("finished_at") else "-")),
        ("Time", Text(seconds(run.get("execution_time")))),
        ("Pages", Text(count(run.get("pages_scraped")))),
        ("Jobs found", Text(count(run.get("jobs_found")))),
        ("New", Text(count(run.get("jobs_created")))),
        ("Updated", Text(count(run.get("jobs_updated")))),
        ("Unchanged", Text(count(run.get("jobs_unchanged")))),
        ("Removed", Text(count(run.get("jobs_removed")))),
        ("Errors", Text(count(run.get("errors")))),
        ("Retries", Text(count(details.get("retries")))),
        ("Peak RSS", Text(megabytes(details.get("peak_rss")))),
        ("Latency p50", Text(f"{details['latency_p50'] * 1000:.0f} ms" if "latency_p50" in details else "-")),
        ("Latency p95", Text(f"{details['latency_p95'] * 1000:.0f} ms" if "latency_p95" in details else "-")),
    ]  # fmt: skip
    for index in range(0, len(pairs), 2):
        row: list[RenderableType] = []
        for label, value in pairs[index : index + 2]:
            row += [Text(label, style="dim"), value]
        grid.add_row(*row)
    return grid


def _coverage(coverage: dict[str, float], width: int) -> Text:
    """Each field's share of items that had it, as bars of 100%."""
    if not coverage:
        return Text("not recorded", style="italic")
    text = Text(no_wrap=True)
    label_width = min(14, max(len(plain(name)) for name in coverage))
    bar_width = max(10, width - label_width - 8)
    for index, (name, share) in enumerate(coverage.items()):
        if index:
            text.append("\n")
        label = plain(name)[:label_width].ljust(label_width)
        filled = round(bar_width * max(0.0, min(1.0, share)))
        text.append(f"{label} ", style="bold")
        text.append("█" * filled + "·" * (bar_width - filled))
        text.append(f" {share * 100:5.1f}%")
    return text


def _alerts(alerts: list[dict[str, Any]]) -> RenderableType:
    if not alerts:
        return Text("none", style="italic")
    lines = Text()
    for index, alert in enumerate(alerts):
        if index:
            lines.append("\n")
        lines.append(f"{utc_time(alert.get('time'), with_seconds=True)} ", style="dim")
        lines.append(f"{plain(alert.get('severity'))} {plain(alert.get('rule'))}: ", style="bold")
        lines.append(plain(alert.get("message")))
    return lines


def _log(log: list[dict[str, Any]]) -> RenderableType:
    if not log:
        return Text("no log lines", style="italic")
    lines = Text()
    for index, line in enumerate(log):
        if index:
            lines.append("\n")
        when = utc_time(line.get("time"), with_seconds=True)[11:]
        level = plain(line.get("level")).upper()
        lines.append(f"{when} ", style="dim")
        lines.append(f"{level:<7} ", style="bold" if level in ("ERROR", "WARNING") else "")
        lines.append(plain(line.get("message")))
    return lines


def run_detail_renderable(run: dict[str, Any], width: int = 70) -> Group:
    """The whole detail view of `service.run_detail()`'s answer."""
    details = run.get("details") or {}
    parts: list[RenderableType] = [_counters(run)]
    if run.get("error_message"):
        parts += [_heading("Error"), literal(run["error_message"])]
    histogram = {plain(code): int(n) for code, n in sorted((details.get("status_histogram") or {}).items())}
    parts += [_heading("HTTP status"), render_bars(histogram, width, label_width=5, empty="no requests recorded")]
    parts += [_heading("Field coverage"), _coverage(details.get("field_coverage") or {}, width)]
    parts += [_heading(f"Alerts ({len(run.get('alerts') or [])})"), _alerts(run.get("alerts") or [])]
    parts += [_heading(f"Log ({len(run.get('log') or [])} lines)"), _log(run.get("log") or [])]
    return Group(*parts)


class RunDetailScreen(ModalScreen[None]):
    """Details of run `run_id`, read when shown and again when the store changes."""

    DEFAULT_CSS = """
    RunDetailScreen {
        align: center middle;
    }
    RunDetailScreen > VerticalScroll {
        width: 100%;
        max-width: 100;
        height: 100%;
        max-height: 40;
        border: round $border;
        border-title-color: $text-primary;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", tooltip="Back to the list", id="run_detail.close"),
        Binding("q", "dismiss", "Close", show=False, id="run_detail.close_q"),
    ]

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        body = VerticalScroll(Static("loading...", id="run-body"))
        body.border_title = f"Run {self.run_id}"
        body.border_subtitle = "esc close"
        yield body

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.load()

    def on_data_changed(self, _message: DataChanged) -> None:
        self.load()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    @work(exclusive=True, group="run-detail", name="run detail", exit_on_error=False)
    async def load(self) -> dict[str, Any]:
        return await self.app.service.run_detail(self.run_id)  # type: ignore[attr-defined]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.name == "run detail":
            self.show_run(event.worker.result)
        elif event.state is WorkerState.ERROR and isinstance(event.worker.error, LookupError):
            self.query_one("#run-body", Static).update(Text(f"Run {self.run_id} is gone (pruned or deleted)."))
        else:
            self.app.report_worker(event)  # type: ignore[attr-defined]

    def show_run(self, run: dict[str, Any]) -> None:
        body = self.query_one(VerticalScroll)
        body.border_title = Text(f"Run {self.run_id} · {plain(run.get('scraper_name'))}")
        width = max(30, (body.content_size.width or 70) - 2)
        self.query_one("#run-body", Static).update(run_detail_renderable(run, width))
