"""RunManager against the real demo board: accounting, change tracking, cancel, refusal, recovery."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from scraper_tui.demo import DemoBoard
from scraper_tui.runs import RunRefused
from scraper_tui.service import ScraperService
from scraper_tui.store import records
from tests.conftest import demo_config
from tests.runs.conftest import Recorder


async def run_once(service: ScraperService, name: str) -> dict:
    run_id = await service.start_run(name)
    await service.wait_runs([run_id])
    return await service.run_detail(run_id)


async def test_a_run_stores_every_posting_and_records_its_counters(
    demo_service: ScraperService, board: DemoBoard, recorder: Recorder
) -> None:
    run = await run_once(demo_service, "signature")
    assert run["status"] == "completed" and run["complete"] is True
    assert run["jobs_found"] == run["jobs_created"] == 60
    assert run["pages_scraped"] == board.num_pages("signature")
    assert run["execution_time"] > 0 and run["finished_at"] and run["error_message"] is None
    details = run["details"]
    assert details["status_histogram"] == {"200": board.num_pages("signature")}
    assert details["field_coverage"]["title"] == 1.0 and details["latency_p95"] >= details["latency_p50"] > 0
    assert details["peak_rss"] > 0
    assert run["log"][0]["message"].startswith("started") and "completed" in run["log"][-1]["message"]
    assert recorder.kinds(run["id"])[0] == "started" and recorder.kinds(run["id"])[-1] == "finished"
    stats = await demo_service.stats()
    assert stats["jobs_by_source"]["signature"] == 60 and stats["completed_runs"] == 1


async def test_a_second_run_creates_nothing(demo_service: ScraperService) -> None:
    await run_once(demo_service, "flygosh")
    again = await run_once(demo_service, "flygosh")
    assert again["jobs_created"] == 0 and again["jobs_updated"] == 0 and again["jobs_unchanged"] == 60


async def test_edited_removed_and_restored_postings_are_tracked(
    demo_service: ScraperService, board: DemoBoard
) -> None:
    await run_once(demo_service, "indigo")
    first, second = board.postings("indigo")[:2]
    board.edit_posting("indigo", first.external_id, title="Principal Platform Engineer")
    board.remove_posting("indigo", second.external_id)
    changed = await run_once(demo_service, "indigo")
    assert changed["jobs_updated"] == 1 and changed["jobs_removed"] == 1 and changed["jobs_found"] == 59
    assert (await demo_service.stats())["removed_jobs_by_source"]["indigo"] == 1
    board.restore_posting("indigo", second.external_id)
    back = await run_once(demo_service, "indigo")
    assert back["jobs_removed"] == 0 and back["details"]["jobs_restored"] == 1
    assert (await demo_service.stats())["removed_jobs_by_source"]["indigo"] == 0


async def test_an_incomplete_run_marks_nothing_removed(demo_service: ScraperService, board: DemoBoard) -> None:
    await run_once(demo_service, "signature")
    board.faults.error("/signature/jobs?page=2", status=500, times=None)
    broken = await run_once(demo_service, "signature")
    assert broken["complete"] is False and broken["jobs_removed"] == 0 and broken["errors"] == 1
    assert broken["status"] == "completed"
    assert any("page=2" in line["message"] for line in broken["log"])


async def test_cancel_stops_flushes_and_marks_cancelled(demo_service: ScraperService, board: DemoBoard) -> None:
    board.faults.slow("signature", 0.3)
    run_id = await demo_service.start_run("signature")
    while (state := demo_service.runs.state(run_id)) is None or state.jobs_found < 20:
        await asyncio.sleep(0.05)
    found = state.jobs_found
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await demo_service.cancel_run(run_id)
    assert loop.time() - began < 1.0
    run = await demo_service.run_detail(run_id)
    assert run["status"] == "cancelled" and run["jobs_found"] >= found
    stats = await demo_service.stats()
    assert stats["jobs_by_source"]["signature"] == run["jobs_found"]


async def test_one_scraper_never_runs_twice(demo_service: ScraperService, board: DemoBoard, recorder: Recorder) -> None:
    board.faults.slow("flygosh", 0.2)
    first = await demo_service.start_run("flygosh")
    with pytest.raises(RunRefused, match=f"flygosh is already running \\(run {first}"):
        await demo_service.start_run("flygosh")
    assert recorder.of("refused")[0].run_id == first
    alerts = await demo_service.alerts()
    assert alerts[0]["rule"] == "overlap" and "refused" in alerts[0]["message"]
    await demo_service.cancel_run(first)


async def test_a_second_process_is_refused_while_a_run_lives(board: DemoBoard, db_path: Path, tmp_path: Path) -> None:
    config = demo_config(board, db_path)
    board.faults.slow("indigo", 0.2)
    async with await ScraperService.open(config=config) as one, await ScraperService.open(config=config) as two:
        run_id = await one.start_run("indigo")
        with pytest.raises(RunRefused):
            await two.start_run("indigo")
        await one.cancel_run(run_id)
        again = await two.start_run("indigo")
        await two.cancel_run(again)


async def test_runs_of_dead_processes_are_marked_interrupted(demo_service: ScraperService, db_path: Path) -> None:
    dead = await asyncio.create_subprocess_exec("true")
    await dead.wait()
    run_id = await demo_service.store.run_write(records.create_run, "signature", pid=dead.pid)
    recovered = await demo_service.runs.recover()
    assert recovered == [run_id]
    run = await demo_service.run_detail(run_id)
    assert run["status"] == "interrupted" and f"process {dead.pid} is gone" in run["error_message"]
    # The scraper can run again at once.
    assert (await run_once(demo_service, "signature"))["status"] == "completed"


async def test_a_live_run_of_this_process_is_not_recovered(demo_service: ScraperService) -> None:
    run_id = await demo_service.store.run_write(records.create_run, "signature", pid=os.getpid())
    assert await demo_service.runs.recover() == []
    await demo_service.store.run_write(records.update_run, run_id, status="failed")


async def test_zero_jobs_fires_an_alert(board: DemoBoard, db_path: Path) -> None:
    config = demo_config(board, db_path)
    config.scrapers["signature"] = config.scrapers["signature"].model_copy(update={"item": "div.no-such-card"})
    async with await ScraperService.open(config=config) as service:
        found = Recorder()
        service.subscribe(found)
        run = await run_once(service, "signature")
    assert run["status"] == "completed" and run["jobs_found"] == 0
    assert [alert["rule"] for alert in run["alerts"]] == ["zero_jobs"]
    assert found.of("alert")[0].data["rule"] == "zero_jobs"


async def test_a_site_that_always_fails_makes_a_failed_run(demo_service: ScraperService, board: DemoBoard) -> None:
    board.faults.error("signature", status=503, times=None)
    run = await run_once(demo_service, "signature")
    assert run["status"] == "failed" and "no page could be fetched" in run["error_message"]
    assert run["details"]["status_histogram"] == {"503": 3}


async def test_progress_events_are_coalesced(demo_service: ScraperService, board: DemoBoard, recorder: Recorder) -> None:
    board.faults.slow("signature", 0.3)
    run = await run_once(demo_service, "signature")
    progress = [e for e in recorder.of("progress") if e.run_id == run["id"]]
    assert 1 <= len(progress) <= run["execution_time"] / 0.25 + 2
    assert progress[-1].data["jobs_found"] <= 60


async def test_prune_deletes_old_runs_with_their_logs_but_keeps_jobs(demo_service: ScraperService) -> None:
    await run_once(demo_service, "signature")
    counts = await demo_service.prune(days=0)
    assert counts["runs"] == 1 and counts["logs"] >= 2 and counts["scraped_urls"] == 60
    stats = await demo_service.stats()
    assert stats["total_runs"] == 0 and stats["jobs_by_source"]["signature"] == 60


async def test_runs_beyond_max_runs_wait_queued(board: DemoBoard, db_path: Path) -> None:
    board.faults.slow("signature", 0.2)
    async with await ScraperService.open(config=demo_config(board, db_path, max_runs=1)) as service:
        first = await service.start_run("signature")
        second = await service.start_run("flygosh")
        assert service.runs.state(second).status == "queued"
        await service.wait_runs([first])
        await service.wait_runs([second])
        one, two = await service.run_detail(first), await service.run_detail(second)
    assert one["status"] == two["status"] == "completed"
    assert two["log"][0]["time"] >= one["finished_at"][:19]
