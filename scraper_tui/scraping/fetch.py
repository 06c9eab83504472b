"""HTTP fetching for every scraper of a process, on one aiohttp session.

One `Fetcher` serves all running scrapers. It enforces, per request:

- a global limit (`settings.concurrency`) and a per-host limit
  (`settings.per_host_concurrency`) of requests in flight; the pooled
  keep-alive connections of the `TCPConnector` are sized to match;
- a per-host delay between request starts (the scraper's `delay`);
- connect and read timeouts (`connect_timeout`, `timeout`: the read timeout
  bounds each wait for data, not the whole body);
- a response size limit (`max_response_bytes`): a larger Content-Length is
  refused unread, a body streamed past the limit is aborted;
- retries on timeouts, connection errors, 429 and 5xx, waiting
  `backoff * 2**attempt * uniform(0.5, 1.5)` or the server's Retry-After
  (seconds or an HTTP date) capped at `max_retry_after`;
- robots.txt (see `robots.py`) when `obey_robots`: a disallowed URL, or a
  redirect to one, is never requested;
- the configured User-Agent;
- only HTML (`text/html`, `application/xhtml+xml`, or no Content-Type):
  anything else is skipped on its headers, without reading the body.

`fetch()` never raises for HTTP or network trouble: the outcome is in the
`FetchResult`. Every HTTP request is recorded into the monitor (operation
and category `fetch`) and its status counted in `Fetcher.stats`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin

import aiohttp

from scraper_tui.config import Settings
from scraper_tui.monitor import Monitor, get_monitor

from .robots import RobotsCache, origin_of

__all__ = ["FetchResult", "FetchStats", "Fetcher", "parse_retry_after"]

logger = logging.getLogger("scraper_tui.scraping.fetch")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 16
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass(slots=True)
class FetchResult:
    """What fetching one URL gave, retries included. Times are seconds."""

    url: str
    """The URL asked for."""
    final_url: str
    """The URL answered, after redirects; relative links resolve against it."""
    status: int | None = None
    """HTTP status of the last answer; None when none came (timeout, refused)."""
    text: str | None = None
    """The decoded body of a 2xx HTML answer; None otherwise."""
    bytes: int = 0
    """Body bytes read in the last attempt (decompressed)."""
    elapsed: float = 0.0
    """The whole fetch: robots, limits, delays, retries and backoff."""
    latency: float = 0.0
    """The last HTTP attempt alone, from request to body."""
    retries: int = 0
    statuses: list[int] = field(default_factory=list)
    """The status of every attempt that got one, in order."""
    error: str | None = None
    """One line when the fetch failed: "HTTP 503 after 3 retries", "timeout after 3 retries"."""
    skipped: str | None = None
    """Why the page was not used although nothing failed: "robots", "too_large", "not_html"."""
    content_type: str | None = None
    """Media type of the last answer, without parameters ("text/html")."""

    @property
    def ok(self) -> bool:
        """A 2xx HTML page with its text: something to extract from."""
        return self.text is not None and self.error is None and self.skipped is None


@dataclass(slots=True)
class FetchStats:
    """Process-wide counters of a Fetcher, for the live metrics pane."""

    requests: int = 0
    """HTTP requests sent (attempts, robots.txt included)."""
    bytes: int = 0
    retries: int = 0
    errors: int = 0
    """Fetches that ended with an error."""
    statuses: Counter[str] = field(default_factory=Counter)
    """Attempts per HTTP status, as text ("200", "503")."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Fetches skipped per reason."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date);
    None when absent or unreadable; never negative."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class _Host:
    __slots__ = ("slots", "turn", "last_start")

    def __init__(self, limit: int) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.turn = asyncio.Lock()
        self.last_start = -1e18


@dataclass(slots=True)
class _Attempt:
    """What one HTTP request gave."""

    status: int | None = None
    text: str | None = None
    bytes: int = 0
    content_type: str | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    skipped: str | None = None
    redirect: str | None = None
    """Absolute target of a 3xx answer with a Location."""


