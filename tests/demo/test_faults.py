"""Switchable faults: each behaves as documented, counts exactly and clears."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from scraper_tui.demo import DemoBoard

PAGE_2 = "/signature/jobs?page=2"


async def _status(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as response:
        await response.read()
        return response.status


async def test_error_fails_exactly_the_next_n_requests_of_a_path(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    fault = board.faults.error(PAGE_2, 503, times=2)
    statuses = [await _status(session, board.url + PAGE_2) for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert fault.hits == 2 and not fault.live
    assert [r.fault for r in board.log] == ["error", "error", None]


async def test_error_on_an_exact_path_spares_other_pages(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.error(PAGE_2, 500)
    assert await _status(session, board.url + "/signature/jobs") == 200
    assert await _status(session, board.url + "/signature/jobs?page=3") == 200
    assert await _status(session, board.url + PAGE_2) == 500


async def test_a_source_name_targets_all_of_its_pages(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.error("flygosh", 500)
    assert await _status(session, board.source_url("flygosh")) == 500
    assert await _status(session, board.postings("flygosh")[0].url) == 500
    assert await _status(session, board.source_url("signature")) == 200
    assert await _status(session, board.url + "/robots.txt") == 200


async def test_a_trailing_star_targets_a_path_prefix(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.error("/indigo/openings*", 502, times=None)
    assert await _status(session, board.url + "/indigo/openings?offset=30") == 502
    assert await _status(session, board.postings("indigo")[0].url) == 200


async def test_an_always_failing_host_never_recovers(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    fault = board.faults.error("*", 503)
    assert [await _status(session, board.source_url("signature")) for _ in range(5)] == [503] * 5
    assert fault.live and fault.hits == 5


async def test_error_can_carry_retry_after(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.error(PAGE_2, 503, times=1, retry_after=0)
    async with session.get(board.url + PAGE_2) as response:
        assert response.status == 503
        assert response.headers["Retry-After"] == "0"


async def test_rate_limit_answers_429_with_retry_after(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.rate_limit(PAGE_2, retry_after=2, times=1)
    async with session.get(board.url + PAGE_2) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
    assert await _status(session, board.url + PAGE_2) == 200


async def test_slow_delays_the_answer_and_records_the_request_first(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.slow(PAGE_2, 0.3, times=1)
    started = time.perf_counter()
    task = asyncio.create_task(_status(session, board.url + PAGE_2))
    while not board.requests:
        await asyncio.sleep(0.01)
    assert board.log[0].status is None  # seen, not yet answered
    assert await task == 200
    assert time.perf_counter() - started >= 0.3


async def test_slow_combines_with_an_error(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    slow = board.faults.slow("signature", 0.05, times=1)
    error = board.faults.error("signature", 500, times=1)
    assert await _status(session, board.source_url("signature")) == 500
    assert slow.hits == error.hits == 1


async def test_truncate_sends_a_complete_response_with_half_a_document(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.truncate(PAGE_2, times=1)
    async with session.get(board.url + PAGE_2) as response:
        assert response.status == 200
        cut = await response.text()
    async with session.get(board.url + PAGE_2) as response:
        full = await response.text()
    assert full.startswith(cut) and len(cut) == len(full) // 2
    assert "</html>" not in cut


async def test_truncate_with_drop_connection_breaks_the_body(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.truncate(PAGE_2, times=1, drop_connection=True)
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.get(board.url + PAGE_2) as response:
            await response.read()
    assert await _status(session, board.url + PAGE_2) == 200


@pytest.mark.parametrize("declare_length", [True, False])
async def test_oversized_streams_a_body_of_the_given_size(
        board: DemoBoard, session: aiohttp.ClientSession, declare_length: bool) -> None:
    board.faults.oversized(PAGE_2, size=11 * 1024 * 1024, times=1, declare_length=declare_length)
    async with session.get(board.url + PAGE_2) as response:
        assert response.content_type == "text/html"
        expected = str(11 * 1024 * 1024) if declare_length else None
        assert response.headers.get("Content-Length") == expected
        body = await response.read()
    assert len(body) == 11 * 1024 * 1024
    assert body.startswith(b"<!DOCTYPE html>") and body.endswith(b"</html>\n")


async def test_a_client_that_stops_reading_an_oversized_body_leaves_the_board_serving(
        board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.oversized(PAGE_2, times=1, declare_length=False)
    async with session.get(board.url + PAGE_2) as response:
        await response.content.read(65536)
        response.close()
    assert await _status(session, board.url + PAGE_2) == 200


@pytest.mark.parametrize("content_type", ["application/json", "image/png"])
async def test_non_html_answers_200_with_another_content_type(
        board: DemoBoard, session: aiohttp.ClientSession, content_type: str) -> None:
    board.faults.non_html(PAGE_2, content_type, times=1)
    async with session.get(board.url + PAGE_2) as response:
        assert response.status == 200
        assert response.content_type == content_type
        body = await response.read()
    if content_type == "application/json":
        assert json.loads(body)["jobs"] == []
    else:
        assert body.startswith(b"\x89PNG")


async def test_clear_removes_every_fault(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.error("*", 500)
    board.faults.rate_limit("signature")
    board.faults.clear()
    assert len(board.faults) == 0
    assert await _status(session, board.url + PAGE_2) == 200


async def test_clear_by_target_keeps_the_others(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    board.faults.error("signature", 500)
    board.faults.error("flygosh", 500)
    board.faults.clear("signature")
    assert await _status(session, board.source_url("signature")) == 200
    assert await _status(session, board.source_url("flygosh")) == 500


async def test_the_first_added_response_fault_wins(board: DemoBoard, session: aiohttp.ClientSession) -> None:
    first = board.faults.rate_limit(PAGE_2, 0, times=1)
    second = board.faults.error(PAGE_2, 500, times=1)
    assert [await _status(session, board.url + PAGE_2) for _ in range(3)] == [429, 500, 200]
    assert first.hits == second.hits == 1


def test_bad_fault_arguments_are_refused() -> None:
    faults = DemoBoard().faults
    with pytest.raises(ValueError, match="times"):
        faults.error("*", 500, times=0)
    with pytest.raises(ValueError, match="status"):
        faults.error("*", 200)
    with pytest.raises(ValueError, match="keep"):
        faults.truncate("*", keep=1.5)
    with pytest.raises(ValueError, match="delay"):
        faults.slow("*", -1)
