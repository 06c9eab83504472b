"""Performance monitor: profiling, per-operation metrics, slow-operation alerts
and a system sampler (``SystemSampler`` lives in ``_sampler.py``, re-exported here).

This is the bottom layer of scraper-tui: it imports nothing from the package
but its private ``_sampler``, so the store, the cache, the scraping stack and
every front end can use it.

It sits on hot paths (every database query, every HTTP request), so recording
is O(1): a few counters and an append to a bounded deque. Sorting for
percentiles happens only when someone asks, in ``get_metrics``.

Typical use::

    monitor = get_monitor()
    async with monitor.profile("stats", category="db_query"):
        ...

    @measure_performance(category="api_request")
    async def fetch(url): ...

All timestamps are timezone-aware UTC; all durations are seconds (floats from
``time.perf_counter``) except in log lines and the text report, which show ms.
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from time import perf_counter
from typing import Any, TypeVar

from ._sampler import SystemSampler

__all__ = [
    "AlertRecord",
    "Monitor",
    "PerformanceAlert",
    "PerformanceMetrics",
    "ProfileOperation",
    "SystemSampler",
    "get_monitor",
    "get_performance_report",
    "measure_performance",
    "profile_operation",
]

logger = logging.getLogger("scraper_tui.monitor")

F = TypeVar("F", bound=Callable[..., Any])

SLOW_OPERATION_RULE = "slow_operation"
"""The ``rule`` of alerts raised by the monitor itself (DESIGN.md, Alert rules)."""

_TREND_LENGTH = 10


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------
# Alerts


@dataclass(frozen=True)
class AlertRecord:
    """One slow operation: an operation took longer than its category's threshold.

    Frozen so that the same record can be handed to several subscribers (the
    store writing ``Alert`` rows, the app showing a notification) without one
    of them changing what the others see.
    """

    time: datetime
    """When the operation ended (UTC)."""
    rule: str
    """Which rule fired; ``"slow_operation"`` for the monitor's own alerts."""
    operation: str
    """The profiled operation's name."""
    category: str | None
    duration: float
    """Seconds the operation took."""
    threshold: float
    """Seconds allowed for the category when the alert fired."""
    message: str
    """One readable line for logs, the app and the ``--run`` summary."""
    severity: str
    """``"warning"``, or ``"critical"`` when duration >= 2x threshold."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (time as ISO 8601), for the JSON service and JSON lines."""
        return {
            "time": self.time.isoformat(),
            "rule": self.rule,
            "operation": self.operation,
            "category": self.category,
            "duration": self.duration,
            "threshold": self.threshold,
            "message": self.message,
            "severity": self.severity,
        }


def _check_seconds(category: str, seconds: float) -> float:
    value = float(seconds)
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            f"threshold for {category!r} must be a finite number of seconds >= 0, got {seconds!r}"
        )
    return value


