"""scraper-tui: a terminal scraper manager.

The public names of DESIGN.md are importable from here. They load on first
use, so `import scraper_tui` (and so the command line) stays cheap until a
name is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "BatchError": "scraper_tui.store.batch",
    "BatchProcessor": "scraper_tui.store.batch",
    "CacheManager": "scraper_tui.cache",
    "Config": "scraper_tui.config",
    "ConfigError": "scraper_tui.config",
    "Monitor": "scraper_tui.monitor",
    "PerformanceAlert": "scraper_tui.monitor",
    "PerformanceMetrics": "scraper_tui.monitor",
    "ProfileOperation": "scraper_tui.monitor",
    "ScraperService": "scraper_tui.service",
    "Store": "scraper_tui.store.db",
    "StoreError": "scraper_tui.store.db",
    "UnknownScraperError": "scraper_tui.store.queries",
    "cache_results": "scraper_tui.cache",
    "get_monitor": "scraper_tui.monitor",
    "get_performance_report": "scraper_tui.monitor",
    "load_config": "scraper_tui.config",
    "measure_performance": "scraper_tui.monitor",
    "profile_operation": "scraper_tui.monitor",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from scraper_tui.cache import CacheManager, cache_results
    from scraper_tui.config import Config, ConfigError, load_config
    from scraper_tui.monitor import (
        Monitor,
        PerformanceAlert,
        PerformanceMetrics,
        ProfileOperation,
        get_monitor,
        get_performance_report,
        measure_performance,
        profile_operation,
    )
    from scraper_tui.service import ScraperService
    from scraper_tui.store.batch import BatchError, BatchProcessor
    from scraper_tui.store.db import Store, StoreError
    from scraper_tui.store.queries import UnknownScraperError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scraper_tui' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
