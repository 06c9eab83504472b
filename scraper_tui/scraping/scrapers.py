"""Crawling one scraper: declarative (CSS selectors) or a plugin class.

A `Crawl` is one run of one scraper. Iterate it to get events::

    async with Fetcher(settings) as fetcher:
        crawl = make_crawl(scraper, fetcher)
        async for event in crawl:
            if isinstance(event, ItemsEvent): ...   # store event.items
            else: ...                                # record the PageEvent
        crawl.summary.stopped_by, crawl.summary.complete

Rules of a crawl:

- Start URLs are crawled concurrently, one chain each; within a chain pages
  are fetched one after the other (the next page is only known once the
  current one is parsed). The Fetcher's limits apply across all crawls.
- A URL (canonical form, see `canonical_url`) is fetched at most once per
  run, wherever it comes from; so is the URL a redirect landed on.
- At most `max_pages` pages are requested and `max_jobs` items kept; items
  are de-duplicated by `external_id`.
- The items of a page arrive (in `ItemsEvent`s of at most `batch_size`)
  before that page's `PageEvent`.
- Cancelling the task that iterates, or leaving the loop early, stops every
  chain and cancels requests in flight; `stopped_by` says "cancelled" then.
- A page that cannot be fetched (after retries) or used (too large, not
  HTML) is reported in its PageEvent and ends its chain; the crawl goes on
  elsewhere and finally says `stopped_by = "error"` (unless max_jobs,
  max_pages or cancellation stopped it first), `complete` False.
- An exception raised by a plugin (or a bad selector) ends the whole crawl
  with `stopped_by = "error"`; it is logged, kept in `summary.exception` and
  not re-raised, so the caller still gets the summary of what was done.
- robots.txt refusing a page is an intended end, not an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper_tui.config import ConfigError, ScraperConfig, load_plugin

from .extract import Extractor, canonical_url, clean_text, url_hash
from .fetch import Fetcher, FetchResult

__all__ = [
    "Crawl",
    "CrawlSummary",
    "Follow",
    "ItemsEvent",
    "Page",
    "PageEvent",
    "PluginScraper",
    "make_crawl",
]

logger = logging.getLogger("scraper_tui.scraping.crawl")

# Page skips that mean data is missing (robots refusals are intended ends).
_BROKEN_SKIPS = frozenset({"too_large", "not_html"})


# -- events and summary ------------------------------------------------------


@dataclass(slots=True)
class ItemsEvent:
    """Jobs found, ready for the store: `title`, `url` (absolute) and
    `external_id` always; `company`, `location`, `posted_at` and other fields
    when found. Values are clean one-line text (plugins may add other types)."""

    items: list[dict[str, Any]]


@dataclass(slots=True)
class PageEvent:
    """One page of the crawl, fetched or skipped (then `status` is None for
    robots). `elapsed` is the fetch's, retries and waits included, in seconds."""

    url: str
    status: int | None
    bytes: int
    items: int
    """Items kept from this page (after de-duplication and `max_jobs`)."""
    elapsed: float
    retries: int = 0
    error: str | None = None
    skipped: str | None = None


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class CrawlSummary:
    """Counters of one crawl, filled as it goes; final once iteration ends."""

    pages: int = 0
    """Pages requested (robots refusals not included)."""
    items: int = 0
    """Items kept (emitted in ItemsEvents)."""
    items_skipped: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    """Why items were dropped: "missing title", "missing url", "duplicate"."""
    pages_skipped: Counter[str] = field(default_factory=Counter)
    """Pages not used, per reason: "robots", "too_large", "not_html"."""
    status_histogram: Counter[str] = field(default_factory=Counter)
    """Every HTTP attempt's status, as text ("200", "503")."""
    retries: int = 0
    latencies: list[float] = field(default_factory=list)
    """Latency of each page's last attempt, seconds."""
    errors: int = 0
    """Pages whose fetch failed (after retries)."""
    last_error: str | None = None
    """`"URL: reason"` of the latest failure."""
    bytes: int = 0
    field_counts: Counter[str] = field(default_factory=Counter)
    item_elements: int = 0
    fields: tuple[str, ...] = ()
    stopped_by: str | None = None
    """Why the crawl ended: "end" (nothing left), "max_pages", "max_jobs",
    "cancelled" or "error" (a broken page or an exception); None while running."""
    elapsed: float = 0.0
    exception: BaseException | None = None
    """What a plugin (or a bad selector) raised, when stopped_by is "error"."""
    broken_pages: int = 0
    """Pages of the crawl whose data is missing: fetch errors plus too_large and not_html skips."""

    @property
    def complete(self) -> bool:
        """Pagination reached its end and every page was read: the run saw
        all the scraper's jobs, so absent ones were removed."""
        return self.stopped_by == "end" and self.broken_pages == 0

    @property
    def p50(self) -> float:
        return _percentile(self.latencies, 0.50)

    @property
    def p95(self) -> float:
        return _percentile(self.latencies, 0.95)

    @property
    def field_coverage(self) -> dict[str, float]:
        """Share 0..1 of item elements with each field found; {} before any item."""
        if not self.item_elements:
            return {}
        return {name: self.field_counts[name] / self.item_elements for name in self.fields}


