"""Opening the database: schema, pragmas, and refusing what must not be touched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper_tui.store import SCHEMA_VERSION, Store, StoreError


def _snapshot(path: Path) -> tuple[bytes, float]:
    return path.read_bytes(), path.stat().st_mtime


async def test_new_database_gets_schema_version_and_tables(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"run", "job", "scraped_url", "scraper", "run_log", "alert", "run_counter", "source_counter"} <= tables


async def test_connections_use_wal_normal_sync_busy_timeout_and_foreign_keys(store: Store) -> None:
    async with store.read() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 1000
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1


async def test_history_and_upsert_queries_use_indexes(store: Store) -> None:
    async with store.read() as conn:
        plan = (
            await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM run WHERE (started_at, id) <= ('2026', 5) "
                "ORDER BY started_at DESC, id DESC LIMIT 20"
            )
        ).all()
        assert "ix_run_started" in " ".join(str(row) for row in plan)
        plan = (
            await conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT id FROM job WHERE source = 'a' AND external_id IN ('1', '2')")
        ).all()
        assert "uq_job_source_external_id" in " ".join(str(row) for row in plan) or "sqlite_autoindex_job" in " ".join(
            str(row) for row in plan
        )


async def test_reopening_keeps_data(db_path: Path) -> None:
    store = await Store.open(db_path)
    async with store.write() as conn:
        await conn.exec_driver_sql("INSERT INTO source_counter (source, jobs, removed) VALUES ('a', 3, 0)")
    await store.close()
    store = await Store.open(db_path)
    async with store.read() as conn:
        assert (await conn.exec_driver_sql("SELECT jobs FROM source_counter")).scalar() == 3
    await store.close()


async def test_missing_directory_is_refused_naming_the_path(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "scraper.db"
    with pytest.raises(StoreError) as err:
        await Store.open(target)
    assert str(target) in str(err.value) and "does not exist" in str(err.value)
    assert not (tmp_path / "nowhere").exists()


async def test_unwritable_directory_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        probe = locked / "probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:  # root ignores permissions: nothing to test here
            probe.unlink()
            pytest.skip("running as a user that can write anywhere")
        with pytest.raises(StoreError, match="cannot create"):
            await Store.open(locked / "scraper.db")
    finally:
        locked.chmod(0o700)


async def test_a_file_that_is_not_sqlite_is_refused_and_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "notes.db"
    target.write_text("these are my notes, not a database\n")
    before = _snapshot(target)
    with pytest.raises(StoreError) as err:
        await Store.open(target)
    assert str(target) in str(err.value) and "not a SQLite database" in str(err.value)
    assert "\n" not in str(err.value)
    assert _snapshot(target) == before
    assert not (tmp_path / "notes.db-wal").exists()


async def test_a_newer_schema_version_is_refused_and_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "future.db"
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE run (id INTEGER PRIMARY KEY)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = _snapshot(target)
    with pytest.raises(StoreError) as err:
        await Store.open(target)
    message = str(err.value)
    assert str(target) in message and "newer" in message and str(SCHEMA_VERSION + 1) in message
    assert _snapshot(target) == before


async def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="another program"):
        await Store.open(target)


async def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="directory"):
        await Store.open(tmp_path)


async def test_data_version_moves_when_another_connection_commits(store: Store, db_path: Path) -> None:
    before = store.data_version()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO source_counter (source, jobs, removed) VALUES ('x', 1, 0)")
    assert store.data_version() != before
