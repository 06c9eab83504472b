"""Jobs: stored postings newest first, a page at a time, by source and by a search over title and company.

Everything scraped is shown with `literal` (a `Text` with control characters
made visible), never as markup. Removed postings keep their row and carry a
`✗` marker (and a struck-through title), so the meaning does not rest on
colour. Enter opens every field of one posting in `JobDetailScreen`.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select

from scraper_tui.tui.messages import DataChanged
from scraper_tui.tui.screens.job_detail import JobDetailScreen
from scraper_tui.tui.widgets.job_text import literal

SEARCH_DEBOUNCE = 0.25
"""Seconds of quiet typing before the search is run."""
REMOVED = "✗"
_COLUMNS = (
    (REMOVED, "removed", 1),
    ("Title", "title", 21),
    ("Company", "company", 13),
    ("Location", "location", 10),
    ("Source", "source", 9),
    ("Posted", "posted", 10),
)

_MIN_WIDTHS = {key: width for _, key, width in _COLUMNS}


def _column_widths(room: int) -> dict[str, int]:
    """Column widths for a table `room` cells wide: the minimum, with what is left shared by title and company."""
    needed = sum(_MIN_WIDTHS.values()) + 2 * len(_MIN_WIDTHS) + 2  # cell padding, and the vertical scrollbar
    extra = max(0, room - needed)
    widths = dict(_MIN_WIDTHS)
    widths["title"] += extra * 2 // 3
    widths["company"] += extra - extra * 2 // 3
    return widths


class _JobsLoaded(Message):
    """One page of jobs, read by a worker."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__()
        self.answer = answer


class _SourcesLoaded(Message):
    """The sources that have stored jobs."""

    def __init__(self, sources: list[str]) -> None:
        super().__init__()
        self.sources = sources


