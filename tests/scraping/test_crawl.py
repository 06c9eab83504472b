"""Crawling declarative scrapers on the demo board."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from scraper_tui.demo import SOURCES, DemoBoard
from scraper_tui.scraping import Crawl, Fetcher, ItemsEvent, PageEvent, make_crawl

from .conftest import demo_scraper, quick_settings, run_crawl

FIELDS = ("external_id", "title", "url", "company", "location", "posted_at")


def truth(board: DemoBoard, source: str) -> dict[str, tuple[str, ...]]:
    return {p.external_id: tuple(getattr(p, f) for f in FIELDS) for p in board.postings(source)}


def found(items: list[dict]) -> dict[str, tuple[str, ...]]:
    return {item["external_id"]: tuple(item.get(f) for f in FIELDS) for item in items}


def crawl_tasks() -> list[asyncio.Task]:
    """Tasks of crawls still alive (the board's own server tasks aside)."""
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("crawl ")]


def listing_requests(board: DemoBoard) -> list[str]:
    return [path for path in board.requests if path != "/robots.txt"]


@pytest.mark.parametrize("source", SOURCES)
async def test_each_demo_source_yields_exactly_its_postings(board: DemoBoard, fetcher: Fetcher,
                                                            source: str) -> None:
    crawl = make_crawl(demo_scraper(board, source), fetcher)
    items, pages = await run_crawl(crawl)
    assert len(items) == len(board.postings(source)) == 70
    assert found(items) == truth(board, source)  # normalised text, absolute URLs
    assert all(item["url"].startswith(board.url + "/") for item in items)
    summary = crawl.summary
    assert summary.stopped_by == "end" and summary.complete
    assert summary.pages == board.num_pages(source) == len([p for p in pages if p.status is not None])
    assert summary.items == 70 and summary.errors == 0 and summary.items_skipped == 0
    assert summary.status_histogram == Counter({"200": summary.pages})
    assert summary.field_coverage == {name: 1.0 for name in FIELDS}
    assert 0 < summary.p50 <= summary.p95


async def test_robots_disallowed_next_page_is_never_requested_and_ends_the_crawl(
    board: DemoBoard, fetcher: Fetcher
) -> None:
    crawl = make_crawl(demo_scraper(board, "indigo"), fetcher)
    items, pages = await run_crawl(crawl)
    assert board.request_count("/indigo/archive") == 0
    assert board.request_count("/private") == 0
    assert pages[-1].skipped == "robots" and pages[-1].status is None and pages[-1].error is None
    assert crawl.summary.pages_skipped == Counter({"robots": 1})
    assert crawl.summary.complete  # the archive is out of bounds, not missing


async def test_injected_503_and_429_are_retried_and_the_crawl_completes(board: DemoBoard,
                                                                        fetcher: Fetcher) -> None:
    board.faults.error("/signature/jobs?page=2", 503, times=2)
    board.faults.rate_limit("/signature/jobs?page=3", retry_after=1, times=1)
    crawl = make_crawl(demo_scraper(board, "signature"), fetcher)
    items, pages = await run_crawl(crawl)
    assert found(items) == truth(board, "signature")
    summary = crawl.summary
    assert summary.complete and summary.errors == 0 and summary.retries == 3
    assert summary.status_histogram == Counter({"200": 4, "503": 2, "429": 1})
    assert [p.retries for p in pages] == [0, 2, 1, 0]


async def test_a_page_that_keeps_failing_is_given_up_and_recorded(board: DemoBoard, fetcher: Fetcher) -> None:
    board.faults.error("/signature/jobs?page=2", 503)
    crawl = make_crawl(demo_scraper(board, "signature"), fetcher)
    items, pages = await run_crawl(crawl)
    assert len(items) == 20  # page 1 only: pagination cannot go on
    assert pages[-1].error == "HTTP 503 after 3 retries" and pages[-1].status == 503
    summary = crawl.summary
    assert summary.errors == 1 and summary.last_error is not None
    assert summary.last_error.endswith("/signature/jobs?page=2: HTTP 503 after 3 retries")
    assert summary.stopped_by == "error" and not summary.complete
    assert board.request_count("/signature/jobs?page=2") == 4
    assert board.request_count("/signature/jobs?page=3") == 0


