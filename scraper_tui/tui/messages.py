"""The app's typed messages: how run events and store changes reach the screens.

The app subscribes to the service's run events (they arrive on the app's
loop, from the run manager) and posts them to the active screen as
`RunUpdate`. Progress is high-rate, so a newer update of the same run
replaces one still queued. `DataChanged` tells a screen to reload what it
shows: a run finished here, or another process (a cron `--run`) wrote to the
database.
"""

from __future__ import annotations

from textual.message import Message

from scraper_tui.service import RunEvent


class RunUpdate(Message):
    """Something happened to a run: started, progress, finished, alert or refused."""

    def __init__(self, event: RunEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        """A newer progress of a run makes an older queued one worthless."""
        return (
            isinstance(message, RunUpdate)
            and self.event.kind == "progress"
            and message.event.kind == "progress"
            and message.event.run_id == self.event.run_id
        )


class DataChanged(Message):
    """The store changed; screens reload what they show (through the cache)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataChanged)