class Fetcher:
    """The HTTP client shared by all scrapers of a process.

    Use as `async with Fetcher(settings) as fetcher:` or call `close()`. The
    aiohttp session is created on first use, on the running loop; a Fetcher
    belongs to one event loop.
    """

    def __init__(self, settings: Settings, *, monitor: Monitor | None = None) -> None:
        self.settings = settings
        self.monitor = monitor
        """Where requests are recorded; None means `get_monitor()`."""
        self.stats = FetchStats()
        self.in_flight = 0
        """HTTP requests in flight now."""
        self.robots = RobotsCache(self._load_robots, settings.user_agent)
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _Host] = {}
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=settings.connect_timeout, sock_connect=settings.connect_timeout,
            sock_read=settings.timeout,
        )

    # -- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> Fetcher:
        self._get_session()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session and its connections; later fetches raise RuntimeError."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                raise RuntimeError("this Fetcher is closed")
            s = self.settings
            connector = aiohttp.TCPConnector(limit=s.concurrency, limit_per_host=s.per_host_concurrency,
                                             ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, auto_decompress=True,
                headers={"User-Agent": s.user_agent, "Accept": _ACCEPT},
            )
        return self._session

    # -- fetching ------------------------------------------------------------

    async def fetch(self, url: str, *, delay: float = 0.0) -> FetchResult:
        """Fetch one HTML page; `delay` is the caller's seconds between
        requests to its host. Never raises for HTTP or network trouble;
        raises RuntimeError after `close()` and CancelledError when cancelled."""
        return await self._fetch(url, delay, html_only=True)

    async def _load_robots(self, robots_url: str) -> tuple[int | None, str | None, str | None]:
        result = await self._fetch(robots_url, 0.0, html_only=False, robots=False)
        return result.status, result.text, result.error

    async def _fetch(self, url: str, delay: float, *, html_only: bool, robots: bool = True) -> FetchResult:
        if self._closed:
            raise RuntimeError("this Fetcher is closed")
        start = time.perf_counter()
        result = FetchResult(url=url, final_url=url)
        try:
            if robots and self.settings.obey_robots and not await self._robots_allow(url, result):
                return result
            await self._attempts(url, delay, html_only, robots, result)
            return result
        finally:
            result.elapsed = time.perf_counter() - start
            stats = self.stats
            stats.retries += result.retries
            if result.error is not None:
                stats.errors += 1
            if result.skipped is not None:
                stats.skipped[result.skipped] += 1

    async def _robots_allow(self, url: str, result: FetchResult) -> bool:
        try:
            verdict = await self.robots.check(url)
        except ValueError:  # not a URL robots rules could apply to
            return True
        if not verdict.allowed:
            result.skipped = "robots"
            result.error = verdict.error
        return verdict.allowed

    async def _attempts(self, url: str, delay: float, html_only: bool, robots: bool,
                        result: FetchResult) -> None:
        """Requests until one answers for good: retries, then redirects hop by hop.

        Each hop is its own request under its host's limits, and its target is
        checked against robots.txt before it is requested. Nothing here holds
        a limit while waiting for robots.txt, so limits of 1 cannot deadlock.
        """
        settings = self.settings
        current = url
        attempt = hops = 0
        while True:
            outcome = await self._limited(current, delay, html_only, result)
            result.final_url = current
            result.status = outcome.status
            result.bytes = outcome.bytes
            result.content_type = outcome.content_type
            result.text = outcome.text
            result.skipped = outcome.skipped
            result.error = outcome.error
            if outcome.redirect is not None:
                hops += 1
                if hops > MAX_REDIRECTS:
                    result.error = f"more than {MAX_REDIRECTS} redirects"
                    break
                current = outcome.redirect
                if robots and settings.obey_robots and not await self._robots_allow(current, result):
                    result.final_url = current
                    break
                continue
            if not outcome.retryable or attempt == settings.retries:
                break
            if outcome.retry_after is not None:
                wait = min(outcome.retry_after, settings.max_retry_after)
            else:
                wait = settings.backoff * 2**attempt * random.uniform(0.5, 1.5)
            attempt += 1
            result.retries += 1
            logger.debug("retrying %s in %.2f s: %s", current, wait, outcome.error)
            if wait > 0:
                await asyncio.sleep(wait)
        if result.error is not None and result.retries:
            result.error = f"{result.error} after {result.retries} retr{'y' if result.retries == 1 else 'ies'}"

    def _host(self, url: str) -> _Host:
        key = origin_of(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(self.settings.per_host_concurrency)
        return host

    async def _limited(self, url: str, delay: float, html_only: bool, result: FetchResult) -> _Attempt:
        """One request inside its host's and the global limit, after the host's delay."""
        host = self._host(url)
        async with host.slots:
            if delay > 0:
                # Spaces request starts to one host; holding the host lock while
                # sleeping keeps the order and never blocks other hosts.
                async with host.turn:
                    wait = host.last_start + delay - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    host.last_start = time.monotonic()
            async with self._global:
                return await self._attempt(url, html_only, result)

    async def _attempt(self, url: str, html_only: bool, result: FetchResult) -> _Attempt:
        """One HTTP request, profiled and counted."""
        outcome = _Attempt()
        self.in_flight += 1
        start = time.perf_counter()
        try:
            await self._request(self._get_session(), url, html_only, outcome)
        finally:
            self.in_flight -= 1
            latency = time.perf_counter() - start
            result.latency = latency
            stats = self.stats
            stats.requests += 1
            stats.bytes += outcome.bytes
            if outcome.status is not None:
                stats.statuses[str(outcome.status)] += 1
                result.statuses.append(outcome.status)
            monitor = self.monitor if self.monitor is not None else get_monitor()
            try:
                monitor.record("fetch", latency, category="fetch", error=outcome.error is not None)
            except Exception:  # monitoring must never break a fetch
                logger.exception("recording a fetch failed")
        return outcome

    async def _request(self, session: aiohttp.ClientSession, url: str, html_only: bool,
                       outcome: _Attempt) -> None:
        """Send one request and fill `outcome` from the answer."""
        try:
            async with session.get(url, allow_redirects=False) as resp:
                status = outcome.status = resp.status
                outcome.content_type = resp.content_type if "Content-Type" in resp.headers else None
                if status in _REDIRECTS and (location := resp.headers.get("Location")):
                    outcome.redirect = urljoin(url, location)
                    return
                if status == 429 or status >= 500:
                    outcome.error = f"HTTP {status}"
                    outcome.retryable = True
                    outcome.retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    return
                if not 200 <= status < 300:
                    outcome.error = f"HTTP {status}"
                    return
                if html_only and outcome.content_type is not None and outcome.content_type not in HTML_TYPES:
                    outcome.skipped = "not_html"
                    resp.close()  # leave the body unread; the connection is dropped
                    return
                body = await self._read(resp, outcome)
                if body is not None:
                    outcome.text = _decode(body, resp.charset)
        except asyncio.TimeoutError:
            outcome.error, outcome.retryable = "timeout", True
        except aiohttp.ClientPayloadError as exc:
            outcome.error, outcome.retryable = f"broken response body ({_why(exc)})", True
        except aiohttp.ClientConnectorError as exc:
            outcome.error, outcome.retryable = f"cannot connect ({_why(exc.os_error)})", True
        except (aiohttp.ClientConnectionError, ConnectionError) as exc:
            outcome.error, outcome.retryable = f"connection error ({_why(exc)})", True
        except (aiohttp.ClientError, ValueError) as exc:
            # Bad URL, bad headers, an unsupported scheme: retrying cannot help.
            outcome.error, outcome.retryable = f"request failed ({_why(exc)})", False

    async def _read(self, resp: aiohttp.ClientResponse, outcome: _Attempt) -> bytes | None:
        """The body, or None (outcome.skipped = "too_large") past the size limit."""
        limit = self.settings.max_response_bytes
        length = resp.content_length
        encoded = "Content-Encoding" in resp.headers
        if length is not None and length > limit:
            outcome.skipped = "too_large"
            resp.close()
            return None
        if length is not None and not encoded:
            body = await resp.read()
            outcome.bytes = len(body)
            return body
        # Unknown length, or compressed (the inflated size is what counts):
        # read piece by piece and stop as soon as the limit is passed.
        buffer = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            buffer += chunk
            outcome.bytes = len(buffer)
            if len(buffer) > limit:
                outcome.skipped = "too_large"
                resp.close()
                return None
        return bytes(buffer)


def _decode(body: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8; bad bytes become U+FFFD."""
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")


def _why(exc: BaseException | None) -> str:
    """A short one-line reason from an exception."""
    if exc is None:
        return "unknown"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if getattr(exc, "strerror", None):
        text = str(exc.strerror)  # type: ignore[attr-defined]
    return text[:200]
