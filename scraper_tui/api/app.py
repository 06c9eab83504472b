"""The aiohttp application: the guide's endpoints, run control, metrics and the OpenAPI document.

Handlers ask `ScraperService` and answer JSON; they never touch the store.
Three middlewares wrap every request, outermost first: one profiles it as
`api_request` (and turns an unexpected exception into a JSON 500), one
checks the bearer token when there is one, and one turns aiohttp's own HTTP
errors (unknown path, wrong method) into JSON.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from scraper_tui.api.metrics import render_metrics
from scraper_tui.api.openapi import openapi_document
from scraper_tui.config import ConfigError
from scraper_tui.service import RunRefused, ScraperService, check_history_args

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVICE = web.AppKey("service", ScraperService)
TOKEN = web.AppKey("token", bytes)
"""The expected bearer token as bytes; b"" when none is required."""
OPENAPI = web.AppKey("openapi", bytes)

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/api/scraper/stats/", "stats"),
    ("GET", "/api/scraper/history/", "history"),
    ("GET", "/api/scraper/config/{name}/", "config"),
    ("POST", "/api/scraper/run/{name}/", "start_run"),
    ("GET", "/api/scraper/runs/{run_id}/", "run_detail"),
    ("POST", "/api/scraper/cancel/{run_id}/", "cancel_run"),
    ("POST", "/api/scraper/cache/invalidate/", "invalidate_cache"),
    ("GET", "/api/openapi.json", "openapi"),
    ("GET", "/metrics", "metrics"),
)
"""(method, path, handler name): the whole API; the OpenAPI document describes exactly these."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(value, status=status, headers=headers, dumps=_dumps)


def _error(http_status: int, message: str, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status=http_status)


def _bad_parameter(parameter: str, message: str) -> web.Response:
    return _error(400, message, parameter=parameter)


