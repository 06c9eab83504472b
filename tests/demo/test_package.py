"""The demo package's surface: exports, import hygiene, the standalone server."""

from __future__ import annotations

import ast
import asyncio
import signal
import subprocess
import sys
from types import ModuleType

import aiohttp

import scraper_tui.demo as demo


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name for name, value in vars(demo).items() if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    public -= {"annotations", "Path"}
    assert sorted(demo.__all__) == sorted(public)
    for name in demo.__all__:
        assert getattr(demo, name) is not None


def test_demo_imports_nothing_else_from_scraper_tui() -> None:
    code = ("import sys, scraper_tui.demo, scraper_tui.demo.__main__; "
            "print(sorted(m for m in sys.modules if m.startswith('scraper_tui')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    modules = ast.literal_eval(out)
    assert all(m == "scraper_tui" or m.startswith("scraper_tui.demo") for m in modules), modules
    assert "textual" not in out


async def test_module_serves_standalone_and_prints_its_url() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scraper_tui.demo", "--postings", "10",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        url = line.decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as session, session.get(url + "/signature/jobs") as response:
            assert response.status == 200
            assert (await response.text()).count('class="job-card"') == 10
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0


def test_module_refuses_a_negative_posting_count() -> None:
    result = subprocess.run([sys.executable, "-m", "scraper_tui.demo", "--postings", "-1"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "--postings" in result.stderr
