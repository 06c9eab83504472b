"""The Scrapy side of `bench_scrape.py`: a default Scrapy spider crawling the demo board.

Run by `bench_scrape.py` in its own process, so that Twisted's reactor never
meets the engine's asyncio loop:

    python benchmarks/scrapy_demo_spider.py SPEC_JSON [--sqlite DB]

SPEC_JSON (a file, or the JSON text itself) maps each source to what the
demo scrapers.toml says about it, as `scraper_tui.config` parsed it::

    {"signature": {"start_urls": [...], "item": "div.job-card",
                   "fields": {"title": ["h2", null], "url": ["a.apply", "href"],
                              "external_id": [null, "data-id"], ...},
                   "next_page": ["a.next", "href"]}, ...}

The spider uses exactly these CSS selectors through Scrapy's own selectors
(parsel on lxml): `css` alone is the first match's text content, `css@attr`
the first match's attribute, `@attr` an attribute of the item element
itself. Like the engine it collapses whitespace, drops control characters,
makes URLs absolute, skips items without a title or url and follows every
next-page link. Settings are Scrapy's defaults except those DESIGN.md names
for "a default Scrapy spider": robots.txt obeyed, the engine's concurrency
(16 in all, 8 per host), no delay, no autothrottle, no HTTP cache, no telnet
console, warnings only.

With `--sqlite DB` it also stores every item through `SQLitePipeline`, the
item pipeline a Scrapy user would write for this (Scrapy ships none for
SQL): one sqlite3 connection, WAL journal, `synchronous=NORMAL`, a `job`
table with the engine's columns and uniqueness (source, external_id), one
upsert per item and a commit every 100 items, the rest committed when the
spider closes. DB must not exist yet (a fresh database per round).

It prints one JSON line on stdout: items (in all and per source), seconds
and CPU seconds from `spider_opened` to `spider_closed` (the crawl itself,
without interpreter start-up, imports or reactor set-up; with `--sqlite`
the pipeline's last commit and close are inside, as Scrapy closes pipelines
before it sends `spider_closed`), pages and a digest of the items for
comparing with the engine's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess

SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "WARNING",
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "HTTPCACHE_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
}

# The same characters `scraper_tui.scraping.extract` removes.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_URL_ATTRIBUTES = frozenset({"href", "src"})


def clean_text(s: str) -> str:
    return " ".join(_CONTROL.sub("", s).split())


class SQLitePipeline:
    """Upserts each item into a SQLite `job` table, committing every 100 items.

    A reasonable default pipeline, not a tuned one: the shape of the Scrapy
    documentation's database pipeline example (open in `open_spider`, write
    in `process_item`, close in `close_spider`) with the usual SQLite
    settings (WAL, synchronous=NORMAL) and a batched commit instead of one
    per item. Same columns as the engine's `job` table, same unique key.
    """

    COMMIT_EVERY = 100
    UPSERT = (
        "INSERT INTO job (source, external_id, title, company, location, url, posted_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (source, external_id) DO UPDATE SET title = excluded.title, company = excluded.company, "
        "location = excluded.location, url = excluded.url, posted_at = excluded.posted_at"
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.pending = 0
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> SQLitePipeline:
        return cls(crawler.settings.get("DEMO_SQLITE_PATH"))

    def open_spider(self) -> None:
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS job (id INTEGER PRIMARY KEY, source TEXT NOT NULL, external_id TEXT NOT NULL, "
            "title TEXT NOT NULL, company TEXT, location TEXT, url TEXT NOT NULL, posted_at TEXT, "
            "UNIQUE (source, external_id))"
        )
        self.conn.commit()

    def process_item(self, item: dict[str, str]) -> dict[str, str]:
        assert self.conn is not None
        self.conn.execute(self.UPSERT, (
            item["source"], item["external_id"], item["title"], item.get("company"), item.get("location"),
            item["url"], item.get("posted_at"),
        ))  # fmt: skip
        self.stored += 1
        self.pending += 1
        if self.pending >= self.COMMIT_EVERY:
            self.conn.commit()
            self.pending = 0
        return item

    def close_spider(self) -> None:
        if self.conn is not None:
            self.conn.commit()
            self.conn.close()
            self.conn = None


def items_digest(items: list[tuple[str, dict[str, str]]]) -> str:
    """Order-independent digest of (source, item) pairs; bench_scrape.py computes the same."""
    lines = sorted(json.dumps([source, sorted(item.items())], ensure_ascii=False) for source, item in items)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class DemoBoardSpider(scrapy.Spider):
    name = "demo_board"

    def __init__(self, spec: dict[str, dict[str, Any]], **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec
        self.start_urls = [url for source in spec.values() for url in source["start_urls"]]
        self.source_of = {url: name for name, source in spec.items() for url in source["start_urls"]}
        # Per source: item selector, [(field, css or None, attr or None, is_url)], next-page selector.
        self.plans: dict[str, tuple[str, list[tuple[str, str | None, str | None, bool]], str | None]] = {}
        for name, source in spec.items():
            fields = [(field, css, attr, field == "url" or attr in _URL_ATTRIBUTES)
                      for field, (css, attr) in source["fields"].items()]
            next_page = None
            if source.get("next_page"):
                css, attr = source["next_page"]
                next_page = f"{css}::attr({attr or 'href'})"
            self.plans[name] = (source["item"], fields, next_page)
        self.items: list[tuple[str, dict[str, str]]] = []
        self.pages = 0
        self.opened_at = self.closed_at = 0.0
        self.cpu_opened = self.cpu_closed = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DemoBoardSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _opened(self, spider: scrapy.Spider) -> None:
        self.opened_at, self.cpu_opened = time.perf_counter(), time.process_time()

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        self.closed_at, self.cpu_closed = time.perf_counter(), time.process_time()
        self.close_reason = reason

    async def start(self):  # Scrapy >= 2.13; the default would lose which source a URL is
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"source": self.source_of[url]})

    def parse(self, response: Any, source: str) -> Any:
        self.pages += 1
        item_css, fields, next_page = self.plans[source]
        for element in response.css(item_css):
            item: dict[str, str] = {}
            for field, css, attr, is_url in fields:
                node = element
                if css is not None:
                    matches = element.css(css)
                    if not matches:
                        continue
                    node = matches[0]
                if attr is not None:
                    value = node.attrib.get(attr)
                else:
                    value = node.xpath("string()").get()  # textContent
                if not value:
                    continue
                value = response.urljoin(_CONTROL.sub("", value).strip()) if is_url else clean_text(value)
                if value:
                    item[field] = value
            if "title" not in item or "url" not in item:
                continue
            item.setdefault("external_id", item["url"])
            self.items.append((source, item))
            yield {"source": source, **item}  # the pipeline needs the source
        if next_page is not None:
            for href in response.css(next_page).getall():
                yield response.follow(href.strip(), callback=self.parse, cb_kwargs={"source": source})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("spec", metavar="SPEC_JSON", help="a JSON file, or the JSON text itself")
    parser.add_argument("--sqlite", metavar="DB", help="store the items in this new SQLite file")
    args = parser.parse_args(argv)
    spec = json.loads(args.spec if args.spec.lstrip().startswith("{") else Path(args.spec).read_text(encoding="utf-8"))
    settings = dict(SETTINGS)
    if args.sqlite:
        if Path(args.sqlite).exists():
            parser.error(f"{args.sqlite} exists; the benchmark wants a fresh database")
        settings |= {"ITEM_PIPELINES": {f"{__name__}.SQLitePipeline": 300}, "DEMO_SQLITE_PATH": args.sqlite}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DemoBoardSpider)
    process.crawl(crawler, spec=spec)
    process.start()
    spider = crawler.spider
    per_source: dict[str, int] = dict.fromkeys(spec, 0)
    for source, _ in spider.items:
        per_source[source] += 1
    stats = crawler.stats.get_stats()
    print(json.dumps({
        "contender": "scrapy+sqlite" if args.sqlite else "scrapy",
        "items": len(spider.items),
        "items_scraped_stat": stats.get("item_scraped_count", 0),
        "per_source": per_source,
        "seconds": spider.closed_at - spider.opened_at,
        "cpu_seconds": spider.cpu_closed - spider.cpu_opened,
        "pages": spider.pages,
        "close_reason": getattr(spider, "close_reason", None),
        "digest": items_digest(spider.items),
    }), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
