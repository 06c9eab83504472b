"""Config: defaults, where the file is found, and one-line errors naming file, scraper and key."""

from __future__ import annotations

import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from scraper_tui import config as config_module
from scraper_tui.config import (
    AlertSettings,
    Config,
    ConfigError,
    FieldSpec,
    ScraperConfig,
    Settings,
    default_database_path,
    format_duration,
    load_config,
    parse_config,
    parse_duration,
    resolve_config_path,
)

GOOD = """
[settings]
concurrency = 4

[scrapers.signature]
start_urls = ["https://example.org/jobs"]
every = "6h"
item = "div.job-card"
next_page = "a.next@href"
[scrapers.signature.fields]
title = "h2"
url = "a.apply@href"
external_id = "@data-id"
posted_at = "time@datetime"

[scrapers.hidden]
source = "hidden-board"
enabled = false
start_urls = ["http://localhost:8080/"]
item = "li"
fields = { title = "h3", url = "a@href" }
"""


def scraper_toml(body: str, name: str = "hidden") -> str:
    """A valid declarative scraper table plus `body` (which may override keys)."""
    lines = {"start_urls": '["https://example.org/jobs"]', "item": '"li.job"',
             "fields": '{ title = "h2", url = "a@href" }'}  # fmt: skip
    for line in textwrap.dedent(body).strip().splitlines():
        key, _, value = line.partition("=")
        lines[key.strip()] = value.strip()
    lines = {k: v for k, v in lines.items() if v != "DELETE"}
    return f"[scrapers.{name}]\n" + "\n".join(f"{k} = {v}" for k, v in lines.items()) + "\n"


def error_of(text: str, path: str = "/conf/scrapers.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, path, env={})
    message = str(info.value)
    assert "\n" not in message
    return info.value


# -- defaults ---------------------------------------------------------------

SETTINGS_DEFAULTS = {
    "database": "scraper.db", "concurrency": 16, "per_host_concurrency": 8, "timeout": 30,
    "connect_timeout": 10, "retries": 3, "backoff": 0.5, "max_retry_after": 60, "obey_robots": True,
    "user_agent": "scraper-tui/0.1", "max_response_bytes": 10_000_000, "max_runs": 4,
    "retention_days": 90, "page_size": 20, "batch_size": 500, "flush_interval": 2.0,
    "stats_ttl": 300, "config_ttl": 3600, "rss_limit_mb": 1024,
}  # fmt: skip
ALERT_DEFAULTS = {
    "api_request": 2.0, "db_query": 1.0, "batch_insert": 5.0, "scraper_run": 600.0,
    "jobs_drop_ratio": 0.5, "error_rate": 0.10, "coverage_drop_points": 30, "no_progress_seconds": 120,
}  # fmt: skip


@pytest.mark.parametrize(("key", "value"), SETTINGS_DEFAULTS.items())
def test_every_setting_has_its_default(key: str, value: object) -> None:
    assert getattr(Settings(), key) == value


@pytest.mark.parametrize(("key", "value"), ALERT_DEFAULTS.items())
def test_every_alert_threshold_has_its_default(key: str, value: object) -> None:
    assert getattr(Settings().alerts, key) == value
    assert getattr(AlertSettings(), key) == value


def test_settings_fields_are_all_documented() -> None:
    for model in (Settings, AlertSettings, ScraperConfig):
        undocumented = [name for name, info in model.model_fields.items() if not info.description]
        assert undocumented == []


def test_scraper_defaults() -> None:
    config = parse_config(scraper_toml(""), env={})
    scraper = config.scraper("hidden")
    assert scraper.source == "hidden"
    assert scraper.enabled is True
    assert (scraper.max_pages, scraper.max_jobs, scraper.delay) == (50, 1000, 0.5)
    assert scraper.every is None and scraper.next_page is None and scraper.plugin is None


def test_no_file_anywhere_gives_defaults_and_no_scrapers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module, "default_config_path", lambda: tmp_path / "nothing" / "scrapers.toml")
    config = load_config(env={"SCRAPER_TUI_DB": str(tmp_path / "x.db")}, cwd=tmp_path)
    assert config.path is None
    assert config.scrapers == {}
    assert config.settings.concurrency == 16
    assert config.settings.database == str(tmp_path / "x.db")


