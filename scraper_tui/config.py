"""Settings and scraper definitions from a TOML file, validated.

The file format is DESIGN.md's "Scraper definitions (TOML)": a `[settings]`
table and one `[scrapers.NAME]` table per scraper. Every setting has a
default, so no file at all is a valid configuration (defaults, no scrapers).

Everything a user can get wrong comes back as one `ConfigError` whose text
is a single line naming the file, the key in the user's own spelling and
what was expected::

    scrapers.toml: scrapers.hidden.max_pages: expected an integer, got "many"

Unknown keys are errors, never ignored: a typo must not silently fall back
to a default. This module imports nothing from `scraper_tui`; selectolax is
imported lazily, only when a selector has to be checked.
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

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

APP_NAME = "scraper-tui"
CONFIG_FILENAME = "scrapers.toml"
CONFIG_ENV = "SCRAPER_TUI_CONFIG"
DB_ENV = "SCRAPER_TUI_DB"


class ConfigError(Exception):
    """A configuration the user must fix; `str(err)` is one line.

    The line reads `<file>: <key>: <problem>`, where key is the dotted TOML
    path as the user spelled it (`scrapers.hidden.max_pages`). `errors` holds
    every problem found, as lines of the same form; the message shows the
    first and how many more there are.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        scraper: str | None = None,
        errors: list[str] | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.scraper = scraper
        self.problem = _one_line(problem)
        line = ": ".join(p for p in (self.file, key, self.problem) if p)
        self.errors = errors or [line]
        if len(self.errors) > 1:
            more = len(self.errors) - 1
            line += f" (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(line)


# -- paths ------------------------------------------------------------------


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
    for candidate in (cwd / CONFIG_FILENAME, default_config_path()):
        if candidate.is_file():
            return candidate, ""
    return None, ""


# -- durations --------------------------------------------------------------

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_DURATION_EXAMPLES = '"30s", "15m", "6h", "1d" or "1h30m"'


def parse_duration(text: str) -> timedelta:
    """`"30s"`, `"15m"`, `"6h"`, `"1d"`, `"1h30m"` to a timedelta; units in
    the order d, h, m, s. Raises ValueError for anything else or zero."""
    match = _DURATION.fullmatch(text.strip().lower().replace(" ", ""))
    if not text.strip() or match is None:
        raise ValueError(f"expected a duration such as {_DURATION_EXAMPLES}, got {_show(text)}")
    d, h, m, s = (int(g or 0) for g in match.groups())
    value = timedelta(days=d, hours=h, minutes=m, seconds=s)
    if not value:
        raise ValueError(f"expected a duration above zero, got {_show(text)}")
    return value


def format_duration(value: timedelta) -> str:
    """The inverse of `parse_duration`: `timedelta(hours=1, minutes=30)` is `"1h30m"`."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


# -- field selectors --------------------------------------------------------

_ATTR_NAME = re.compile(r"[^\s\"'<>/=@\[\]]+")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Where a field's value is on the page, relative to one item element.

    `css` only: the matched element's text. `css` and `attr`: that
    element's attribute. `attr` only: an attribute of the item element
    itself. Written `h2`, `a.apply@href`, `@data-id`; `str()` gives that
    text back.
    """

    css: str | None = None
    """CSS selector, matched inside the item element; None is the item itself."""
    attr: str | None = None
    """Attribute name (lower case); None means the element's text."""

    @classmethod
    def parse(cls, text: str) -> FieldSpec:
        """Parse `css`, `css@attr` or `@attr`. The `@` that separates is the
        last one outside brackets, parentheses and quotes, so
        `a[href*="@"]@href` works. Raises ValueError with a one-line
        message for an empty text, a bad attribute name or a CSS selector
        selectolax cannot parse."""
        if not isinstance(text, str):
            raise ValueError(f'expected a field such as "h2", "a@href" or "@data-id", got {_show(text)}')
        at = _split_at(text)
        css = (text if at < 0 else text[:at]).strip() or None
        attr = None if at < 0 else text[at + 1 :].strip()
        if attr is not None and not _ATTR_NAME.fullmatch(attr):
            raise ValueError(f"expected an attribute name after @, got {_show(text)}")
        if css is None and attr is None:
            raise ValueError('expected a field such as "h2", "a@href" or "@data-id", got ""')
        if css is not None:
            check_selector(css)
        return cls(css, attr.lower() if attr else None)

    def __str__(self) -> str:
        return (self.css or "") + (f"@{self.attr}" if self.attr else "")


def _split_at(text: str) -> int:
    """Index of the last `@` outside [], () and quotes, or -1."""
    depth, quote, escaped, found = 0, "", False, -1
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        elif ch == "@" and depth == 0:
            found = i
    return found


