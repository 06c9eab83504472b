"""The Performance screen: profiled operations with trends, RSS and CPU, stored alerts newest first, cache metrics."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Label, Sparkline, Static

from scraper_tui.service import ScraperService
from scraper_tui.tui.app import ScraperTUI
from scraper_tui.tui.screens.performance import PerformanceScreen, duration, spark_text
from tests.tui.screens_harness import app_on, cell, settle, until


def _operations(app: ScraperTUI) -> DataTable[Text]:
    return app.screen.query_one("#perf-ops", DataTable)


def _alerts(app: ScraperTUI) -> DataTable[Text]:
    return app.screen.query_one("#perf-alerts", DataTable)


async def test_operations_show_count_timings_and_trend_of_service_calls(service: ScraperService) -> None:
    await service.jobs()
    await service.jobs()
    await service.sources()
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, PerformanceScreen)
        table = _operations(app)
        assert {"jobs", "sources"} <= {row.key.value for row in table.ordered_rows}
        assert cell(table, "jobs", "count") == "2" and cell(table, "sources", "count") == "1"
        assert cell(table, "jobs", "err") == "0.0%"
        assert len(cell(table, "jobs", "trend")) == 2
        assert cell(table, "jobs", "max").endswith("ms")


async def test_new_calls_show_up_while_the_screen_is_open(service: ScraperService) -> None:
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        table = _operations(app)
        assert "history" not in {row.key.value for row in table.ordered_rows}
        await service.history()
        await until(pilot, lambda: "history" in {row.key.value for row in table.ordered_rows})  # the 1 s refresh


async def test_slow_operation_alerts_listed_newest_first(service: ScraperService) -> None:
    service.monitor.alerts.set_threshold("db_query", 0.0)
    await service.jobs()
    await service.sources()
    service.monitor.alerts.set_threshold("db_query", 60.0)
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        table = _alerts(app)
        messages = [cell(table, str(row.key.value), "message") for row in table.ordered_rows]
        assert len(messages) == 2
        assert "'sources'" in messages[0] and "'jobs'" in messages[1]
        assert {cell(table, str(row.key.value), "severity") for row in table.ordered_rows} <= {"warning", "critical"}
        assert str(table.border_title) == "Alerts · 2"


async def test_an_alert_that_fires_while_shown_appears(service: ScraperService) -> None:
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert _alerts(app).row_count == 0
        service.monitor.alerts.set_threshold("db_query", 0.0)
        await service.sources()
        service.monitor.alerts.set_threshold("db_query", 60.0)
        await until(pilot, lambda: _alerts(app).row_count >= 1)
        first = _alerts(app).ordered_rows[0].key.value
        assert "'sources'" in cell(_alerts(app), str(first), "message")


async def test_cache_metrics_show_hits_misses_and_rate(service: ScraperService) -> None:
    await service.stats()
    await service.stats()
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        shown = str(app.screen.query_one("#perf-cache", Static).render())
        cache = service.performance()["cache"]  # the app's own start-up poll asked the stats once more
        assert cache["hits"] >= 1 and cache["misses"] == 1
        assert f"Cache {cache['hit_rate']:.1f}% hits" in shown
        assert f"{cache['hits']} hit · 1 miss" in shown and "size 1 · 0 evicted" in shown


async def test_rss_and_cpu_sparklines_follow_the_samples(service: ScraperService) -> None:
    sampler = service.monitor.sampler
    for _ in range(3):
        sampler.sample()
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.query_one("#perf-rss", Sparkline).data == sampler.history("rss")
        assert app.screen.query_one("#perf-cpu", Sparkline).data == sampler.history("cpu_percent")
        rss = str(app.screen.query_one("#perf-rss-label", Label).render())
        assert rss.startswith("RSS ") and rss.endswith(" MB")


async def test_hidden_screen_does_no_work_and_catches_up_when_shown(service: ScraperService) -> None:
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        await pilot.press("5")
        await settle(pilot)
        await service.history()
        assert screen._timer is not None and screen._timer._active.is_set() is False  # paused while hidden
        await pilot.press("3")
        await settle(pilot)
        assert "history" in {row.key.value for row in _operations(app).ordered_rows}


def test_durations_and_text_sparklines() -> None:
    assert duration(0.0004) == "0.4 ms" and duration(0.0123) == "12.3 ms" and duration(1.519) == "1.52 s"
    assert spark_text([0, 4, 8]) == "▁▅█" and spark_text([8, 8]) == "██"
    assert spark_text([0, 0]) == "▁▁" and spark_text([]) == ""
    assert len(spark_text(list(range(30)))) == 10


async def test_enter_on_an_alert_shows_all_of_it(service: ScraperService) -> None:
    service.monitor.alerts.set_threshold("db_query", 0.0)
    await service.sources()
    service.monitor.alerts.set_threshold("db_query", 60.0)
    app = app_on(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        app.screen.query_one("#perf-alerts", DataTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        (notification,) = list(app._notifications)
        stored = (await service.alerts())[0]
        assert notification.message == stored["message"] and notification.title == "slow_operation"
