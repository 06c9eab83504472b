"""The OpenAPI 3.1 document served at `/api/openapi.json`.

Built from the same route table the application registers, so a route
cannot be served without being described; a test walks the router both
ways. Schemas describe the service's answers (DESIGN.md, Service answers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scraper_tui import __version__

_INT = {"type": "integer"}
_NUM = {"type": "number"}
_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_NUM = {"type": ["number", "null"]}
_COUNTS = {"type": "object", "additionalProperties": _INT}
RUN_STATUSES = ["queued", "running", "completed", "failed", "cancelled", "interrupted"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {**_STR, "description": "One line saying what was wrong."},
            "parameter": {**_STR, "description": "The query or path parameter at fault (400 only)."},
            "scraper": _STR,
            "run_id": {"type": ["integer", "null"], "description": "On 409 for a run: the live run's id."},
            "status": _STR,
        },
    },
    "RunSummary": {
        "type": "object",
        "properties": {
            "id": _INT, "scraper_name": _STR, "source": _STR,
            "status": {"type": "string", "enum": RUN_STATUSES},
            "trigger": _STR, "started_at": _NULLABLE_STR, "finished_at": _NULLABLE_STR,
            "execution_time": _NULLABLE_NUM, "pages_scraped": _INT, "jobs_found": _INT, "jobs_created": _INT,
            "jobs_updated": _INT, "errors": _INT,
        },
        "additionalProperties": True,
    },
    "Stats": {
        "type": "object",
        "required": ["total_runs", "completed_runs", "failed_runs", "success_rate", "avg_execution_time",
                     "jobs_by_source", "recent_jobs", "cached_at"],
        "properties": {
            "total_runs": _INT,
            "completed_runs": _INT,
            "failed_runs": _INT,
            "success_rate": {**_NUM, "description": "Completed among finished runs, percent, one decimal."},
            "avg_execution_time": {**_NUM, "description": "Seconds, over completed runs."},
            "runs_by_status": _COUNTS,
            "jobs_by_source": _COUNTS,
            "removed_jobs_by_source": _COUNTS,
            "total_jobs": _INT,
            "recent_jobs": {"type": "array", "items": _ref("RunSummary"), "description": "The last 10 runs."},
            "cached_at": {**_STR, "format": "date-time", "description": "When the answer was computed (UTC)."},
        },
    },
    "History": {
        "type": "object",
        "required": ["count", "page", "page_size", "num_pages", "results"],
        "properties": {
            "count": _INT, "page": _INT, "page_size": _INT, "num_pages": _INT,
            "results": {"type": "array", "items": _ref("RunSummary")},
        },
    },
    "ScraperConfig": {
        "type": "object",
        "required": ["name", "settings", "stats"],
        "properties": {
            "name": _STR,
            "settings": {"type": "object", "description": "The scraper's definition as stored."},
            "stats": {"type": "object", "description": "Its run counts, jobs, last run and recent runs."},
        },
    },
    "RunStarted": {
        "type": "object",
        "required": ["run_id"],
        "properties": {"run_id": _INT, "scraper": _STR, "detail": {**_STR, "description": "Where to follow it."}},
    },
    "RunDetail": {
        "allOf": [_ref("RunSummary")],
        "type": "object",
        "properties": {"details": {"type": "object"}, "log": {"type": "array"}, "alerts": {"type": "array"}},
    },
    "RunCancelled": {"type": "object", "required": ["run_id", "status"], "properties": {"run_id": _INT, "status": _STR}},
}

_ERRORS = {
    "401": {"description": "A token is required and the request did not carry it (no detail given)."},
    "500": _json("An unexpected failure (logged by the server).", _ref("Error")),
}


def _name_parameter() -> dict[str, Any]:
    return {"name": "name", "in": "path", "required": True, "schema": _STR, "description": "A configured scraper."}


def _run_parameter() -> dict[str, Any]:
    return {"name": "run_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/scraper/stats/"): {
        "summary": "Run and job statistics, from the cache while the database is unchanged.",
        "responses": {"200": _json("The stats answer.", _ref("Stats"))},
    },
    ("GET", "/api/scraper/history/"): {
        "summary": "Runs, newest first, a page at a time.",
        "parameters": [
            _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number; past the end is a 400."),
            _query("page_size", {"type": "integer", "minimum": 1, "maximum": 200},
                   "Runs per page (default: the page_size setting, 20)."),
            _query("scraper", _STR, "Only this scraper's runs."),
            _query("status", {"type": "string", "enum": RUN_STATUSES}, "Only runs with this status."),
        ],
        "responses": {
            "200": _json("One page.", _ref("History")),
            "400": _json("A bad page, page_size or status; `parameter` names it.", _ref("Error")),
        },
    },
    ("GET", "/api/scraper/config/{name}/"): {
        "summary": "A scraper's settings and its stats.",
        "parameters": [_name_parameter()],
        "responses": {
            "200": _json("The scraper.", _ref("ScraperConfig")),
            "404": _json("No scraper of that name.", _ref("Error")),
        },
    },
    ("POST", "/api/scraper/run/{name}/"): {
        "summary": "Start a run of a scraper in the background.",
        "parameters": [_name_parameter()],
        "responses": {
            "202": {**_json("Started; follow it at `detail`.", _ref("RunStarted")),
                    "headers": {"Location": {"schema": _STR, "description": "The run's detail URL."}}},
            "404": _json("No scraper of that name.", _ref("Error")),
            "409": _json("It is already running (here or in another process); `run_id` is that run.", _ref("Error")),
        },
    },
    ("GET", "/api/scraper/runs/{run_id}/"): {
        "summary": "One run: counters, details (HTTP statuses, latency, coverage), alerts and log.",
        "parameters": [_run_parameter()],
        "responses": {
            "200": _json("The run.", _ref("RunDetail")),
            "400": _json("run_id is not a whole number.", _ref("Error")),
            "404": _json("No run with that id.", _ref("Error")),
        },
    },
    ("POST", "/api/scraper/cancel/{run_id}/"): {
        "summary": "Cancel a run of this process; answers once what it found is flushed and it is recorded.",
        "parameters": [_run_parameter()],
        "responses": {
            "200": _json("Cancelled.", _ref("RunCancelled")),
            "400": _json("run_id is not a whole number.", _ref("Error")),
            "404": _json("No run with that id.", _ref("Error")),
            "409": _json("The run is finished, or belongs to another process.", _ref("Error")),
        },
    },
    ("POST", "/api/scraper/cache/invalidate/"): {
        "summary": "Forget cached stats and configs: the next answers are read from the store.",
        "responses": {
            "200": _json("Done.", {"type": "object", "properties": {"invalidated": {"type": "boolean"}}}),
        },
    },
    ("GET", "/api/openapi.json"): {
        "summary": "This document.",
        "responses": {"200": _json("OpenAPI 3.1.", {"type": "object"})},
    },
    ("GET", "/metrics"): {
        "summary": "Prometheus metrics: runs by status, jobs by source, operation timings, cache, RSS, alerts.",
        "responses": {
            "200": {"description": "Prometheus text format 0.0.4.",
                    "content": {"text/plain; version=0.0.4": {"schema": _STR}}},
        },
    },
}


def openapi_document(routes: Iterable[tuple[str, str, str]], *, token_required: bool) -> dict[str, Any]:
    """The document for exactly `routes` ((method, path, handler name)); KeyError for an undescribed one.

    `token_required` makes bearer authentication part of the document, as it
    is of this server: one started without a token asks for none.
    """
    paths: dict[str, dict[str, Any]] = {}
    for method, path, name in routes:
        operation = {"operationId": name, **OPERATIONS[(method, path)]}
        operation["responses"] = {**operation["responses"], **_ERRORS}
        if not token_required:
            del operation["responses"]["401"]
        paths.setdefault(path, {})[method.lower()] = operation
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "scraper-tui",
            "version": __version__,
            "description": "The local JSON service of scraper-tui: stats, history, configs, run control, metrics.",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
    if token_required:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
    return document
