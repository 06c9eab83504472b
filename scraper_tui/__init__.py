"""scraper-tui: a terminal scraper manager."""

from __future__ import annotations

__version__ = "0.1.0"
