"""Each endpoint with a real client on loopback, against a service that has run the demo scrapers;
numbers are checked against `stats --json` and `history --json` on the same database."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper_tui.demo import DemoBoard
from scraper_tui.service import ScraperService
from tests.api.conftest import Client, cli_json


def without_stamp(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "cached_at"}


async def test_stats_agree_with_the_stats_json_command(api: Client, config_path: Path, db_path: Path,
                                                       tmp_path: Path) -> None:  # fmt: skip
    status, answer = await api.get("/api/scraper/stats/")
    expected = await cli_json("--config", str(config_path), "--db", str(db_path), "stats", cwd=tmp_path)
    assert status == 200
    assert without_stamp(answer) == without_stamp(expected)
    assert answer["total_runs"] == answer["completed_runs"] == 3 and answer["success_rate"] == 100.0
    assert set(answer["jobs_by_source"]) == {"signature", "flygosh", "indigo"}
    assert answer["cached_at"].endswith("+00:00")


async def test_stats_come_from_the_cache_until_invalidated(api: Client, scraped: ScraperService) -> None:
    _, first = await api.get("/api/scraper/stats/")
    _, again = await api.get("/api/scraper/stats/")
    assert again["cached_at"] == first["cached_at"]
    status, answer = await api.post("/api/scraper/cache/invalidate/")
    assert status == 200 and answer == {"invalidated": True}
    misses = scraped.performance()["cache"]["misses"]
    _, fresh = await api.get("/api/scraper/stats/")
    assert fresh["cached_at"] > first["cached_at"]
    assert scraped.performance()["cache"]["misses"] == misses + 1


@pytest.mark.parametrize(
    "query, args",
    [
        ("", []),
        ("?page=2&page_size=1", ["--page", "2", "--page-size", "1"]),
        ("?scraper=flygosh", ["--scraper", "flygosh"]),
        ("?status=completed&page_size=2", ["--status", "completed", "--page-size", "2"]),
    ],
)
async def test_history_agrees_with_the_history_json_command(
    api: Client, config_path: Path, db_path: Path, tmp_path: Path, query: str, args: list[str]
) -> None:
    status, answer = await api.get(f"/api/scraper/history/{query}")
    expected = await cli_json("--config", str(config_path), "--db", str(db_path), "history", *args, cwd=tmp_path)
    assert status == 200 and answer == expected
    assert set(answer) == {"count", "page", "page_size", "num_pages", "results"}


async def test_history_pages_and_filters(api: Client) -> None:
    _, second = await api.get("/api/scraper/history/", params={"page": "2", "page_size": "2"})
    assert (second["count"], second["page"], second["num_pages"], len(second["results"])) == (3, 2, 2, 1)
    _, flygosh = await api.get("/api/scraper/history/", params={"scraper": "flygosh"})
    assert [run["scraper_name"] for run in flygosh["results"]] == ["flygosh"]
    _, failed = await api.get("/api/scraper/history/", params={"status": "failed"})
    assert failed["count"] == 0 and failed["results"] == []


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "99"}, "page"),  # past the end
        ({"page_size": "1000"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"status": "sleeping"}, "status"),
    ],
)
async def test_bad_history_parameters_are_400_naming_the_parameter(
    api: Client, params: dict[str, str], parameter: str
) -> None:
    status, answer = await api.get("/api/scraper/history/", params=params)
    assert status == 400
    assert answer["parameter"] == parameter and parameter in answer["error"]


async def test_config_of_a_scraper_has_its_settings_and_stats(api: Client) -> None:
    status, answer = await api.get("/api/scraper/config/indigo/")
    _, stats = await api.get("/api/scraper/stats/")
    assert status == 200 and answer["name"] == "indigo"
    assert answer["settings"]["source"] == "indigo" and answer["settings"]["enabled"] is True
    assert answer["stats"]["total_runs"] == 1 and answer["stats"]["jobs"] == stats["jobs_by_source"]["indigo"]
    assert answer["stats"]["last_run"]["status"] == "completed"


async def test_unknown_scraper_is_404_for_config_and_run(api: Client) -> None:
    status, answer = await api.get("/api/scraper/config/nobody/")
    assert status == 404 and "nobody" in answer["error"] and "signature" in answer["error"]
    status, answer = await api.post("/api/scraper/run/nobody/")
    assert status == 404 and "nobody" in answer["error"]


async def test_post_run_starts_a_run_that_completes(api: Client, scraped: ScraperService) -> None:
    status, answer = await api.post("/api/scraper/run/signature/")
    assert status == 202 and isinstance(answer["run_id"], int)
    await scraped.wait_runs([answer["run_id"]])
    status, run = await api.get(answer["detail"])
    assert status == 200 and run["id"] == answer["run_id"]
    assert (run["status"], run["trigger"], run["scraper_name"]) == ("completed", "manual", "signature")
    _, stats = await api.get("/api/scraper/stats/")
    assert stats["completed_runs"] == 4  # the cache was dropped when the run finished


async def test_second_post_while_running_is_409_with_the_live_run_id(
    api: Client, board: DemoBoard, scraped: ScraperService
) -> None:
    board.faults.slow("indigo", 0.3)
    _, first = await api.post("/api/scraper/run/indigo/")
    status, second = await api.post("/api/scraper/run/indigo/")
    assert status == 409
    assert second["run_id"] == first["run_id"] and "already running" in second["error"]
    status, cancelled = await api.post(f"/api/scraper/cancel/{first['run_id']}/")
    assert status == 200 and cancelled == {"run_id": first["run_id"], "status": "cancelled"}


async def test_cancel_refuses_unknown_finished_and_malformed_runs(api: Client) -> None:
    status, answer = await api.post("/api/scraper/cancel/999/")
    assert status == 404 and answer["run_id"] == 999
    status, answer = await api.post("/api/scraper/cancel/1/")
    assert status == 409 and answer["status"] == "completed"
    status, answer = await api.post("/api/scraper/cancel/first/")
    assert status == 400 and answer["parameter"] == "run_id"


async def test_unknown_run_detail_is_404(api: Client) -> None:
    status, answer = await api.get("/api/scraper/runs/4242/")
    assert status == 404 and "4242" in answer["error"]


async def test_unknown_paths_and_methods_get_json_errors(api: Client) -> None:
    status, answer = await api.get("/api/scraper/nothing/")
    assert status == 404 and "error" in answer
    async with api.session.post(api.url + "/api/scraper/stats/") as response:
        assert response.status == 405 and response.headers["Allow"] == "GET"
        assert "error" in await response.json()


async def test_every_request_is_profiled_as_api_request(api: Client, scraped: ScraperService) -> None:
    await api.get("/api/scraper/stats/")
    await api.get("/api/scraper/config/signature/")
    await api.get("/api/scraper/config/nobody/")
    await api.get("/api/scraper/history/", params={"page": "0"})
    operations = scraped.performance()["operations"]
    assert operations["GET /api/scraper/stats/"]["category"] == "api_request"
    config = operations["GET /api/scraper/config/{name}/"]
    assert config["category"] == "api_request" and config["count"] == 2
    assert operations["GET /api/scraper/history/"]["count"] == 1
