"""Scraped text made safe to show: literal `Text`, never markup, never a terminal escape.

A job board controls the titles, companies and locations we store. Rich
`Text` already keeps `[bold]` as the characters it is, but it passes ESC and
most other control characters through to the terminal, where `\\x1b[31m`
would recolour the screen. Every control character therefore becomes its
visible Unicode "control picture" (ESC shows as `␛`), so the user sees what
the site sent and the terminal sees only printable text.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

EMPTY = "—"
"""What an absent value (None or an empty string) shows as."""

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"  # ␡
_PICTURES.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 controls (0x9b is a CSI on some terminals)
_SINGLE_LINE = str.maketrans(_PICTURES)
_MULTI_LINE = str.maketrans({code: picture for code, picture in _PICTURES.items() if code != 0x0A})


def visible(value: Any, *, multiline: bool = False) -> str:
    """`value` as a string with every control character shown as a picture (newlines kept if `multiline`)."""
    if value is None or value == "":
        return EMPTY
    return str(value).translate(_MULTI_LINE if multiline else _SINGLE_LINE)


def literal(value: Any, *, style: str = "", multiline: bool = False, justify: str | None = None) -> Text:
    """A `Text` that shows `value` exactly as stored: no markup parsing, no escapes, one line unless asked."""
    text = Text(visible(value, multiline=multiline), style=style, justify=justify)  # type: ignore[arg-type]
    if not multiline:
        text.no_wrap = True
        text.overflow = "ellipsis"
    return text
