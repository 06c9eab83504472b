"""Plugin scrapers: the base class, the example plugin on the demo board, errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import sys

import pytest

import scraper_tui.demo
from scraper_tui.config import ConfigError, ScraperConfig, parse_config
from scraper_tui.demo import DemoBoard
from scraper_tui.scraping import Fetcher, Follow, Page, PluginScraper, make_crawl

from .conftest import run_crawl

HERE = __name__  # "tests.scraping.test_plugin": plugins below are named by it


def plugin_scraper(board: DemoBoard, plugin: str, *, start: str = "/signature/jobs", **extra: Any) -> ScraperConfig:
    table = {"name": "plug", "start_urls": [board.url + start], "plugin": plugin, "delay": 0, **extra}
    return ScraperConfig.model_validate(table)


class Untidy(PluginScraper):
    """Yields raw, messy values and the same next link twice, to show the crawl tidies up."""

    async def parse(self, page: Page) -> AsyncIterator[dict[str, Any] | Follow]:
        for card in page.css("div.job-card"):
            yield {
                "title": card.css_first("h2").text(),  # spread over lines, untrimmed
                "url": card.css_first("a.apply").attributes["href"],  # root-relative
                "company": card.css_first(".company").text(),
                "rank": 1,  # not text: kept as it is
                "salary": "",  # empty: dropped
            }
        yield {"title": "No link"}  # missing url: skipped and counted
        nxt = page.css_first("a.next")
        if nxt is not None:
            yield Follow(nxt.attributes["href"])
            yield Follow(nxt.attributes["href"] + "#again")  # the same page: fetched once


class Broken(PluginScraper):
    async def parse(self, page: Page) -> AsyncIterator[dict[str, Any] | Follow]:
        yield {"title": "One", "url": "/one"}
        raise ValueError("selector out of date")


class Lister(PluginScraper):
    """A plain coroutine returning a list works too; start_urls can be computed."""

    def start_urls(self) -> list[str]:
        return [url + "?page=2" for url in self.config.start_urls]

    async def parse(self, page: Page) -> list[dict[str, Any]]:  # type: ignore[override]
        return [{"title": "Page", "url": page.url}]


class NotAScraper:
    pass


@pytest.fixture
def forget_example_plugin() -> Any:
    """Unload the example plugin afterwards: importing it adds `plugin` to the
    demo package's namespace, which the demo's own API test does not expect."""
    yield
    sys.modules.pop("scraper_tui.demo.plugin", None)
    vars(scraper_tui.demo).pop("plugin", None)


@pytest.mark.usefixtures("forget_example_plugin")
async def test_the_example_plugin_scrapes_the_demo_board(board: DemoBoard, fetcher: Fetcher) -> None:
    from scraper_tui.demo import demo_config_text

    text = demo_config_text(board.url) + (
        '\n[scrapers.flygosh-plugin]\nsource = "flygosh"\n'
        f'start_urls = ["{board.source_url("flygosh")}"]\ndelay = 0\n'
        'plugin = "scraper_tui.demo.plugin:FlygoshScraper"\n'
    )
    scraper = parse_config(text).scrapers["flygosh-plugin"]
    crawl = make_crawl(scraper, fetcher)
    items, _ = await run_crawl(crawl)
    postings = board.postings("flygosh")
    assert [item["external_id"] for item in items] == [p.external_id for p in postings]
    for item, posting in zip(items, postings, strict=True):
        assert (item["title"], item["url"], item["company"], item["location"], item["posted_at"]) == (
            posting.title, posting.url, posting.company, posting.location, posting.posted_at)
        assert item.get("salary") == posting.salary
    assert crawl.summary.complete and crawl.summary.pages == board.num_pages("flygosh")


async def test_plugin_values_are_cleaned_made_absolute_and_deduplicated(board: DemoBoard,
                                                                        fetcher: Fetcher) -> None:
    crawl = make_crawl(plugin_scraper(board, f"{HERE}:Untidy"), fetcher)
    items, pages = await run_crawl(crawl)
    postings = board.postings("signature")
    assert [(i["title"], i["url"], i["company"]) for i in items] == [(p.title, p.url, p.company) for p in postings]
    assert all(item["rank"] == 1 and "salary" not in item and len(item["external_id"]) == 20 for item in items)
    listing = Counter(path for path in board.requests if path.startswith("/signature/jobs"))
    assert set(listing.values()) == {1} and len(listing) == board.num_pages("signature")
    summary = crawl.summary
    assert summary.skip_reasons == Counter({"missing url": len(pages)})
    assert summary.complete
    assert "salary" not in summary.field_coverage  # never filled, so never a field
    assert summary.field_coverage["title"] == 1.0 and summary.field_coverage["rank"] < 1.0


async def test_a_plugin_error_ends_the_crawl_as_an_error_without_raising(board: DemoBoard,
                                                                         fetcher: Fetcher) -> None:
    crawl = make_crawl(plugin_scraper(board, f"{HERE}:Broken"), fetcher)
    items, _ = await run_crawl(crawl)
    assert items == []  # the page's items are lost with the page
    summary = crawl.summary
    assert summary.stopped_by == "error" and not summary.complete
    assert isinstance(summary.exception, ValueError)
    assert summary.last_error == "ValueError: selector out of date"


async def test_a_plugin_may_return_a_list_and_compute_its_start_urls(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = make_crawl(plugin_scraper(board, f"{HERE}:Lister"), fetcher)
    items, _ = await run_crawl(crawl)
    assert items == [{"title": "Page", "url": board.url + "/signature/jobs?page=2",
                      "external_id": items[0]["external_id"]}]


async def test_a_plugin_that_is_not_a_plugin_scraper_is_a_config_error(board: DemoBoard, fetcher: Fetcher) -> None:
    with pytest.raises(ConfigError, match=r"scrapers\.plug\.plugin: expected a subclass of .*PluginScraper"):
        make_crawl(plugin_scraper(board, f"{HERE}:NotAScraper"), fetcher)


async def test_the_base_class_parse_must_be_written(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = make_crawl(plugin_scraper(board, "scraper_tui.scraping:PluginScraper", max_pages=1), fetcher)
    await run_crawl(crawl)
    assert isinstance(crawl.summary.exception, NotImplementedError)
