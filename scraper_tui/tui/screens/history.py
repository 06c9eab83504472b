"""The History screen: every run, a page at a time, filtered by scraper and status.

PageDown and PageUp move between pages of `service.page_size` runs (the
settings' page size); `s` cycles the scraper filter through the configured
scrapers, `t` the status filter through the run statuses, `c` clears both.
The filters are shown in the table's border title and the page in its
subtitle, so no row is spent on them at 80x24. Enter opens the selected
run's details.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from scraper_tui.tui.format import count, plain
from scraper_tui.tui.screens.base import ReloadingScreen
from scraper_tui.tui.widgets.run_table import RunTable

__all__ = ["RUN_STATUSES", "HistoryScreen"]

_PAGES = Binding.Group("Page")
_FILTERS = Binding.Group("Filter", compact=True)

RUN_STATUSES = ("queued", "running", "completed", "failed", "cancelled", "interrupted")
"""The statuses the filter cycles through, after "all"."""


def _cycle(options: list[str], current: str | None, step: int = 1) -> str | None:
    """The next of None (all), *options, wrapping around."""
    ring: list[str | None] = [None, *options]
    index = ring.index(current) if current in ring else 0
    return ring[(index + step) % len(ring)]


class HistoryScreen(ReloadingScreen):
    """A page of runs, newest first, with filters in the border."""

    SUB_TITLE = "History"
    DEFAULT_CSS = """
    HistoryScreen #runs {
        height: 1fr;
        border: round $border-blurred;
        border-title-color: $text-primary;
        border-subtitle-color: $text-muted;
    }
    HistoryScreen #runs:focus {
        border: round $border;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the table would otherwise take PageDown/PageUp to scroll within the page.
        Binding("pageup", "page(-1)", "Prev page", tooltip="The previous (newer) page of runs", priority=True,
                id="history.prev_page", group=_PAGES),
        Binding("pagedown", "page(1)", "Next page", tooltip="The next (older) page of runs", priority=True,
                id="history.next_page", group=_PAGES),
        Binding("s", "cycle_scraper", "Scraper", tooltip="Filter by the next scraper (all, then each)",
                id="history.scraper", group=_FILTERS),
        Binding("t", "cycle_status", "Status", tooltip="Filter by the next status (all, then each)",
                id="history.status", group=_FILTERS),
        Binding("c", "clear_filters", "Clear", tooltip="Show all scrapers and statuses", id="history.clear", show=False),
        Binding("enter", "open_run", "Details", tooltip="Open the selected run", priority=True, id="history.open"),
    ]  # fmt: skip

    page: reactive[int] = reactive(1, init=False)
    """The page shown, from 1."""
    scraper: reactive[str | None] = reactive(None, init=False)
    """Only runs of this scraper, or None for all."""
    status: reactive[str | None] = reactive(None, init=False)
    """Only runs with this status, or None for all."""

    def __init__(self) -> None:
        super().__init__()
        self.num_pages = 1
        self.total = 0
        self._scrapers: list[str] = []

    def compose(self) -> ComposeResult:
        yield RunTable(id="runs")

    def on_mount(self) -> None:
        self.query_one(RunTable).focus()
        self._show_border()

    # -- keys --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page" and parameters:
            step = int(parameters[0])  # type: ignore[call-overload]
            target = self.page + step
            return True if 1 <= target <= self.num_pages else None
        if action == "clear_filters":
            return True if (self.scraper or self.status) else None
        return True

    def action_page(self, step: int) -> None:
        target = self.page + step
        if 1 <= target <= self.num_pages:
            self.page = target

    def action_cycle_scraper(self) -> None:
        self.scraper = _cycle(self._scraper_names(), self.scraper)

    def action_cycle_status(self) -> None:
        self.status = _cycle(list(RUN_STATUSES), self.status)

    def action_clear_filters(self) -> None:
        self.scraper = None
        self.status = None

    def watch_page(self) -> None:
        self.load(reset=True)

    def watch_scraper(self) -> None:
        self._filters_changed()

    def watch_status(self) -> None:
        self._filters_changed()

    def _filters_changed(self) -> None:
        if self.page != 1:
            self.page = 1  # its watcher loads
        else:
            self.load(reset=True)

    def _scraper_names(self) -> list[str]:
        configured = list(self.app.service.definitions.scrapers)  # type: ignore[attr-defined]
        return configured or self._scrapers

    # -- loading -------------------------------------------------------------------

    @work(exclusive=True, group="history", name="history", exit_on_error=False)
    async def load(self, reset: bool = False) -> tuple[dict[str, Any], bool]:
        """Read the page shown; a page that no longer exists (runs pruned) falls back to the last one."""
        service = self.app.service  # type: ignore[attr-defined]
        if not self._scrapers and not service.definitions.scrapers:
            self._scrapers = [row["name"] for row in await service.scrapers()]
        try:
            answer = await service.history(self.page, service.page_size, self.scraper, self.status)
        except ValueError:
            first = await service.history(1, service.page_size, self.scraper, self.status)
            answer = await service.history(first["num_pages"], service.page_size, self.scraper, self.status)
            reset = True
        return answer, reset

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.name == "history":
            answer, reset = event.worker.result
            self.show_page(answer, reset=reset)
        else:
            self.app.report_worker(event)  # type: ignore[attr-defined]

    def show_page(self, answer: dict[str, Any], *, reset: bool = False) -> None:
        self.num_pages = int(answer["num_pages"])
        self.total = int(answer["count"])
        if answer["page"] != self.page:
            self.set_reactive(HistoryScreen.page, int(answer["page"]))
        table = self.query_one(RunTable)
        if reset:
            table.reset(answer["results"])
        else:
            table.show_runs(answer["results"])
        self._show_border()
        self.refresh_bindings()

    def _show_border(self) -> None:
        table = self.query_one(RunTable)
        title = Text("Runs · scraper ")
        title.append(plain(self.scraper) if self.scraper else "all", style="bold")
        title.append(" · status ")
        title.append(self.status or "all", style="bold")
        table.border_title = title
        runs = "run" if self.total == 1 else "runs"
        table.border_subtitle = f"page {self.page} of {self.num_pages} · {count(self.total)} {runs}"
