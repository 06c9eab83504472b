"""The system sampler behind ``scraper_tui.monitor.SystemSampler``.

Private: import it from ``scraper_tui.monitor``. Kept apart so monitor.py stays
one screenful of concerns (timing, metrics, alerts); this file owns psutil.
Like monitor.py it imports nothing from the package.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil

__all__ = ["SystemSampler"]

# Same logger as monitor.py: one name to configure for the whole monitor.
logger = logging.getLogger("scraper_tui.monitor")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


_SAMPLE_KEYS = ("rss", "cpu_percent", "threads", "db_size")


class SystemSampler:
    """Samples this process's RSS, CPU percent and threads, and the database file size.

    ``cpu_percent`` is the share of one core used since the previous sample
    (so it may exceed 100 on several cores); the first sample measures from
    construction. ``db_size`` is the SQLite file plus its ``-wal`` file in
    bytes, 0 when there is no path or the files do not exist (e.g. a
    PostgreSQL URL). Sampling costs tens of microseconds, so it is done on the
    event loop; the history feeds sparklines.
    """

    def __init__(
        self,
        *,
        interval: float = 1.0,
        history_size: int = 300,
        db_path: str | Path | None = None,
    ) -> None:
        if not math.isfinite(interval) or interval <= 0:
            raise ValueError(f"sampler interval must be a positive number of seconds, got {interval!r}")
        self.interval = interval
        self.db_path = db_path
        self._process = psutil.Process()
        # The first cpu_percent(interval=None) call always returns 0.0; prime it
        # so that the first real sample measures from here.
        self._process.cpu_percent(interval=None)
        self._samples: deque[dict[str, Any]] = deque(maxlen=max(1, history_size))
        self._peak_rss = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def db_path(self) -> Path | None:
        """The SQLite file whose size is sampled; settable once the store knows it."""
        return self._db_path

    @db_path.setter
    def db_path(self, value: str | Path | None) -> None:
        self._db_path = Path(value) if value is not None else None

    def _db_size(self) -> int:
        path = self._db_path
        if path is None:
            return 0
        size = 0
        for candidate in (path, path.with_name(path.name + "-wal")):
            try:
                size += candidate.stat().st_size
            except OSError:
                pass
        return size

    def sample(self) -> dict[str, Any]:
        """Take one sample now, append it to the history and return it."""
        process = self._process
        with process.oneshot():
            rss = process.memory_info().rss
            cpu = process.cpu_percent(interval=None)
            threads = process.num_threads()
        sample = {
            "time": _utcnow(),
            "rss": int(rss),
            "cpu_percent": float(cpu),
            "threads": int(threads),
            "db_size": self._db_size(),
        }
        self._samples.append(sample)
        if rss > self._peak_rss:
            self._peak_rss = int(rss)
        return sample

    def latest(self) -> dict[str, Any] | None:
        """The most recent sample, or None before the first."""
        return self._samples[-1] if self._samples else None

    def history(self, key: str) -> list[float]:
        """Values of ``key`` (rss, cpu_percent, threads, db_size), oldest first.

        A fresh list each call: Textual's ``Sparkline.data`` is compared by
        equality, so a mutated list would not redraw.
        """
        if key not in _SAMPLE_KEYS:
            raise KeyError(f"unknown sample key {key!r}; expected one of {', '.join(_SAMPLE_KEYS)}")
        return [sample[key] for sample in self._samples]

    @property
    def peak_rss(self) -> int:
        """Highest RSS seen in any sample since creation or ``reset_peak`` (bytes)."""
        return self._peak_rss

    def reset_peak(self) -> None:
        """Start a new peak, e.g. at the start of a run that reports its own peak RSS."""
        self._peak_rss = 0

    @property
    def running(self) -> bool:
        """True while the background sampling task is alive."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:
                # Keep sampling: one failed psutil call must not end the sparklines.
                logger.exception("system sample failed")
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        """Start sampling every ``interval`` seconds on the running loop; idempotent."""
        loop = asyncio.get_running_loop()
        if self.running and self._task is not None and self._task.get_loop() is loop:
            return
        self._task = loop.create_task(self._run(), name="scraper-tui system sampler")

    async def stop(self) -> None:
        """Cancel the sampling task and wait for it to end; idempotent."""
        task, self._task = self._task, None
        if task is None or task.done():
            return
        if task.get_loop() is not asyncio.get_running_loop():
            # Left over from another (possibly closed) loop: nothing to await here.
            return
        task.cancel()
        # asyncio.wait does not raise the task's CancelledError, yet lets a
        # cancellation of stop() itself propagate.
        await asyncio.wait({task})