class PerformanceAlert:
    """Thresholds per category, a bounded alert history and alert subscribers.

    Subscribers are called synchronously, in the thread that finished the
    operation, so they must be quick (post a message, append to a buffer).
    One that raises is logged and skipped: a broken alert handler must never
    break the database query or request being profiled.
    """

    DEFAULT_THRESHOLDS: dict[str, float] = {
        "api_request": 2.0,
        "db_query": 1.0,
        "batch_insert": 5.0,
        "scraper_run": 600.0,
    }

    def __init__(
        self, thresholds: Mapping[str, float] | None = None, history_size: int = 200
    ) -> None:
        """``thresholds`` override or extend the defaults, per category, in seconds."""
        self._thresholds: dict[str, float] = dict(self.DEFAULT_THRESHOLDS)
        for category, seconds in (thresholds or {}).items():
            self.set_threshold(category, seconds)
        self._history: deque[AlertRecord] = deque(maxlen=max(1, history_size))
        self._subscribers: list[Callable[[AlertRecord], None]] = []
        self._lock = threading.Lock()

    @property
    def thresholds(self) -> dict[str, float]:
        """A copy of the current thresholds (category -> seconds)."""
        return dict(self._thresholds)

    def set_threshold(self, category: str, seconds: float) -> None:
        """Set the threshold of a category; raises ValueError on a negative or non-finite value."""
        self._thresholds[category] = _check_seconds(category, seconds)

    def get_threshold(self, category: str | None) -> float | None:
        """The category's threshold in seconds, or None when it has none (never alerts)."""
        if category is None:
            return None
        return self._thresholds.get(category)

    def check(self, name: str, category: str | None, duration: float) -> AlertRecord | None:
        """Return an alert if ``duration`` exceeds the category's threshold, else None.

        An alert is also stored in the history and handed to every subscriber.
        """
        threshold = self.get_threshold(category)
        if threshold is None or duration <= threshold:
            return None
        severity = "critical" if duration >= 2 * threshold else "warning"
        record = AlertRecord(
            time=_utcnow(),
            rule=SLOW_OPERATION_RULE,
            operation=name,
            category=category,
            duration=duration,
            threshold=threshold,
            message=f"{category} {name!r} took {duration:.3f} s (threshold {threshold:.3f} s)",
            severity=severity,
        )
        with self._lock:
            self._history.appendleft(record)
            subscribers = tuple(self._subscribers)
        logger.info("slow operation: %s", record.message)
        for callback in subscribers:
            try:
                callback(record)
            except Exception:
                logger.exception("alert subscriber %r failed on: %s", callback, record.message)
        return record

    @property
    def history(self) -> list[AlertRecord]:
        """Recent alerts, newest first (a fresh list)."""
        with self._lock:
            return list(self._history)

    def clear(self) -> None:
        """Forget the alert history (subscribers and thresholds stay)."""
        with self._lock:
            self._history.clear()

    def subscribe(self, callback: Callable[[AlertRecord], None]) -> None:
        """Call ``callback(record)`` for every future alert; subscribing twice calls it once."""
        with self._lock:
            if callback not in self._subscribers:
                self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[AlertRecord], None]) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)


# --------------------------------------------------------------------------
# Metrics


def _percentile(ordered: list[float], q: float) -> float:
    """Percentile ``q`` (0-100) of sorted data, interpolating linearly between ranks.

    The same method as numpy's default and ``statistics.quantiles(method="inclusive")``:
    for 0, 1, ..., 100 the p95 is exactly 95.
    """
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


class _OperationStats:
    """Running totals of one operation; slots keep ``record`` cheap."""

    __slots__ = ("count", "errors", "total", "min", "max", "category", "window")

    def __init__(self, window_size: int) -> None:
        self.count = 0
        self.errors = 0
        self.total = 0.0
        self.min = math.inf
        self.max = 0.0
        self.category: str | None = None
        self.window: deque[float] = deque(maxlen=window_size)


def _empty_metrics() -> dict[str, Any]:
    return {
        "count": 0,
        "avg_time": 0.0,
        "min_time": 0.0,
        "max_time": 0.0,
        "total_time": 0.0,
        "p50": 0.0,
        "p95": 0.0,
        "p99": 0.0,
        "errors": 0,
        "error_rate": 0.0,
        "trend": [],
        "category": None,
    }


class PerformanceMetrics:
    """Durations per operation name, for the performance screen, the report and /metrics.

    ``count``, ``errors``, ``total_time``, ``avg_time``, ``min_time`` and
    ``max_time`` are exact over every record since creation (or ``reset``).
    ``p50``/``p95``/``p99`` and ``trend`` come from a bounded window of the
    most recent ``history_size`` durations per name, so memory stays flat in a
    long-running app and the percentiles describe recent behaviour.
    All durations are in seconds; ``error_rate`` is a fraction (0..1).
    Thread-safe: threaded workers may record while the event loop reads.
    """

    def __init__(self, history_size: int = 1000) -> None:
        self._history_size = max(1, history_size)
        self._ops: dict[str, _OperationStats] = {}
        self._lock = threading.Lock()

    @property
    def history_size(self) -> int:
        """How many recent durations are kept per operation for percentiles."""
        return self._history_size

    def record(
        self, name: str, duration: float, *, category: str | None = None, error: bool = False
    ) -> None:
        """Record one run of ``name`` that took ``duration`` seconds (O(1), no sorting)."""
        with self._lock:
            stats = self._ops.get(name)
            if stats is None:
                stats = self._ops[name] = _OperationStats(self._history_size)
            stats.count += 1
            stats.total += duration
            if duration < stats.min:
                stats.min = duration
            if duration > stats.max:
                stats.max = duration
            if error:
                stats.errors += 1
            if category is not None:
                stats.category = category
            stats.window.append(duration)

    def get_metrics(self, name: str) -> dict[str, Any]:
        """Metrics of one operation; an unknown name gives the same keys with zeros."""
        with self._lock:
            stats = self._ops.get(name)
            if stats is None:
                return _empty_metrics()
            count, errors, total = stats.count, stats.errors, stats.total
            low, high, category = stats.min, stats.max, stats.category
            window = list(stats.window)
        ordered = sorted(window)
        return {
            "count": count,
            "avg_time": total / count,
            "min_time": low,
            "max_time": high,
            "total_time": total,
            "p50": _percentile(ordered, 50),
            "p95": _percentile(ordered, 95),
            "p99": _percentile(ordered, 99),
            "errors": errors,
            "error_rate": errors / count,
            "trend": window[-_TREND_LENGTH:],
            "category": category,
        }

    def all_metrics(self) -> dict[str, dict[str, Any]]:
        """Metrics of every operation, sorted by name."""
        return {name: self.get_metrics(name) for name in self.names()}

    def names(self) -> list[str]:
        """Names of the operations recorded so far, sorted."""
        with self._lock:
            return sorted(self._ops)

    def reset(self) -> None:
        """Forget everything recorded."""
        with self._lock:
            self._ops.clear()