def test_the_example_of_the_design_loads_in_file_order() -> None:
    config = parse_config(GOOD, "/conf/scrapers.toml", env={})
    assert list(config.scrapers) == ["signature", "hidden"]
    signature = config.scraper("signature")
    assert signature.every == timedelta(hours=6)
    assert signature.next_page == FieldSpec("a.next", "href")
    assert signature.fields["external_id"] == FieldSpec(None, "data-id")
    assert list(signature.fields) == ["title", "url", "external_id", "posted_at"]
    assert config.settings.concurrency == 4
    assert config.scraper("hidden").source == "hidden-board"
    assert [s.name for s in config.enabled_scrapers()] == ["signature"]


def test_a_scraper_dumps_to_data_that_loads_back() -> None:
    scraper = parse_config(GOOD, env={}).scraper("signature")
    dumped = scraper.model_dump(mode="json")
    assert dumped["every"] == "6h"
    assert dumped["fields"]["url"] == "a.apply@href"
    assert ScraperConfig.model_validate(dumped) == scraper


def test_unknown_scraper_names_the_known_ones() -> None:
    config = parse_config(GOOD, "/conf/scrapers.toml", env={})
    with pytest.raises(ConfigError) as info:
        config.scraper("nope")
    assert str(info.value) == "/conf/scrapers.toml: scrapers.nope: unknown scraper; known scrapers: signature, hidden"


# -- database path ----------------------------------------------------------


def test_default_database_is_in_the_user_data_dir_and_not_created(tmp_path: Path) -> None:
    path = default_database_path(env={})
    assert path.name == "scraper.db"
    assert "scraper-tui" in str(path)


def test_database_env_overrides_the_default_path(tmp_path: Path) -> None:
    assert default_database_path(env={"SCRAPER_TUI_DB": str(tmp_path / "a.db")}) == tmp_path / "a.db"


def test_relative_database_resolves_against_the_config_file(tmp_path: Path) -> None:
    config = parse_config('[settings]\ndatabase = "data/jobs.db"', tmp_path / "scrapers.toml", env={})
    assert config.settings.database == str(tmp_path / "data" / "jobs.db")


