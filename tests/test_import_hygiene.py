"""The headless paths never load Textual: cron and servers should not pay for it."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_MODULES = ["scraper_tui.cli", "scraper_tui.headless", "scraper_tui.service"]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_headless_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_stats_command_does_not_import_textual(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys; from scraper_tui.cli import main; "
        f"rc = main(['stats', '--json', '--db', {str(tmp_path / 'x.db')!r}, '--config', {str(tmp_path / 'none.toml')!r}]); "
        "print('textual' in sys.modules, rc, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip().splitlines()[-1] == "False 2" or result.stderr.strip().splitlines()[-1] == "False 0"
