"""`/metrics`: the service's numbers in the Prometheus text format (0.0.4).

Rendered here rather than with prometheus_client: the format is a few lines
of HELP/TYPE and samples, and the numbers already live in the service, so a
registry of collectors would only copy them. Counts that pruning can lower
(runs, jobs, stored alerts) are gauges; counts that only grow while the
process lives (cache hits, operation errors) are counters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from scraper_tui.service import ScraperService

PREFIX = "scraper_tui"
QUANTILES = (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99"))


def escape_label(value: str) -> str:
    """A label value as the text format wants it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float | None) -> str:
    if value is None:
        return "NaN"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


Sample = tuple[str, Mapping[str, str], float | int | None]
"""(name suffix, labels, value)"""


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> None:
        """One metric family; `name` without the prefix, a counter's with its `_total` (TYPE names the
        samples in format 0.0.4). Families with no samples still say what they are."""
        full = f"{PREFIX}_{name}"
        self.lines.append(f"# HELP {full} {_escape_help(help_text)}")
        self.lines.append(f"# TYPE {full} {kind}")
        for suffix, labels, value in samples:
            label_text = ",".join(f'{key}="{escape_label(str(val))}"' for key, val in labels.items())
            braces = f"{{{label_text}}}" if label_text else ""
            self.lines.append(f"{full}{suffix}{braces} {format_value(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _operations(out: _Writer, operations: Mapping[str, Mapping[str, Any]]) -> None:
    timings: list[Sample] = []
    errors: list[Sample] = []
    for name, metric in operations.items():
        labels = {"operation": name, "category": metric.get("category") or "none"}
        for quantile, key in QUANTILES:
            timings.append(("", {**labels, "quantile": quantile}, metric[key]))
        timings.append(("_sum", labels, metric["total_time"]))
        timings.append(("_count", labels, metric["count"]))
        errors.append(("", labels, metric["errors"]))
    out.family("operation_duration_seconds", "summary",
               "Time profiled operations took (quantiles over the recent window kept per operation).",
               timings)  # fmt: skip
    out.family("operation_errors_total", "counter", "Profiled operations that raised.", errors)


async def render_metrics(service: ScraperService) -> str:
    """The whole exposition, as text."""
    stats = await service.stats()
    alert_counts = await service.alert_counts()
    performance = service.performance()
    system = service.system()
    cache = performance["cache"]
    out = _Writer()

    out.family("runs", "gauge", "Recorded runs by status.",
               (("", {"status": status}, count) for status, count in stats["runs_by_status"].items()))  # fmt: skip
    out.family("runs_running", "gauge", "Runs of this process in progress.", [("", {}, system["runs_running"])])
    out.family("requests_in_flight", "gauge", "Scraper HTTP requests in flight in this process.",
               [("", {}, system["requests_in_flight"])])  # fmt: skip
    out.family("run_success_rate_percent", "gauge", "Completed runs among finished runs, in percent.",
               [("", {}, stats["success_rate"])])  # fmt: skip
    out.family("jobs", "gauge", "Stored jobs by source (removed ones included).",
               (("", {"source": source}, count) for source, count in stats["jobs_by_source"].items()))  # fmt: skip
    out.family("removed_jobs", "gauge", "Stored jobs no longer on their site, by source.",
               (("", {"source": source}, count)
                for source, count in stats.get("removed_jobs_by_source", {}).items()))  # fmt: skip
    out.family("alerts", "gauge", "Stored alerts by rule.",
               (("", {"rule": rule}, count) for rule, count in alert_counts.items()))  # fmt: skip

    _operations(out, performance["operations"])

    out.family("cache_hits_total", "counter", "Answers served from the cache.", [("", {}, cache["hits"])])
    out.family("cache_misses_total", "counter", "Answers read from the store.", [("", {}, cache["misses"])])
    out.family("cache_evictions_total", "counter", "Cache entries dropped on expiry or for room.",
               [("", {}, cache["evictions"])])  # fmt: skip
    out.family("cache_entries", "gauge", "Entries in the cache now.", [("", {}, cache["size"])])

    latest = system["latest"]
    if latest is not None:  # no sample before the sampler's first tick
        out.family("process_resident_memory_bytes", "gauge", "Resident memory of this process.",
                   [("", {}, latest["rss"])])  # fmt: skip
        out.family("process_cpu_percent", "gauge", "CPU use of this process, percent of one core.",
                   [("", {}, latest["cpu_percent"])])  # fmt: skip
        out.family("process_threads", "gauge", "Threads of this process.", [("", {}, latest["threads"])])
        out.family("database_size_bytes", "gauge", "Size of the database file.", [("", {}, latest["db_size"])])
    return out.text()
