"""Settings and scraper definitions from a TOML file, validated.

The file format is DESIGN.md's "Scraper definitions (TOML)": a `[settings]`
table and one `[scrapers.NAME]` table per scraper. Every setting has a
default, so no file at all is a valid configuration (defaults, no scrapers).

Everything a user can get wrong comes back as one `ConfigError` whose text
is a single line naming the file, the key in the user's own spelling and
what was expected::

    scrapers.toml: scrapers.hidden.max_pages: expected an integer, got "many"

Unknown keys are errors, never ignored: a typo must not silently fall back
to a default. This package imports nothing else from `scraper_tui`;
selectolax is imported lazily, only when a selector has to be checked.

The modules, one job each: `errors` (ConfigError, pydantic errors as one
line), `durations` ("1h30m"), `fields` (FieldSpec, `css@attr`, selector
checks), `plugins` (`"package.module:Class"`), `models` (the validated
tables), `paths` (where the files are) and `loading` (read and validate).
"""

from __future__ import annotations

from .durations import format_duration, parse_duration
from .errors import ConfigError
from .fields import FieldSpec
from .loading import load_config, parse_config
from .models import AlertSettings, Config, ScraperConfig, Settings
from .paths import default_config_path, default_database_path, resolve_config_path
from .plugins import load_plugin

__all__ = [
    "AlertSettings",
    "Config",
    "ConfigError",
    "FieldSpec",
    "ScraperConfig",
    "Settings",
    "default_config_path",
    "default_database_path",
    "format_duration",
    "load_config",
    "load_plugin",
    "parse_config",
    "parse_duration",
    "resolve_config_path",
]