# --------------------------------------------------------------------------
# Monitor bundle


class Monitor:
    """One process-wide or per-service bundle: metrics + alerts + sampler."""

    def __init__(
        self,
        *,
        thresholds: Mapping[str, float] | None = None,
        history_size: int = 1000,
        db_path: str | Path | None = None,
    ) -> None:
        self.metrics = PerformanceMetrics(history_size=history_size)
        self.alerts = PerformanceAlert(thresholds)
        self.sampler = SystemSampler(db_path=db_path)

    def profile(
        self, name: str, category: str | None = None, log_level: str = "debug"
    ) -> ProfileOperation:
        """A ``with``/``async with`` block recorded into this monitor."""
        return ProfileOperation(name, category, log_level, monitor=self)

    def record(
        self, name: str, duration: float, *, category: str | None = None, error: bool = False
    ) -> AlertRecord | None:
        """Record a duration measured elsewhere and check its threshold; returns the alert if one fired."""
        self.metrics.record(name, duration, category=category, error=error)
        return self.alerts.check(name, category, duration)

    def report(self) -> str:
        """The readable text report; see ``get_performance_report``."""
        return get_performance_report(self)


_default_monitor: Monitor | None = None
_default_lock = threading.Lock()


def get_monitor() -> Monitor:
    """The process-wide default Monitor, created on first use.

    Profiling without an explicit monitor records here, so code deep in the
    store or the fetcher needs no monitor passed around.
    """
    global _default_monitor
    monitor = _default_monitor
    if monitor is None:
        with _default_lock:
            if _default_monitor is None:
                _default_monitor = Monitor()
            monitor = _default_monitor
    return monitor


# --------------------------------------------------------------------------
# Profiling


def _level(log_level: str | int) -> int:
    if isinstance(log_level, int):
        return log_level
    level = logging.getLevelName(log_level.upper())
    if not isinstance(level, int):
        raise ValueError(f"unknown log level {log_level!r}; use debug, info, warning or error")
    return level


