"""The command line as a user runs it: a subprocess, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SCRAPER_TUI_CONFIG": str(cwd / "absent.toml"), **(env or {})}
    full_env.pop("SCRAPER_TUI_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "scraper_tui", *args], cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "scrapers.toml"
    path.write_text('[settings]\ndatabase = "jobs.db"\n')
    return path


def test_stats_json_on_a_new_database(tmp_path: Path, config_file: Path) -> None:
    result = run_cli("stats", "--json", "--config", str(config_file), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["total_runs"] == 0 and answer["jobs_by_source"] == {} and answer["cached_at"]
    assert (tmp_path / "jobs.db").exists()


def test_db_option_works_before_and_after_the_command(tmp_path: Path, config_file: Path) -> None:
    for args in (("--db", "a.db", "stats"), ("stats", "--db", "b.db")):
        result = run_cli(*args, "--config", str(config_file), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()
    assert not (tmp_path / "jobs.db").exists()


def test_history_json_of_an_empty_database(tmp_path: Path, config_file: Path) -> None:
    result = run_cli("history", "--json", "--config", str(config_file), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"count": 0, "page": 1, "page_size": 20, "num_pages": 1, "results": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("history", "--page", "0"), "page must be 1 or more"),
        (("history", "--page", "abc"), "expected a whole number"),
        (("history", "--page-size", "1000"), "page_size must be between 1 and 200"),
        (("history", "--page", "2"), "past the end"),
        (("bogus",), "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(
    tmp_path: Path, config_file: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_cli(*args, "--config", str(config_file), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and result.stdout == ""
    assert "Traceback" not in result.stderr


def test_bad_config_exits_2_and_creates_no_database(tmp_path: Path) -> None:
    bad = tmp_path / "scrapers.toml"
    bad.write_text('[settings]\ndatabase = "jobs.db"\n[scrapers.hidden]\nstart_urls = ["http://127.0.0.1/"]\n'
                   'item = "li"\nmax_pages = "many"\n[scrapers.hidden.fields]\ntitle = "a"\nurl = "a@href"\n')  # fmt: skip
    result = run_cli("stats", "--config", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "scrapers.hidden.max_pages" in result.stderr and str(bad) in result.stderr
    assert not (tmp_path / "jobs.db").exists()


def test_a_file_that_is_not_a_database_exits_2_unchanged(tmp_path: Path, config_file: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    result = run_cli("stats", "--db", str(notes), "--config", str(config_file), cwd=tmp_path)
    assert result.returncode == 2 and "not a SQLite database" in result.stderr
    assert notes.read_text() == "not a database\n"
