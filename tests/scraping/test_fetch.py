"""The Fetcher: limits, retries, Retry-After, robots.txt, size and type checks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from email.utils import formatdate

import pytest
from aiohttp import web

from scraper_tui.demo import DemoBoard
from scraper_tui.monitor import Monitor
from scraper_tui.scraping import Fetcher, parse_retry_after

from .conftest import SiteFactory, quick_settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PAGE2 = "/signature/jobs?page=2"


def _answer(body: bytes, content_type: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handler


async def test_fetch_returns_the_decoded_page_and_counts_its_status(
    board: DemoBoard, fetcher: Fetcher, monitor: Monitor
) -> None:
    result = await fetcher.fetch(board.url + PAGE2)
    assert result.ok and result.status == 200 and result.error is None
    assert result.content_type == "text/html"
    assert 'class="job-card"' in (result.text or "")
    assert result.bytes == len((result.text or "").encode())
    assert result.statuses == [200] and result.retries == 0
    assert fetcher.stats.statuses["200"] >= 2  # the page and robots.txt
    metrics = monitor.metrics.get_metrics("fetch")
    assert metrics["count"] == fetcher.stats.requests and metrics["category"] == "fetch"
    assert fetcher.in_flight == 0


async def test_every_request_carries_the_configured_user_agent(board: DemoBoard, fetcher: Fetcher) -> None:
    await fetcher.fetch(board.url + PAGE2)
    assert {r.user_agent for r in board.log} == {"scraper-tui-tests/1.0"}


async def test_a_503_is_retried_until_the_page_comes(board: DemoBoard, fetcher: Fetcher) -> None:
    board.faults.error(PAGE2, 503, times=2)
    result = await fetcher.fetch(board.url + PAGE2)
    assert result.ok
    assert result.statuses == [503, 503, 200] and result.retries == 2
    assert board.request_count(PAGE2) == 3


async def test_a_429_retry_after_is_honoured_but_capped(board: DemoBoard, fetcher: Fetcher) -> None:
    # Retry-After: 3600 would stall the test for an hour without the 0.2 s cap.
    board.faults.rate_limit(PAGE2, retry_after=3600, times=1)
    result = await fetcher.fetch(board.url + PAGE2)
    assert result.ok and result.statuses == [429, 200] and result.retries == 1


async def test_a_host_that_keeps_failing_is_given_up_after_the_retries(board: DemoBoard, fetcher: Fetcher) -> None:
    board.faults.error(PAGE2, 503)
    result = await fetcher.fetch(board.url + PAGE2)
    assert not result.ok and result.text is None
    assert result.error == "HTTP 503 after 3 retries"
    assert result.statuses == [503] * 4
    assert board.request_count(PAGE2) == 4
    assert fetcher.stats.errors == 1 and fetcher.stats.retries == 3


async def test_a_client_error_is_not_retried(board: DemoBoard, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(board.url + "/signature/jobs?page=999")
    assert result.status == 404 and result.error == "HTTP 404" and result.retries == 0


async def test_an_unreachable_host_is_an_error_after_the_retries() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(quick_settings(obey_robots=False, retries=2)) as fetcher:
        result = await fetcher.fetch(f"http://127.0.0.1:{port}/jobs")
    assert result.status is None and result.statuses == []
    assert result.error is not None and result.error.startswith("cannot connect")
    assert result.error.endswith("after 2 retries")


async def test_a_read_timeout_is_retried_then_reported(board: DemoBoard) -> None:
    board.faults.slow(PAGE2, 3.0)
    async with Fetcher(quick_settings(timeout=0.2, retries=1)) as fetcher:
        result = await fetcher.fetch(board.url + PAGE2)
    assert result.error == "timeout after 1 retry"
    assert board.request_count(PAGE2) == 2


async def test_a_body_cut_off_mid_transfer_is_retried(board: DemoBoard, fetcher: Fetcher) -> None:
    board.faults.truncate(PAGE2, times=1, drop_connection=True)
    result = await fetcher.fetch(board.url + PAGE2)
    assert result.ok and result.retries == 1 and "</html>" in (result.text or "")


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_an_oversized_response_is_aborted_and_counted(board: DemoBoard, declare_length: bool) -> None:
    board.faults.oversized(PAGE2, size=3_000_000, declare_length=declare_length)
    async with Fetcher(quick_settings(max_response_bytes=1_000_000)) as fetcher:
        result = await fetcher.fetch(board.url + PAGE2)
    assert result.skipped == "too_large" and result.text is None and result.error is None
    assert result.retries == 0
    assert fetcher.stats.skipped["too_large"] == 1
    if declare_length:
        assert result.bytes == 0  # refused on its Content-Length, unread
    else:
        assert 1_000_000 < result.bytes < 3_000_000  # streamed until the limit was passed


@pytest.mark.parametrize("content_type", ["application/json", "image/png"])
async def test_a_non_html_response_is_skipped_and_counted(board: DemoBoard, fetcher: Fetcher,
                                                          content_type: str) -> None:
    board.faults.non_html(PAGE2, content_type)
    result = await fetcher.fetch(board.url + PAGE2)
    assert result.status == 200 and result.skipped == "not_html" and result.text is None
    assert result.content_type == content_type and result.bytes == 0
    assert fetcher.stats.skipped["not_html"] == 1


async def test_a_url_robots_disallows_is_never_requested(board: DemoBoard, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(board.url + "/private/admin")
    assert result.skipped == "robots" and result.status is None and result.error is None
    assert board.request_count("/private") == 0


async def test_robots_txt_is_fetched_once_per_host_by_concurrent_callers(
    board: DemoBoard, fetcher: Fetcher
) -> None:
    urls = [board.url + f"/signature/jobs?page={n}" for n in range(1, 5)] * 3
    results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    assert all(r.ok for r in results)
    assert board.request_count("/robots.txt") == 1
    assert board.requests[0] == "/robots.txt"


async def test_robots_can_be_ignored_by_setting(board: DemoBoard) -> None:
    async with Fetcher(quick_settings(obey_robots=False)) as fetcher:
        result = await fetcher.fetch(board.url + "/private/admin")
    assert result.status == 403 and board.request_count("/robots.txt") == 0


async def test_missing_robots_txt_allows_everything(serve: SiteFactory, fetcher: Fetcher) -> None:
    app = web.Application()
    app.router.add_get("/private/page", _answer(b"<p>ok</p>", "text/html"))
    base = await serve(app)  # robots.txt answers 404
    assert (await fetcher.fetch(base + "/private/page")).ok


async def test_robots_txt_failing_with_5xx_disallows_the_host(serve: SiteFactory, fetcher: Fetcher) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.path)
        if request.path == "/robots.txt":
            return web.Response(status=503)
        return web.Response(text="<p>ok</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    base = await serve(app)
    result = await fetcher.fetch(base + "/jobs")
    assert result.skipped == "robots"
    assert result.error is not None and "robots.txt unavailable" in result.error
    assert seen == ["/robots.txt"] * 4  # retried like any page, then the host is off limits


async def test_a_redirect_into_a_disallowed_area_is_not_followed(serve: SiteFactory, fetcher: Fetcher) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        if request.path == "/robots.txt":
            return web.Response(text="User-agent: *\nDisallow: /secret\n")
        if request.path == "/go":
            raise web.HTTPFound("/secret/page")
        if request.path == "/moved":
            raise web.HTTPMovedPermanently("/landing")
        return web.Response(text="<p>ok</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    base = await serve(app)
    blocked = await fetcher.fetch(base + "/go")
    assert blocked.skipped == "robots" and "/secret/page" not in seen
    moved = await fetcher.fetch(base + "/moved")
    assert moved.ok and moved.final_url == base + "/landing" and moved.statuses == [301, 200]


async def test_the_body_is_decoded_with_the_declared_charset_else_utf8(serve: SiteFactory,
                                                                       fetcher: Fetcher) -> None:
    app = web.Application()
    app.router.add_get("/latin", _answer("<p>Café Zürich</p>".encode("latin-1"), "text/html; charset=ISO-8859-1"))
    app.router.add_get("/broken", _answer(b"<p>caf\xe9 ok</p>", "text/html"))
    base = await serve(app)
    assert (await fetcher.fetch(base + "/latin")).text == "<p>Café Zürich</p>"
    assert (await fetcher.fetch(base + "/broken")).text == "<p>caf\ufffd ok</p>"


async def test_requests_to_one_host_stay_within_the_per_host_limit(serve: SiteFactory) -> None:
    active = peak = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return web.Response(text="<p>ok</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{n}", handler)
    base = await serve(app)
    async with Fetcher(quick_settings(per_host_concurrency=2, concurrency=8)) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(f"{base}/{n}") for n in range(12)))
    assert all(r.ok for r in results)
    assert peak == 2


async def test_a_closed_fetcher_refuses_to_fetch(board: DemoBoard) -> None:
    fetcher = Fetcher(quick_settings())
    await fetcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        await fetcher.fetch(board.url + PAGE2)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after(formatdate(1_000_030, usegmt=True), now=1_000_000) == pytest.approx(30)
    assert parse_retry_after(formatdate(999_000, usegmt=True), now=1_000_000) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


async def test_a_redirect_to_another_host_works_with_limits_of_one(serve: SiteFactory) -> None:
    target = web.Application()
    target.router.add_get("/landing", _answer(b"<p>landed</p>", "text/html"))
    target_url = await serve(target)

    async def jump(request: web.Request) -> web.Response:
        raise web.HTTPFound(target_url + "/landing")

    origin = web.Application()
    origin.router.add_get("/jump", jump)
    origin_url = await serve(origin)
    async with Fetcher(quick_settings(concurrency=1, per_host_concurrency=1)) as fetcher:
        # robots.txt of the second host is fetched between the hops, outside the limits.
        result = await asyncio.wait_for(fetcher.fetch(origin_url + "/jump"), timeout=10)
    assert result.ok and result.text == "<p>landed</p>" and result.final_url == target_url + "/landing"
    assert fetcher.robots.fetches == 2
