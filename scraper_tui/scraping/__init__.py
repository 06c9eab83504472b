"""The scraping engine: HTTP fetching, CSS extraction and crawling.

`Fetcher` (one per process) does the HTTP with limits, retries and
robots.txt; `make_crawl` turns a scraper's config into a `Crawl` that
yields `ItemsEvent`s and `PageEvent`s; `PluginScraper` is the base class of
scrapers written in Python. This package imports only `scraper_tui.config`
and `scraper_tui.monitor` from the rest of the project.
"""

from __future__ import annotations

from .extract import Extractor, FieldCoverage, PageResult, canonical_url, clean_text, url_hash
from .fetch import Fetcher, FetchResult, FetchStats, parse_retry_after
from .robots import RobotsCache, RobotsVerdict
from .scrapers import (
    Crawl,
    CrawlSummary,
    Follow,
    ItemsEvent,
    Page,
    PageEvent,
    PluginScraper,
    make_crawl,
)

__all__ = [
    "Crawl",
    "CrawlSummary",
    "Extractor",
    "FetchResult",
    "FetchStats",
    "Fetcher",
    "FieldCoverage",
    "Follow",
    "ItemsEvent",
    "Page",
    "PageEvent",
    "PageResult",
    "PluginScraper",
    "RobotsCache",
    "RobotsVerdict",
    "canonical_url",
    "clean_text",
    "make_crawl",
    "parse_retry_after",
    "url_hash",
]
