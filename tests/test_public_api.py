"""The package exports exactly the public names of DESIGN.md, and loads them lazily."""

from __future__ import annotations

import subprocess
import sys

import scraper_tui

GUIDE_NAMES = {
    "BatchProcessor", "CacheManager", "cache_results", "ProfileOperation", "profile_operation",
    "measure_performance", "PerformanceMetrics", "PerformanceAlert", "get_performance_report", "ScraperService",
}  # fmt: skip


def test_all_lists_the_guide_names_and_each_resolves() -> None:
    assert GUIDE_NAMES <= set(scraper_tui.__all__)
    assert scraper_tui.__all__ == sorted(scraper_tui.__all__)
    for name in scraper_tui.__all__:
        assert getattr(scraper_tui, name).__name__ == name


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = "import sys, scraper_tui; print(sorted(m for m in ('sqlalchemy', 'textual', 'aiohttp') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
