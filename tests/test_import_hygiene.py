"""The headless paths never load Textual: cron and servers should not pay for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEADLESS_MODULES = [
    "scraper_tui.cli", "scraper_tui.headless", "scraper_tui.service", "scraper_tui.runs", "scraper_tui.scraping",
    "scraper_tui.demo",
]  # fmt: skip


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_headless_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize(
    "args",
    [
        ["--demo", "--run", "--json"],
        ["--demo", "stats", "--json"],
        ["--demo", "history", "--json"],
        ["--demo", "export", "--format", "csv"],
        ["--demo", "prune"],
    ],
)
def test_headless_commands_do_not_import_textual(tmp_path: Path, args: list[str]) -> None:
    code = (
        "import sys; from scraper_tui.cli import main; "
        f"rc = main({[*args, '--db', str(tmp_path / 'x.db')]!r}); "
        "print('textual' in sys.modules, rc, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stderr.strip().splitlines()[-1] == "False 0", result.stderr
