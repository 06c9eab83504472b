"""Performance: profiled operations with their trend, RSS and CPU sparklines, stored alerts, cache metrics.

Everything but the alerts is in memory (`service.performance()` and
`service.system()`), so it is redrawn once a second while the screen is
shown and not at all while it is hidden. Stored alerts cost a query, so they
are read when the screen is shown, when the monitor has a new alert, and when
runs or another process may have written some (`RunUpdate`, `DataChanged`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Label, Sparkline, Static

from scraper_tui.tui.messages import DataChanged, RunUpdate
from scraper_tui.tui.widgets.job_text import literal

REFRESH_SECONDS = 1.0
_BLOCKS = "▁▂▃▄▅▆▇█"
_OPERATION_COLUMNS = (
    ("Operation", "op", 16),
    ("Count", "count", 6),
    ("Avg", "avg", 8),
    ("p95", "p95", 8),
    ("Max", "max", 8),
    ("Err", "err", 6),
    ("Trend", "trend", 10),
)


def duration(seconds: float | None) -> str:
    """Seconds as a short readable duration: `0.4 ms`, `12.3 ms`, `1.52 s`."""
    if seconds is None:
        return "—"
    if seconds < 1.0:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def spark_text(values: list[float], width: int = 10) -> str:
    """A one-line text sparkline of the last `width` values, scaled from 0 to their maximum."""
    values = list(values)[-width:]
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return _BLOCKS[0] * len(values)
    return "".join(_BLOCKS[min(len(_BLOCKS) - 1, int(v / top * (len(_BLOCKS) - 1) + 0.5))] for v in values)


def _megabytes(value: float | None) -> str:
    return "—" if value is None else f"{value / 1_048_576:.1f} MB"


def _clock(iso: str | None) -> str:
    """An ISO 8601 time as UTC `MM-DD HH:MM` (alerts span days; UTC as on every other screen)."""
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%m-%d %H:%M")
    except ValueError:
        return iso


class _AlertsLoaded(Message):
    """Stored alerts, newest first, read by a worker."""

    def __init__(self, alerts: list[dict[str, Any]]) -> None:
        super().__init__()
        self.alerts = alerts


class PerformanceScreen(Screen[None]):
    """Profiled operations, system sparklines, alerts and cache metrics (mode `performance`)."""

    CSS_PATH = "performance.tcss"
    SUB_TITLE = "Performance"

    def __init__(self) -> None:
        super().__init__()
        self._operations: dict[str, tuple[str, ...]] = {}
        """What each operation row shows now, so a tick updates only the cells that changed."""
        self._alert_ids: list[int] = []
        self._alert_texts: dict[str, dict[str, Any]] = {}
        self._alerts: list[dict[str, Any]] = []
        self._message_width = 0
        self._texts: dict[str, str] = {}
        self._alert_mark: tuple[int, str | None] | None = None
        """Count and newest time of the monitor's in-memory alerts when the stored ones were last read."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        operations = DataTable(id="perf-ops", cursor_type="row", zebra_stripes=True)
        operations.border_title = "Operations"
        operations.border_subtitle = "per call"
        yield operations
        with Horizontal(id="perf-bottom"):
            with Vertical(id="perf-side") as side:
                side.border_title = "System"
                with Horizontal(classes="perf-series"):
                    yield Label("RSS —", id="perf-rss-label", classes="perf-series-label")
                    yield Sparkline([], id="perf-rss")
                with Horizontal(classes="perf-series"):
                    yield Label("CPU —", id="perf-cpu-label", classes="perf-series-label")
                    yield Sparkline([], id="perf-cpu")
                yield Static("", id="perf-cache")
            alerts = DataTable(id="perf-alerts", cursor_type="row")
            alerts.border_title = "Alerts"
            alerts.border_subtitle = "newest first"
            yield alerts

    def on_mount(self) -> None:
        operations = self.query_one("#perf-ops", DataTable)
        for label, key, width in _OPERATION_COLUMNS:
            operations.add_column(label, key=key, width=width)
        self._add_alert_columns(self.query_one("#perf-alerts", DataTable), 0)
        self._timer = self.set_interval(REFRESH_SECONDS, self._tick)

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
        self._alert_mark = None  # read the stored alerts again: another process may have added some
        self._tick()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    # -- refresh ---------------------------------------------------------------

    def _tick(self) -> None:
        """Redraw from the in-memory numbers; read stored alerts only when there may be new ones."""
        if not self.is_current:
            return
        service = self.app.service
        performance = service.performance()
        with self.app.batch_update():
            self._show_operations(performance["operations"])
            self._show_cache(performance["cache"])
            self._show_system(service.system())
        memory = performance["alerts"]
        mark = (len(memory), memory[0]["time"] if memory else None)
        if mark != self._alert_mark:
            self._alert_mark = mark
            self.load_alerts()

    def _show_operations(self, operations: dict[str, dict[str, Any]]) -> None:
        table = self.query_one("#perf-ops", DataTable)
        keys = [key for _, key, _ in _OPERATION_COLUMNS]
        for name in [name for name in self._operations if name not in operations]:
            table.remove_row(name)
            del self._operations[name]
        added = False
        for name, metrics in operations.items():
            cells = (
                name,
                str(metrics["count"]),
                duration(metrics["avg_time"]),
                duration(metrics["p95"]),
                duration(metrics["max_time"]),
                f"{metrics['error_rate'] * 100:.1f}%",
                spark_text(metrics.get("trend") or []),
            )
            shown = self._operations.get(name)
            if shown is None:
                table.add_row(*(self._cell(key, value) for key, value in zip(keys, cells)), key=name)
                added = True
            else:
                for key, old, new in zip(keys, shown, cells):
                    if old != new:
                        table.update_cell(name, key, self._cell(key, new))
            self._operations[name] = cells
        if added:
            table.sort("op", key=lambda name: name.plain)
        title = f"Operations · {len(operations)}"
        if table.border_title != title:  # setting it repaints, even to the same text
            table.border_title = title

    @staticmethod
    def _cell(key: str, value: str) -> Text:
        if key == "op":
            return literal(value)
        if key == "trend":
            return Text(value, no_wrap=True)
        return Text(value, justify="right", no_wrap=True)

    def _show_system(self, system: dict[str, Any]) -> None:
        history = system["history"]
        latest = system.get("latest") or {}
        # Sparkline.data is compared by equality; service.system() hands out fresh lists.
        self.query_one("#perf-rss", Sparkline).data = history["rss"]
        self.query_one("#perf-cpu", Sparkline).data = history["cpu_percent"]
        cpu = latest.get("cpu_percent")
        self._set_text("#perf-rss-label", f"RSS {_megabytes(latest.get('rss'))}")
        self._set_text("#perf-cpu-label", "CPU —" if cpu is None else f"CPU {cpu:.1f}%")
        subtitle = f"{system['runs_running']} running · {system['requests_in_flight']} in flight"
        side = self.query_one("#perf-side")
        if side.border_subtitle != subtitle:
            side.border_subtitle = subtitle

    def _show_cache(self, cache: dict[str, Any]) -> None:
        self._set_text(
            "#perf-cache",
            f"Cache {cache['hit_rate']:.1f}% hits\n"
            f"{cache['hits']} hit · {cache['misses']} miss\n"
            f"size {cache['size']} · {cache['evictions']} evicted",
        )

    def _set_text(self, selector: str, text: str) -> None:
        """Update a Static only when its text changed: an idle screen repaints nothing."""
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(text)

    # -- alerts ---

    def _add_alert_columns(self, table: DataTable[Text], message_width: int) -> None:
        """Time and level, then the message cropped to the room left (Enter shows it whole)."""
        self._message_width = message_width
        table.add_column("UTC", key="time", width=11)
        table.add_column("Level", key="severity", width=8)
        table.add_column("Alert", key="message", width=message_width or None)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_alerts)

    def _fit_alerts(self) -> None:
        if self._message_room() != self._message_width:
            self._alert_ids = []
            self._show_alerts(_AlertsLoaded(self._alerts))

    def _message_room(self) -> int:
        table = self.query_one("#perf-alerts", DataTable)
        return max(10, table.size.width - (11 + 8) - 3 * 2 - 2)  # the other columns, cell padding, scrollbar

    @work(exclusive=True, group="performance-alerts", name="alerts", exit_on_error=False)
    async def load_alerts(self) -> None:
        self.post_message(_AlertsLoaded(await self.app.service.alerts()))

    @on(_AlertsLoaded)
    def _show_alerts(self, message: _AlertsLoaded) -> None:
        ids = [alert["id"] for alert in message.alerts]
        table = self.query_one("#perf-alerts", DataTable)
        table.border_title = f"Alerts · {len(ids)}" if len(ids) < 50 else "Alerts · latest 50"
        if ids == self._alert_ids:
            return
        self._alert_ids = ids
        self._alerts = message.alerts
        self._alert_texts = {str(alert["id"]): alert for alert in message.alerts}
        # Alerts are few and arrive newest first, so the list is rebuilt rather than patched.
        with self.app.batch_update():
            room = self._message_room()
            if room != self._message_width:
                table.clear(columns=True)
                self._add_alert_columns(table, room)
            else:
                table.clear()
            for alert in message.alerts:
                text = alert["message"] if not alert.get("scraper") else f"{alert['scraper']}: {alert['message']}"
                severity = alert.get("severity") or "info"
                table.add_row(
                    _clock(alert.get("time")),
                    Text(severity, style="bold" if severity == "critical" else ""),
                    literal(text),
                    key=str(alert["id"]),
                )

    @on(DataTable.RowSelected, "#perf-alerts")
    def _alert_selected(self, event: DataTable.RowSelected) -> None:
        """The whole alert, which a narrow terminal crops, as a notification."""
        alert = self._alert_texts.get(str(event.row_key.value))
        if alert is not None:
            where = f" · {alert['scraper']}" if alert.get("scraper") else ""
            self.notify(literal(alert["message"]).plain, title=f"{alert['rule']}{where}", markup=False, timeout=8)

    # -- events from the app ---------------------------------------------------

    @on(RunUpdate)
    def _run_update(self, message: RunUpdate) -> None:
        if message.event.kind in ("alert", "finished", "refused"):
            self._alert_mark = None

    @on(DataChanged)
    def _data_changed(self) -> None:
        self._alert_mark = None
        if self.is_current:
            self.load_alerts()
