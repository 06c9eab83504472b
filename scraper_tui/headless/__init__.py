"""The headless front end: reports, `--run` and `export`, for cron, SSH and scripts.

It talks to `ScraperService` only and never imports Textual. stdout carries
the data (tables, JSON, CSV); diagnostics go to stderr.
"""

from __future__ import annotations

from scraper_tui.headless.export import FORMATS, export
from scraper_tui.headless.reports import show_history, show_run, show_stats
from scraper_tui.headless.run import run_scrapers

__all__ = ["FORMATS", "export", "run_scrapers", "show_history", "show_run", "show_stats"]
