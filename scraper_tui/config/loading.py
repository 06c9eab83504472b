"""Reading and validating the config file: every problem found, reported together."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from .errors import ConfigError, _explain, _one_line, _show, _toml_key, _unknown_key
from .models import _SCRAPER_NAME, Config, ScraperConfig, Settings
from .paths import DB_ENV, _resolve, default_database_path


def load_config(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Config:
    """Find (see `resolve_config_path`), read and validate the config.

    Raises ConfigError for a missing named file, an unreadable file, a TOML
    syntax error (with line and column) and any invalid value.
    """
    found, how = _resolve(path, env, cwd)
    if found is None:
        return Config(settings=Settings(database=str(default_database_path(env))), path=None)
    try:
        text = found.read_text(encoding="utf-8")
    except FileNotFoundError:
        named = f" (named by {how})" if how else ""
        raise ConfigError(f"config file not found{named}", file=found) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})", file=found) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=found) from None
    return parse_config(text, found, env=env)


def parse_config(text: str, path: Path | str = "<string>", *, env: Mapping[str, str] | None = None) -> Config:
    """Validate TOML text; `path` names it in errors and anchors a relative
    `database`. The database is resolved: `$SCRAPER_TUI_DB` first, then the
    file's `database`, then `default_database_path()`."""
    is_file = str(path) != "<string>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        key = None
        if where:
            message = message[: where.start()]
            key = f"line {where[1]}, column {where[2]}"
        raise ConfigError(f"invalid TOML: {message}", file=path, key=key) from None

    errors: list[tuple[str, str | None, str]] = []  # (key, scraper, problem)
    for key in data:
        if key not in ("settings", "scrapers"):
            errors.append((_toml_key(key), None, _unknown_key(key, ["settings", "scrapers"])))

    settings = Settings()
    raw_settings = data.get("settings", {})
    if not isinstance(raw_settings, dict):
        errors.append(("settings", None, f"expected a table, got {_show(raw_settings)}"))
    else:
        try:
            settings = Settings.model_validate(raw_settings)
        except ValidationError as exc:
            errors += [("settings" + loc, None, problem) for loc, problem in _explain(exc, Settings)]

    scrapers: dict[str, ScraperConfig] = {}
    raw_scrapers = data.get("scrapers", {})
    if not isinstance(raw_scrapers, dict):
        errors.append(("scrapers", None, f"expected a table of scrapers, got {_show(raw_scrapers)}"))
        raw_scrapers = {}
    for name, table in raw_scrapers.items():
        prefix = f"scrapers.{_toml_key(name)}"
        if not isinstance(table, dict):
            errors.append((prefix, name, f"expected a table, got {_show(table)}"))
        elif "name" in table:
            errors.append((f"{prefix}.name", name, "unknown key: the scraper's name is its table's key"))
        elif not _SCRAPER_NAME.fullmatch(name):
            errors.append((prefix, name, "bad scraper name: expected letters, digits, - and _"))
        else:
            try:
                scrapers[name] = ScraperConfig.model_validate({"name": name, **table})
            except ValidationError as exc:
                errors += [(prefix + loc, name, problem) for loc, problem in _explain(exc, ScraperConfig)]

    if errors:
        lines = [_one_line(": ".join(p for p in (str(path), k, m) if p)) for k, _, m in errors]
        key, scraper, problem = errors[0]
        raise ConfigError(problem, file=path, key=key, scraper=scraper, errors=lines)

    env = os.environ if env is None else env
    if "database" in raw_settings and not env.get(DB_ENV, "").strip():
        database = _resolve_database(settings.database, Path(path).parent if is_file else Path.cwd())
    else:
        database = str(default_database_path(env))
    settings = settings.model_copy(update={"database": database})
    return Config(settings=settings, scrapers=scrapers, path=Path(path) if is_file else None)


def _resolve_database(value: str, base: Path) -> str:
    if "://" in value:  # a URL: the store's business
        return value
    return str((base / Path(value).expanduser()).absolute())
