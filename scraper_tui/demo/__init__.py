"""The embedded demo job board and its scraper config.

`DemoBoard` serves three sources (signature, flygosh, indigo) on 127.0.0.1 and
a free port, with deterministic postings, a robots.txt, switchable faults and a
record of every request. `demo_config_text(board.url)` is the matching
scrapers config. Nothing here imports the rest of scraper_tui.

    async with DemoBoard() as board:
        config = demo_config_text(board.url)
        board.faults.error("/signature/jobs?page=2", 503, times=2)
        ...
        assert board.request_count("/indigo/archive") == 0
"""

from __future__ import annotations

from pathlib import Path

from .board import START_PATHS, DemoBoard, ServedRequest
from .faults import Fault, Faults
from .postings import DEFAULT_POSTINGS, DEFAULT_SEED, PAGE_SIZES, SOURCES, Posting, generate_postings

__all__ = [
    "BOARD_TOKEN",
    "DEFAULT_POSTINGS",
    "DEFAULT_SEED",
    "DEMO_CONFIG_PATH",
    "PAGE_SIZES",
    "SOURCES",
    "START_PATHS",
    "DemoBoard",
    "Fault",
    "Faults",
    "Posting",
    "ServedRequest",
    "demo_config_text",
    "generate_postings",
    "write_demo_config",
]

DEMO_CONFIG_PATH = Path(__file__).with_name("scrapers.toml")
"""The demo config as shipped, with `{board}` in place of the board's URL."""

BOARD_TOKEN = "{board}"


def demo_config_text(board_url: str) -> str:
    """The demo config with `{board}` replaced by `board_url` (e.g. `board.url`)."""
    return DEMO_CONFIG_PATH.read_text(encoding="utf-8").replace(BOARD_TOKEN, board_url.rstrip("/"))


def write_demo_config(path: str | Path, board_url: str) -> Path:
    """Write `demo_config_text(board_url)` to `path` and return it as a Path."""
    target = Path(path)
    target.write_text(demo_config_text(board_url), encoding="utf-8")
    return target
