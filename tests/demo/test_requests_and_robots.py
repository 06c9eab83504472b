"""robots.txt, the request record and the board's error pages."""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

import aiohttp
import pytest

from scraper_tui.demo import DemoBoard


async def test_robots_txt_disallows_private_and_the_indigo_archive(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    async with session.get(board.url + "/robots.txt") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    for path in ("/private/admin", "/indigo/archive?offset=250", "/indigo/archive/ind-arch0000"):
        assert not robots.can_fetch("scraper-tui/0.1", board.url + path), path
    for path in ("/signature/jobs?page=2", "/flygosh/listings?p=2", "/indigo/openings?offset=30"):
        assert robots.can_fetch("scraper-tui/0.1", board.url + path), path


async def test_every_listing_page_links_to_the_disallowed_private_area(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    async with session.get(board.source_url("signature")) as response:
        assert 'href="/private/admin"' in await response.text()
    async with session.get(board.url + "/private/admin") as response:
        assert response.status == 403


async def test_every_request_is_recorded_in_order_with_its_query(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    paths = ["/robots.txt", "/signature/jobs?page=2", "/nowhere", "/flygosh/job?id=FG-1&src=list"]
    for path in paths:
        async with session.get(board.url + path) as response:
            await response.read()
    assert board.requests == paths
    assert [r.status for r in board.log] == [200, 200, 404, 404]
    assert board.log[0].user_agent.startswith("Python/")


async def test_request_count_counts_by_path_prefix(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    for path in ("/signature/jobs", "/signature/jobs?page=2", "/flygosh/listings"):
        async with session.get(board.url + path) as response:
            await response.read()
    assert board.request_count("/signature/") == 2
    assert board.request_count("/signature/jobs?page=2") == 1
    assert board.request_count() == 3
    board.clear_requests()
    assert board.requests == [] and board.request_count() == 0


async def test_the_user_agent_is_recorded(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    async with session.get(board.url + "/robots.txt", headers={"User-Agent": "scraper-tui/0.1"}) as response:
        await response.read()
    assert board.log[-1].user_agent == "scraper-tui/0.1"


@pytest.mark.parametrize("path", [
    "/signature/jobs?page=14", "/signature/jobs?page=0", "/signature/jobs?page=x",
    "/flygosh/listings?p=11", "/indigo/openings?offset=250", "/indigo/openings?offset=-30",
    "/signature/jobs/1", "/indigo/jobs/ind-nothere",
])
async def test_pages_past_the_end_and_unknown_postings_are_404(
        board: DemoBoard, session: aiohttp.ClientSession, path: str) -> None:
    async with session.get(board.url + path) as response:
        assert response.status == 404


async def test_page_paths_lists_each_sources_pagination(board: DemoBoard) -> None:
    assert board.page_paths("signature")[:2] == ["/signature/jobs", "/signature/jobs?page=2"]
    assert len(board.page_paths("signature")) == 13
    assert board.page_paths("flygosh")[-1] == "/flygosh/listings?p=10"
    assert board.page_paths("indigo")[-1] == "/indigo/openings?offset=240"
