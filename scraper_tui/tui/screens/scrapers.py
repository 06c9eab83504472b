"""Scrapers: each configured scraper, its last and next run, live progress; run, cancel, enable or disable.

Rows are keyed by scraper name. Run events (`RunUpdate`) change only the
cells of that row, inside one batch update; the whole list is read again
from the service when the screen is shown and when the store changed
(`DataChanged`), e.g. after a run finished or another process wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable

from scraper_tui.config import ConfigError
from scraper_tui.service import RunRefused
from scraper_tui.tui.messages import DataChanged, RunUpdate
from scraper_tui.tui.widgets.job_text import EMPTY, literal

BAR_WIDTH = 5
_COLUMNS = (
    ("Scraper", "name", 12),
    ("On", "enabled", 3),
    ("Every", "schedule", 5),
    ("Next", "next", 5),
    ("Last run", "last", 15),
    ("Progress", "progress", 24),
)


def progress_text(live: dict[str, Any]) -> str:
    """A live run as text: `▰▰▱▱▱ 3/10p 45j 12.3/s` (bar by pages; the numbers carry the meaning, not colour)."""
    status = live.get("status")
    if status == "queued":
        return "queued"
    pages, max_pages = int(live.get("pages") or 0), int(live.get("max_pages") or 0)
    filled = min(BAR_WIDTH, round(BAR_WIDTH * pages / max_pages)) if max_pages > 0 else 0
    bar = "▰" * filled + "▱" * (BAR_WIDTH - filled)
    limit = str(max_pages) if max_pages > 0 else "∞"  # 0 means no limit
    return f"{bar} {pages}/{limit}p {int(live.get('jobs_found') or 0)}j {float(live.get('rate') or 0):.1f}/s"


def last_run_text(last: dict[str, Any] | None) -> str:
    if not last:
        return "never"
    if last.get("status") in ("running", "queued"):
        return str(last["status"])
    found = last.get("jobs_found")
    return f"{last['status']} · {found}" if found is not None else str(last["status"])


def next_run_text(iso: str | None) -> str:
    """The next scheduled run as local HH:MM today, else day and month."""
    if not iso:
        return EMPTY
    when = datetime.fromisoformat(iso).astimezone()
    return when.strftime("%H:%M") if when.date() == datetime.now().astimezone().date() else when.strftime("%d/%m")


class _ScrapersLoaded(Message):
    """The scrapers overview, read by a worker."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.rows = rows


