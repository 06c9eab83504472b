"""The demo config beside the board: DESIGN.md's TOML format, {board} filled in."""

from __future__ import annotations

import tomllib
from pathlib import Path

from scraper_tui.demo import DEMO_CONFIG_PATH, SOURCES, START_PATHS, demo_config_text, write_demo_config

_URL = "http://127.0.0.1:54321"


def test_the_shipped_file_parses_and_keeps_the_token() -> None:
    raw = tomllib.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))
    assert raw["scrapers"]["signature"]["start_urls"] == ["{board}/signature/jobs"]


def test_config_text_names_the_three_scrapers() -> None:
    config = tomllib.loads(demo_config_text(_URL))
    assert sorted(config["scrapers"]) == sorted(SOURCES)


def test_config_text_points_start_urls_at_the_board() -> None:
    config = tomllib.loads(demo_config_text(_URL + "/"))
    for name in SOURCES:
        assert config["scrapers"][name]["start_urls"] == [_URL + START_PATHS[name]]
    assert "{board}" not in demo_config_text(_URL)


def test_every_scraper_has_the_design_keys_and_fields() -> None:
    config = tomllib.loads(demo_config_text(_URL))
    for name, scraper in config["scrapers"].items():
        assert scraper["source"] == name
        assert scraper["delay"] == 0
        assert {"max_pages", "max_jobs", "item", "next_page"} <= set(scraper)
        assert set(scraper["fields"]) == {"title", "url", "external_id", "company", "location", "posted_at"}


def test_settings_obey_robots_and_need_no_database() -> None:
    settings = tomllib.loads(demo_config_text(_URL))["settings"]
    assert settings["obey_robots"] is True
    assert "database" not in settings


def test_write_demo_config_writes_the_filled_in_text(tmp_path: Path) -> None:
    written = write_demo_config(tmp_path / "demo.toml", _URL)
    assert written.read_text(encoding="utf-8") == demo_config_text(_URL)


def test_the_token_appears_only_in_start_urls() -> None:
    lines = [line for line in DEMO_CONFIG_PATH.read_text(encoding="utf-8").splitlines() if "{board}" in line]
    assert lines and all(line.startswith("start_urls = ") for line in lines)
