"""The demo job board: an aiohttp.web app on 127.0.0.1 and a free port.

Three sources, each with its own markup and pagination (see `_render`):

=========  =======================  ====================================  =========
source     start path               next page                             page size
=========  =======================  ====================================  =========
signature  /signature/jobs          /signature/jobs?page=N (`a.next`)     20
flygosh    /flygosh/listings        /flygosh/listings?p=N (`a[rel=next]`) 25
indigo     /indigo/openings         /indigo/openings?offset=K             30
                                    (`link[rel=next]` in the head)
=========  =======================  ====================================  =========

robots.txt disallows `/private/` and `/indigo/archive`. Every page's footer
links to `/private/admin` (no demo selector follows it), and, on purpose,
indigo's *last* listing page has a next link into `/indigo/archive?offset=N`.
That page exists and lists old postings that are not part of
`postings("indigo")`: a crawler that obeys robots.txt stops at the last
listing page, and a test asserts `board.request_count("/indigo/archive") == 0`.
A crawler that ignores robots.txt picks up extra items and fails the counts.

The board records every request it answers (`requests`, `log`), robots.txt,
404s and faulty answers included, before any fault applies.
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from aiohttp import web

from . import _render
from .faults import Fault, Faults
from .postings import (
    DEFAULT_POSTINGS,
    DEFAULT_SEED,
    EDITABLE_FIELDS,
    PAGE_SIZES,
    SOURCES,
    Posting,
    archived_postings,
    generate_postings,
)

START_PATHS: dict[str, str] = {
    "signature": "/signature/jobs",
    "flygosh": "/flygosh/listings",
    "indigo": "/indigo/openings",
}
"""Path of each source's first listing page."""

_HTML = "text/html"
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@dataclass(slots=True)
class ServedRequest:
    """One request the board answered (or is answering: `status` is None)."""

    method: str
    path: str
    """Path and query exactly as the client sent them."""
    user_agent: str
    status: int | None = None
    fault: str | None = None
    """The kind of fault that shaped the answer, if any (`slow` is not listed)."""


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise KeyError(f"unknown demo source {source!r}; expected one of {', '.join(SOURCES)}")


def _html(text: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=text, status=status, content_type=_HTML, charset="utf-8", headers=headers)


def _not_found(what: str) -> web.Response:
    return _html(_render.message_page("Not found", what), status=404)


def _int_param(request: web.Request, name: str, default: int) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        return None


