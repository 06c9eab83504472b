#!/usr/bin/env python3
"""Render every screen of the app to SVG in screenshots/, on a deterministic demo database.

    python scripts/screenshots.py [--out screenshots] [--size 120x40]

The database is the tests' sample (tests/tui/sample_data.py): the demo
board's three scrapers, 45 runs and 135 jobs written with the clock frozen,
so the pictures change only when the app does. The monitor's timer is made
steady (every operation 2 ms) and no system sampling runs, for the same
reason. Each picture is taken through `App.run_test()` and
`App.export_screenshot()`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from itertools import count
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper_tui.tui.app import ScraperTUI
from tests.tui.sample_data import build_sample_database, open_sample_service

SHOTS: dict[str, tuple[str, ...]] = {
    "stats": (),
    "history": ("2",),
    "run_detail": ("2", "t", "t", "t", "t", "enter"),
    "performance": ("3",),
    "scrapers": ("4",),
    "jobs": ("5",),
    "keys": ("question_mark",),
}
"""File name (without .svg) and the keys that lead to the screen from the start."""


async def _settle(app: ScraperTUI, pilot: object) -> None:
    from textual.worker import WorkerCancelled

    for _ in range(3):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()  # type: ignore[attr-defined]
    app.refresh_metrics()
    await pilot.pause()  # type: ignore[attr-defined]


async def shoot(database: Path, name: str, keys: tuple[str, ...], size: tuple[int, int]) -> str:
    app = ScraperTUI(opener=lambda: open_sample_service(database), interval=None, monitoring=False)
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(app, pilot)
        return app.export_screenshot(title=f"scraper-tui · {name.replace('_', ' ')}")


async def main(out: Path, size: tuple[int, int]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ticks = count()
    with tempfile.TemporaryDirectory() as scratch, mock.patch(
        "scraper_tui.monitor.perf_counter", lambda: next(ticks) * 0.001
    ):
        template = Path(scratch) / "template.db"
        await build_sample_database(template)
        for name, keys in SHOTS.items():
            database = Path(scratch) / f"{name}.db"
            database.write_bytes(template.read_bytes())
            svg = await shoot(database, name, keys, size)
            target = out / f"{name}.svg"
            target.write_text(svg, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="directory for the SVGs")
    parser.add_argument("--size", type=_size, default=(120, 40), help="terminal size, WIDTHxHEIGHT")
    options = parser.parse_args()
    asyncio.run(main(options.out, options.size))
