"""`ConfigError` and the one-line messages it carries.

Pydantic's errors are translated here into `<key>: expected ..., got ...`
lines, with values shown as the user wrote them in TOML and keys in the
user's own spelling.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import date, datetime, time
from pathlib import Path

from pydantic import BaseModel, ValidationError


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


# -- pydantic errors as one-line messages ------------------------------------

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
