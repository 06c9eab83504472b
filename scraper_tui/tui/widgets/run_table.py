"""A DataTable of runs (the service's run dicts), kept in step by row key.

Stats (recent runs) and History (a page of runs) both show runs this way.
`show_runs()` removes rows that left, updates only the cells that changed
and adds new rows, then orders by run id, newest first; an unchanged list
touches nothing, so a refresh that finds nothing new costs no repaint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from scraper_tui.tui.format import literal, seconds, utc_time

__all__ = ["RUN_COLUMNS", "RunTable", "run_cells"]

RUN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "#"),
    ("scraper", "Scraper"),
    ("status", "Status"),
    ("started", "Started (UTC)"),
    ("time", "Time"),
    ("pages", "Pages"),
    ("jobs", "Jobs"),
    ("errors", "Errors"),
)

_STATUS_STYLE = {"failed": "bold reverse", "interrupted": "italic", "cancelled": "italic", "running": "bold"}


def _number(value: Any) -> Text:
    return Text("-" if value is None else f"{value:,}", justify="right")


def run_cells(run: Mapping[str, Any]) -> tuple[Any, ...]:
    """The cells of one run's row, in `RUN_COLUMNS` order; names and statuses shown literally."""
    status = str(run.get("status") or "")
    return (
        int(run["id"]),
        literal(run.get("scraper_name")),
        literal(status, style=_STATUS_STYLE.get(status, "")),
        Text(utc_time(run.get("started_at"))),
        Text(seconds(run.get("execution_time")), justify="right"),
        _number(run.get("pages_scraped")),
        _number(run.get("jobs_found")),
        _number(run.get("errors")),
    )


def _comparable(cell: Any) -> Any:
    return (cell.plain, str(cell.style)) if isinstance(cell, Text) else cell


class RunTable(DataTable[Any]):
    """Runs, one row each, keyed by run id."""

    DEFAULT_CSS = """
    RunTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._shown: dict[str, tuple[Any, ...]] = {}

    def on_mount(self) -> None:
        for key, label in RUN_COLUMNS:
            self.add_column(label, key=key)

    @property
    def run_ids(self) -> list[int]:
        """The run ids shown, top to bottom."""
        return [int(row.key.value) for row in self.ordered_rows if row.key.value is not None]

    @property
    def selected_run(self) -> int | None:
        """The run id under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    def show_runs(self, runs: Iterable[Mapping[str, Any]]) -> bool:
        """Show exactly these runs; True if anything changed."""
        wanted = {str(run["id"]): run_cells(run) for run in runs}
        changed = False
        cursor_key = str(self.selected_run) if self.row_count else None
        with self.app.batch_update():
            for key in [key for key in self._shown if key not in wanted]:
                self.remove_row(key)
                del self._shown[key]
                changed = True
            added = False
            for key, cells in wanted.items():
                shown = self._shown.get(key)
                if shown is None:
                    self.add_row(*cells, key=key)
                    added = changed = True
                else:
                    for (column, _), old, new in zip(RUN_COLUMNS, shown, cells, strict=True):
                        if _comparable(old) != _comparable(new):
                            self.update_cell(key, column, new)
                            changed = True
                self._shown[key] = cells
            if added:
                self.sort("id", reverse=True)
                if cursor_key in self._shown:
                    self.move_cursor(row=self.get_row_index(cursor_key), animate=False)
        return changed

    def reset(self, runs: Iterable[Mapping[str, Any]]) -> None:
        """Show these runs from a clean table with the cursor on the first (a new page or filter)."""
        with self.app.batch_update():
            self.clear()
            self._shown.clear()
            self.show_runs(runs)
            self.move_cursor(row=0, animate=False)
