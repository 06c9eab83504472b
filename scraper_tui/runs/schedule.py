"""Schedules: scrapers with `every = "6h"` run on that interval while the app or `serve` is up.

A slot is due `every` after the scraper's last run started. A slot missed
while no process was up (the laptop slept, the server rebooted) is run once
when the scheduler starts, and the run's log says which slot it makes up
for; slots are never run twice to catch up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from scraper_tui.config import Config
from scraper_tui.runs.manager import RunManager
from scraper_tui.store import Store, queries
from scraper_tui.store.models import utcnow
from scraper_tui.store.records import RunRefused

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


class Scheduler:
    """Starts scheduled runs through a RunManager; `now` is injectable for tests."""

    def __init__(
        self,
        manager: RunManager,
        store: Store,
        config: Config,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.manager = manager
        self.store = store
        self.every = {s.name: s.every for s in config.scrapers.values() if s.every is not None}
        self._now = now
        self.due: dict[str, datetime] = {}
        """When each scheduled scraper runs next."""
        self._missed: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """Work out each scraper's next slot from its last run; missed ones are due now."""
        last = await self.store.run_read(queries.last_started)
        now = self._now()
        for name, every in self.every.items():
            started = last.get(name)
            if started is None:
                self.due[name] = now
            elif started + every <= now:
                self._missed[name] = started + every
                self.due[name] = now
            else:
                self.due[name] = started + every

    async def tick(self) -> list[int]:
        """Start every run whose slot has come; returns the run ids started."""
        now = self._now()
        enabled = await self.store.run_read(queries.scraper_enabled)
        started = []
        for name, due in sorted(self.due.items()):
            if due > now or not enabled.get(name, True):
                continue
            every: timedelta = self.every[name]
            self.due[name] = now + every
            if self.manager.running_for(name) is not None:
                continue  # still busy with the last slot: this one is skipped, not queued
            missed = self._missed.pop(name, None)
            note = f"schedule: makes up for the slot at {missed:%Y-%m-%d %H:%M} UTC missed while down" if missed else None
            try:
                started.append(await self.manager.start(name, trigger="schedule", note=note))
            except RunRefused as refused:
                log.info("scheduled run of %s skipped: %s", name, refused)
        return started

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.warning("the scheduler could not start a run", exc_info=True)
            await asyncio.sleep(TICK_SECONDS)

    async def start(self) -> None:
        """Begin running schedules (nothing happens if no scraper has one)."""
        if not self.every or self._task is not None:
            return
        await self.load()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
