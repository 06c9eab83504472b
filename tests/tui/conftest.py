"""Fixtures for the app: a deterministic sample database and apps on it.

The sample database is built once per session (through the store's record
functions and the batch buffer, clock frozen) and copied for each test, so a
test that writes never disturbs another. Apps opened here poll nothing and
sample nothing on their own (`interval=None`, `monitoring=False`) and stamp
`cached_at` with a fixed time: what a snapshot shows depends on the data
only. Snapshot tests are plain (sync) tests, because `snap_compare` runs the
app in an event loop of its own; the app therefore opens its service itself,
inside that loop, from the `opener` given here.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scraper_tui.tui.app import ScraperTUI
from tests.tui.sample_data import build_sample_database, open_sample_service


@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    asyncio.run(build_sample_database(path))
    return path


@pytest.fixture
def sample_db(sample_db_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the sample database for this test."""
    target = tmp_path / "sample.db"
    shutil.copyfile(sample_db_template, target)
    return target


@pytest.fixture
def make_app(sample_db: Path) -> Callable[..., ScraperTUI]:
    """`make_app(**options)`: an app on the sample database that opens its own service when it starts."""

    def make(**options: Any) -> ScraperTUI:
        options.setdefault("interval", None)
        options.setdefault("monitoring", False)
        return ScraperTUI(opener=lambda: open_sample_service(sample_db), **options)

    return make
