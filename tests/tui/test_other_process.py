"""Writes from another process show up in the open app, without restarting it.

The app polls `service.stats()` once a tick; the cache asks SQLite's
`data_version`, which moves when another connection commits, so the next
tick finds a new answer and tells the screen (`DataChanged`). The tests
wait for what the screen shows with short pilot pauses, bounded, because the
other process's write happens on its own time.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from scraper_tui.demo import DemoBoard, demo_config_text
from scraper_tui.tui.app import ScraperTUI
from scraper_tui.tui.screens.history import HistoryScreen
from scraper_tui.tui.widgets.run_table import RunTable
from tests.tui.test_app import screen_text

WRITE_A_RUN = """
import asyncio, sys
from scraper_tui.store import Store, records

async def main() -> None:
    store = await Store.open(sys.argv[1])
    run_id = await store.run_write(records.create_run, "indigo", source="indigo", status="running", trigger="headless")
    await store.run_write(records.update_run, run_id, status="completed", execution_time=2.5, jobs_found=77)
    await store.close()
    print(run_id)

asyncio.run(main())
"""


async def until(pilot: Pilot[int], condition: Callable[[], bool], *, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def run(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def test_a_run_written_by_another_process_appears_in_history_and_stats(
    make_app: Callable[..., ScraperTUI], sample_db: Path
) -> None:
    app = make_app(interval=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one(RunTable)
        assert table.run_ids[0] == 45
        code, output = await run(sys.executable, "-c", WRITE_A_RUN, str(sample_db))
        assert code == 0, output
        await until(pilot, lambda: table.run_ids[:1] == [46])
        assert "46 runs" in str(table.border_subtitle)
        await pilot.press("1")
        await until(pilot, lambda: "46 " in screen_text(app) and "Runs" in screen_text(app))


async def test_a_headless_run_in_another_process_shows_up_in_the_open_app(
    make_app: Callable[..., ScraperTUI], sample_db: Path, tmp_path: Path
) -> None:
    async with DemoBoard(postings_per_source=30) as board:
        config = tmp_path / "scrapers.toml"
        # `--run` prunes runs past the retention first; the sample's runs are old, keep them.
        config.write_text(demo_config_text(board.url).replace("[settings]", "[settings]\nretention_days = 36500"))
        app = make_app(interval=0.2)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("2")
            await app.workers.wait_for_complete()
            table = app.screen.query_one(RunTable)
            code, output = await run(
                sys.executable, "-m", "scraper_tui", "--config", str(config), "--db", str(sample_db), "--run", "flygosh"
            )
            assert code == 0, output

            def shown() -> list[object]:
                return [getattr(cell, "plain", cell) for cell in table.get_row("46")] if "46" in table.rows else []

            # The run may first show as running (it was still being written at one tick), then completed.
            await until(pilot, lambda: shown()[1:3] == ["flygosh", "completed"])
            assert table.run_ids[0] == 46
