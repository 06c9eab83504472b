"""ScraperTUI: the Textual app, one screen per mode, on one `ScraperService`.

The app owns what every screen shares:

- the modes (`1`-`5`, the command palette) and the app-wide keys (`m` the
  metrics pane, `?` the keys, `q` quit);
- the chrome of each screen: a Header, the live `MetricsPane` and a Footer,
  added to any screen that does not compose its own when it is first shown;
- the service's run events, posted to the active screen as `RunUpdate`;
- one timer, once a second: it asks `service.stats()` (served from the cache
  until SQLite's `data_version` moves, so another process's write shows up
  at the next tick) and posts `DataChanged` when the answer is a new one, and
  it refreshes the metrics pane of the active screen if the pane is shown;
- failed workers, turned into notifications;
- a clean exit on SIGHUP, SIGTERM or a terminal that went away.

`ScraperTUI(service)` runs on an open service the caller closes;
`ScraperTUI.from_database(path, config)` opens (and closes) its own inside
the app's event loop, which is what snapshot tests need: they run the app
in a loop of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, HelpPanel
from textual.worker import Worker, WorkerState

from scraper_tui.config import Config
from scraper_tui.service import RunEvent, ScraperService
from scraper_tui.tui.format import plain
from scraper_tui.tui.messages import DataChanged, RunUpdate
from scraper_tui.tui.screens.history import HistoryScreen
from scraper_tui.tui.screens.jobs import JobsScreen
from scraper_tui.tui.screens.performance import PerformanceScreen
from scraper_tui.tui.screens.scrapers import ScrapersScreen
from scraper_tui.tui.screens.stats import StatsScreen
from scraper_tui.tui.widgets.metrics_pane import MetricsPane, latest_alert

__all__ = ["ScraperTUI", "run_app"]

_MODE_KEYS: tuple[tuple[str, str, str, str, str], ...] = (
    # key, mode, footer label, command palette title, help
    ("1", "stats", "Stats", "Stats", "Run totals, success rate, jobs by source, recent runs"),
    ("2", "history", "History", "History", "Every run, page by page, filtered by scraper and status"),
    ("3", "performance", "Perf", "Performance", "Operation timings, memory and CPU, alerts, cache metrics"),
    ("4", "scrapers", "Scrapers", "Scrapers", "Start, cancel, enable or disable scrapers; live progress"),
    ("5", "jobs", "Jobs", "Jobs", "Stored job postings, searchable"),
)

_SCREENS = Binding.Group("Screens", compact=True)

HANGUP_EXIT = 129
"""Exit code after SIGHUP or a lost terminal (128 + the signal number, as a shell reports it)."""


class ScraperTUI(App[int]):
    """The scraper manager: Stats, History, Performance, Scrapers and Jobs over one service."""

    TITLE = "scraper-tui"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "stats": StatsScreen,
        "history": HistoryScreen,
        "performance": PerformanceScreen,
        "scrapers": ScrapersScreen,
        "jobs": JobsScreen,
    }
    DEFAULT_MODE = "stats"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"switch_mode('{mode}')", label, tooltip=help_text, id=f"mode.{mode}", group=_SCREENS)
            for key, mode, label, _, help_text in _MODE_KEYS
        ),
        Binding("m", "toggle_metrics", "Metrics", tooltip="Show or hide the live metrics pane", id="metrics"),
        Binding("question_mark", "toggle_keys", "Keys", key_display="?", tooltip="Show the keys", id="keys"),
        Binding("q", "quit", "Quit", tooltip="Quit (running scrapers are cancelled and recorded)", id="quit"),
    ]

    def __init__(
        self,
        service: ScraperService | None = None,
        *,
        opener: Callable[[], Awaitable[ScraperService]] | None = None,
        interval: float | None = 1.0,
        monitoring: bool = True,
        schedules: bool = False,
        upkeep: bool = False,
    ) -> None:
        """`service` is used as it is and left open; with `opener` the app opens and closes its own.

        interval: seconds between polls of the store and metrics refreshes (None: never, for snapshots).
        monitoring: start the system sampler (RSS, CPU) at start.
        schedules: run scrapers with `every` on their interval while the app is open.
        upkeep: once the first screen is up, prune runs past retention and load the scraping
            stack, both in the background, so neither delays the first screen nor stalls a run.
        """
        if (service is None) == (opener is None):
            raise ValueError("give ScraperTUI either an open service or an opener")
        super().__init__()
        self._service = service
        self._opener = opener
        self.interval = interval
        self.monitoring = monitoring
        self.schedules = schedules
        self.upkeep = upkeep
        self.show_metrics = True
        """Whether the metrics pane is shown (toggled by `m`, on every screen)."""
        self._last_version: int | None = None
        """The database's data_version at the last poll (or the cached stats' identity)."""
        self._run_alert: dict[str, Any] | None = None
        self._stored_alert: dict[str, Any] | None = None
        self.hung_up = False

    @classmethod
    def from_database(cls, database: str | Path, config: Config | None = None, **options: Any) -> ScraperTUI:
        """An app that opens the service on `database` when it starts, and closes it when it ends."""

        async def open_service() -> ScraperService:
            return await ScraperService.open(database, config=config)

        return cls(opener=open_service, **options)

    @property
    def service(self) -> ScraperService:
        """The service every screen asks; open from before the first screen is composed."""
        if self._service is None:
            raise RuntimeError("the service is not open yet")
        return self._service

    # -- lifecycle ---------------------------------------------------------------

    async def on_load(self) -> None:
        # Load comes before the first screen is composed, so screens always find an open service.
        if self._service is None and self._opener is not None:
            self._service = await self._opener()
        # Warm the cache, so the first screen reads from memory.
        await self.service.stats()

    async def on_mount(self) -> None:
        self.service.subscribe(self._on_run_event)
        self.screen_change_signal.subscribe(self, self._on_screen_change)
        await self._dress(self.screen)
        self._install_signal_handlers()
        if self.monitoring:
            await self.service.start_monitoring()
        if self.schedules:
            await self.service.start_schedules()
        if self.upkeep:
            self.run_worker(self.service.prune(), name="prune", exit_on_error=False)
            self.run_worker(self.service.prepare_runs(), name="preload", exit_on_error=False)
        self._load_latest_alert()
        if self.interval:
            await self._tick()
            self.set_interval(self.interval, self._tick, name="poll")

    async def on_unmount(self) -> None:
        self._remove_signal_handlers()
        if self._service is not None:
            self._service.unsubscribe(self._on_run_event)
            if self._opener is not None:
                await self._service.close()

    def _install_signal_handlers(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, self._hang_up)
            loop.add_signal_handler(signal.SIGTERM, self.exit)

    def _remove_signal_handlers(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            loop.remove_signal_handler(signal.SIGHUP)
            loop.remove_signal_handler(signal.SIGTERM)

    def _hang_up(self) -> None:
        """The terminal is gone: leave quietly (the caller closes the service, which records running runs)."""
        self.hung_up = True
        self.exit(return_code=HANGUP_EXIT)

    def _terminal_lost(self) -> bool:
        if self.is_headless:
            return False
        stdin = sys.__stdin__
        try:
            return stdin is None or not os.isatty(stdin.fileno())
        except (OSError, ValueError):
            return True

    # -- chrome ------------------------------------------------------------------

    def _on_screen_change(self, screen: Screen[Any]) -> None:
        # Dressed in a message of the app's own: its end runs the callbacks the new widgets queued on the
        # app (the Header's title watchers), which would otherwise wait for the next app message and could
        # find their Header gone at shutdown.
        self.call_later(self._dress, screen)

    async def _dress(self, screen: Screen[Any]) -> None:
        """Give a full screen the Header, MetricsPane and Footer it does not compose itself."""
        if isinstance(screen, ModalScreen) or not screen.is_attached:
            return
        missing = {kind for kind in (Header, MetricsPane, Footer) if not screen.query(kind)}
        if Header in missing:
            await screen.mount(Header(), before=0 if screen.children else None)
        if MetricsPane in missing:
            await screen.mount(MetricsPane())
        if Footer in missing:
            await screen.mount(Footer(show_command_palette=False))  # ctrl+p still works; `?` lists it
            # A Footer mounted after the screen's first binding update draws on the next one.
            screen.refresh_bindings()
        for pane in screen.query(MetricsPane):
            pane.display = self.show_metrics
        if self.show_metrics:
            self.call_after_refresh(self.refresh_metrics)

    # -- run events and polling ----------------------------------------------------

    def _on_run_event(self, event: RunEvent) -> None:
        """Called by the run manager on this loop: hand the event to the screen the user sees."""
        if event.kind == "alert":
            self._run_alert = {"time": event.time.isoformat(), **event.data}
        self._tell_screen(RunUpdate(event))
        if event.kind == "finished":
            self._tell_screen(DataChanged())

    async def _tick(self) -> None:
        """Once a second: did the store change (here or in another process)? Refresh the metrics pane."""
        if self._terminal_lost():
            self._hang_up()
            return
        try:
            # SQLite's data_version moves with every commit, from any process, and reading it
            # costs microseconds; other stores fall back to whether the cached stats were renewed.
            version = self.service.data_version()
            if version is None:
                version = id(await self.service.stats())
        except Exception as error:  # noqa: BLE001 - a locked or vanished database: say so, keep running
            self.notify(f"could not read the database: {plain(error)}", severity="error", timeout=5)
            return
        if self._last_version is not None and version != self._last_version:
            self._tell_screen(DataChanged())
        self._last_version = version
        self.refresh_metrics()

    def _tell_screen(self, message: Message) -> None:
        """Post to the screen the user sees; nothing once the screens are gone (shutting down)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return
        screen.post_message(message)

    def refresh_metrics(self) -> None:
        """Show the latest numbers in the active screen's metrics pane, if it is shown (the timer calls this)."""
        if not self.show_metrics:
            return
        try:
            pane = self.screen.query_one(MetricsPane)
        except (NoMatches, ScreenStackError):  # a modal screen, one not dressed yet, or shutting down
            return
        if not pane.display:
            return
        performance = self.service.performance()
        monitor_alert = performance["alerts"][0] if performance["alerts"] else None
        alert = latest_alert(self._stored_alert, monitor_alert, self._run_alert)
        pane.show(self.service.system(), performance["cache"], alert)

    def _load_latest_alert(self) -> None:
        self.run_worker(self._read_latest_alert, name="latest-alert", group="latest-alert", exit_on_error=False)

    async def _read_latest_alert(self) -> None:
        stored = await self.service.alerts(limit=1)
        self._stored_alert = stored[0] if stored else None
        self.refresh_metrics()

    # -- actions -------------------------------------------------------------------

    def action_toggle_metrics(self) -> None:
        self.show_metrics = not self.show_metrics
        for pane in self.screen.query(MetricsPane):
            pane.display = self.show_metrics
        self.refresh_metrics()

    def action_toggle_keys(self) -> None:
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return None  # shown dimmed: it is where we are
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, mode, _, title, help_text in _MODE_KEYS:
            if mode in self.MODES:
                yield SystemCommand(f"{title} screen", f"{help_text} (key {key})",
                                    lambda mode=mode: self.switch_mode(mode))  # fmt: skip
        yield SystemCommand("Toggle metrics pane", "Show or hide the live metrics pane (key m)",
                            self.action_toggle_metrics)  # fmt: skip

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker(event)

    def report_worker(self, event: Worker.StateChanged) -> None:
        """A failed worker (the app's or a screen's) becomes a notification, never a traceback."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(plain(f"{event.worker.name or 'a task'} failed: {error}"), title="Error",
                        severity="error", timeout=8)  # fmt: skip


async def run_app(service: ScraperService, *, schedules: bool = True) -> int:
    """Run the app on an open service until the user quits; the exit code (0, or 129 after a hang-up).

    The caller owns the service and closes it afterwards, which cancels and
    records any run still going and flushes what was buffered.
    """
    app = ScraperTUI(service, schedules=schedules, upkeep=True)
    await app.run_async()
    if app.hung_up:
        return HANGUP_EXIT
    return app.return_code or 0