class ScrapersScreen(Screen[None]):
    """Scraper definitions with live runs (mode `scrapers`)."""

    CSS_PATH = "scrapers.tcss"
    SUB_TITLE = "Scrapers"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", tooltip="Start a run of the selected scraper now", id="scrapers.run"),
        Binding("x", "cancel", "Cancel", tooltip="Cancel the selected scraper's run", id="scrapers.cancel"),
        Binding(
            "e", "toggle_enabled", "On/off", tooltip="Enable or disable the selected scraper", id="scrapers.toggle"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dict[str, Any]] = {}
        """The service's answer per scraper, as shown."""
        self._live: dict[str, dict[str, Any]] = {}
        """Runs of this process by scraper: run_id and the latest snapshot."""
        self._keys_state: tuple[bool | None, ...] | None = None

    def compose(self) -> ComposeResult:
        table = DataTable(id="scrapers-table", cursor_type="row", zebra_stripes=True)
        table.border_title = "Scrapers"
        table.border_subtitle = "p pages · j jobs"
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in _COLUMNS:
            table.add_column(label, key=key, width=width)
        # No load here: showing the screen (`on_screen_resume`) comes next and loads.

    def on_screen_resume(self) -> None:
        self.load()

    @on(DataChanged)
    def _data_changed(self) -> None:
        self.load()

    @work(exclusive=True, group="scrapers-load", name="scrapers", exit_on_error=False)
    async def load(self) -> None:
        self.post_message(_ScrapersLoaded(await self.app.service.scrapers()))

    # -- showing -----------------------------------------------------------------

    def _cells(self, row: dict[str, Any]) -> dict[str, Text]:
        live = self._live.get(row["name"])
        return {
            "name": literal(row["name"]),
            "enabled": Text("yes" if row["enabled"] else "no"),
            "schedule": literal(row.get("schedule")),
            "next": Text(next_run_text(row.get("next_run"))),
            "last": Text("running" if live else last_run_text(row.get("last_run")), no_wrap=True),
            "progress": Text(progress_text(live) if live else EMPTY, no_wrap=True),
        }

    @on(_ScrapersLoaded)
    def _show(self, message: _ScrapersLoaded) -> None:
        table = self.query_one(DataTable)
        names = [row["name"] for row in message.rows]
        self._live = {row["name"]: dict(row["live"]) for row in message.rows if row.get("live")}
        with self.app.batch_update():
            for gone in [name for name in self._rows if name not in names]:
                table.remove_row(gone)
            for row in message.rows:
                cells = self._cells(row)
                if row["name"] in self._rows:
                    for key, value in cells.items():
                        table.update_cell(row["name"], key, value)
                else:
                    table.add_row(*(cells[key] for _, key, _ in _COLUMNS), key=row["name"])
            self._rows = {row["name"]: row for row in message.rows}
        self._show_title()
        self._refresh_keys()

    def _show_title(self) -> None:
        table = self.query_one(DataTable)
        running = f" · {len(self._live)} running" if self._live else ""
        table.border_title = f"Scrapers · {len(self._rows)}{running}"

    def _update(self, name: str, **cells: Text) -> None:
        table = self.query_one(DataTable)
        with self.app.batch_update():
            for key, value in cells.items():
                table.update_cell(name, key, value)

    @on(RunUpdate)
    def _run_update(self, message: RunUpdate) -> None:
        event = message.event
        name = event.scraper
        if name not in self._rows:
            return
        if event.kind == "started":
            self._live[name] = {"run_id": event.run_id, "status": "running", **event.data}
        elif event.kind == "progress":
            self._live.setdefault(name, {"run_id": event.run_id}).update(event.data)
        elif event.kind == "finished":
            self._live.pop(name, None)
            self._rows[name]["last_run"] = {"id": event.run_id, "status": event.data.get("status", "finished"),
                                            "jobs_found": event.data.get("jobs_found")}  # fmt: skip
        else:
            return
        cells = self._cells(self._rows[name])
        self._update(name, last=cells["last"], progress=cells["progress"])
        self._show_title()
        self._refresh_keys()

    # -- actions -------------------------------------------------------------------

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return str(table.ordered_rows[table.cursor_row].key.value)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Redraw the Footer only when a key's state changed (a redraw per progress event would flicker)."""
        state = tuple(self.check_action(action, ()) for action in ("run", "cancel", "toggle_enabled"))
        if state != self._keys_state:
            self._keys_state = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("run", "cancel", "toggle_enabled"):
            return True
        if not self.is_mounted:
            return None
        name = self._selected()
        if name is None:
            return None
        if action == "run":
            return None if name in self._live else True
        if action == "cancel":
            return True if name in self._live else None
        return True

    def action_run(self) -> None:
        name = self._selected()
        if name is not None and name not in self._live:
            self._start(name)

    @work(group="scrapers-actions", name="start run", exit_on_error=False)
    async def _start(self, name: str) -> None:
        try:
            run_id = await self.app.service.start_run(name)
        except RunRefused as refused:
            self.notify(str(refused), title=f"{name} not started", severity="warning", markup=False)
        except ConfigError as error:
            self.notify(str(error), title=f"{name} not started", severity="error", markup=False)
        else:
            self.notify(f"run {run_id} started", title=name, markup=False)

    def action_cancel(self) -> None:
        name = self._selected()
        live = self._live.get(name) if name is not None else None
        if name is not None and live is not None:
            self._cancel(name, int(live["run_id"]))

    @work(group="scrapers-actions", name="cancel run", exit_on_error=False)
    async def _cancel(self, name: str, run_id: int) -> None:
        if await self.app.service.cancel_run(run_id):
            self.notify(f"run {run_id} cancelled", title=name, markup=False)
        else:
            self.notify(f"run {run_id} is not running in this app", title=name, severity="warning", markup=False)

    def action_toggle_enabled(self) -> None:
        name = self._selected()
        if name is not None:
            self._toggle(name, not self._rows[name]["enabled"])

    @work(group="scrapers-actions", name="enable/disable", exit_on_error=False)
    async def _toggle(self, name: str, enabled: bool) -> None:
        try:
            await self.app.service.set_enabled(name, enabled)
        except ConfigError as error:
            self.notify(str(error), title=f"{name} unchanged", severity="error", markup=False)
            return
        self.load()
