"""Tests for scraper_tui.monitor: real timers, real psutil, a real temp file."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timezone

import pytest

from scraper_tui.monitor import (
    AlertRecord,
    Monitor,
    PerformanceAlert,
    PerformanceMetrics,
    ProfileOperation,
    SystemSampler,
    get_monitor,
    get_performance_report,
    measure_performance,
    profile_operation,
)

METRIC_KEYS = {
    "count", "avg_time", "min_time", "max_time", "p50", "p95", "p99",
    "errors", "error_rate", "trend", "category",
}


@pytest.fixture
def monitor() -> Monitor:
    return Monitor()


# ProfileOperation


def test_profile_operation_records_a_sleeping_block(monitor: Monitor) -> None:
    with ProfileOperation("test_operation", monitor=monitor) as op:
        time.sleep(0.5)
    metrics = monitor.metrics.get_metrics("test_operation")
    assert metrics["count"] == 1
    assert metrics["avg_time"] >= 0.5
    assert op.duration is not None and op.duration >= 0.5


async def test_profile_operation_works_as_async_context_manager(monitor: Monitor) -> None:
    async with ProfileOperation("async_op", "db_query", monitor=monitor) as op:
        await asyncio.sleep(0.05)
    metrics = monitor.metrics.get_metrics("async_op")
    assert metrics["count"] == 1
    assert metrics["min_time"] >= 0.05
    assert metrics["category"] == "db_query"
    assert op.duration is not None


def test_exception_inside_is_counted_and_reraised_unchanged(monitor: Monitor) -> None:
    boom = RuntimeError("boom")
    with pytest.raises(RuntimeError) as caught:
        with monitor.profile("failing"):
            raise boom
    assert caught.value is boom
    metrics = monitor.metrics.get_metrics("failing")
    assert metrics["count"] == 1
    assert metrics["errors"] == 1
    assert metrics["error_rate"] == 1.0


async def test_exception_inside_async_block_is_counted_and_reraised(monitor: Monitor) -> None:
    boom = ValueError("bad")
    with pytest.raises(ValueError) as caught:
        async with monitor.profile("async_failing"):
            raise boom
    assert caught.value is boom
    assert monitor.metrics.get_metrics("async_failing")["errors"] == 1


async def test_cancellation_is_timed_but_not_an_error(monitor: Monitor) -> None:
    async def slow() -> None:
        async with monitor.profile("cancelled"):
            await asyncio.sleep(10)

    task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    metrics = monitor.metrics.get_metrics("cancelled")
    assert metrics["count"] == 1
    assert metrics["errors"] == 0


def test_profile_operation_logs_duration(monitor: Monitor, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="scraper_tui.monitor"):
        with monitor.profile("logged_op", log_level="info"):
            pass
    assert any("logged_op took" in r.getMessage() and "ms" in r.getMessage() for r in caplog.records)


def test_unknown_log_level_is_refused() -> None:
    with pytest.raises(ValueError, match="loud"):
        ProfileOperation("x", log_level="loud")


def test_profile_operation_without_monitor_records_into_default() -> None:
    name = "default_monitor_op_unique"
    before = get_monitor().metrics.get_metrics(name)["count"]
    with ProfileOperation(name):
        pass
    assert get_monitor().metrics.get_metrics(name)["count"] == before + 1


# Decorators


def test_profile_operation_decorator_on_sync_function(monitor: Monitor) -> None:
    @profile_operation("sync_work", "db_query", monitor=monitor)
    def work(x: int) -> int:
        """Doubles."""
        return x * 2

    assert work(21) == 42
    assert work.__name__ == "work"
    assert work.__doc__ == "Doubles."
    assert monitor.metrics.get_metrics("sync_work")["count"] == 1


async def test_profile_operation_decorator_on_async_function(monitor: Monitor) -> None:
    @profile_operation("async_work", monitor=monitor)
    async def work(x: int) -> int:
        await asyncio.sleep(0)
        return x + 1

    assert asyncio.iscoroutinefunction(work)
    assert await work(1) == 2
    assert monitor.metrics.get_metrics("async_work")["count"] == 1


def test_decorated_function_exception_is_counted_and_reraised(monitor: Monitor) -> None:
    @measure_performance("raiser", monitor=monitor)
    def raiser() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        raiser()
    assert monitor.metrics.get_metrics("raiser")["errors"] == 1


def test_measure_performance_defaults_name_to_qualname(monitor: Monitor) -> None:
    @measure_performance(monitor=monitor)
    def named() -> str:
        return "ok"

    assert named() == "ok"
    assert monitor.metrics.get_metrics(named.__qualname__)["count"] == 1


async def test_measure_performance_works_bare_on_sync_and_async() -> None:
    @measure_performance
    def bare_sync() -> int:
        return 1

    @measure_performance
    async def bare_async() -> int:
        return 2

    metrics = get_monitor().metrics
    sync_before = metrics.get_metrics(bare_sync.__qualname__)["count"]
    async_before = metrics.get_metrics(bare_async.__qualname__)["count"]
    assert bare_sync() == 1
    assert await bare_async() == 2
    assert asyncio.iscoroutinefunction(bare_async)
    assert metrics.get_metrics(bare_sync.__qualname__)["count"] == sync_before + 1
    assert metrics.get_metrics(bare_async.__qualname__)["count"] == async_before + 1


# Alerts


def test_slow_db_query_fires_an_alert_with_every_field(monitor: Monitor) -> None:
    received: list[AlertRecord] = []
    monitor.alerts.subscribe(received.append)
    monitor.alerts.set_threshold("db_query", 0.001)

    with monitor.profile("stats", category="db_query") as op:
        time.sleep(0.01)

    alert = op.alert
    assert alert is not None
    assert alert.rule == "slow_operation"
    assert alert.operation == "stats"
    assert alert.category == "db_query"
    assert alert.duration >= 0.01
    assert alert.threshold == 0.001
    assert alert.severity == "critical"  # 10 ms >= 2 x 1 ms
    assert alert.time.tzinfo is not None and alert.time.utcoffset() == timezone.utc.utcoffset(None)
    assert "stats" in alert.message and "db_query" in alert.message
    assert "threshold 0.001 s" in alert.message
    assert received == [alert]
    assert monitor.alerts.history == [alert]


def test_alert_history_is_newest_first_and_bounded() -> None:
    alerts = PerformanceAlert({"db_query": 1.0}, history_size=3)
    for i in range(5):
        alerts.check(f"q{i}", "db_query", 1.5)
    history = alerts.history
    assert [a.operation for a in history] == ["q4", "q3", "q2"]
    assert all(a.severity == "warning" for a in history)


def test_no_alert_at_or_below_threshold_or_without_category() -> None:
    alerts = PerformanceAlert()
    assert alerts.check("q", "db_query", 1.0) is None
    assert alerts.check("q", None, 1000.0) is None
    assert alerts.check("q", "unknown_category", 1000.0) is None
    assert alerts.history == []


def test_default_thresholds() -> None:
    alerts = PerformanceAlert()
    assert alerts.get_threshold("api_request") == 2.0
    assert alerts.get_threshold("db_query") == 1.0
    assert alerts.get_threshold("batch_insert") == 5.0
    assert alerts.get_threshold("scraper_run") == 600.0
    assert alerts.get_threshold(None) is None


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_set_threshold_refuses_negative_and_non_finite(bad: float) -> None:
    with pytest.raises(ValueError, match="db_query"):
        PerformanceAlert().set_threshold("db_query", bad)


def test_raising_subscriber_does_not_break_profiled_code(monitor: Monitor) -> None:
    received: list[AlertRecord] = []

    def broken(record: AlertRecord) -> None:
        raise RuntimeError("subscriber bug")

    monitor.alerts.subscribe(broken)
    monitor.alerts.subscribe(received.append)
    monitor.alerts.set_threshold("db_query", 0.0)
    with monitor.profile("q", "db_query"):
        result = 42
    assert result == 42
    assert len(received) == 1


def test_unsubscribed_callback_is_not_called() -> None:
    alerts = PerformanceAlert({"db_query": 0.0})
    received: list[AlertRecord] = []
    alerts.subscribe(received.append)
    alerts.unsubscribe(received.append)
    alerts.unsubscribe(received.append)  # unknown: ignored
    alerts.check("q", "db_query", 1.0)
    assert received == []


def test_alert_to_dict_is_json_friendly() -> None:
    record = PerformanceAlert({"db_query": 0.5}).check("q", "db_query", 0.75)
    assert record is not None
    data = record.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["time"].endswith("+00:00")
    assert data["severity"] == "warning"


# Metrics


def test_percentiles_on_a_known_sequence() -> None:
    metrics = PerformanceMetrics()
    for value in reversed(range(101)):  # 100, 99, ..., 0: order must not matter
        metrics.record("seq", float(value))
    m = metrics.get_metrics("seq")
    assert m["count"] == 101
    assert m["p50"] == pytest.approx(50.0)
    assert m["p95"] == pytest.approx(95.0)
    assert m["p99"] == pytest.approx(99.0)
    assert m["min_time"] == 0.0
    assert m["max_time"] == 100.0
    assert m["avg_time"] == pytest.approx(50.0)
    assert m["trend"] == [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]


def test_percentiles_interpolate_between_ranks() -> None:
    metrics = PerformanceMetrics()
    for value in (1.0, 2.0, 3.0, 4.0):
        metrics.record("four", value)
    m = metrics.get_metrics("four")
    assert m["p50"] == pytest.approx(2.5)
    assert m["p95"] == pytest.approx(3.85)


def test_window_is_bounded_but_totals_stay_exact() -> None:
    metrics = PerformanceMetrics(history_size=10)
    for value in range(100):
        metrics.record("op", float(value), error=value % 4 == 0)
    m = metrics.get_metrics("op")
    assert m["count"] == 100
    assert m["errors"] == 25
    assert m["error_rate"] == pytest.approx(0.25)
    assert m["min_time"] == 0.0
    assert m["max_time"] == 99.0
    assert m["avg_time"] == pytest.approx(49.5)
    assert m["p50"] == pytest.approx(94.5)  # the window holds 90..99 only
    assert len(m["trend"]) == 10


def test_unknown_operation_gives_zeros_with_the_same_keys() -> None:
    metrics = PerformanceMetrics()
    metrics.record("known", 1.0, category="db_query")
    unknown = metrics.get_metrics("nope")
    assert METRIC_KEYS <= set(unknown)
    assert set(unknown) == set(metrics.get_metrics("known"))
    assert unknown["count"] == 0
    assert unknown["trend"] == []
    assert unknown["avg_time"] == 0.0


def test_all_metrics_and_names_are_sorted_and_reset_clears() -> None:
    metrics = PerformanceMetrics()
    metrics.record("b", 0.1)
    metrics.record("a", 0.2)
    assert metrics.names() == ["a", "b"]
    assert list(metrics.all_metrics()) == ["a", "b"]
    metrics.reset()
    assert metrics.names() == []


def test_monitor_record_checks_threshold() -> None:
    monitor = Monitor(thresholds={"api_request": 0.1})
    assert monitor.record("fetch", 0.05, category="api_request") is None
    alert = monitor.record("fetch", 0.15, category="api_request")
    assert alert is not None and alert.severity == "warning"
    assert monitor.metrics.get_metrics("fetch")["count"] == 2


# Report


def test_report_lists_operations_alerts_and_system(monitor: Monitor) -> None:
    monitor.alerts.set_threshold("db_query", 0.0)
    with monitor.profile("stats_query", "db_query"):
        pass
    report = get_performance_report(monitor)
    assert "stats_query" in report
    assert "Recent alerts" in report
    assert "took" in report
    assert "RSS" in report
    assert "stats_query" in monitor.report()


def test_report_of_an_empty_monitor_is_readable(monitor: Monitor) -> None:
    report = monitor.report()
    assert "none recorded" in report
    assert "threads" in report


# System sampler


def test_sample_returns_positive_rss_and_threads() -> None:
    sampler = SystemSampler()
    sample = sampler.sample()
    assert sample["rss"] > 0
    assert sample["threads"] >= 1
    assert sample["cpu_percent"] >= 0.0
    assert sample["db_size"] == 0
    assert sample["time"].tzinfo is not None
    assert sampler.latest() is sample
    assert sampler.peak_rss >= sample["rss"]


def test_sampler_history_is_bounded_and_fresh() -> None:
    sampler = SystemSampler(history_size=5)
    assert sampler.latest() is None
    for _ in range(8):
        sampler.sample()
    first = sampler.history("rss")
    assert len(first) == 5
    assert sampler.history("rss") is not first
    with pytest.raises(KeyError):
        sampler.history("nope")


def test_db_size_counts_database_and_wal(tmp_path) -> None:
    db = tmp_path / "scraper.db"
    sampler = SystemSampler(db_path=db)
    assert sampler.sample()["db_size"] == 0  # missing file
    db.write_bytes(b"x" * 4096)
    assert sampler.sample()["db_size"] == 4096
    (tmp_path / "scraper.db-wal").write_bytes(b"y" * 1000)
    assert sampler.sample()["db_size"] == 5096


def test_db_path_can_be_set_later(tmp_path) -> None:
    db = tmp_path / "later.db"
    db.write_bytes(b"z" * 123)
    sampler = SystemSampler()
    sampler.db_path = str(db)
    assert sampler.sample()["db_size"] == 123


def test_sampler_refuses_non_positive_interval() -> None:
    with pytest.raises(ValueError):
        SystemSampler(interval=0)


async def test_sampler_start_and_stop() -> None:
    sampler = SystemSampler(interval=0.01)
    await sampler.start()
    await sampler.start()  # idempotent
    assert sampler.running
    for _ in range(200):
        if len(sampler.history("rss")) >= 2:
            break
        await asyncio.sleep(0.01)
    assert len(sampler.history("rss")) >= 2
    await sampler.stop()
    await sampler.stop()  # idempotent
    assert not sampler.running
    count = len(sampler.history("rss"))
    await asyncio.sleep(0.05)
    assert len(sampler.history("rss")) == count


async def test_sampler_stop_before_start_is_harmless() -> None:
    await SystemSampler().stop()


# Default monitor


def test_get_monitor_returns_the_same_object() -> None:
    assert get_monitor() is get_monitor()
    assert isinstance(get_monitor(), Monitor)
