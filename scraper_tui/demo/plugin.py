"""An example plugin scraper for the demo board's Flygosh listings.

The declarative config already handles Flygosh; this plugin shows what a
Python scraper looks like and does one thing the config does not: it also
collects the pay column as `salary` (a field stored in the job's data),
leaving out the "—" of postings without one. Use it with::

    [scrapers.flygosh-plugin]
    source = "flygosh"
    start_urls = ["http://127.0.0.1:PORT/flygosh/listings"]
    plugin = "scraper_tui.demo.plugin:FlygoshScraper"

Only this module of the demo package imports scraper_tui.scraping; the
board itself stays independent of the rest of the package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scraper_tui.scraping import Follow, Page, PluginScraper

__all__ = ["FlygoshScraper"]

_NO_PAY = "\u2014"  # the em dash the board shows when a posting has no salary


class FlygoshScraper(PluginScraper):
    """Jobs from `table.jobs tr.job` rows; follows `a[rel=next]`."""

    async def parse(self, page: Page) -> AsyncIterator[dict[str, Any] | Follow]:
        for row in page.css("table.jobs tr.job"):
            link = row.css_first("td.title a")
            if link is None:
                continue  # not a posting row; nothing to take
            job: dict[str, Any] = {
                "external_id": _cell(row, "td.ref"),
                "title": link.text(),
                "url": link.attributes.get("href") or "",  # relative: the crawl makes it absolute
                "company": _cell(row, "td.company"),
                "location": _cell(row, "td.location"),
                "posted_at": _cell(row, "td.posted"),
            }
            pay = _cell(row, "td.pay")
            if pay and pay.strip() != _NO_PAY:
                job["salary"] = pay
            yield job
        following = page.css_first("a[rel=next]")
        if following is not None and following.attributes.get("href"):
            yield Follow(following.attributes["href"])


def _cell(row: Any, selector: str) -> str | None:
    node = row.css_first(selector)
    return node.text() if node is not None else None