# -- plugins -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Follow:
    """Yielded by `PluginScraper.parse`: fetch this URL too (relative URLs
    resolve against the page). Already fetched URLs are ignored."""

    url: str


class Page:
    """A fetched HTML page handed to `PluginScraper.parse`."""

    __slots__ = ("url", "final_url", "status", "text", "_tree")

    def __init__(self, url: str, status: int | None, text: str, final_url: str | None = None) -> None:
        self.url = url
        """The URL asked for."""
        self.final_url = final_url or url
        """The URL answered (after redirects); links resolve against it."""
        self.status = status
        self.text = text
        self._tree: LexborHTMLParser | None = None

    @property
    def tree(self) -> LexborHTMLParser:
        """The selectolax (Lexbor) document, parsed on first use."""
        if self._tree is None:
            self._tree = LexborHTMLParser(self.text)
        return self._tree

    def css(self, selector: str) -> list[LexborNode]:
        """Every element matching a CSS selector."""
        return self.tree.css(selector)

    def css_first(self, selector: str) -> LexborNode | None:
        """The first element matching a CSS selector, or None."""
        return self.tree.css_first(selector)

    def urljoin(self, href: str) -> str:
        """`href` made absolute against the page."""
        return urljoin(self.final_url, href.strip())


class PluginScraper:
    """Base class of plugin scrapers: `plugin = "package.module:Class"`.

    Subclass it and write `parse`, an async generator that receives each
    fetched page and yields job dicts and `Follow(url)` for further pages::

        class MyBoard(PluginScraper):
            async def parse(self, page):
                for card in page.css("div.job"):
                    link = card.css_first("a")
                    yield {"title": link.text(), "url": page.urljoin(link.attributes["href"])}
                if (nxt := page.css_first("a.next")) is not None:
                    yield Follow(nxt.attributes["href"])

    A job dict needs `title` and `url`; `external_id` defaults to a hash of
    the URL; `company`, `location`, `posted_at` have store columns and other
    keys go into the job's data. Strings are cleaned (whitespace collapsed,
    control characters removed) and `url` made absolute, so `parse` need not.
    Items missing a title or url are counted as skipped. The crawl applies
    `max_pages`, `max_jobs`, de-duplication and robots.txt; `parse` only
    reads pages. An exception from `parse` ends the run as an error.
    One instance serves one run (one `Crawl`), so it may keep state.
    """

    def __init__(self, config: ScraperConfig) -> None:
        self.config = config
        """The scraper's table from the config file (start_urls, max_pages, ...)."""

    def start_urls(self) -> list[str]:
        """The first pages; by default the config's `start_urls`."""
        return list(self.config.start_urls)

    async def parse(self, page: Page) -> AsyncIterator[dict[str, Any] | Follow]:
        """Yield job dicts and `Follow`s found on `page` (only 2xx HTML pages come here)."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse()")
        yield  # pragma: no cover  (makes this an async generator)


def _plugin_class(scraper: ScraperConfig) -> type[PluginScraper]:
    assert scraper.plugin is not None
    key = f"scrapers.{scraper.name}.plugin"
    try:
        cls = load_plugin(scraper.plugin)
    except ValueError as exc:
        raise ConfigError(str(exc), key=key, scraper=scraper.name) from None
    if not (isinstance(cls, type) and issubclass(cls, PluginScraper)):
        raise ConfigError(f"expected a subclass of scraper_tui.scraping.PluginScraper, got {scraper.plugin!r}",
                          key=key, scraper=scraper.name)
    return cls


# -- parsing strategies --------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_urls: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    field_counts: Counter[str] = field(default_factory=Counter)
    item_elements: int = 0


class _Declarative:
    def __init__(self, scraper: ScraperConfig) -> None:
        self.extractor = Extractor.from_config(scraper)  # once per crawl, not per page
        self.fields = tuple(scraper.fields)
        self.start_urls = list(scraper.start_urls)

    async def parse(self, result: FetchResult) -> _Parsed:
        assert result.text is not None
        page = self.extractor.extract(result.text, result.final_url)
        return _Parsed(page.items, page.next_urls, page.skipped_reasons, page.field_counts, page.item_elements)


class _Plugin:
    def __init__(self, scraper: ScraperConfig) -> None:
        self.plugin = _plugin_class(scraper)(scraper)
        self.start_urls = list(self.plugin.start_urls())
        self.fields: tuple[str, ...] = ("title", "url", "company", "location", "posted_at")

    async def parse(self, result: FetchResult) -> _Parsed:
        assert result.text is not None
        page = Page(result.url, result.status, result.text, result.final_url)
        parsed = _Parsed()
        produced = self.plugin.parse(page)
        if inspect.isawaitable(produced):  # a coroutine returning a list is accepted too
            produced = await produced
        if hasattr(produced, "__aiter__"):
            async for thing in produced:
                self._take(thing, page, parsed)
        else:
            for thing in produced or ():
                self._take(thing, page, parsed)
        return parsed

    def _take(self, thing: object, page: Page, parsed: _Parsed) -> None:
        if isinstance(thing, Follow):
            url = _http_url(page.urljoin(thing.url))
            if url is not None:
                parsed.next_urls.append(url)
            return
        if not isinstance(thing, dict):
            raise TypeError(f"{type(self.plugin).__name__}.parse yielded {type(thing).__name__}; "
                            "expected a job dict or Follow(url)")
        parsed.item_elements += 1
        item: dict[str, Any] = {}
        for key, value in thing.items():
            if isinstance(value, str):
                value = clean_text(value)
                if key == "url" and value:
                    value = _http_url(page.urljoin(value))
            elif key in ("title", "url", "external_id") and value is not None:
                value = clean_text(str(value))  # these must be text for the store
            if value is None or value == "":
                continue
            item[str(key)] = value
            parsed.field_counts[str(key)] += 1
        missing = [name for name in ("title", "url") if name not in item]
        if missing:
            parsed.skipped["missing " + " and ".join(missing)] += 1
            return
        if "external_id" not in item:
            item["external_id"] = url_hash(item["url"])
        for name in item:
            if name not in self.fields:
                self.fields += (name,)
        parsed.items.append(item)


def _http_url(url: str) -> str | None:
    return url if url.startswith(("http://", "https://")) else None


# -- the crawl ---------------------------------------------------------------

_DONE = object()


@dataclass(slots=True)
class _Failure:
    exc: BaseException


class Crawl:
    """One run of one scraper; iterate it once for `ItemsEvent`s and `PageEvent`s.

    Raises ConfigError (from the constructor) when a plugin cannot be loaded
    or is not a `PluginScraper`.
    """

    def __init__(self, scraper: ScraperConfig, fetcher: Fetcher, *, batch_size: int = 50) -> None:
        self.scraper = scraper
        self.fetcher = fetcher
        self.batch_size = max(1, batch_size)
        self._parser: _Declarative | _Plugin = _Plugin(scraper) if scraper.plugin else _Declarative(scraper)
        self.summary = CrawlSummary(fields=tuple(self._parser.fields))
        self._seen: set[str] = set()
        self._external_ids: set[str] = set()
        self._reserved = 0
        self._stop: str | None = None  # "max_jobs" once reached: every chain stops
        self._more_pages = False  # a page was left unfetched because of max_pages
        self._started = False

    def __aiter__(self) -> AsyncIterator[ItemsEvent | PageEvent]:
        if self._started:
            raise RuntimeError("a Crawl runs once; make a new one for another run")
        self._started = True
        return self._run()

    async def _run(self) -> AsyncIterator[ItemsEvent | PageEvent]:
        summary = self.summary
        start = time.perf_counter()
        urls = list(dict.fromkeys(self._parser.start_urls))
        try:
            if len(urls) == 1:
                async with contextlib.aclosing(self._chain(urls[0])) as events:
                    try:
                        async for event in events:
                            yield event
                    except Exception as exc:  # noqa: BLE001 - a plugin's bug ends the run, reported
                        self._failed(exc)
            else:
                async with contextlib.aclosing(self._run_chains(urls)) as events:
                    async for event in events:
                        yield event
        except (asyncio.CancelledError, GeneratorExit):
            summary.stopped_by = "cancelled"
            raise
        finally:
            summary.elapsed = time.perf_counter() - start
            if summary.stopped_by is None:
                if self._stop is not None or self._more_pages:
                    summary.stopped_by = self._stop or "max_pages"
                else:
                    summary.stopped_by = "error" if summary.broken_pages else "end"

    async def _run_chains(self, urls: list[str]) -> AsyncIterator[ItemsEvent | PageEvent]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=4 * len(urls) + 8)

        async def drain(url: str) -> None:
            try:
                async with contextlib.aclosing(self._chain(url)) as events:
                    async for event in events:
                        await queue.put(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - handed to the consumer
                await queue.put(_Failure(exc))
                return
            await queue.put(_DONE)

        tasks = [asyncio.create_task(drain(url), name=f"crawl {self.scraper.name} {url}") for url in urls]
        try:
            live = len(tasks)
            while live:
                event = await queue.get()
                if event is _DONE:
                    live -= 1
                elif isinstance(event, _Failure):
                    self._failed(event.exc)
                    break
                else:
                    yield event
                if self._stop is not None:
                    # max_jobs: stop the other chains now, hand out what is queued.
                    await _cancel(tasks)
                    while not queue.empty():
                        event = queue.get_nowait()
                        if isinstance(event, (ItemsEvent, PageEvent)):
                            yield event
                    break
        finally:
            await _cancel(tasks)

    def _failed(self, exc: BaseException) -> None:
        summary = self.summary
        logger.error("scraper %s failed", self.scraper.name, exc_info=exc)
        summary.stopped_by = "error"
        summary.exception = exc
        summary.errors += 1
        summary.last_error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]

    async def _chain(self, start_url: str) -> AsyncIterator[ItemsEvent | PageEvent]:
        """Pages reachable from one start URL, fetched one at a time."""
        scraper, summary = self.scraper, self.summary
        todo = deque([start_url])
        while todo and self._stop is None:
            url = todo.popleft()
            key = canonical_url(url)
            if key in self._seen:
                continue
            if self._reserved >= scraper.max_pages:
                self._more_pages = True
                return
            self._seen.add(key)
            self._reserved += 1
            result = await self.fetcher.fetch(url, delay=scraper.delay)
            self._seen.add(canonical_url(result.final_url))
            if result.skipped == "robots" and result.status is None:
                self._reserved -= 1  # never requested
            else:
                summary.pages += 1
                summary.latencies.append(result.latency)
            summary.bytes += result.bytes
            summary.retries += result.retries
            summary.status_histogram.update(str(s) for s in result.statuses)
            if result.skipped:
                summary.pages_skipped[result.skipped] += 1
            if result.error is not None:
                summary.errors += 1
                summary.last_error = f"{url}: {result.error}"
            if result.error is not None or result.skipped in _BROKEN_SKIPS:
                summary.broken_pages += 1

            kept: list[dict[str, Any]] = []
            if result.ok and self._stop is None:  # max_jobs may have been reached by another chain meanwhile
                parsed = await self._parser.parse(result)
                kept = self._keep(parsed)
                todo.extend(parsed.next_urls)
            for i in range(0, len(kept), self.batch_size):
                yield ItemsEvent(kept[i : i + self.batch_size])
            yield PageEvent(url, result.status, result.bytes, len(kept), result.elapsed, result.retries,
                            result.error, result.skipped)

    def _keep(self, parsed: _Parsed) -> list[dict[str, Any]]:
        """Count a parsed page and return its new items, up to max_jobs."""
        summary = self.summary
        summary.item_elements += parsed.item_elements
        summary.field_counts.update(parsed.field_counts)
        if isinstance(self._parser, _Plugin):
            summary.fields = self._parser.fields
        if parsed.skipped:
            summary.skip_reasons.update(parsed.skipped)
            summary.items_skipped += sum(parsed.skipped.values())
        kept: list[dict[str, Any]] = []
        seen = self._external_ids
        limit = self.scraper.max_jobs
        for item in parsed.items:
            external_id = item["external_id"]
            if external_id in seen:
                summary.items_skipped += 1
                summary.skip_reasons["duplicate"] += 1
                continue
            if summary.items >= limit:
                break
            seen.add(external_id)
            kept.append(item)
            summary.items += 1
        if summary.items >= limit:
            self._stop = "max_jobs"
        return kept


async def _cancel(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel tasks and wait until they are gone (no stray tasks)."""
    pending = [t for t in tasks if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


def make_crawl(scraper: ScraperConfig, fetcher: Fetcher, **kw: Any) -> Crawl:
    """The crawl of a scraper, declarative or plugin as its config says;
    keywords go to `Crawl` (batch_size). Raises ConfigError for a bad plugin."""
    return Crawl(scraper, fetcher, **kw)
