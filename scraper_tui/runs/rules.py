"""The alert rules of DESIGN.md, checked when a run ends.

Pure functions over a run's outcome and its scraper's recent history, so each
rule is easy to test and to explain. Thresholds come from `[settings.alerts]`.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from scraper_tui.config import AlertSettings


@dataclass
class RunOutcome:
    """What the rules look at when a run ends."""

    run_id: int
    scraper: str
    status: str
    jobs_found: int
    pages: int
    errors: int
    """Pages whose fetch failed after retries."""
    execution_time: float
    peak_rss: int
    """Bytes."""
    coverage: dict[str, float] = field(default_factory=dict)
    """Share 0..1 of items with each field."""


@dataclass(frozen=True)
class FiredAlert:
    rule: str
    severity: str
    message: str
    value: float | None = None
    threshold: float | None = None

    def row(self, scraper: str, run_id: int) -> dict[str, Any]:
        """The `Alert` row's values."""
        return {
            "rule": self.rule, "severity": self.severity, "message": self.message, "value": self.value,
            "threshold": self.threshold, "scraper": scraper, "run_id": run_id,
        }  # fmt: skip


def check_run(
    outcome: RunOutcome, baseline: list[dict[str, Any]], alerts: AlertSettings, *, rss_limit_mb: int
) -> list[FiredAlert]:
    """Every rule that fires for a finished run; `baseline` is its last completed runs, newest first."""
    if outcome.status not in ("completed", "failed"):
        return []  # a cancelled run stopped early on purpose: its numbers say nothing
    fired: list[FiredAlert] = []
    name = outcome.scraper
    if outcome.jobs_found == 0:
        fired.append(FiredAlert("zero_jobs", "critical", f"{name} found no jobs: check its selectors and the site",
                                0, 0))  # fmt: skip
    elif baseline:
        usual = statistics.median(run["jobs_found"] for run in baseline)
        if usual and outcome.jobs_found < alerts.jobs_drop_ratio * usual:
            fired.append(FiredAlert(
                "jobs_drop", "warning",
                f"{name} found {outcome.jobs_found} jobs, under {alerts.jobs_drop_ratio:.0%} of its usual {usual:g}",
                outcome.jobs_found, alerts.jobs_drop_ratio * usual,
            ))  # fmt: skip
    if outcome.pages:
        rate = outcome.errors / outcome.pages
        if rate > alerts.error_rate:
            fired.append(FiredAlert(
                "error_rate", "warning",
                f"{name}: {outcome.errors} of {outcome.pages} pages failed ({rate:.0%}, limit {alerts.error_rate:.0%})",
                rate, alerts.error_rate,
            ))  # fmt: skip
    for field_name, share in sorted(outcome.coverage.items()):
        past = [run["details"].get("field_coverage", {}).get(field_name) for run in baseline]
        past = [value for value in past if value is not None]
        if not past:
            continue
        drop = (statistics.median(past) - share) * 100
        if drop >= alerts.coverage_drop_points:
            fired.append(FiredAlert(
                "coverage_drop", "warning",
                f"{name}: field {field_name} found in {share:.0%} of items, down {drop:.0f} points from its usual "
                f"{statistics.median(past):.0%}",
                share * 100, alerts.coverage_drop_points,
            ))  # fmt: skip
    if outcome.execution_time > alerts.scraper_run:
        fired.append(FiredAlert(
            "long_run", "warning",
            f"{name} ran {outcome.execution_time:.0f} s, over the {alerts.scraper_run:g} s threshold",
            outcome.execution_time, alerts.scraper_run,
        ))  # fmt: skip
    limit = rss_limit_mb * 1024 * 1024
    if outcome.peak_rss > limit:
        fired.append(FiredAlert(
            "rss", "warning", f"memory reached {outcome.peak_rss / 2**20:.0f} MB during {name}, over {rss_limit_mb} MB",
            outcome.peak_rss / 2**20, rss_limit_mb,
        ))  # fmt: skip
    return fired


def no_progress(scraper: str, idle: float, limit: float) -> FiredAlert:
    """The live rule: a running scraper that has not finished a page for `limit` seconds."""
    return FiredAlert("no_progress", "warning", f"{scraper} has made no progress for {idle:.0f} s", idle, limit)
