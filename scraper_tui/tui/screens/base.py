"""What the Stats and History screens share: reload whenever what they show may have changed."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from scraper_tui.tui.messages import DataChanged, RunUpdate


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
