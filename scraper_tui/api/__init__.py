"""The local JSON service: the guide's endpoints, run control, Prometheus metrics and an OpenAPI document.

It talks to `ScraperService` only (never the store, runs or cache) and never
imports Textual. `serve_api(service, host, port, token)` is the one way to
serve it, from `scraper-tui serve` or from the app.
"""

from __future__ import annotations

from scraper_tui.api.app import ROUTES, make_app
from scraper_tui.api.metrics import render_metrics
from scraper_tui.api.openapi import openapi_document
from scraper_tui.api.serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    TOKEN_ENV,
    BindRefused,
    check_bind,
    is_loopback,
    serve,
    serve_api,
)

__all__ = [
    "DEFAULT_HOST", "DEFAULT_PORT", "ROUTES", "TOKEN_ENV", "BindRefused", "check_bind", "is_loopback", "make_app",
    "openapi_document", "render_metrics", "serve", "serve_api",
]  # fmt: skip