class ProfileOperation:
    """Time a block with ``with`` or ``async with`` and record it into a monitor.

    On exit the duration is recorded, the category's threshold checked and
    "NAME took X ms" logged at ``log_level``. An ``Exception`` raised inside
    counts as an error and propagates unchanged; it is never swallowed.
    Cancellation (``asyncio.CancelledError``) and other ``BaseException``s
    record the duration but not an error: a cancelled query is not a failing one.
    Not reentrant: use one instance per block.
    """

    __slots__ = ("name", "category", "log_level", "monitor", "duration", "alert", "_level", "_start")

    def __init__(
        self,
        name: str,
        category: str | None = None,
        log_level: str = "debug",
        monitor: Monitor | None = None,
    ) -> None:
        self.name = name
        self.category = category
        self.log_level = log_level
        self.monitor = monitor
        """None means ``get_monitor()``, resolved on exit."""
        self.duration: float | None = None
        """Seconds the block took; set on exit."""
        self.alert: AlertRecord | None = None
        """The alert raised on exit, if the block was slow."""
        self._level = _level(log_level)
        self._start = 0.0

    def __enter__(self) -> ProfileOperation:
        self.duration = None
        self.alert = None
        self._start = perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        self._finish(exc)

    async def __aenter__(self) -> ProfileOperation:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        self._finish(exc)

    def _finish(self, exc: BaseException | None) -> None:
        duration = perf_counter() - self._start
        self.duration = duration
        monitor = self.monitor if self.monitor is not None else get_monitor()
        error = isinstance(exc, Exception)
        try:
            self.alert = monitor.record(self.name, duration, category=self.category, error=error)
        except Exception:
            # Monitoring must never replace the block's own outcome.
            logger.exception("recording %r failed", self.name)
        if logger.isEnabledFor(self._level):
            logger.log(
                self._level,
                "%s took %.2f ms%s",
                self.name,
                duration * 1000.0,
                f" (failed: {type(exc).__name__})" if error else "",
            )


def _wrap(func: F, name: str, category: str | None, monitor: Monitor | None) -> F:
    """Wrap a sync or async function so each call is profiled.

    Generator functions are timed only until they return the generator, not
    while it is iterated; profile inside them instead.
    """
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            async with ProfileOperation(name, category, monitor=monitor):
                return await func(*args, **kwargs)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with ProfileOperation(name, category, monitor=monitor):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def profile_operation(
    name: str, category: str | None = None, *, monitor: Monitor | None = None
) -> Callable[[F], F]:
    """Decorator: profile every call of a sync or async function as ``name``."""

    def decorate(func: F) -> F:
        return _wrap(func, name, category, monitor)

    return decorate


def measure_performance(
    name: str | Callable[..., Any] | None = None,
    category: str | None = None,
    *,
    monitor: Monitor | None = None,
) -> Any:
    """Decorator like ``profile_operation``, the name defaulting to the function's ``__qualname__``.

    Works bare (``@measure_performance``) and called (``@measure_performance()``,
    ``@measure_performance("fetch", "api_request")``).
    """
    if callable(name):
        func = name
        return _wrap(func, func.__qualname__, category, monitor)

    def decorate(func: F) -> F:
        return _wrap(func, name if name is not None else func.__qualname__, category, monitor)

    return decorate


# --------------------------------------------------------------------------
# Report


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _megabytes(value: int) -> str:
    return f"{value / (1024 * 1024):.1f} MB"


def get_performance_report(monitor: Monitor | None = None, *, max_alerts: int = 10) -> str:
    """Readable plain text: operations table, recent alerts, latest system sample.

    Plain text (no markup) so it serves stdout, logs and the app alike. Takes
    one system sample if none has been taken yet.
    """
    monitor = monitor if monitor is not None else get_monitor()
    lines = ["Operations"]
    metrics = monitor.metrics.all_metrics()
    if not metrics:
        lines.append("  (none recorded)")
    else:
        width = min(max(9, *(len(name) for name in metrics)), 40)
        lines.append(
            f"  {'operation':<{width}} {'count':>8} {'avg ms':>10} {'p95 ms':>10} {'max ms':>10} {'errors':>7}"
        )
        for name, m in metrics.items():
            lines.append(
                f"  {_fit(name, width):<{width}} {m['count']:>8} {m['avg_time'] * 1000:>10.2f}"
                f" {m['p95'] * 1000:>10.2f} {m['max_time'] * 1000:>10.2f} {m['errors']:>7}"
            )

    lines.append("")
    lines.append("Recent alerts")
    alerts = monitor.alerts.history[:max_alerts]
    if not alerts:
        lines.append("  (none)")
    for alert in alerts:
        stamp = alert.time.strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  {stamp} {alert.severity:<8} {alert.message}")

    lines.append("")
    lines.append("System")
    sample = monitor.sampler.latest() or monitor.sampler.sample()
    lines.append(
        f"  RSS {_megabytes(sample['rss'])} (peak {_megabytes(monitor.sampler.peak_rss)}),"
        f" CPU {sample['cpu_percent']:.1f}%, threads {sample['threads']},"
        f" database {_megabytes(sample['db_size'])}"
    )
    return "\n".join(lines) + "\n"
