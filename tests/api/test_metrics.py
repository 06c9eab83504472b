"""/metrics: Prometheus text that prometheus_client's parser reads, with the service's numbers."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from scraper_tui.api.metrics import _Writer, escape_label
from scraper_tui.service import ScraperService
from tests.api.conftest import Client


def families(text: str) -> dict[str, list]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def values(samples: list, label: str) -> dict[str, float]:
    return {sample.labels[label]: sample.value for sample in samples if label in sample.labels}


async def test_metrics_parse_and_agree_with_stats(api: Client, scraped: ScraperService) -> None:
    await api.get("/api/scraper/stats/")
    await api.post("/api/scraper/run/nobody/")
    async with api.session.get(api.url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    found = families(text)
    assert all(family.type != "unknown" for family in text_string_to_metric_families(text))  # TYPE lines match
    stats = await scraped.stats()
    assert values(found["scraper_tui_runs"], "status") == {**dict.fromkeys(stats["runs_by_status"], 0.0),
                                                           "completed": 3.0}  # fmt: skip
    assert values(found["scraper_tui_jobs"], "source") == {k: float(v) for k, v in stats["jobs_by_source"].items()}
    assert found["scraper_tui_runs_running"][0].value == 0
    cache = scraped.performance()["cache"]
    # The parser names counter families without their _total suffix.
    hits = next(f for f in text_string_to_metric_families(text) if f.name == "scraper_tui_cache_hits")
    assert hits.type == "counter" and hits.samples[0].name == "scraper_tui_cache_hits_total"
    assert found["scraper_tui_cache_hits"][0].value <= cache["hits"]
    assert found["scraper_tui_cache_misses"][0].value >= 1


async def test_metrics_summarise_operation_timings_per_endpoint(api: Client) -> None:
    await api.get("/api/scraper/stats/")
    await api.get("/api/scraper/stats/")
    _, text = await api.get("/metrics")
    samples = families(text)["scraper_tui_operation_duration_seconds"]
    stats_samples = [s for s in samples if s.labels["operation"] == "GET /api/scraper/stats/"]
    assert {s.labels["category"] for s in stats_samples} == {"api_request"}
    assert {s.labels.get("quantile") for s in stats_samples if s.name.endswith("seconds")} == {"0.5", "0.95", "0.99"}
    assert next(s.value for s in stats_samples if s.name.endswith("_count")) == 2
    assert any(s.labels["category"] == "db_query" for s in samples)


async def test_metrics_count_stored_alerts_by_rule(api: Client, scraped: ScraperService) -> None:
    await scraped.start_run("indigo")
    await api.post("/api/scraper/run/indigo/")  # refused: recorded as an overlap alert
    await scraped.wait_runs()
    _, text = await api.get("/metrics")
    assert values(families(text)["scraper_tui_alerts"], "rule")["overlap"] == 1


async def test_rss_is_reported_once_the_sampler_has_sampled(api: Client, scraped: ScraperService) -> None:
    _, text = await api.get("/metrics")
    assert "scraper_tui_process_resident_memory_bytes" not in families(text)
    scraped.monitor.sampler.sample()
    _, text = await api.get("/metrics")
    assert families(text)["scraper_tui_process_resident_memory_bytes"][0].value > 10 * 2**20


def test_label_values_with_quotes_backslashes_and_newlines_survive() -> None:
    awkward = 'a "quoted"\\ source\nwith a newline and [bold]'
    out = _Writer()
    out.family("jobs", "gauge", "Help with a \\ backslash\nand a newline.", [("", {"source": awkward}, 3)])
    (family,) = text_string_to_metric_families(out.text())
    assert family.samples[0].labels == {"source": awkward} and family.samples[0].value == 3
    assert family.documentation == "Help with a \\ backslash\nand a newline."
    assert escape_label('"') == '\\"'
