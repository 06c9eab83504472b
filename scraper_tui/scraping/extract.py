"""CSS field extraction from listing pages with selectolax (Lexbor).

An `Extractor` is built once per scraper and runs on every page, so it does
the per-scraper work up front and parses each page exactly once. Values come
out as clean one-line text: entities decoded (by the parser), whitespace
collapsed, control characters removed, URLs absolute. Scraped text is data:
nothing here interprets markup such as `[bold]`, and the UI must not either.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper_tui.config import FieldSpec

if TYPE_CHECKING:
    from scraper_tui.config import ScraperConfig

__all__ = [
    "Extractor",
    "FieldCoverage",
    "PageResult",
    "canonical_url",
    "clean_text",
    "url_hash",
]

REQUIRED_FIELDS = ("title", "url")
URL_ATTRIBUTES = frozenset({"href", "src"})
"""Attributes whose values are made absolute against the page, in any field."""

# C0 and C1 controls (ESC included), DEL, bidi embeddings/overrides/isolates
# (they reorder text on screen) and the BOM. Tab, newline, CR, VT, FF and NEL
# are left for str.split(), which turns them into spaces.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")

_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ref"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_WEB_SCHEMES = ("http", "https")


def clean_text(s: str) -> str:
    """One line of plain text: control characters removed, every run of
    whitespace (newlines, tabs, no-break spaces) made one space, stripped.
    Other Unicode is kept as it is."""
    return " ".join(_CONTROL.sub("", s).split())


def canonical_url(url: str) -> str:
    """The URL two links to the same posting share: scheme and host in lower
    case, default port and fragment dropped, an empty path made `/`, and
    tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`,
    `ref`, ...) removed. The other parameters keep their order and encoding."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: [::1]:8080
        end = hostport.find("]") + 1
        host, port = hostport[:end], hostport[end + 1 :]
    else:
        host, _, port = hostport.partition(":")
    if port == _DEFAULT_PORTS.get(scheme):
        port = ""
    netloc = (userinfo + "@" if userinfo else "") + host.lower() + (":" + port if port else "")
    path = parts.path or ("/" if scheme in _WEB_SCHEMES and netloc else "")
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(pair: str) -> bool:
    name = pair.partition("=")[0].lower()
    return name.startswith("utm_") or name in _TRACKING


def url_hash(url: str) -> str:
    """20 hex digits identifying the canonical form of `url`; the default
    `external_id` of a job."""
    return hashlib.blake2b(canonical_url(url).encode(), digest_size=10).hexdigest()


def _base_directory(base: str) -> str:
    """What `urljoin(base, rel)` puts before a plain relative path `rel`
    (see `_absolute`): scheme, host and the base's path up to its last `/`.

    Computed by urljoin itself, once per page, so that it is exactly
    urljoin's idea of the directory: dot segments and empty segments of the
    base resolved or dropped as urljoin does, query, fragment and `;params`
    of the base left out, `/` for a base with no path."""
    probe = urljoin(base, "x")
    return probe[:-1] if probe.endswith("/x") else ""


# A relative path that urljoin(base, value) turns into base-directory + value,
# character for character. Conservative: what it refuses goes to urljoin, so a
# refusal only costs time. It refuses
#   - a first character `.` (`..`, `../x`, `.`), `/` (absolute or `//host`),
#     `?` or `#` (query or fragment only: the base's path, even its query, stays);
#   - a `:` in the path (could be a scheme: `mailto:`, `job:1`);
#   - `//` or `/.` in the path (urljoin drops empty segments, resolves dot ones);
#   - an empty `;params`, query or fragment (`job;`, `job?`, `job#`, `job?#x`):
#     urljoin drops their separators.
_PLAIN_RELATIVE = re.compile(
    r"""
    (?![./?#])
    (?: [^/?#:;] | /(?![/.]) | ;(?![?#]|$) )+     # path
    (?: (?!\?\#) (?!.*[?#]$) [?#] .* )?           # query and/or fragment, none empty
    """,
    re.VERBOSE | re.DOTALL,
)


def _absolute(value: str, base: str, origin: str, base_dir: str = "") -> str | None:
    """`value` made absolute against `base` (whose scheme://host is
    `origin` and whose `_base_directory` is `base_dir`, "" for unknown);
    None unless it is http(s).

    Browsers strip surrounding whitespace from URL attributes and drop tabs
    and newlines inside them; we do the same, so a wrapped href still works.
    The result is `urljoin(base, value)`'s; the common shapes skip urljoin's
    cost (it was most of a page's time).
    """
    value = _CONTROL.sub("", value).strip().replace("\t", "").replace("\n", "").replace("\r", "")
    if not value:
        return None
    if "/." in value:  # dot segments: leave them to urljoin
        url = urljoin(base, value)
    elif value.startswith(("https://", "http://")):
        url = value
    elif value[0] == "/" and value[1:2] != "/":
        url = origin + value
    elif base_dir and _PLAIN_RELATIVE.fullmatch(rel := value.removeprefix("./")):
        url = base_dir + rel  # job?id=7, ./jobs/7, detail/9
    else:
        url = urljoin(base, value)
    url = url.replace(" ", "%20")
    scheme, _, rest = url.partition(":")
    if scheme.lower() not in _WEB_SCHEMES or not rest.startswith("//"):
        return None  # javascript:, mailto:, tel:, data: ... are not pages
    return url


