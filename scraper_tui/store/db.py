"""The database: engine, pragmas, schema creation and the version check.

Everything dialect-specific lives here, so that a PostgreSQL URL needs no
change elsewhere. For SQLite the file is checked with the standard library
before the engine touches it: a path that cannot be created, a file that is
not SQLite, a database of another program or of a newer schema is refused
with one line naming the path, and nothing is written.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from scraper_tui.store.models import SCHEMA_VERSION

_SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's write lock before giving up."""


P = ParamSpec("P")
T = TypeVar("T")


class StoreError(Exception):
    """A database that cannot be used; the message is one line for the user."""


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a path or a URL (anything with `://` is taken as a URL)."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite+aiosqlite:///{Path(text).expanduser().resolve()}"


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :]
    return None if rest in ("", ":memory:") else Path(rest)


def _check_sqlite_file(path: Path) -> bool:
    """Refuse what must not be opened; True when the schema still has to be created."""
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if not path.exists():
        if not path.parent.is_dir():
            raise StoreError(f"{path}: cannot create the database: directory {path.parent} does not exist")
        try:
            path.touch(exist_ok=False)
            path.unlink()
        except OSError as err:
            raise StoreError(f"{path}: cannot create the database: {err.strerror or err}") from None
        return True
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as err:
        raise StoreError(f"{path}: cannot read the database: {err.strerror or err}") from None
    if not header:
        return True
    if header != _SQLITE_HEADER:
        raise StoreError(f"{path}: not a SQLite database (use another --db path)")
    try:
        probe = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            version = probe.execute("PRAGMA user_version").fetchone()[0]
            tables = [row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            probe.close()
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{path}: cannot open the database: {err}") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer scraper-tui (schema {version}, this version knows {SCHEMA_VERSION}); "
            "upgrade scraper-tui or use another --db"
        )
    if version == 0 and tables:
        raise StoreError(f"{path}: a SQLite database of another program (tables: {', '.join(sorted(tables)[:5])})")
    return version == 0


def _install_sqlite_hooks(engine: Engine) -> None:
    """Pragmas on every connection, and explicit BEGIN so writers can ask for IMMEDIATE.

    pysqlite's own transaction handling is switched off (isolation_level None)
    and SQLAlchemy's begin event emits BEGIN itself. A writer that first reads
    and then writes inside a deferred transaction can fail with
    SQLITE_BUSY_SNAPSHOT when another process wrote in between, and
    busy_timeout does not help there; BEGIN IMMEDIATE takes the write lock up
    front and waits for it politely instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA temp_store=MEMORY",
            "PRAGMA cache_size=-16000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def _bind(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[Connection], T]:
    if not args and not kwargs:
        return fn
    return lambda connection: fn(connection, *args, **kwargs)


class _ThreadedSQLite:
    """A synchronous engine on the same file, used from two worker threads.

    Through aiosqlite every statement is a round trip to its thread (about
    0.25 ms here), so an answer made of five statements costs more than the
    budget for all of it. Here a whole unit of work (a stats answer, a
    history page, a batch flush) is one round trip: it runs on a worker
    thread against a plain sqlite3 connection. Reads and writes have a thread
    each, so a long write never holds up a read (WAL lets them overlap).
    """

    def __init__(self, path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
        _install_sqlite_hooks(self.engine)
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="store-read")
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="store-write")
        self._local = threading.local()
        self._connections: list[Connection] = []

    def run(self, fn: Callable[..., T], write: bool) -> T:
        """Run on a worker thread; each thread keeps its one connection open between units."""
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = self.engine.connect()
            if write:
                connection = connection.execution_options(write=True)
            self._local.connection = connection
            self._connections.append(connection)
        with connection.begin():
            return fn(connection)

    def close(self) -> None:
        self.reader.shutdown(wait=True)
        self.writer.shutdown(wait=True)
        for connection in self._connections:
            connection.close()
        self.engine.dispose()


class Store:
    """An open database: the engine, how to read and write, and where the file is.

    Open with `await Store.open(path_or_url)`; close with `await store.close()`.
    Units of work are plain functions of a SQLAlchemy `Connection`, run in one
    transaction by `run_read` or `run_write`; `read()` and `write()` give an
    async connection for anything else.
    """

    def __init__(self, engine: AsyncEngine, path: Path | None) -> None:
        self.engine = engine
        self.path = path
        """The SQLite file, or None for another database."""
        self._version_probe: sqlite3.Connection | None = None
        self._threaded = _ThreadedSQLite(path) if path is not None else None
    @classmethod
    async def open(cls, target: str | Path) -> Store:
        """Open (and if new, create) the database at a path or URL; raises StoreError."""
        url = database_url(target)
        path = _sqlite_path(url)
        create = True
        if path is not None:
            create = await asyncio.to_thread(_check_sqlite_file, path)
        engine = create_async_engine(url)
        if path is not None:
            _install_sqlite_hooks(engine.sync_engine)
        store = cls(engine, path)
        try:
            if create:
                await store._create_schema()
        except BaseException:
            await store.close()
            raise
        return store

    async def _create_schema(self) -> None:
        async with self.write() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
            if self.path is not None:
                await conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a read transaction: one consistent snapshot for several queries."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a write transaction that holds the write lock from its start."""
        async with self.engine.connect() as conn:
            await conn.execution_options(write=True)
            async with conn.begin():
                yield conn

    async def run_read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(connection, *args, **kwargs)` in one read transaction: one consistent snapshot."""
        return await self._run(_bind(fn, args, kwargs), write=False)

    async def run_write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(connection, *args, **kwargs)` in one write transaction: all of it or none of it.

        If the caller is cancelled the transaction still runs to its end on
        its thread; it is never left half done.
        """
        return await self._run(_bind(fn, args, kwargs), write=True)

    async def _run(self, fn: Callable[[Connection], T], write: bool) -> T:
        if self._threaded is not None:
            pool = self._threaded.writer if write else self._threaded.reader
            return await asyncio.get_running_loop().run_in_executor(pool, self._threaded.run, fn, write)
        async with self.write() if write else self.read() as conn:
            return await conn.run_sync(fn)

    def data_version(self) -> int | None:
        """A number that changes when any other connection commits to the file.

        A plain sqlite3 connection answers `PRAGMA data_version` in microseconds,
        so the cache can ask before every answer; None for non-SQLite stores,
        which then rely on their TTLs.
        """
        if self.path is None:
            return None
        if self._version_probe is None:
            self._version_probe = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        return self._version_probe.execute("PRAGMA data_version").fetchone()[0]

    def file_size(self) -> int:
        """Bytes on disk of the database and its write-ahead log."""
        if self.path is None:
            return 0
        total = 0
        for candidate in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                total += candidate.stat().st_size
            except OSError:
                pass
        return total

    async def close(self) -> None:
        if self._version_probe is not None:
            self._version_probe.close()
            self._version_probe = None
        if self._threaded is not None:
            await asyncio.to_thread(self._threaded.close)
            self._threaded = None
        await self.engine.dispose()
