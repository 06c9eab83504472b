"""The app leaves cleanly when its terminal goes away (SIGHUP), through `run_app`."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUN_APP = """
import asyncio, sys
from pathlib import Path
from scraper_tui.service import ScraperService
from scraper_tui.tui.app import run_app

async def main() -> int:
    service = await ScraperService.open(Path(sys.argv[1]))
    try:
        return await run_app(service)
    finally:
        await service.close()
        print("closed", file=sys.stderr)

sys.exit(asyncio.run(main()))
"""


def _read_until(fd: int, needle: bytes, deadline: float) -> bytes:
    seen = b""
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="SIGHUP and ptys are POSIX")
def test_sighup_closes_the_app_and_the_service_and_exits_129(sample_db: Path) -> None:
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_APP, str(sample_db)],
        stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True,
    )
    os.close(terminal)
    try:
        drawn = _read_until(controller, b"Recent runs", time.monotonic() + 30)
        assert b"Recent runs" in drawn
        process.send_signal(signal.SIGHUP)
        # Keep the pty drained while the app winds down; Textual draws on stderr, the script says "closed".
        after = _read_until(controller, b"closed", time.monotonic() + 20)
        assert process.wait(timeout=10) == 129
        assert b"closed" in after
        assert b"Traceback" not in after
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