class DemoBoard:
    """The demo job board. `await start()` / `await stop()`, or `async with`.

    Postings are deterministic for a given `postings_per_source` and `seed`.
    All methods must be called on the event loop the board serves on.
    """

    def __init__(self, *, postings_per_source: int = DEFAULT_POSTINGS, seed: int = DEFAULT_SEED,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        """The port asked for; after `start()`, the port bound (0 picks a free one)."""
        self.seed = seed
        self.postings_per_source = postings_per_source
        self.faults = Faults()
        """Switch faults on and off at run time; see `faults.Faults`."""
        self._postings: dict[str, dict[str, Posting]] = {
            source: {p.external_id: p for p in generate_postings(source, postings_per_source, seed=seed)}
            for source in SOURCES
        }
        self._removed: dict[str, set[str]] = {source: set() for source in SOURCES}
        self._archive = {p.external_id: p for p in archived_postings(seed=seed)}
        self._log: list[ServedRequest] = []
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.app = self._make_app()

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; `url` is valid afterwards. Raises OSError if the port is taken."""
        if self._runner is not None:
            raise RuntimeError("the demo board is already running")
        # A short shutdown timeout: a request stuck in a slow fault must not hold up stop().
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner
        self._url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving; harmless when not running."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> DemoBoard:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def url(self) -> str:
        """"http://127.0.0.1:PORT", no trailing slash. Raises RuntimeError before start()."""
        if self._url is None:
            raise RuntimeError("the demo board has not been started; await board.start() first")
        return self._url

    def source_url(self, source: str) -> str:
        """The absolute URL of the first listing page of `source`."""
        _check_source(source)
        return self.url + START_PATHS[source]

    # -- ground truth ------------------------------------------------------

    def _visible(self, source: str) -> list[Posting]:
        removed = self._removed[source]
        return [p for p in self._postings[source].values() if p.external_id not in removed]

    def postings(self, source: str) -> list[Posting]:
        """The postings `source` shows now, in listing order, with absolute URLs."""
        _check_source(source)
        base = self.url
        return [replace(p, url=base + p.path) for p in self._visible(source)]

    def page_size(self, source: str) -> int:
        _check_source(source)
        return PAGE_SIZES[source]

    def num_pages(self, source: str) -> int:
        """Listing pages of `source` now (at least 1, even with no postings)."""
        _check_source(source)
        return max(1, math.ceil(len(self._visible(source)) / PAGE_SIZES[source]))

    def page_paths(self, source: str) -> list[str]:
        """The path of each listing page of `source`, in crawl order."""
        start = START_PATHS[source]
        size = self.page_size(source)
        pages = range(self.num_pages(source))
        if source == "signature":
            return [start] + [f"{start}?page={n + 1}" for n in pages[1:]]
        if source == "flygosh":
            return [start] + [f"{start}?p={n + 1}" for n in pages[1:]]
        return [start] + [f"{start}?offset={n * size}" for n in pages[1:]]

    # -- mutations for change tracking ---------------------------------------

    def _find(self, source: str, external_id: str) -> Posting:
        _check_source(source)
        try:
            return self._postings[source][external_id]
        except KeyError:
            raise KeyError(f"no posting {external_id!r} in demo source {source!r}") from None

    def edit_posting(self, source: str, external_id: str, /, **fields: Any) -> Posting:
        """Change fields of a posting (title, company, location, posted_at, salary).

        It keeps its id, URL and place in the listing. Returns the new truth.
        """
        old = self._find(source, external_id)
        unknown = set(fields) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"cannot edit {', '.join(sorted(unknown))}; editable: "
                             f"{', '.join(sorted(EDITABLE_FIELDS))}")
        new = replace(old, **fields)
        self._postings[source][external_id] = new
        return replace(new, url=self.url + new.path) if self._url else new

    def remove_posting(self, source: str, external_id: str) -> None:
        """Take a posting off the listings (its detail page answers 404)."""
        self._find(source, external_id)
        self._removed[source].add(external_id)

    def restore_posting(self, source: str, external_id: str) -> None:
        """Bring a removed posting back, in its old place and with any edits."""
        self._find(source, external_id)
        self._removed[source].discard(external_id)

    # -- request log ---------------------------------------------------------

    @property
    def log(self) -> list[ServedRequest]:
        """Every request answered since start (or `clear_requests()`), in order."""
        return list(self._log)

    @property
    def requests(self) -> list[str]:
        """The path and query of every request answered, in order."""
        return [r.path for r in self._log]

    def request_count(self, path_prefix: str = "") -> int:
        """How many requests had a path (with query) starting with `path_prefix`."""
        return sum(1 for r in self._log if r.path.startswith(path_prefix))

    def clear_requests(self) -> None:
        self._log.clear()

    # -- the app -------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._index)
        app.router.add_get("/robots.txt", self._robots)
        app.router.add_get("/signature/jobs", self._signature_listing)
        app.router.add_get("/signature/jobs/{id}", self._signature_detail)
        app.router.add_get("/flygosh/listings", self._flygosh_listing)
        app.router.add_get("/flygosh/job", self._flygosh_detail)
        app.router.add_get("/indigo/openings", self._indigo_listing)
        app.router.add_get("/indigo/jobs/{id}", self._indigo_detail)
        app.router.add_get("/indigo/archive", self._indigo_archive)
        app.router.add_get("/indigo/archive/{id}", self._indigo_archive_detail)
        app.router.add_get("/private/{tail:.*}", self._private)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        record = ServedRequest(request.method, request.raw_path, request.headers.get("User-Agent", ""))
        self._log.append(record)
        delay, fault = self.faults.take(record.path)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None:
            record.fault = fault.kind
        try:
            if fault is None or fault.kind == "truncate":
                response = await handler(request)
                if fault is not None:
                    response = await self._truncated(request, response, fault)
            elif fault.kind == "oversized":
                response = await self._oversized(request, fault)
            else:
                response = self._fault_response(fault)
        except web.HTTPException as exc:
            record.status = exc.status
            raise
        record.status = response.status
        return response

    def _fault_response(self, fault: Fault) -> web.Response:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        if fault.kind == "rate_limit":
            return _html(_render.message_page("Too many requests", "Slow down."), 429, headers)
        if fault.kind == "error":
            return _html(_render.message_page(f"Error {fault.status}", "Something went wrong."),
                         fault.status, headers)
        # non_html
        if fault.content_type == "application/json":
            body = json.dumps({"jobs": [], "note": "this is not an HTML page"}).encode()
        elif fault.content_type == "image/png":
            body = _PNG + bytes(range(256))
        else:
            body = bytes(range(256)) * 4
        return web.Response(body=body, headers={"Content-Type": fault.content_type})

    async def _truncated(self, request: web.Request, response: web.StreamResponse,
                         fault: Fault) -> web.StreamResponse:
        if not isinstance(response, web.Response) or response.text is None:
            return response
        full = response.text
        cut = full[: int(len(full) * fault.keep)].encode("utf-8")
        if not fault.drop_connection:
            return web.Response(body=cut, status=response.status, headers={"Content-Type": response.content_type
                                                                           + "; charset=utf-8"})
        stream = web.StreamResponse(status=response.status)
        stream.content_type = response.content_type
        stream.charset = "utf-8"
        stream.content_length = len(full.encode("utf-8"))
        await stream.prepare(request)
        await stream.write(cut)
        # The body is shorter than announced: the client sees the connection
        # close mid-body (aiohttp: ClientPayloadError).
        if request.transport is not None:
            request.transport.close()
        return stream

    async def _oversized(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        head = b"<!DOCTYPE html>\n<html><head><title>Huge</title></head><body>\n"
        tail = b"\n</body></html>\n"
        filler = b"<p>" + b"padding " * 120 + b"</p>\n"
        chunk = filler * (65536 // len(filler) + 1)
        stream = web.StreamResponse()
        stream.content_type = _HTML
        stream.charset = "utf-8"
        if fault.declare_length:
            stream.content_length = fault.size
        else:
            stream.enable_chunked_encoding()
        await stream.prepare(request)
        remaining = fault.size - len(head) - len(tail)
        try:
            await stream.write(head)
            while remaining > 0:
                part = chunk[:remaining]
                await stream.write(part)
                remaining -= len(part)
            await stream.write(tail)
            await stream.write_eof()
        except ConnectionError:
            pass  # the client stopped reading, as a size-capped client should
        return stream

    # -- handlers ------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        return _html(_render.index_page())

    async def _robots(self, request: web.Request) -> web.Response:
        return web.Response(text=_render.ROBOTS_TXT, content_type="text/plain", charset="utf-8")

    async def _private(self, request: web.Request) -> web.Response:
        return _html(_render.message_page("Staff only", "Crawlers are not welcome here."), 403)

    def _page_slice(self, source: str, page_no: int | None) -> tuple[list[Posting], int] | None:
        visible = self._visible(source)
        size = PAGE_SIZES[source]
        num_pages = max(1, math.ceil(len(visible) / size))
        if page_no is None or not 1 <= page_no <= num_pages:
            return None
        return visible[(page_no - 1) * size: page_no * size], num_pages

    async def _signature_listing(self, request: web.Request) -> web.Response:
        page_no = _int_param(request, "page", 1)
        found = self._page_slice("signature", page_no)
        if found is None:
            return _not_found(f"There is no page {request.query.get('page')} of Signature jobs.")
        items, num_pages = found
        return _html(_render.signature_listing(items, page_no or 1, num_pages))

    async def _flygosh_listing(self, request: web.Request) -> web.Response:
        page_no = _int_param(request, "p", 1)
        found = self._page_slice("flygosh", page_no)
        if found is None:
            return _not_found(f"There is no page {request.query.get('p')} of Flygosh listings.")
        items, num_pages = found
        return _html(_render.flygosh_listing(items, page_no or 1, num_pages))

    async def _indigo_listing(self, request: web.Request) -> web.Response:
        offset = _int_param(request, "offset", 0)
        visible = self._visible("indigo")
        size = PAGE_SIZES["indigo"]
        if offset is None or offset < 0 or (offset >= len(visible) and offset != 0):
            return _not_found(f"No Indigo openings at offset {request.query.get('offset')}.")
        end = offset + size
        # Past the last listing page the next link leads into the robots-disallowed archive.
        next_href = f"openings?offset={end}" if end < len(visible) else f"archive?offset={len(visible)}"
        return _html(_render.indigo_listing(visible[offset:end], next_href))

    async def _indigo_archive(self, request: web.Request) -> web.Response:
        return _html(_render.indigo_listing(list(self._archive.values()), None, heading="Indigo archive"))

    def _detail(self, source: str, external_id: str, back: str) -> web.Response:
        posting = self._postings[source].get(external_id)
        if posting is None or external_id in self._removed[source]:
            return _not_found(f"Posting {external_id} is no longer available.")
        return _html(_render.detail_page(posting, back))

    async def _signature_detail(self, request: web.Request) -> web.Response:
        return self._detail("signature", request.match_info["id"], "/signature/jobs")

    async def _flygosh_detail(self, request: web.Request) -> web.Response:
        return self._detail("flygosh", request.query.get("id", ""), "listings")

    async def _indigo_detail(self, request: web.Request) -> web.Response:
        return self._detail("indigo", request.match_info["id"], "../openings")

    async def _indigo_archive_detail(self, request: web.Request) -> web.Response:
        posting = self._archive.get(request.match_info["id"])
        if posting is None:
            return _not_found("No such archived posting.")
        return _html(_render.detail_page(posting, "../archive"))
