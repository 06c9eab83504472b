"""SVG snapshots of every screen at 80x24 and 120x40, on the sample database with time frozen.

Frozen: the data's timestamps (built at a fixed time), `cached_at` (the
cache's clock), the monitor's timer (every profiled operation takes 2 ms),
no system sampling and no polling timer. Update with
`pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from unittest import mock

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from scraper_tui.tui.app import ScraperTUI

SIZES = [(80, 24), (120, 40)]
SCREENS = {"stats": "1", "history": "2", "performance": "3", "scrapers": "4", "jobs": "5"}


@pytest.fixture(autouse=True)
def steady_monitor() -> Iterator[None]:
    """Every profiled operation takes exactly 2 ms, whatever the machine."""
    ticks = count()
    with mock.patch("scraper_tui.monitor.perf_counter", lambda: next(ticks) * 0.001):
        yield


async def settle(pilot: Pilot[int]) -> None:
    app = pilot.app
    for _ in range(3):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive reload replaced by a newer one
            continue
        await pilot.pause()
    assert isinstance(app, ScraperTUI)
    app.refresh_metrics()
    await pilot.pause()


def show(*keys: str) -> Callable[[Pilot[int]], object]:
    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., ScraperTUI],
                         screen: str, size: tuple[int, int]) -> None:  # fmt: skip
    keys = () if screen == "stats" else (SCREENS[screen],)
    assert snap_compare(make_app(), terminal_size=size, run_before=show(*keys))


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_history_filtered_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., ScraperTUI],
                                   size: tuple[int, int]) -> None:  # fmt: skip
    assert snap_compare(make_app(), terminal_size=size, run_before=show("2", "s", "t", "t", "t", "t"))


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_run_detail_snapshot(snap_compare: Callable[..., bool], make_app: Callable[..., ScraperTUI],
                             size: tuple[int, int]) -> None:  # fmt: skip
    # Run 31 failed: an error, a 503 in the histogram, an alert and a log line holding markup.
    keys = ("2", "t", "t", "t", "t", "enter")
    assert snap_compare(make_app(), terminal_size=size, run_before=show(*keys))
