"""Edits, removals and restores show on the pages, for change tracking."""

from __future__ import annotations

import aiohttp
import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper_tui.demo import DemoBoard


async def _page(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as response:
        assert response.status == 200
        return await response.text()


async def test_an_edited_posting_shows_new_text_in_its_old_place(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    before = board.postings("signature")
    target = before[3]
    edited = board.edit_posting("signature", target.external_id, title="Chief Tea Officer", location="Remote")
    assert edited.title == "Chief Tea Officer" and edited.url == target.url
    after = board.postings("signature")
    assert after[3] == edited and after[:3] == before[:3] and after[4:] == before[4:]
    tree = LexborHTMLParser(await _page(session, board.source_url("signature")))
    card = tree.css_first(f'div.job-card[data-id="{target.external_id}"]')
    assert " ".join(card.css_first("h2").text().split()) == "Chief Tea Officer"
    assert card.css_first(".location").text() == "Remote"


async def test_editing_the_id_or_an_unknown_field_is_refused(board: DemoBoard) -> None:
    external_id = board.postings("flygosh")[0].external_id
    with pytest.raises(ValueError, match="external_id"):
        board.edit_posting("flygosh", external_id, external_id="FG-1")
    with pytest.raises(KeyError, match="FG-nope"):
        board.edit_posting("flygosh", "FG-nope", title="x")


async def test_a_removed_posting_leaves_the_listing_and_its_detail_page(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    target = board.postings("indigo")[0]
    board.remove_posting("indigo", target.external_id)
    assert target.external_id not in {p.external_id for p in board.postings("indigo")}
    assert len(board.postings("indigo")) == 249
    assert target.external_id not in await _page(session, board.source_url("indigo"))
    async with session.get(target.url) as response:
        assert response.status == 404


async def test_a_restored_posting_comes_back_in_its_place_with_its_edits(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    before = board.postings("flygosh")
    target = before[30]
    board.edit_posting("flygosh", target.external_id, company="Renamed & Co")
    board.remove_posting("flygosh", target.external_id)
    board.restore_posting("flygosh", target.external_id)
    after = board.postings("flygosh")
    assert [p.external_id for p in after] == [p.external_id for p in before]
    assert after[30].company == "Renamed & Co"
    assert "Renamed &amp; Co" in await _page(session, board.url + "/flygosh/listings?p=2")


async def test_removing_a_posting_moves_later_ones_up_a_page(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    first_of_page_2 = board.postings("signature")[20]
    board.remove_posting("signature", board.postings("signature")[0].external_id)
    assert f'data-id="{first_of_page_2.external_id}"' in await _page(session, board.source_url("signature"))
