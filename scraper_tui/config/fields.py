"""Field selectors: `FieldSpec` and its `css@attr` syntax, checked with selectolax.

selectolax is imported lazily, only when a selector has to be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

from .errors import _show

_ATTR_NAME = re.compile(r"[^\s\"'<>/=@\[\]]+")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Where a field's value is on the page, relative to one item element.

    `css` only: the matched element's text. `css` and `attr`: that
    element's attribute. `attr` only: an attribute of the item element
    itself. Written `h2`, `a.apply@href`, `@data-id`; `str()` gives that
    text back.
    """

    css: str | None = None
    """CSS selector, matched inside the item element; None is the item itself."""
    attr: str | None = None
    """Attribute name (lower case); None means the element's text."""

    @classmethod
    def parse(cls, text: str) -> FieldSpec:
        """Parse `css`, `css@attr` or `@attr`. The `@` that separates is the
        last one outside brackets, parentheses and quotes, so
        `a[href*="@"]@href` works. Raises ValueError with a one-line
        message for an empty text, a bad attribute name or a CSS selector
        selectolax cannot parse."""
        if not isinstance(text, str):
            raise ValueError(f'expected a field such as "h2", "a@href" or "@data-id", got {_show(text)}')
        at = _split_at(text)
        css = (text if at < 0 else text[:at]).strip() or None
        attr = None if at < 0 else text[at + 1 :].strip()
        if attr is not None and not _ATTR_NAME.fullmatch(attr):
            raise ValueError(f"expected an attribute name after @, got {_show(text)}")
        if css is None and attr is None:
            raise ValueError('expected a field such as "h2", "a@href" or "@data-id", got ""')
        if css is not None:
            check_selector(css)
        return cls(css, attr.lower() if attr else None)

    def __str__(self) -> str:
        return (self.css or "") + (f"@{self.attr}" if self.attr else "")


def _split_at(text: str) -> int:
    """Index of the last `@` outside [], () and quotes, or -1."""
    depth, quote, escaped, found = 0, "", False, -1
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        elif ch == "@" and depth == 0:
            found = i
    return found


_EMPTY_DOC: Any = None


def check_selector(css: str) -> None:
    """Raise ValueError unless selectolax (Lexbor) can parse `css`."""
    global _EMPTY_DOC
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    if _EMPTY_DOC is None:
        _EMPTY_DOC = LexborHTMLParser("")
    try:
        _EMPTY_DOC.css(css)
    except SelectolaxError:
        hint = ""
        if "::" in css:  # Scrapy habits: h2::text, a::attr(href)
            hint = ' (pseudo-elements such as ::text are not supported: write "h2" for text, "a@href" for an attribute)'
        raise ValueError(f"expected a CSS selector, got {_show(css)}{hint}") from None


def _field_spec(value: object) -> FieldSpec:
    return value if isinstance(value, FieldSpec) else FieldSpec.parse(value)  # type: ignore[arg-type]


def _next_page_spec(value: object) -> FieldSpec | None:
    if value is None:
        return None
    spec = _field_spec(value)
    if spec.css is None:
        raise ValueError(f'expected a CSS selector such as "a.next" or "a.next@href", got {_show(value)}')
    return spec


def _item_selector(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a CSS selector, got {_show(value)}")
    check_selector(value.strip())
    return value.strip()


FieldSpecValue = Annotated[FieldSpec, PlainValidator(_field_spec), PlainSerializer(str)]
