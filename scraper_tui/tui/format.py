"""Small formatting helpers shared by the screens and widgets.

Everything here returns plain strings or `rich.text.Text` built without
markup: scraped and stored text is data, and must show literally (a title
holding `[bold]` or an escape sequence is shown as those characters).
Times are shown in UTC with the zone named, never relative to "now", so a
screen reads the same in every time zone and in snapshot tests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

__all__ = ["count", "literal", "megabytes", "percent", "plain", "seconds", "utc_time"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return {"\t": " ", "\n": " "}.get(char, f"\\x{ord(char):02x}")


def plain(value: Any) -> str:
    """`value` as one line of text, control characters shown as `\\xNN` (an ESC can never reach the terminal)."""
    return "" if value is None else _CONTROL.sub(_escape_control, str(value))


def literal(value: Any, style: str = "") -> Text:
    """`value` as a `Text` that is never parsed as markup."""
    return Text(plain(value), style=style, no_wrap=False)


def utc_time(iso: str | None, *, with_seconds: bool = False) -> str:
    """An ISO 8601 timestamp as `YYYY-MM-DD HH:MM` in UTC; `-` when there is none."""
    if not iso:
        return "-"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return plain(iso)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def seconds(value: float | None) -> str:
    """A duration in seconds, short: `4.7 s`, `12 m 5 s`, `-` when unknown."""
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(round(value), 60)
    if minutes < 60:
        return f"{minutes} m {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} m"


def megabytes(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f} MB"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def count(value: int | None) -> str:
    """A whole number with thousands separators (`12,345`)."""
    return "-" if value is None else f"{value:,}"