_EMPTY_DOC: Any = None


def check_selector(css: str) -> None:
    """Raise ValueError unless selectolax (Lexbor) can parse `css`."""
    global _EMPTY_DOC
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    if _EMPTY_DOC is None:
        _EMPTY_DOC = LexborHTMLParser("")
    try:
        _EMPTY_DOC.css(css)
    except SelectolaxError:
        hint = ""
        if "::" in css:  # Scrapy habits: h2::text, a::attr(href)
            hint = ' (pseudo-elements such as ::text are not supported: write "h2" for text, "a@href" for an attribute)'
        raise ValueError(f"expected a CSS selector, got {_show(css)}{hint}") from None


def _field_spec(value: object) -> FieldSpec:
    return value if isinstance(value, FieldSpec) else FieldSpec.parse(value)  # type: ignore[arg-type]


def _next_page_spec(value: object) -> FieldSpec | None:
    if value is None:
        return None
    spec = _field_spec(value)
    if spec.css is None:
        raise ValueError(f'expected a CSS selector such as "a.next" or "a.next@href", got {_show(value)}')
    return spec


def _item_selector(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a CSS selector, got {_show(value)}")
    check_selector(value.strip())
    return value.strip()


def _every(value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as {_DURATION_EXAMPLES}, got {_show(value)}")
    return parse_duration(value)


def _http_url(value: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http or https URL, got {_show(value)}")
    return value


def load_plugin(spec: str) -> Any:
    """Import `"package.module:Class"` and return the attribute. Raises
    ValueError with a one-line message when the text is malformed, the
    module does not import or lacks the attribute."""
    if not isinstance(spec, str) or not _PLUGIN.fullmatch(spec.strip()):
        raise ValueError(f'expected "package.module:Class", got {_show(spec)}')
    module_name, _, attr_path = spec.strip().partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # a plugin's import may fail in any way
        raise ValueError(f"cannot import module {_show(module_name)}: {type(exc).__name__}: {exc}") from None
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"module {_show(module_name)} has no attribute {_show(attr_path)}")
        obj = getattr(obj, part)
    return obj


_IDENT = r"[A-Za-z_]\w*"
_PLUGIN = re.compile(rf"{_IDENT}(?:\.{_IDENT})*:{_IDENT}(?:\.{_IDENT})*")
_SCRAPER_NAME = re.compile(r"\w[\w-]*")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Columns the store fills itself; a field of that name would clash with them.
_RESERVED_FIELDS = frozenset(
    {"id", "source", "data", "content_hash", "first_seen_at", "last_seen_at",
     "first_run_id", "last_run_id", "removed_at", "run_id", "job_id", "status_code", "fetched_at"}
)  # fmt: skip


def _field_name(name: str) -> str:
    if not _FIELD_NAME.fullmatch(name):
        raise PydanticCustomError("field_name", "unknown key; expected a field name of letters, digits and _")
    if name in _RESERVED_FIELDS:
        raise PydanticCustomError(
            "field_name", "unknown key; {name} is reserved for the store, choose another field name",
            {"name": json.dumps(name)},
        )  # fmt: skip
    return name


FieldSpecValue = Annotated[FieldSpec, PlainValidator(_field_spec), PlainSerializer(str)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


# -- models -----------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, use_attribute_docstrings=True)


class AlertSettings(BaseModel):
    """Thresholds of the alert rules (`[settings.alerts]`)."""

    model_config = _STRICT

    api_request: float = Field(2.0, gt=0)
    """Seconds before an API request counts as slow."""
    db_query: float = Field(1.0, gt=0)
    """Seconds before a database query counts as slow."""
    batch_insert: float = Field(5.0, gt=0)
    """Seconds before a batch write counts as slow."""
    scraper_run: float = Field(600.0, gt=0)
    """Seconds before a run counts as too long."""
    jobs_drop_ratio: float = Field(0.5, ge=0, le=1)
    """Alert when jobs found fall below this share of the median of the last 5 completed runs."""
    error_rate: float = Field(0.10, ge=0, le=1)
    """Alert when this share of a run's requests failed (0..1)."""
    coverage_drop_points: float = Field(30, ge=0, le=100)
    """Alert when a field's coverage drops this many percentage points below its median of the last 5 runs."""
    no_progress_seconds: float = Field(120.0, gt=0)
    """Alert when a running scraper made no progress for this many seconds."""


class Settings(BaseModel):
    """The `[settings]` table. Every key has a default."""

    model_config = _STRICT

    database: str = Field("scraper.db", min_length=1)
    """SQLite file or database URL (anything with `://`). `Config` resolves it: a
    relative path against the config file's directory; when the file names
    none, `default_database_path()` (user data dir or `$SCRAPER_TUI_DB`)."""
    concurrency: int = Field(16, gt=0)
    """Requests in flight, all hosts together."""
    per_host_concurrency: int = Field(8, gt=0)
    """Requests in flight to one host."""
    timeout: float = Field(30, gt=0)
    """Read timeout of one request, seconds."""
    connect_timeout: float = Field(10, gt=0)
    """Connect timeout of one request, seconds."""
    retries: int = Field(3, ge=0)
    """Retries on timeouts, connection errors, 429 and 5xx; 0 disables them."""
    backoff: float = Field(0.5, ge=0)
    """Base of the exponential backoff between retries, seconds (jitter added)."""
    max_retry_after: float = Field(60, ge=0)
    """Longest Retry-After honoured, seconds; longer ones are capped to this."""
    obey_robots: bool = True
    """Obey robots.txt."""
    user_agent: str = Field("scraper-tui/0.1", min_length=1)
    """User-Agent header of every request."""
    max_response_bytes: int = Field(10_000_000, gt=0)
    """Larger responses are cut off and counted as errors."""
    max_runs: int = Field(4, gt=0)
    """Runs at once."""
    retention_days: int = Field(90, gt=0)
    """Runs, their logs and scraped URLs older than this are pruned (jobs stay)."""
    page_size: int = Field(20, gt=0, le=200)
    """Rows per history page."""
    batch_size: int = Field(100, gt=0)
    """Rows buffered before a batch write."""
    flush_interval: float = Field(2.0, gt=0)
    """Seconds between batch writes of a partly filled buffer."""
    stats_ttl: float = Field(300, gt=0)
    """Seconds the stats cache lives."""
    config_ttl: float = Field(3600, gt=0)
    """Seconds the per-scraper config cache lives."""
    rss_limit_mb: int = Field(1024, gt=0)
    """Alert when the process's resident memory exceeds this many MB."""
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """Alert thresholds, `[settings.alerts]`."""


class ScraperConfig(BaseModel):
    """One `[scrapers.NAME]` table: a declarative scraper, or a plugin."""

    model_config = _STRICT

    name: str = Field(pattern=_SCRAPER_NAME.pattern)
    """The table's key; not written inside the table."""
    source: str = Field(min_length=1)
    """Source label of the jobs found; defaults to the name."""
    enabled: bool = True
    """Disabled scrapers are neither scheduled nor run by `--run` without names."""
    start_urls: list[HttpUrl]
    """First pages, http or https; at least one."""
    max_pages: int = Field(50, gt=0)
    """Pages fetched per run at most."""
    max_jobs: int = Field(1000, gt=0)
    """Jobs collected per run at most."""
    delay: float = Field(0.5, ge=0)
    """Seconds between requests to one host."""
    every: Annotated[timedelta | None, PlainValidator(_every), PlainSerializer(
        lambda v: None if v is None else format_duration(v))] = None  # fmt: skip
    """Schedule: run this often ("30s", "15m", "6h", "1d", "1h30m"); None runs on demand only."""
    item: Annotated[str | None, PlainValidator(_item_selector)] = None
    """CSS selector with one match per job posting; required unless `plugin`."""
    next_page: Annotated[FieldSpec | None, PlainValidator(_next_page_spec), PlainSerializer(
        lambda v: None if v is None else str(v))] = None  # fmt: skip
    """Where the next page's URL is (field syntax; without @attr the href); None: one page."""
    fields: dict[Annotated[str, PlainValidator(_field_name)], FieldSpecValue] = Field(default_factory=dict)
    """Field name to field selector; `title` and `url` required unless `plugin`."""
    plugin: str | None = None
    """`"package.module:Class"` doing the extraction instead of `item`/`fields`."""

    @model_validator(mode="before")
    @classmethod
    def _source_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "source" not in data and "name" in data:
            data = {**data, "source": data["name"]}
        return data

    @field_validator("start_urls")
    @classmethod
    def _not_empty(cls, urls: list[str]) -> list[str]:
        if not urls:
            raise ValueError("expected a list of http or https URLs, got an empty list")
        return urls

    @field_validator("plugin")
    @classmethod
    def _plugin_imports(cls, spec: str | None) -> str | None:
        if spec is not None:
            load_plugin(spec)
            spec = spec.strip()
        return spec

    @model_validator(mode="after")
    def _declarative_needs_item_and_fields(self) -> ScraperConfig:
        if self.plugin is not None:
            return self
        if self.item is None:
            raise _missing("item", "a CSS selector with one match per job posting (or a plugin)")
        for name in ("title", "url"):
            if name not in self.fields:
                close = difflib.get_close_matches(name, list(self.fields), n=1)
                hint = f'; found {json.dumps(close[0])}, did you mean {json.dumps(name)}?' if close else ""
                raise _missing(f"fields.{name}", f'a field such as "h2" or "a@href"{hint}')
        return self


def _missing(key: str, expected: str) -> PydanticCustomError:
    return PydanticCustomError("missing_key", "missing; expected {expected}", {"expected": expected, "key": key})


@dataclass
class Config:
    """A loaded configuration: settings, scrapers in file order, the file."""

    settings: Settings = field(default_factory=Settings)
    scrapers: dict[str, ScraperConfig] = field(default_factory=dict)
    path: Path | None = None
    """The file read; None when there was none (defaults, no scrapers)."""

    def enabled_scrapers(self) -> list[ScraperConfig]:
        """Scrapers with `enabled = true`, in file order."""
        return [s for s in self.scrapers.values() if s.enabled]

    def scraper(self, name: str) -> ScraperConfig:
        """The scraper called `name`; ConfigError naming the known ones otherwise."""
        try:
            return self.scrapers[name]
        except KeyError:
            known = ", ".join(self.scrapers) or "none"
            raise ConfigError(f"unknown scraper; known scrapers: {known}", file=self.path,
                              key=f"scrapers.{_toml_key(name)}", scraper=name) from None  # fmt: skip


# -- loading ----------------------------------------------------------------


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


# -- messages ---------------------------------------------------------------

_EXPECTED = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "a string", "list_type": "a list", "dict_type": "a table",
    "model_type": "a table", "model_attributes_type": "a table",
}  # fmt: skip


def _explain(exc: ValidationError, model: type[BaseModel]) -> list[tuple[str, str]]:
    """Pydantic errors as (".key.path", "expected ..., got ...") pairs."""
    out = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        ctx = err.get("ctx") or {}
        kind, value = err["type"], err.get("input")
        loc = [p for p in loc if p != "[key]"]  # a dict key's own error
        if kind == "missing_key":
            loc += ctx["key"].split(".")
            problem = err["msg"]
        elif kind == "field_name":
            problem = err["msg"]
        elif kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            problem = _unknown_key(str(loc[-1]), list(owner.model_fields) if owner else [])
        elif kind == "missing":
            problem = "missing; expected " + _describe(model, loc)
        elif kind in _EXPECTED:
            problem = f"expected {_EXPECTED[kind]}, got {_show(value)}"
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            words = {"greater_than": "above", "greater_than_equal": "at least",
                     "less_than": "below", "less_than_equal": "at most"}[kind]  # fmt: skip
            limit = next(iter(ctx.values()))
            problem = f"expected a value {words} {limit}, got {_show(value)}"
        elif kind == "string_too_short":
            problem = f"expected a non-empty string, got {_show(value)}"
        elif kind == "string_pattern_mismatch":
            problem = f"expected letters, digits, - and _, got {_show(value)}"
        elif kind == "value_error":
            problem = str(ctx.get("error", err["msg"]))
        else:
            problem = f"{err['msg']}, got {_show(value)}"
        out.append(("".join(_loc_part(p) for p in loc), problem))
    return out


def _loc_part(part: str | int) -> str:
    return f"[{part}]" if isinstance(part, int) else f".{_toml_key(part)}"


def _model_at(model: type[BaseModel], loc: list[str | int]) -> type[BaseModel] | None:
    for part in loc:
        info = model.model_fields.get(str(part))
        annotation = info.annotation if info else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


_MISSING_HINTS = {"start_urls": "a list of http or https URLs"}


def _describe(model: type[BaseModel], loc: list[str | int]) -> str:
    if hint := _MISSING_HINTS.get(str(loc[-1])):
        return hint
    owner = _model_at(model, loc[:-1])
    info = owner.model_fields.get(str(loc[-1])) if owner else None
    if info and info.description:
        return info.description.split(";")[0].rstrip(".").lower()
    return "a value"


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
    if close:
        return f"unknown key; did you mean {json.dumps(close[0])}?"
    return "unknown key; expected one of: " + ", ".join(allowed)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _show(value: object) -> str:
    """A value as the user wrote it in TOML, short and on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value if len(value) <= 60 else value[:57] + "...", ensure_ascii=False)
        return text
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, (datetime, date, time)):
        return f"a date/time {value.isoformat()}"
    if value is None:
        return "nothing"
    return _one_line(repr(value))[:60]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
