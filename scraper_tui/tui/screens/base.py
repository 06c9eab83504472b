"""What the Stats and History screens share: reload when their data may have changed, open a run's details."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from scraper_tui.tui.messages import DataChanged, RunUpdate
from scraper_tui.tui.screens.run_detail import RunDetailScreen
from scraper_tui.tui.widgets.run_table import RunTable


class ReloadingScreen(Screen[None]):
    """A screen that asks the service again when shown (the first time too: Textual resumes a
    mode's screen when it installs it), when the store changed, and when a run starts or ends.

    Subclasses implement `load()`, which must be cheap to call often: it starts a worker.
    """

    def load(self) -> None:
        raise NotImplementedError

    def on_screen_resume(self) -> None:
        self.load()

    @on(DataChanged)
    def _reload_on_change(self) -> None:
        self.load()

    @on(RunUpdate)
    def _reload_on_run_edge(self, message: RunUpdate) -> None:
        if message.event.kind in ("started", "finished"):
            self.load()

    def action_open_run(self) -> None:
        """Enter on the screen's RunTable: that run's details."""
        run_id = self.query_one(RunTable).selected_run
        if run_id is not None:
            self.app.push_screen(RunDetailScreen(run_id))

    @on(RunTable.RowSelected)
    def _row_clicked(self, event: RunTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(RunDetailScreen(int(event.row_key.value)))
