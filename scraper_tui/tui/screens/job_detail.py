"""One stored job with every field, as a modal over the Jobs screen.

Values are scraped text and are shown with `literal` (no markup, control
characters made visible); the `data` dict's fields follow the columns as
`data.<name>`.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from scraper_tui.tui.widgets.job_text import literal

_FIRST = ("id", "title", "company", "location", "source", "url", "posted_at", "external_id")


def job_fields(job: dict[str, Any]) -> list[tuple[str, Any]]:
    """The job's fields in reading order: the familiar ones first, then the rest, then `data.*`."""
    fields = [(name, job[name]) for name in _FIRST if name in job]
    fields += [(name, value) for name, value in job.items() if name not in _FIRST and name != "data"]
    data = job.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            fields.append(("data", data))
            data = None
    if isinstance(data, dict) and not data:
        fields.append(("data", None))
    elif isinstance(data, dict):
        for name, value in data.items():
            shown = value if isinstance(value, str) or value is None else json.dumps(value, ensure_ascii=False)
            fields.append((f"data.{name}", shown))
    elif data is not None:
        fields.append(("data", json.dumps(data, ensure_ascii=False)))
    return fields


class _JobLoaded(Message):
    """Every field of one job, read by a worker."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__()
        self.job = job


class JobDetailScreen(ModalScreen[None]):
    """All fields of one job; Escape closes it."""

    CSS_PATH = "jobs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="job_detail.close"),
        Binding("q", "dismiss", "Close", show=False, id="job_detail.close_q"),
    ]

    def __init__(self, job_id: int) -> None:
        super().__init__()
        self.job_id = job_id
        self.job: dict[str, Any] | None = None
        """The job as the service answered, once loaded."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="job-detail") as box:
            box.border_title = f"Job {self.job_id}"
            box.border_subtitle = "Esc close"
            yield Static("loading…", id="job-detail-body")

    def on_mount(self) -> None:
        self.query_one("#job-detail").focus()
        self.load()

    @work(exclusive=True, group="job-detail", name="job detail", exit_on_error=False)
    async def load(self) -> None:
        try:
            job = await self.app.service.job(self.job_id)
        except LookupError as error:
            self.app.notify(str(error), title="Job not found", severity="warning", markup=False)
            self.dismiss()
            return
        self.post_message(_JobLoaded(job))

    @on(_JobLoaded)
    def _show(self, message: _JobLoaded) -> None:
        self.job = message.job
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, value in job_fields(message.job):
            grid.add_row(Text(name), literal(value, multiline=True))
        self.query_one("#job-detail-body", Static).update(grid)
        box = self.query_one("#job-detail")
        box.border_title = literal(f"Job {self.job_id} · {message.job.get('title') or ''}")
        box.border_subtitle = "removed · Esc close" if message.job.get("removed_at") else "Esc close"
