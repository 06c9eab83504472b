"""The live metrics pane shown at the foot of every screen.

Two lines: RSS, CPU, requests in flight, runs running and the cache hit rate;
then the latest alert. The app calls `show()` once a second for the pane of
the active screen only, and only while the pane is displayed; the pane
redraws only when the text it would show has changed, so an idle app does
not repaint it.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from scraper_tui.tui.format import megabytes, percent, plain, utc_time

__all__ = ["MetricsPane", "latest_alert", "metrics_text"]


def latest_alert(*alerts: dict[str, Any] | None) -> dict[str, Any] | None:
    """The newest of several alert dicts (each with an ISO `time`), ignoring missing ones."""
    found = [alert for alert in alerts if alert]
    return max(found, key=lambda alert: str(alert.get("time") or "")) if found else None


def metrics_text(system: dict[str, Any], cache: dict[str, Any], alert: dict[str, Any] | None) -> Text:
    """The pane's two lines from `service.system()`, `performance()["cache"]` and an alert dict."""
    sample = system.get("latest") or {}
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, (label, value) in enumerate(
        (
            ("RSS", megabytes(sample.get("rss")) if sample else "-"),
            ("CPU", percent(sample.get("cpu_percent")) if sample else "-"),
            ("in flight", str(system.get("requests_in_flight", 0))),
            ("running", str(system.get("runs_running", 0))),
            ("cache hits", percent(cache.get("hit_rate"))),
        )
    ):
        if index:
            text.append("  ")
        text.append(f"{label} ", style="dim")
        text.append(value, style="bold")
    text.append("\n")
    text.append("alert ", style="dim")
    if alert is None:
        text.append("none")
    else:
        severity = plain(alert.get("severity") or "warning")
        text.append(f"{utc_time(alert.get('time'))} UTC ", style="dim")
        text.append(f"{severity}: ", style="bold")
        text.append(plain(alert.get("message")))
    return text


class MetricsPane(Static):
    """RSS, CPU, requests in flight, runs running, cache hit rate and the latest alert."""

    DEFAULT_CSS = """
    MetricsPane {
        dock: bottom;
        height: 2;
        margin-bottom: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._shown: str | None = None

    def show(self, system: dict[str, Any], cache: dict[str, Any], alert: dict[str, Any] | None) -> bool:
        """Show these numbers; True if the pane changed (nothing is redrawn otherwise)."""
        text = metrics_text(system, cache, alert)
        key = text.plain
        if key == self._shown:
            return False
        self._shown = key
        self.update(text, layout=False)  # two lines, always: no layout pass needed
        return True
