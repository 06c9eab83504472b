"""Durations as written in the config: `"30s"`, `"15m"`, `"6h"`, `"1d"`, `"1h30m"`."""

from __future__ import annotations

import re
from datetime import timedelta

from .errors import _show

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_DURATION_EXAMPLES = '"30s", "15m", "6h", "1d" or "1h30m"'


def parse_duration(text: str) -> timedelta:
    """`"30s"`, `"15m"`, `"6h"`, `"1d"`, `"1h30m"` to a timedelta; units in
    the order d, h, m, s. Raises ValueError for anything else or zero."""
    match = _DURATION.fullmatch(text.strip().lower().replace(" ", ""))
    if not text.strip() or match is None:
        raise ValueError(f"expected a duration such as {_DURATION_EXAMPLES}, got {_show(text)}")
    d, h, m, s = (int(g or 0) for g in match.groups())
    value = timedelta(days=d, hours=h, minutes=m, seconds=s)
    if not value:
        raise ValueError(f"expected a duration above zero, got {_show(text)}")
    return value


def format_duration(value: timedelta) -> str:
    """The inverse of `parse_duration`: `timedelta(hours=1, minutes=30)` is `"1h30m"`."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"