class JobsScreen(Screen[None]):
    """Stored job postings (mode `jobs`)."""

    CSS_PATH = "jobs.tcss"
    SUB_TITLE = "Jobs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "Next", key_display="PgDn", priority=True, id="jobs.next_page",
                tooltip="Show the next page of jobs"),
        Binding("pageup", "page(-1)", "Prev", key_display="PgUp", priority=True, id="jobs.previous_page",
                tooltip="Show the previous page of jobs"),
        Binding("slash", "focus_search", "Search", key_display="/", id="jobs.search",
                tooltip="Search titles and companies"),
        Binding("s", "next_source", "Source", id="jobs.source", tooltip="Show the next source only (then all)"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._page = 1
        self._num_pages = 1
        self._source: str | None = None
        self._search = ""
        self._sources: list[str] = []
        self._answer: dict[str, Any] | None = None
        """The page shown, kept to redraw it when the columns change width."""
        self._widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="jobs-filters"):
            yield Input(placeholder="Search title or company  /", id="jobs-search", compact=True)
            yield Select[str]([], prompt="All sources", id="jobs-source", compact=True)
        table = DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        table.border_title = "Jobs"
        table.border_subtitle = f"{REMOVED} removed · Enter details"
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._add_columns(table, _column_widths(0))
        table.focus()
        # No load here: showing the screen (`on_screen_resume`) comes next and loads.

    def on_screen_resume(self) -> None:
        self.load_sources()
        self.load()

    @on(DataChanged)
    def _data_changed(self) -> None:
        self.load_sources()
        self.load()

    def _add_columns(self, table: DataTable[Text], widths: dict[str, int]) -> None:
        self._widths = widths
        for label, key, _ in _COLUMNS:
            table.add_column(label, key=key, width=widths[key])

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_columns)

    def _fit_columns(self) -> None:
        """Give a wider terminal's room to the title and company (80 columns get the minimum)."""
        table = self.query_one(DataTable)
        if self._answer is not None and _column_widths(table.size.width) != self._widths:
            self._show(_JobsLoaded(self._answer))

    # -- loading -----------------------------------------------------------------

    @work(exclusive=True, group="jobs-load", name="jobs", exit_on_error=False)
    async def load(self, delay: float = 0.0) -> None:
        """Read the page the filters ask for; a newer load cancels this one (which is the search debounce)."""
        if delay:
            await asyncio.sleep(delay)
        service = self.app.service
        search = self._search.strip() or None
        try:
            answer = await service.jobs(self._page, None, self._source, search)
        except ValueError:  # past the end: fewer jobs than when the page was chosen
            answer = await service.jobs(1, None, self._source, search)
        self.post_message(_JobsLoaded(answer))

    @work(exclusive=True, group="jobs-sources", name="sources", exit_on_error=False)
    async def load_sources(self) -> None:
        self.post_message(_SourcesLoaded(await self.app.service.sources()))

    # -- showing -----------------------------------------------------------------

    @on(_JobsLoaded)
    def _show(self, message: _JobsLoaded) -> None:
        answer = self._answer = message.answer
        table = self.query_one(DataTable)
        self._page, self._num_pages = answer["page"], answer["num_pages"]
        keep = None
        if table.row_count:
            keep = table.ordered_rows[table.cursor_row].key.value
        with self.app.batch_update():
            widths = _column_widths(table.size.width)
            if widths != self._widths:
                table.clear(columns=True)
                self._add_columns(table, widths)
            else:
                table.clear()
            for job in answer["results"]:
                removed = job.get("removed_at") is not None
                table.add_row(
                    Text(REMOVED if removed else ""),
                    literal(job.get("title"), style="strike" if removed else ""),
                    literal(job.get("company")),
                    literal(job.get("location")),
                    literal(job.get("source")),
                    literal((job.get("posted_at") or "")[:10] or None),
                    key=str(job["id"]),
                )
            if keep is not None and keep in {str(job["id"]) for job in answer["results"]}:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
        filters = [f"“{self._search.strip()}”"] if self._search.strip() else []
        if self._source:
            filters.append(self._source)
        shown = f" · {' · '.join(filters)}" if filters else ""
        # A Text, not a str: a border title string is parsed as markup, and the search is the user's text.
        table.border_title = literal(f"Jobs · {answer['count']}{shown} · page {self._page}/{self._num_pages}")
        self.refresh_bindings()

    @on(_SourcesLoaded)
    def _show_sources(self, message: _SourcesLoaded) -> None:
        if message.sources == self._sources:
            return
        self._sources = message.sources
        select = self.query_one("#jobs-source", Select)
        with select.prevent(Select.Changed):
            select.set_options((source, source) for source in self._sources)
            if self._source in self._sources:
                select.value = self._source
        if self._source is not None and self._source not in self._sources:
            self._source = None
            self._page = 1
            self.load()

    # -- filters and paging ---------------------------------------------------------

    @on(Input.Changed, "#jobs-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._search = event.value
        self._page = 1
        self.load(SEARCH_DEBOUNCE)

    @on(Input.Submitted, "#jobs-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search = event.value
        self._page = 1
        self.load()
        self.query_one(DataTable).focus()

    @on(Select.Changed, "#jobs-source")
    def _source_changed(self, event: Select.Changed) -> None:
        self._source = None if event.value is Select.NULL else str(event.value)
        self._page = 1
        self.load()

    def action_focus_search(self) -> None:
        self.query_one("#jobs-search", Input).focus()

    def action_next_source(self) -> None:
        """All sources, then each one in turn, then all again."""
        select = self.query_one("#jobs-source", Select)
        order: list[str | None] = [None, *self._sources]
        following = order[(order.index(self._source) + 1) % len(order)] if self._source in order else None
        if following is None:
            select.clear()
        else:
            select.value = following

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page" and parameters:
            step = int(parameters[0])  # type: ignore[call-overload]
            return True if 1 <= self._page + step <= self._num_pages else None
        if action == "next_source":
            return True if self._sources else None
        return True

    def action_page(self, step: int) -> None:
        target = self._page + step
        if 1 <= target <= self._num_pages:
            self._page = target
            self.load()

    # -- details ---------------------------------------------------------------------

    @on(DataTable.RowSelected, "#jobs-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(JobDetailScreen(int(event.row_key.value)))
