"""Starting, stopping and addressing the demo board."""

from __future__ import annotations

import aiohttp
import pytest

from scraper_tui.demo import SOURCES, START_PATHS, DemoBoard


async def test_start_binds_loopback_on_a_free_port() -> None:
    board = DemoBoard()
    await board.start()
    try:
        assert board.port > 0
        assert board.url == f"http://127.0.0.1:{board.port}"
        assert board.running
    finally:
        await board.stop()
    assert not board.running


async def test_two_boards_get_different_ports() -> None:
    async with DemoBoard() as first, DemoBoard() as second:
        assert first.port != second.port


async def test_stop_closes_the_listener(session: aiohttp.ClientSession) -> None:
    board = DemoBoard()
    await board.start()
    url = board.url
    await board.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with session.get(url + "/robots.txt"):
            pass


async def test_stop_is_harmless_twice_and_before_start() -> None:
    board = DemoBoard()
    await board.stop()
    await board.start()
    await board.stop()
    await board.stop()


async def test_start_twice_is_refused(board: DemoBoard) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        await board.start()


def test_url_before_start_names_the_fix() -> None:
    with pytest.raises(RuntimeError, match="start"):
        DemoBoard().url


async def test_source_url_is_each_sources_first_listing_page(board: DemoBoard) -> None:
    for source in SOURCES:
        assert board.source_url(source) == board.url + START_PATHS[source]
    with pytest.raises(KeyError, match="nosuch"):
        board.source_url("nosuch")


async def test_index_links_every_source(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    async with session.get(board.url + "/") as response:
        assert response.status == 200
        text = await response.text()
    for path in START_PATHS.values():
        assert f'href="{path}"' in text
