"""Where the config file and the database are: options, environment
variables and the user dirs of `platformdirs`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "scraper-tui"
CONFIG_FILENAME = "scrapers.toml"
CONFIG_ENV = "SCRAPER_TUI_CONFIG"
DB_ENV = "SCRAPER_TUI_DB"


def default_config_path() -> Path:
    """The user's config file (it may not exist); nothing is created."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / CONFIG_FILENAME


def default_database_path(env: Mapping[str, str] | None = None) -> Path:
    """The database used when the config names none: `$SCRAPER_TUI_DB`, else
    `scraper.db` in the user data dir. No directory is created here: the
    store creates the parent when it opens the file."""
    env = os.environ if env is None else env
    if value := env.get(DB_ENV, "").strip():
        return Path(value).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "scraper.db"


def resolve_config_path(
    cli_path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path | None:
    """Which config file to read: `--config FILE`, else `$SCRAPER_TUI_CONFIG`,
    else `./scrapers.toml`, else the user config dir's `scrapers.toml`.

    A file named by the option or the variable is returned even when it does
    not exist (loading it then fails loudly); the two fallbacks only when
    they exist. None means no file: defaults and no scrapers.
    """
    return _resolve(cli_path, env, cwd)[0]


def _resolve(
    cli_path: str | Path | None, env: Mapping[str, str] | None, cwd: Path | None
) -> tuple[Path | None, str]:
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if cli_path is not None and str(cli_path) != "":
        return cwd / Path(cli_path).expanduser(), "--config"
    if value := env.get(CONFIG_ENV, "").strip():
        return cwd / Path(value).expanduser(), f"${CONFIG_ENV}"
    # Read off the package when called, not bound at import: patching
    # `scraper_tui.config.default_config_path` (the tests do, to keep the real
    # user config dir out) must reach this lookup.
    from . import default_config_path as user_config_file

    for candidate in (cwd / CONFIG_FILENAME, user_config_file()):
        if candidate.is_file():
            return candidate, ""
    return None, ""
