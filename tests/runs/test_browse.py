"""The service's browsing answers on a real demo run: jobs with search, one job, scrapers, alert counts."""

from __future__ import annotations

import pytest

from scraper_tui.config import ConfigError
from scraper_tui.demo import DemoBoard
from scraper_tui.service import ScraperService


@pytest.fixture
async def scraped(demo_service: ScraperService) -> ScraperService:
    for name in ("signature", "flygosh"):
        await demo_service.wait_runs([await demo_service.start_run(name)])
    return demo_service


async def test_jobs_newest_first_paged_and_filtered(scraped: ScraperService) -> None:
    everything = await scraped.jobs(page_size=200)
    assert everything["count"] == 120 and len(everything["results"]) == 120
    firsts = [(job["first_seen_at"], job["id"]) for job in everything["results"]]
    assert firsts == sorted(firsts, reverse=True)
    flygosh = await scraped.jobs(page=2, page_size=25, source="flygosh")
    assert flygosh["count"] == 60 and flygosh["num_pages"] == 3 and len(flygosh["results"]) == 25
    assert {job["source"] for job in flygosh["results"]} == {"flygosh"}


async def test_search_matches_title_or_company_literally(scraped: ScraperService, board: DemoBoard) -> None:
    posting = board.postings("signature")[3]
    word = posting.company.split()[0]
    found = await scraped.jobs(search=word.lower(), page_size=200)
    assert found["count"] >= 1
    assert all(word.lower() in (j["title"] + (j["company"] or "")).lower() for j in found["results"])
    assert (await scraped.jobs(search="100%_"))["count"] == 0


async def test_one_job_has_every_field(scraped: ScraperService) -> None:
    first = (await scraped.jobs())["results"][0]
    job = await scraped.job(first["id"])
    assert job["url"].startswith("http://127.0.0.1:") and job["content_hash"] and job["data"] is not None
    with pytest.raises(LookupError):
        await scraped.job(10**9)


async def test_scrapers_overview_and_enabling(scraped: ScraperService) -> None:
    rows = {row["name"]: row for row in await scraped.scrapers()}
    assert set(rows) == {"signature", "flygosh", "indigo"}
    assert rows["signature"]["last_run"]["status"] == "completed" and rows["indigo"]["last_run"] is None
    assert rows["signature"]["enabled"] is True and rows["signature"]["live"] is None
    await scraped.set_enabled("indigo", False)
    assert {row["name"]: row["enabled"] for row in await scraped.scrapers()}["indigo"] is False
    with pytest.raises(ConfigError):
        await scraped.set_enabled("hidden", True)


async def test_alert_counts_by_rule(demo_service: ScraperService, board: DemoBoard) -> None:
    board.faults.error("signature", status=503, times=None)
    await demo_service.wait_runs([await demo_service.start_run("signature")])
    counts = await demo_service.alert_counts()
    assert counts.get("zero_jobs") == 1