@dataclass
class PageResult:
    """What one page gave."""

    items: list[dict[str, str]] = field(default_factory=list)
    """Kept items: always `title`, `url` (absolute) and `external_id`; the
    other configured fields only when found and non-empty."""
    next_urls: list[str] = field(default_factory=list)
    """Absolute http(s) URLs of further pages, in page order, no repeats."""
    skipped: int = 0
    """Item elements dropped for lack of `title` or `url`."""
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    """Why they were dropped: "missing title", "missing url", "missing title and url"."""
    field_counts: Counter[str] = field(default_factory=Counter)
    """Per configured field, item elements (kept or not) where it was found."""
    item_elements: int = 0
    """Elements the item selector matched."""


class Extractor:
    """Extracts items from pages for one scraper.

    `item` is a CSS selector with one match per job posting; `fields` maps
    field names to `FieldSpec`s relative to the item element (`title` and
    `url` are required per item, others optional); `next_page` says where
    links to further pages are (without an attribute: their `href`).
    Selectors are assumed valid (config checked them); a bad one raises
    selectolax's `SelectolaxError` on the first page.
    """

    def __init__(
        self,
        item: str,
        fields: Mapping[str, FieldSpec],
        next_page: FieldSpec | None = None,
    ) -> None:
        self.item = item
        self.fields = dict(fields)
        self.next_page = next_page
        # (name, css, attr, is_url); url attributes and the url field are made absolute.
        self._plan = tuple(
            (name, spec.css, spec.attr, name == "url" or spec.attr in URL_ATTRIBUTES)
            for name, spec in self.fields.items()
        )

    @classmethod
    def from_config(cls, scraper: ScraperConfig) -> Extractor:
        """The extractor of a declarative scraper (one with `item`)."""
        if scraper.item is None:
            raise ValueError(f"scraper {scraper.name!r} has no item selector (it is a plugin)")
        return cls(scraper.item, scraper.fields, scraper.next_page)

    def extract(self, html: str | bytes, page_url: str) -> PageResult:
        """Items and next-page links of one page fetched from `page_url`.

        Bytes are decoded as the page declares (BOM or `<meta charset>`),
        UTF-8 otherwise; pass `str` when the HTTP header said otherwise.
        """
        if isinstance(html, bytes):
            tree = LexborHTMLParser(html, encoding=True)
        else:
            tree = LexborHTMLParser(html)
        base = page_url
        if (base_tag := tree.css_first("base[href]")) is not None:
            base = urljoin(page_url, (base_tag.attributes.get("href") or "").strip())
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}"
        base_dir = _base_directory(base)

        result = PageResult()
        counts = result.field_counts
        for element in tree.css(self.item):
            result.item_elements += 1
            item: dict[str, str] = {}
            for name, css, attr, is_url in self._plan:
                value = _value(element, css, attr)
                if value and is_url:
                    value = _absolute(value, base, origin, base_dir)
                elif value:
                    value = clean_text(value)
                if value:
                    item[name] = value
                    counts[name] += 1
            missing = [name for name in REQUIRED_FIELDS if name not in item]
            if missing:
                result.skipped += 1
                result.skipped_reasons["missing " + " and ".join(missing)] += 1
                continue
            if not item.get("external_id"):
                item["external_id"] = url_hash(item["url"])
            result.items.append(item)

        if self.next_page is not None:
            result.next_urls = self._next_urls(tree, base, origin, base_dir, page_url)
        return result

    def _next_urls(
        self, tree: LexborHTMLParser, base: str, origin: str, base_dir: str, page_url: str
    ) -> list[str]:
        assert self.next_page is not None and self.next_page.css is not None
        attr = self.next_page.attr or "href"
        here = canonical_url(page_url)
        urls: dict[str, None] = {}
        for node in tree.css(self.next_page.css):
            value = node.attributes.get(attr)
            url = _absolute(value, base, origin, base_dir) if value else None
            if url and canonical_url(url) != here:
                urls.setdefault(url)
        return list(urls)


def _value(element: LexborNode, css: str | None, attr: str | None) -> str | None:
    """The raw text or attribute a field points at inside `element`."""
    node: LexborNode | None = element
    if css is not None:
        node = element.css_first(css)
        if node is not None and node.mem_id == element.mem_id:
            # Lexbor matches the context element itself; a browser's
            # querySelector (and parsel) look at descendants only. mem_id
            # is the address of the Lexbor node: identity within one tree.
            # (`==` compares the serialized HTML: ~15x the cost, and equal
            # for distinct nodes with the same markup.)
            matches = element.css(css)
            node = matches[1] if len(matches) > 1 else None
        if node is None:
            return None
    if attr is not None:
        return node.attributes.get(attr)
    # textContent, as a browser gives it: no separators invented between
    # inline elements ("<b>Sen</b>ior" stays one word).
    return node.text(deep=True)


class FieldCoverage:
    """Field coverage of a run, accumulated page by page.

    Coverage of a field is the share of item elements (kept or skipped)
    where it was found, so a selector broken by a site change shows up as a
    drop even when the items are skipped.
    """

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)
        self.counts: Counter[str] = Counter()
        self.item_elements = 0

    def add(self, page: PageResult) -> None:
        """Count one page."""
        self.counts.update(page.field_counts)
        self.item_elements += page.item_elements

    def coverage(self) -> dict[str, float]:
        """Share 0..1 per configured field; empty when no item was seen
        (nothing measured, which is not the same as 0%)."""
        if not self.item_elements:
            return {}
        return {name: self.counts[name] / self.item_elements for name in self.fields}
