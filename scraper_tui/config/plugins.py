"""Scrapers written in Python, named `"package.module:Class"`."""

from __future__ import annotations

import importlib
import re
from typing import Any

from .errors import _show

_IDENT = r"[A-Za-z_]\w*"
_PLUGIN = re.compile(rf"{_IDENT}(?:\.{_IDENT})*:{_IDENT}(?:\.{_IDENT})*")


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