async def test_max_pages_stops_the_crawl_there(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = make_crawl(demo_scraper(board, "signature", max_pages=2), fetcher)
    items, _ = await run_crawl(crawl)
    assert len(items) == 40
    assert listing_requests(board) == ["/signature/jobs", "/signature/jobs?page=2"]
    assert crawl.summary.stopped_by == "max_pages" and not crawl.summary.complete


async def test_max_pages_equal_to_the_page_count_is_a_complete_crawl(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = make_crawl(demo_scraper(board, "signature", max_pages=board.num_pages("signature")), fetcher)
    await run_crawl(crawl)
    assert crawl.summary.stopped_by == "end" and crawl.summary.complete


async def test_max_jobs_stops_at_exactly_that_many_items(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = make_crawl(demo_scraper(board, "signature", max_jobs=45), fetcher)
    items, pages = await run_crawl(crawl)
    assert len(items) == 45
    assert [item["external_id"] for item in items] == [p.external_id for p in board.postings("signature")[:45]]
    assert [p.items for p in pages] == [20, 20, 5]
    assert len(listing_requests(board)) == 3  # no page fetched past the limit
    assert crawl.summary.stopped_by == "max_jobs" and not crawl.summary.complete


async def test_no_page_is_fetched_twice_in_a_run(board: DemoBoard, fetcher: Fetcher) -> None:
    start = board.source_url("signature")
    scraper = demo_scraper(board, "signature", start_urls=[
        start, start + "?page=3", start + "#top", start + "?utm_source=newsletter",
    ])
    crawl = make_crawl(scraper, fetcher)
    items, _ = await run_crawl(crawl)
    requested = Counter(listing_requests(board))
    assert set(requested.values()) == {1}
    assert len(requested) == board.num_pages("signature")
    assert found(items) == truth(board, "signature")  # each item once, whichever chain found it
    assert crawl.summary.complete


async def test_duplicate_items_are_kept_once_and_counted(board: DemoBoard, fetcher: Fetcher) -> None:
    # The two start URLs serve the same postings (page 1 with and without ?page=1).
    start = board.source_url("signature")
    scraper = demo_scraper(board, "signature", start_urls=[start, start + "?page=1"], max_pages=2)
    crawl = make_crawl(scraper, fetcher)
    items, _ = await run_crawl(crawl)
    assert len(items) == len({item["external_id"] for item in items}) == 20
    assert crawl.summary.skip_reasons == Counter({"duplicate": 20})
    assert crawl.summary.items_skipped == 20


@pytest.mark.parametrize(("fault", "reason"), [("oversized", "too_large"), ("non_html", "not_html")])
async def test_an_unusable_page_is_skipped_and_counted(board: DemoBoard, fault: str, reason: str) -> None:
    if fault == "oversized":
        board.faults.oversized("/flygosh/listings?p=2", size=2_000_000)
    else:
        board.faults.non_html("/flygosh/listings?p=2", "application/json")
    async with Fetcher(quick_settings(max_response_bytes=1_000_000)) as fetcher:
        crawl = make_crawl(demo_scraper(board, "flygosh"), fetcher)
        items, pages = await run_crawl(crawl)
    assert len(items) == 25
    assert pages[-1].skipped == reason and pages[-1].items == 0
    assert crawl.summary.pages_skipped == Counter({reason: 1})
    assert crawl.summary.pages == 2 and not crawl.summary.complete


async def test_items_arrive_in_batches_before_their_page_event(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = Crawl(demo_scraper(board, "flygosh"), fetcher, batch_size=10)
    pending = 0
    async for event in crawl:
        if isinstance(event, ItemsEvent):
            assert 0 < len(event.items) <= 10
            pending += len(event.items)
        else:
            assert event.items == pending
            pending = 0
    assert pending == 0 and crawl.summary.items == 70


async def test_a_broken_field_selector_shows_as_a_coverage_drop(board: DemoBoard, fetcher: Fetcher) -> None:
    scraper = demo_scraper(board, "signature")
    fields = {**scraper.fields, "company": type(scraper.fields["company"]).parse(".employer")}
    crawl = make_crawl(scraper.model_copy(update={"fields": fields}), fetcher)
    items, _ = await run_crawl(crawl)
    assert len(items) == 70 and not any("company" in item for item in items)
    assert crawl.summary.field_coverage["company"] == 0.0
    assert crawl.summary.field_coverage["title"] == 1.0


async def test_items_missing_a_required_field_are_skipped_with_a_reason(board: DemoBoard,
                                                                        fetcher: Fetcher) -> None:
    scraper = demo_scraper(board, "signature")
    fields = {**scraper.fields, "title": type(scraper.fields["title"]).parse("h3")}
    crawl = make_crawl(scraper.model_copy(update={"fields": fields}), fetcher)
    items, _ = await run_crawl(crawl)
    assert items == []
    assert crawl.summary.skip_reasons == Counter({"missing title": 70})
    assert crawl.summary.complete  # every page was read; the selector is what broke


@pytest.mark.parametrize("chains", [1, 2])
async def test_cancelling_a_crawl_of_a_slow_board_stops_it_promptly(board: DemoBoard, fetcher: Fetcher,
                                                                    chains: int) -> None:
    board.faults.slow("signature", 30)
    start = board.source_url("signature")
    starts = [start, start + "?page=2"][:chains]
    crawl = make_crawl(demo_scraper(board, "signature", start_urls=starts), fetcher)
    task = asyncio.create_task(run_crawl(crawl))
    while fetcher.in_flight < chains:
        await asyncio.sleep(0.01)
    began = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - began < 1.0  # generous: it is immediate
    assert crawl.summary.stopped_by == "cancelled"
    assert fetcher.in_flight == 0
    assert crawl_tasks() == []  # no stray chain tasks


async def test_leaving_the_loop_early_stops_the_crawl_cleanly(board: DemoBoard, fetcher: Fetcher) -> None:
    start = board.source_url("signature")
    crawl = make_crawl(demo_scraper(board, "signature", start_urls=[start, start + "?page=3"]), fetcher)
    events = aiter(crawl)
    first = await anext(events)
    assert isinstance(first, (ItemsEvent, PageEvent))
    await events.aclose()
    assert crawl.summary.stopped_by == "cancelled"
    assert crawl_tasks() == []


async def test_a_crawl_runs_only_once(board: DemoBoard, fetcher: Fetcher) -> None:
    crawl = make_crawl(demo_scraper(board, "signature", max_pages=1), fetcher)
    await run_crawl(crawl)
    with pytest.raises(RuntimeError, match="runs once"):
        aiter(crawl)


async def test_max_jobs_across_concurrent_chains_is_exact(board: DemoBoard, fetcher: Fetcher) -> None:
    start = board.source_url("flygosh")
    crawl = make_crawl(demo_scraper(board, "flygosh", start_urls=[start, start + "?p=3"], max_jobs=30), fetcher)
    items, _ = await run_crawl(crawl)
    assert len(items) == len({item["external_id"] for item in items}) == 30
    assert crawl.summary.stopped_by == "max_jobs" and crawl.summary.items == 30
    assert crawl_tasks() == []
