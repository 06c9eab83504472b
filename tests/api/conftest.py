"""Fixtures for the JSON service: the demo board, its config file, a service that has run the demo
scrapers, the API served from it on a free loopback port, and the command line beside it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from scraper_tui.api import serve_api
from scraper_tui.config import load_config
from scraper_tui.demo import DemoBoard
from scraper_tui.service import ScraperService
from tests.conftest import write_quick_demo_config

TOKEN = "s3cret-token"


@pytest.fixture
def config_path(board: DemoBoard, tmp_path: Path) -> Path:
    """The demo config as a file (the command line reads the same one), with quick retries."""
    return write_quick_demo_config(board, tmp_path / "scrapers.toml")


@pytest.fixture
async def api_service(config_path: Path, db_path: Path) -> AsyncIterator[ScraperService]:
    async with await ScraperService.open(db_path, config=load_config(config_path)) as service:
        yield service


@pytest.fixture
async def scraped(api_service: ScraperService) -> ScraperService:
    """The service after one completed run of each demo scraper."""
    run_ids = [await api_service.start_run(name) for name in ("signature", "flygosh", "indigo")]
    await api_service.wait_runs(run_ids)
    return api_service


class Client:
    """A real HTTP client on the served API; answers are (status, parsed JSON or text)."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.session.request(method, self.url + path, **kwargs) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("POST", path, **kwargs)


async def serving(service: ScraperService, token: str | None = None) -> tuple[asyncio.Task[None], str]:
    """Start `serve_api` on a free loopback port; returns its task and URL."""
    listening: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_api(service, "127.0.0.1", 0, token, ready=listening.set_result))
    done, _ = await asyncio.wait({task, listening}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    return task, listening.result()


@pytest.fixture
async def api(scraped: ScraperService) -> AsyncIterator[Client]:
    task, url = await serving(scraped)
    async with aiohttp.ClientSession() as session:
        yield Client(url, session)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
async def token_api(scraped: ScraperService) -> AsyncIterator[Client]:
    task, url = await serving(scraped, token=TOKEN)
    async with aiohttp.ClientSession() as session:
        yield Client(url, session)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the command line to its end; the board and the server keep serving on this loop meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scraper_tui", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "SCRAPER_TUI_TOKEN": "", **(env or {})},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


async def cli_json(*args: str, cwd: Path) -> Any:
    code, out, err = await cli(*args, "--json", cwd=cwd)
    assert code == 0, err
    return json.loads(out)