def test_database_url_is_kept_as_written(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://u@localhost/jobs"
    config = parse_config(f'[settings]\ndatabase = "{url}"', tmp_path / "scrapers.toml", env={})
    assert config.settings.database == url


def test_unset_database_is_the_default_path_not_the_config_dir(tmp_path: Path) -> None:
    config = parse_config("", tmp_path / "scrapers.toml", env={"SCRAPER_TUI_DB": str(tmp_path / "env.db")})
    assert config.settings.database == str(tmp_path / "env.db")


def test_database_env_wins_over_the_file(tmp_path: Path) -> None:
    config = parse_config('[settings]\ndatabase = "file.db"', tmp_path / "s.toml",
                          env={"SCRAPER_TUI_DB": str(tmp_path / "env.db")})  # fmt: skip
    assert config.settings.database == str(tmp_path / "env.db")


# -- where the file is found ------------------------------------------------


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A cwd, a user config file and two other files, all existing."""
    paths = {name: tmp_path / name / "scrapers.toml" for name in ("cli", "env", "cwd", "user")}
    for path in paths.values():
        path.parent.mkdir()
        path.write_text("")
    monkeypatch.setattr(config_module, "default_config_path", lambda: paths["user"])
    return paths


def test_cli_path_comes_first(places: dict[str, Path]) -> None:
    env = {"SCRAPER_TUI_CONFIG": str(places["env"])}
    assert resolve_config_path(places["cli"], env=env, cwd=places["cwd"].parent) == places["cli"]


def test_env_variable_comes_second(places: dict[str, Path]) -> None:
    env = {"SCRAPER_TUI_CONFIG": str(places["env"])}
    assert resolve_config_path(None, env=env, cwd=places["cwd"].parent) == places["env"]


def test_scrapers_toml_in_the_working_dir_comes_third(places: dict[str, Path]) -> None:
    assert resolve_config_path(None, env={}, cwd=places["cwd"].parent) == places["cwd"]


def test_user_config_dir_comes_last(places: dict[str, Path], tmp_path: Path) -> None:
    assert resolve_config_path(None, env={}, cwd=tmp_path) == places["user"]


def test_nothing_found_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module, "default_config_path", lambda: tmp_path / "no" / "scrapers.toml")
    assert resolve_config_path(None, env={}, cwd=tmp_path) is None


def test_relative_cli_path_is_relative_to_cwd(tmp_path: Path) -> None:
    assert resolve_config_path("conf/x.toml", env={}, cwd=tmp_path) == tmp_path / "conf" / "x.toml"


def test_load_config_reads_the_resolved_file(tmp_path: Path) -> None:
    (tmp_path / "scrapers.toml").write_text(GOOD)
    config = load_config(env={}, cwd=tmp_path)
    assert config.path == tmp_path / "scrapers.toml"
    assert list(config.scrapers) == ["signature", "hidden"]


def test_missing_named_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "gone.toml", env={})
    assert str(info.value) == f"{tmp_path / 'gone.toml'}: config file not found (named by --config)"


def test_missing_file_named_by_the_env_variable_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gone\.toml: config file not found \(named by \$SCRAPER_TUI_CONFIG\)"):
        load_config(env={"SCRAPER_TUI_CONFIG": str(tmp_path / "gone.toml")}, cwd=tmp_path)


def test_unreadable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^.*dir\.toml: cannot read"):
        (tmp_path / "dir.toml").mkdir()
        load_config(tmp_path / "dir.toml", env={})


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "scrapers.toml"
    path.write_text('[settings]\nconcurrency = 4\ntimeout = \n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value).startswith(f"{path}: line 3, column 11: invalid TOML: ")


# -- errors: one line with file, scraper, key -------------------------------


def test_wrong_type_names_file_scraper_and_key() -> None:
    err = error_of(scraper_toml('max_pages = "many"'))
    assert str(err) == '/conf/scrapers.toml: scrapers.hidden.max_pages: expected an integer, got "many"'
    assert (err.file, err.scraper, err.key) == ("/conf/scrapers.toml", "hidden", "scrapers.hidden.max_pages")


def test_missing_start_urls() -> None:
    err = error_of(scraper_toml("start_urls = DELETE"))
    assert str(err) == (
        "/conf/scrapers.toml: scrapers.hidden.start_urls: missing; expected a list of http or https URLs"
    )


def test_empty_start_urls() -> None:
    assert "scrapers.hidden.start_urls: expected a list of http or https URLs, got an empty list" in str(
        error_of(scraper_toml("start_urls = []"))
    )


def test_start_url_must_be_http() -> None:
    err = error_of(scraper_toml('start_urls = ["https://ok.org/", "ftp://x.org/"]'))
    assert 'scrapers.hidden.start_urls[1]: expected an http or https URL, got "ftp://x.org/"' in str(err)


def test_unknown_key_in_a_scraper_suggests_the_near_one() -> None:
    err = error_of(scraper_toml("max_page = 3"))
    assert str(err) == '/conf/scrapers.toml: scrapers.hidden.max_page: unknown key; did you mean "max_pages"?'


def test_unknown_key_in_settings() -> None:
    err = error_of("[settings]\nfrobnicate = 1\n")
    assert str(err).startswith("/conf/scrapers.toml: settings.frobnicate: unknown key; expected one of: database,")


def test_unknown_key_in_alert_settings() -> None:
    assert "settings.alerts.error_rat: unknown key" in str(error_of("[settings.alerts]\nerror_rat = 0.2\n"))


def test_unknown_top_level_table() -> None:
    assert "scraper: unknown key" in str(error_of("[scraper.x]\nitem = 'li'\n"))


def test_reserved_field_name_is_an_unknown_key() -> None:
    err = error_of(scraper_toml('fields = { title = "h2", url = "a@href", content_hash = "b" }'))
    assert "scrapers.hidden.fields.content_hash: unknown key;" in str(err)


def test_field_given_as_a_table_is_an_error() -> None:
    err = error_of(scraper_toml('fields = { title = { css = "h2" }, url = "a@href" }'))
    assert 'scrapers.hidden.fields.title: expected a field such as "h2", "a@href" or "@data-id", got a table' in str(err)


def test_name_inside_the_table_is_refused() -> None:
    assert "scrapers.hidden.name: unknown key" in str(error_of(scraper_toml('name = "other"')))


def test_missing_title_field_suggests_a_typo() -> None:
    err = error_of(scraper_toml('fields = { titel = "h2", url = "a@href" }'))
    assert 'scrapers.hidden.fields.title: missing; expected a field such as "h2" or "a@href"; found "titel"' in str(err)


def test_missing_url_field() -> None:
    assert "scrapers.hidden.fields.url: missing" in str(error_of(scraper_toml('fields = { title = "h2" }')))


def test_missing_item_selector() -> None:
    assert "scrapers.hidden.item: missing; expected a CSS selector" in str(error_of(scraper_toml("item = DELETE")))


@pytest.mark.parametrize("selector", ["div[", "a::", "h2 >", ""])
def test_malformed_field_selector(selector: str) -> None:
    err = error_of(scraper_toml(f'fields = {{ title = "{selector}", url = "a@href" }}'))
    assert "/conf/scrapers.toml: scrapers.hidden.fields.title: expected" in str(err)


def test_malformed_item_selector_with_scrapy_habit_gets_a_hint() -> None:
    err = error_of(scraper_toml('item = "li::text"'))
    assert 'scrapers.hidden.item: expected a CSS selector, got "li::text" (pseudo-elements' in str(err)


def test_next_page_needs_a_selector() -> None:
    assert "scrapers.hidden.next_page: expected a CSS selector" in str(error_of(scraper_toml('next_page = "@href"')))


@pytest.mark.parametrize(
    ("plugin", "expected"),
    [
        ('"not a path"', 'expected "package.module:Class", got "not a path"'),
        ('"json.decoder"', 'expected "package.module:Class", got "json.decoder"'),
        ('"no_such_pkg_xyz.mod:Thing"', 'cannot import module "no_such_pkg_xyz.mod": ModuleNotFoundError'),
        ('"json:NoSuchThing"', 'module "json" has no attribute "NoSuchThing"'),
    ],
)
def test_bad_plugin_path(plugin: str, expected: str) -> None:
    err = error_of(scraper_toml(f"plugin = {plugin}\nitem = DELETE\nfields = DELETE"))
    assert f"/conf/scrapers.toml: scrapers.hidden.plugin: {expected}" in str(err)


def test_plugin_that_raises_on_import_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken_plugin_mod.py").write_text("raise RuntimeError('boom\\nsecond line')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    err = error_of(scraper_toml('plugin = "broken_plugin_mod:X"'))
    assert 'cannot import module "broken_plugin_mod": RuntimeError: boom second line' in str(err)
    sys.modules.pop("broken_plugin_mod", None)


def test_plugin_scraper_needs_no_item_or_fields() -> None:
    config = parse_config(scraper_toml('plugin = "json:JSONDecoder"\nitem = DELETE\nfields = DELETE'), env={})
    assert config.scraper("hidden").plugin == "json:JSONDecoder"


@pytest.mark.parametrize("every", ['"6 hours"', '"h6"', '"1m1h"', '"0s"', '""', "6"])
def test_bad_every(every: str) -> None:
    assert "scrapers.hidden.every: expected a duration" in str(error_of(scraper_toml(f"every = {every}")))


@pytest.mark.parametrize(
    ("text", "value"),
    [("30s", timedelta(seconds=30)), ("15m", timedelta(minutes=15)), ("6h", timedelta(hours=6)),
     ("1d", timedelta(days=1)), ("1h30m", timedelta(hours=1, minutes=30))],
)  # fmt: skip
def test_every_durations(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value
    assert format_duration(value) == text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("concurrency = 0", "settings.concurrency: expected a value above 0, got 0"),
        ("retries = -1", "settings.retries: expected a value at least 0, got -1"),
        ("page_size = 500", "settings.page_size: expected a value at most 200, got 500"),
        ("timeout = \"30\"", 'settings.timeout: expected a number, got "30"'),
        ("timeout = inf", "settings.timeout: expected a finite number, got inf"),
        ("obey_robots = \"yes\"", 'settings.obey_robots: expected true or false, got "yes"'),
        ("concurrency = 2.5", "settings.concurrency: expected an integer, got 2.5"),
        ("concurrency = true", "settings.concurrency: expected an integer, got true"),
        ("alerts = 3", "settings.alerts: expected a table, got 3"),
    ],
)
def test_bad_settings_values(line: str, message: str) -> None:
    assert str(error_of(f"[settings]\n{line}\n")) == f"/conf/scrapers.toml: {message}"


def test_several_errors_show_the_first_and_count_the_rest() -> None:
    err = error_of("[settings]\nconcurrency = 0\nretries = -1\n" + scraper_toml('max_pages = "x"'))
    assert str(err).endswith("settings.concurrency: expected a value above 0, got 0 (and 2 more errors)")
    assert len(err.errors) == 3
    assert err.errors[2] == '/conf/scrapers.toml: scrapers.hidden.max_pages: expected an integer, got "x"'


def test_scraper_name_that_needs_quotes_is_quoted_in_errors() -> None:
    err = error_of('[scrapers."my site"]\nstart_urls = ["https://x.org"]\n')
    assert str(err).startswith('/conf/scrapers.toml: scrapers."my site": bad scraper name')


def test_control_characters_in_values_stay_on_one_line() -> None:
    err = error_of(scraper_toml('max_pages = "a\\nb\\u001b"'))
    assert "\n" not in str(err) and "\x1b" not in str(err)


def test_errors_from_strings_name_the_placeholder() -> None:
    with pytest.raises(ConfigError, match=r"^<string>: settings\.retries: "):
        parse_config("[settings]\nretries = 'x'\n")


def test_config_error_is_catchable_as_exception() -> None:
    assert issubclass(ConfigError, Exception)
    assert isinstance(Config().settings, Settings)


# -- FieldSpec --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("h2", FieldSpec("h2", None)),
        (" h2.title ", FieldSpec("h2.title", None)),
        ("a.apply@href", FieldSpec("a.apply", "href")),
        ("@data-id", FieldSpec(None, "data-id")),
        ("@Data-ID", FieldSpec(None, "data-id")),
        ("time@datetime", FieldSpec("time", "datetime")),
        ('a[href*="@"]', FieldSpec('a[href*="@"]', None)),
        ('a[href*="@"]@href', FieldSpec('a[href*="@"]', "href")),
        ("a[data-x='a@b'] span@title", FieldSpec("a[data-x='a@b'] span", "title")),
        ('div:has(a[href^="mailto:x@y"])@data-id', FieldSpec('div:has(a[href^="mailto:x@y"])', "data-id")),
    ],
)
def test_field_spec_parse(text: str, spec: FieldSpec) -> None:
    assert FieldSpec.parse(text) == spec


@pytest.mark.parametrize("text", ["h2", "a.apply@href", "@data-id", 'a[href*="@"]@href'])
def test_field_spec_str_round_trips(text: str) -> None:
    assert str(FieldSpec.parse(text)) == text


@pytest.mark.parametrize("text", ["", "  ", "a@", "@", "a@ b c", "div[", "a::", "a@href@"])
def test_field_spec_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        FieldSpec.parse(text)