class _BadParameter(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def _whole(text: str | None, parameter: str, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise _BadParameter(parameter, f"{parameter} must be a whole number, got {text!r}") from None


def _check(parameter: str, check: Callable[[], None]) -> None:
    try:
        check()
    except ValueError as err:
        raise _BadParameter(parameter, str(err)) from None


def _run_id(request: web.Request) -> int:
    text = request.match_info["run_id"]
    if not text.isascii() or not text.isdigit():
        raise _BadParameter("run_id", f"run_id must be a whole number, got {text!r}")
    return int(text)


# -- handlers -----------------------------------------------------------------


async def stats(request: web.Request) -> web.Response:
    """Run and job statistics, from the cache while the database is unchanged (`cached_at` says when)."""
    return _json(await request.app[SERVICE].stats())


async def history(request: web.Request) -> web.Response:
    """One page of runs, newest first; 400 names the bad parameter."""
    service = request.app[SERVICE]
    query = request.query
    default_size = service.definitions.settings.page_size
    page = _whole(query.get("page"), "page", 1)
    page_size = _whole(query.get("page_size"), "page_size", default_size)
    status = query.get("status") or None
    scraper = query.get("scraper") or None
    _check("page", lambda: check_history_args(page, default_size, None))
    _check("page_size", lambda: check_history_args(1, page_size, None))
    _check("status", lambda: check_history_args(1, default_size, status))
    try:
        answer = await service.history(page=page, page_size=page_size, scraper=scraper, status=status)
    except ValueError as err:  # only a page past the end is left to refuse
        raise _BadParameter("page", str(err)) from None
    return _json(answer)


async def config(request: web.Request) -> web.Response:
    """A scraper's settings and its stats; 404 for an unknown scraper."""
    name = request.match_info["name"]
    try:
        answer = await request.app[SERVICE].config(name)
    except LookupError as err:
        return _error(404, str(err).strip("'\""), scraper=name)
    return _json(answer)


async def start_run(request: web.Request) -> web.Response:
    """Start a run: 202 with its id; 404 unknown scraper; 409 with the live run's id when it is running."""
    name = request.match_info["name"]
    try:
        run_id = await request.app[SERVICE].start_run(name, trigger="manual")
    except ConfigError as err:
        return _error(404, str(err), scraper=name)
    except RunRefused as refused:
        return _error(409, str(refused), scraper=name, run_id=refused.run_id)
    location = f"/api/scraper/runs/{run_id}/"
    return _json({"run_id": run_id, "scraper": name, "detail": location}, status=202, headers={"Location": location})


async def run_detail(request: web.Request) -> web.Response:
    """One run: counters, details, log and alerts; 404 when there is no such run."""
    run_id = _run_id(request)
    try:
        answer = await request.app[SERVICE].run_detail(run_id)
    except LookupError as err:
        return _error(404, str(err).strip("'\""), run_id=run_id)
    return _json(answer)


async def cancel_run(request: web.Request) -> web.Response:
    """Cancel a run of this process; answers once it is flushed and recorded.

    404 when there is no such run, 409 when it exists but is not running here
    (finished, or another process's).
    """
    service = request.app[SERVICE]
    run_id = _run_id(request)
    cancelled = await service.cancel_run(run_id)
    try:
        run = await service.run_detail(run_id)
    except LookupError as err:
        return _error(404, str(err).strip("'\""), run_id=run_id)
    if not cancelled:
        return _error(409, f"run {run_id} is not running in this process (status {run['status']})",
                      run_id=run_id, status=run["status"])  # fmt: skip
    return _json({"run_id": run_id, "status": run["status"]})


async def invalidate_cache(request: web.Request) -> web.Response:
    """The guide's manual invalidation: the next answers are read from the store."""
    request.app[SERVICE].invalidate_cache()
    return _json({"invalidated": True})


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format 0.0.4."""
    text = await render_metrics(request.app[SERVICE])
    return web.Response(body=text.encode(), headers={"Content-Type": METRICS_CONTENT_TYPE})


_HANDLERS: dict[str, Handler] = {
    "stats": stats, "history": history, "config": config, "start_run": start_run, "run_detail": run_detail,
    "cancel_run": cancel_run, "invalidate_cache": invalidate_cache, "openapi": openapi, "metrics": metrics,
}  # fmt: skip


# -- middlewares --------------------------------------------------------------


def _operation(request: web.Request) -> str:
    """The route's pattern, not the raw path: one metric per endpoint, however many names are asked for."""
    resource = request.match_info.route.resource
    return f"{request.method} {resource.canonical if resource is not None else '(no route)'}"


@web.middleware
async def _profiled(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        async with request.app[SERVICE].monitor.profile(_operation(request), category="api_request"):
            return await handler(request)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _error(500, "internal error")


@web.middleware
async def _authorised(request: web.Request, handler: Handler) -> web.StreamResponse:
    expected = request.app[TOKEN]
    if expected:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # Compare even when the scheme is wrong, so timing says nothing about which part failed.
        matches = hmac.compare_digest(given.strip().encode(), expected)
        if not (matches and scheme.lower() == "bearer"):
            return _json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})
    return await handler(request)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except _BadParameter as err:
        return _bad_parameter(err.parameter, str(err))
    except web.HTTPException as err:
        if err.status < 400:
            raise
        headers = {"Allow": err.headers["Allow"]} if "Allow" in err.headers else None
        return _json({"error": f"{err.reason}: {request.method} {request.path}"}, status=err.status, headers=headers)


def make_app(service: ScraperService, *, token: str | None = None) -> web.Application:
    """The API over `service`; with a token, every request needs `Authorization: Bearer <token>`."""
    app = web.Application(middlewares=[_profiled, _authorised, _json_errors])
    app[SERVICE] = service
    app[TOKEN] = (token or "").encode()
    for method, path, name in ROUTES:
        app.router.add_route(method, path, _HANDLERS[name], name=name)
    app[OPENAPI] = json.dumps(openapi_document(ROUTES, token_required=bool(token)), indent=1).encode()
    return app
