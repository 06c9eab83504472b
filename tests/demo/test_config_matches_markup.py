"""The demo config's selectors extract exactly the board's ground truth.

A tiny extractor lives here (not in the library) so this proves the config
and the markup agree, whatever the real extractor does.
"""

from __future__ import annotations

import tomllib
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import aiohttp
import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper_tui.demo import SOURCES, DemoBoard, demo_config_text

_FIELDS = ("title", "url", "external_id", "company", "location", "posted_at")


def _value(node, spec: str) -> str | None:
    css, _, attr = spec.partition("@")
    target = node.css_first(css) if css else node
    if target is None:
        return None
    value = target.attributes.get(attr) if attr else target.text()
    return " ".join(value.split()) if value is not None else None


def _extract(html: str, page_url: str, scraper: dict) -> tuple[list[dict], str | None]:
    tree = LexborHTMLParser(html)
    items = []
    for node in tree.css(scraper["item"]):
        item = {name: _value(node, spec) for name, spec in scraper["fields"].items()}
        item["url"] = urljoin(page_url, item["url"])
        items.append(item)
    next_href = _value(tree.root, scraper["next_page"]) if scraper.get("next_page") else None
    return items, urljoin(page_url, next_href) if next_href else None


async def _crawl(session: aiohttp.ClientSession, board: DemoBoard, name: str) -> list[dict]:
    config = tomllib.loads(demo_config_text(board.url))
    scraper = config["scrapers"][name]
    robots = RobotFileParser()
    async with session.get(board.url + "/robots.txt") as response:
        robots.parse((await response.text()).splitlines())
    found: list[dict] = []
    url: str | None = scraper["start_urls"][0]
    while url and robots.can_fetch(config["settings"]["user_agent"], url):
        async with session.get(url) as response:
            assert response.status == 200, url
            items, url = _extract(await response.text(), str(response.url), scraper)
        found.extend(items)
    return found


def _truth(board: DemoBoard, source: str) -> list[dict]:
    return [{name: getattr(p, name) for name in _FIELDS} for p in board.postings(source)]


@pytest.mark.parametrize("source", SOURCES)
async def test_config_selectors_extract_every_posting_exactly_once(
        board: DemoBoard, session: aiohttp.ClientSession, source: str) -> None:
    assert await _crawl(session, board, source) == _truth(board, source)


@pytest.mark.parametrize("source", SOURCES)
async def test_a_crawl_requests_robots_and_each_listing_page_once(
        board: DemoBoard, session: aiohttp.ClientSession, source: str) -> None:
    await _crawl(session, board, source)
    assert board.requests == ["/robots.txt"] + board.page_paths(source)


async def test_indigo_last_page_links_into_the_disallowed_archive(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    scraper = tomllib.loads(demo_config_text(board.url))["scrapers"]["indigo"]
    last = board.url + board.page_paths("indigo")[-1]
    async with session.get(last) as response:
        _, next_url = _extract(await response.text(), last, scraper)
    assert next_url == f"{board.url}/indigo/archive?offset=250"
    await _crawl(session, board, "indigo")
    assert board.request_count("/indigo/archive") == 0


async def test_the_archive_holds_postings_a_robots_ignoring_crawler_would_add(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    scraper = tomllib.loads(demo_config_text(board.url))["scrapers"]["indigo"]
    url = f"{board.url}/indigo/archive?offset=250"
    async with session.get(url) as response:
        items, next_url = _extract(await response.text(), url, scraper)
    assert items and next_url is None
    truth_ids = {p.external_id for p in board.postings("indigo")}
    assert not truth_ids & {item["external_id"] for item in items}


async def test_a_full_last_page_has_no_next_link(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    # 250 flygosh postings at 25 a page: the tenth page is full and the last.
    scraper = tomllib.loads(demo_config_text(board.url))["scrapers"]["flygosh"]
    url = board.url + "/flygosh/listings?p=10"
    async with session.get(url) as response:
        items, next_url = _extract(await response.text(), url, scraper)
    assert len(items) == 25 and next_url is None


@pytest.mark.parametrize("source", SOURCES)
async def test_a_big_board_crawls_completely(session: aiohttp.ClientSession, source: str) -> None:
    async with DemoBoard(postings_per_source=2000) as big:
        assert await _crawl(session, big, source) == _truth(big, source)


@pytest.mark.parametrize("source", SOURCES)
async def test_every_item_link_opens_its_detail_page(
        small_board: DemoBoard, session: aiohttp.ClientSession, source: str) -> None:
    for item in await _crawl(session, small_board, source):
        async with session.get(item["url"]) as response:
            assert response.status == 200
            assert item["external_id"] in await response.text()
