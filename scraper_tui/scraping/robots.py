"""robots.txt rules per host, fetched once and cached, parsed by protego.

The `Fetcher` owns one `RobotsCache` and asks it before every request when
`settings.obey_robots` is on. What an answer to `/robots.txt` means follows
common crawler practice (Google's, RFC 9309):

- 2xx: the file's rules apply to our user agent.
- 4xx (404, 403, 410 ...): there are no rules; everything is allowed (so
  are too many redirects).
- 5xx, a timeout or an unreachable host (after the fetcher's retries): the
  host is treated as disallowing everything, because a server in trouble
  must not be crawled harder. Such a verdict carries an `error` and is
  cached only briefly (`error_ttl`), so a host that recovers is crawled
  again without restarting the process.

A file is cached per origin (scheme, host, port) for `ttl` seconds.
Concurrent callers for the same origin wait for the same single fetch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

__all__ = ["RobotsCache", "RobotsVerdict", "origin_of"]


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of `url`, lower case; the key of robots rules."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass(frozen=True, slots=True)
class RobotsVerdict:
    """Whether one URL may be fetched, and why not."""

    allowed: bool
    error: str | None = None
    """Set when robots.txt could not be read (5xx, timeout, unreachable):
    the host is then treated as disallowing everything."""


@dataclass(slots=True)
class _Rules:
    parser: Protego | None  # None: allow all (4xx) or disallow all (error)
    allow_all: bool
    error: str | None
    expires: float


RobotsLoader = Callable[[str], Awaitable[tuple[int | None, str | None, str | None]]]
"""`loader(robots_url) -> (status, text, error)`; error is one line when no
answer came (timeout, connection trouble, after retries)."""


class RobotsCache:
    """robots.txt rules per origin for one user agent.

    `loader` does the HTTP: the fetcher passes its own request function, so
    robots.txt goes through the same session, limits and retries as pages.
    """

    def __init__(self, loader: RobotsLoader, user_agent: str, *, ttl: float = 3600.0,
                 error_ttl: float = 60.0) -> None:
        self._loader = loader
        self._user_agent = user_agent
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.fetches = 0
        """robots.txt requests made so far (for tests and the metrics pane)."""

    async def check(self, url: str) -> RobotsVerdict:
        """May `url` be fetched? Fetches the origin's robots.txt on first use."""
        origin = origin_of(url)
        rules = self._rules.get(origin)
        if rules is None or rules.expires < time.monotonic():
            rules = await self._load(origin)
        if rules.error is not None:
            return RobotsVerdict(False, rules.error)
        if rules.allow_all or rules.parser is None:
            return RobotsVerdict(True)
        return RobotsVerdict(bool(rules.parser.can_fetch(url, self._user_agent)))

    async def _load(self, origin: str) -> _Rules:
        # One lock per origin: the first caller fetches, the others wait and
        # then find the fresh rules. A cancelled fetcher releases the lock and
        # the next waiter fetches instead, so no shared task can leak.
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._rules.get(origin)
            if rules is not None and rules.expires >= time.monotonic():
                return rules
            self.fetches += 1
            status, text, error = await self._loader(origin + "/robots.txt")
            rules = self._interpret(status, text, error)
            self._rules[origin] = rules
            return rules

    def _interpret(self, status: int | None, text: str | None, error: str | None) -> _Rules:
        now = time.monotonic()
        if status is not None and 200 <= status < 300:
            try:
                return _Rules(Protego.parse(text or ""), False, None, now + self._ttl)
            except Exception:  # protego is lenient; a crash means garbage: no usable rules
                return _Rules(None, True, None, now + self._ttl)
        if status is not None and status < 500:  # 4xx, or redirects beyond the limit
            return _Rules(None, True, None, now + self._ttl)
        why = error or (f"HTTP {status}" if status is not None else "no answer")
        return _Rules(None, False, f"robots.txt unavailable ({why}); host treated as disallowed",
                      now + self._error_ttl)

    def clear(self) -> None:
        """Forget every cached file."""
        self._rules.clear()
