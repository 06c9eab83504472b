"""An in-process TTL cache in front of the store, and the guide's `cache_results` decorator.

Answers are kept for their TTL (stats 300 s, config 3600 s by default) but
never served once the database has changed under them: before every answer
the cache asks SQLite's `PRAGMA data_version`, which moves whenever another
connection (a headless run in another process, or this process's own
writer) commits. So the numbers are fresh at the next refresh, and the TTL
only bounds how long an unchanged answer lives.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from cachetools import TTLCache
from cachetools.keys import hashkey

from scraper_tui.monitor import Monitor, ProfileOperation
from scraper_tui.store import Store
from scraper_tui.store import queries

F = TypeVar("F", bound=Callable[..., Any])

STATS_TTL = 300.0
CONFIG_TTL = 3600.0
_STATS_KEY = "scraper_stats"


class _CountingTTLCache(TTLCache[Any, Any]):
    """A TTLCache that counts what it drops, expired or pushed out."""

    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float]) -> None:
        super().__init__(maxsize, ttl, timer=timer)
        self.evictions = 0

    def expire(self, time: float | None = None) -> Any:
        expired = super().expire(time)
        self.evictions += len(expired)
        return expired

    def popitem(self) -> Any:
        self.evictions += 1
        return super().popitem()


class CacheManager:
    """Cached stats and scraper configs over one store.

    `clock` (monotonic seconds) drives the TTLs and `now` stamps `cached_at`;
    both are injectable so tests can move time.
    """

    def __init__(
        self,
        store: Store,
        *,
        stats_ttl: float = STATS_TTL,
        config_ttl: float = CONFIG_TTL,
        maxsize: int = 256,
        monitor: Monitor | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.monitor = monitor
        self.stats_ttl = stats_ttl
        self.config_ttl = config_ttl
        self._clock = clock
        self._now = now
        self._stats = _CountingTTLCache(4, stats_ttl, clock)
        self._configs = _CountingTTLCache(maxsize, config_ttl, clock)
        self._locks: dict[Any, asyncio.Lock] = {}
        self._expires: dict[Any, float] = {}
        self._version: int | None = None
        self.hits = 0
        self.misses = 0

    def _check_version(self) -> None:
        """Drop everything once another connection has committed."""
        version = self.store.data_version()
        if version != self._version:
            self.invalidate_all_stats()
            self._version = version

    async def _get(
        self, cache: _CountingTTLCache, key: Any, operation: str, load: Callable[[Any], Any]
    ) -> dict[str, Any]:
        self._check_version()
        found = cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        lock = self._locks.setdefault((id(cache), key), asyncio.Lock())
        async with lock:
            found = cache.get(key)
            if found is not None:  # another caller loaded it while this one waited
                self.hits += 1
                return found
            self.misses += 1
            version = self.store.data_version()
            with ProfileOperation(operation, category="db_query", monitor=self.monitor):
                answer = await self.store.run_read(load)
            answer["cached_at"] = self._now().isoformat()
            # Keep it only if nothing was committed while it was read.
            if version == self.store.data_version():
                self._version = version
                cache[key] = answer
                self._expires[key] = self._clock() + cache.ttl
            return answer

    async def get_scraper_stats(self) -> dict[str, Any]:
        """The stats answer with `cached_at` (ISO 8601 UTC of when it was computed)."""
        return await self._get(self._stats, _STATS_KEY, "stats", queries.stats)

    async def get_config(self, name: str) -> dict[str, Any]:
        """A scraper's settings and stats; UnknownScraperError when it is not defined."""
        return await self._get(self._configs, ("config", name), "config", functools.partial(queries.config, name=name))

    def invalidate_all_stats(self) -> None:
        """Forget the stats and the per-scraper stats inside configs."""
        self._stats.clear()
        self._configs.clear()
        self._expires.clear()

    def invalidate_config(self, name: str) -> None:
        self._configs.pop(("config", name), None)
        self._expires.pop(("config", name), None)

    async def warm(self) -> None:
        """Load stats and every scraper's config, so the first screen reads from memory."""
        await self.get_scraper_stats()
        names = await self.store.run_read(queries.scraper_names)
        for name in names:
            await self.get_config(name)

    def get_metrics(self) -> dict[str, Any]:
        """hits, misses, hit_rate (percent), size, evictions and each key's TTL and time left."""
        lookups = self.hits + self.misses
        now = self._clock()
        keys: dict[str, dict[str, float]] = {}
        for cache in (self._stats, self._configs):
            cache.expire()
            for key in list(cache.keys()):
                label = key if isinstance(key, str) else ":".join(map(str, key))
                left = self._expires.get(key, now) - now
                keys[label] = {"ttl": cache.ttl, "expires_in": round(max(0.0, left), 3)}
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(100.0 * self.hits / lookups, 1) if lookups else 0.0,
            "size": len(self._stats) + len(self._configs),
            "evictions": self._stats.evictions + self._configs.evictions,
            "keys": keys,
        }


def cache_results(
    ttl: float = STATS_TTL, maxsize: int = 128, *, timer: Callable[[], float] = time.monotonic
) -> Callable[[F], F]:
    """Cache a function's results per arguments for `ttl` seconds; sync or async.

    The wrapped function gets `cache_clear()` and `cache` (the TTLCache).
    Exceptions are not cached.
    """

    def decorate(func: F) -> F:
        cache: TTLCache[Any, Any] = TTLCache(maxsize, ttl, timer=timer)

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                key = hashkey(*args, **kwargs)
                try:
                    return cache[key]
                except KeyError:
                    pass
                value = await func(*args, **kwargs)
                cache[key] = value
                return value

            wrapper: Any = async_wrapper
        else:

            @functools.wraps(func)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                key = hashkey(*args, **kwargs)
                try:
                    return cache[key]
                except KeyError:
                    pass
                value = func(*args, **kwargs)
                cache[key] = value
                return value

            wrapper = sync_wrapper
        wrapper.cache = cache
        wrapper.cache_clear = cache.clear
        return wrapper  # type: ignore[no-any-return]

    return decorate
