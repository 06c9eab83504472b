"""`scraper-tui serve` as a subprocess: it listens, answers, and stops cleanly on a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from scraper_tui.demo import DemoBoard
from tests.api.conftest import TOKEN, cli


class Served:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url

    async def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        _, err = await asyncio.wait_for(self.process.communicate(), timeout=60)
        return self.process.returncode, err.decode()  # type: ignore[return-value]


async def start_serve(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Served:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scraper_tui", *args, "serve", "--port", "0", cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "SCRAPER_TUI_TOKEN": "", **(env or {})},
    )  # fmt: skip
    line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()  # type: ignore[union-attr]
    if not line.startswith("serving on http://127.0.0.1:"):
        process.kill()
        rest = await process.communicate()
        raise AssertionError(f"serve did not start: {line}{rest[1].decode()}")
    return Served(process, line.split()[-1])


@pytest.fixture
async def served(config_path: Path, db_path: Path, tmp_path: Path) -> AsyncIterator[Served]:
    server = await start_serve("--config", str(config_path), "--db", str(db_path), cwd=tmp_path)
    yield server
    if server.process.returncode is None:
        server.process.kill()
        await server.process.wait()


def db_rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_serve_answers_and_sigterm_cancels_the_running_run_and_exits_0(
    served: Served, board: DemoBoard, db_path: Path
) -> None:
    board.faults.slow("signature", 0.3)
    async with aiohttp.ClientSession() as session:
        async with session.get(served.url + "/api/scraper/stats/") as response:
            assert response.status == 200 and (await response.json())["total_runs"] == 0
        async with session.post(served.url + "/api/scraper/run/signature/") as response:
            assert response.status == 202
            run_id = (await response.json())["run_id"]
        async with asyncio.timeout(60):
            while not db_rows(db_path, "SELECT count(*) FROM job")[0][0]:  # its first flush
                await asyncio.sleep(0.05)
        async with session.get(served.url + "/metrics") as response:
            families = {f.name: f for f in text_string_to_metric_families(await response.text())}
            assert families["scraper_tui_runs_running"].samples[0].value == 1
            assert families["scraper_tui_process_resident_memory_bytes"].samples[0].value > 0
    code, err = await served.stop(signal.SIGTERM)
    assert code == 0, err
    assert db_rows(db_path, f"SELECT status FROM run WHERE id = {run_id}") == [("cancelled",)]
    assert db_rows(db_path, "SELECT count(*) FROM job")[0][0] > 0


async def test_sigint_stops_it_with_exit_0_too(served: Served) -> None:
    code, err = await served.stop(signal.SIGINT)
    assert code == 0 and "Traceback" not in err


async def test_a_token_from_the_environment_is_required(config_path: Path, db_path: Path, tmp_path: Path) -> None:
    server = await start_serve("--config", str(config_path), "--db", str(db_path), cwd=tmp_path,
                               env={"SCRAPER_TUI_TOKEN": TOKEN})  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(server.url + "/api/scraper/stats/") as response:
                assert response.status == 401
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with session.get(server.url + "/api/scraper/stats/", headers=headers) as response:
                assert response.status == 200
    finally:
        code, _ = await server.stop()
    assert code == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
async def test_binding_beyond_loopback_without_a_token_exits_2_and_writes_nothing(
    config_path: Path, db_path: Path, tmp_path: Path, host: str
) -> None:
    code, out, err = await cli("--config", str(config_path), "--db", str(db_path), "serve", "--host", host,
                               cwd=tmp_path)  # fmt: skip
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and host in err and "token" in err
    assert not db_path.exists()


async def test_a_port_in_use_exits_2_with_one_line(config_path: Path, db_path: Path, tmp_path: Path,
                                                   board: DemoBoard) -> None:  # fmt: skip
    code, _, err = await cli("--config", str(config_path), "--db", str(db_path), "serve", "--port", str(board.port),
                             cwd=tmp_path)  # fmt: skip
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot listen" in err


def test_the_api_does_not_import_textual() -> None:
    code = "import sys, scraper_tui.api, scraper_tui.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


async def test_serve_runs_schedules(config_path: Path, db_path: Path, tmp_path: Path) -> None:
    text = config_path.read_text().replace("[scrapers.flygosh]\n", '[scrapers.flygosh]\nevery = "1h"\n', 1)
    config_path.write_text(text)
    server = await start_serve("--config", str(config_path), "--db", str(db_path), cwd=tmp_path)
    try:
        async with aiohttp.ClientSession() as session, asyncio.timeout(60):
            while True:  # the scheduler's first tick: a scraper that never ran is due
                async with session.get(server.url + "/api/scraper/history/?scraper=flygosh") as response:
                    runs = (await response.json())["results"]
                if runs and runs[0]["status"] == "completed":
                    break
                await asyncio.sleep(0.1)
    finally:
        code, _ = await server.stop()
    assert code == 0 and runs[0]["trigger"] == "schedule"
