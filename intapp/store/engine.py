"""The one engine, short sessions, and migrations.

SQLite (the default) is tuned for a single-file store shared by a few processes:
WAL, `synchronous=FULL`, foreign keys on, and write transactions that begin
IMMEDIATE so a second writer waits (up to `SQLITE_BUSY_SECONDS`) instead of failing
with "database is locked" half-way through a transaction. A file this user cannot
write (or in a folder they cannot write) is opened read-only: reading works, and a
write is refused with `ReadOnlyStore` before it starts.

PostgreSQL connections get a connect timeout, TCP keepalives and a statement timeout
(`store.postgres`), so a stalled server or network is reported instead of hanging.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from intapp import paths
from intapp.store import postgres
from intapp.store.errors import read_only
from intapp.store.sqlite_reader import (
    SQLITE_BUSY_SECONDS,
    chosen_url,
    connect_read_only,
    sqlite_path,
)

# The execution option that marks reads, which begin without taking the write lock.
_READ_ONLY = "intapp_read_only"


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the one given, else `INTAPP_DATABASE_URL`, else the default file."""
    url = chosen_url(url)
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        # psycopg 3 is the driver we install; plain postgresql:// would ask for psycopg2.
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def describe_url(url: str) -> str:
    """The URL with any password hidden, for showing to people."""
    return make_url(url).render_as_string(hide_password=True)


def _tune_sqlite(engine: Engine, *, writable: bool, path: Path) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if writable:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get(_READ_ONLY, False)
        if not (reading or writable):
            raise read_only(f"The database {path}")
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def sqlite_writable(path: Path) -> bool:
    """Whether this user may write `path` and its folder (SQLite writes its journal
    beside the file); a missing file counts as writable, since it is about to be made."""
    if not path.exists():
        return True
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def create_db_engine(url: str | None = None) -> Engine:
    """Build the engine for `url` (see `resolve_url`), creating a private SQLite file."""
    url = resolve_url(url)
    path = sqlite_path(url)
    if path is not None:
        writable = sqlite_writable(path)
        if writable:
            paths.create_private_file(path)
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        else:
            engine = create_engine(url, creator=lambda: connect_read_only(path))
        _tune_sqlite(engine, writable=writable, path=path)
        return engine
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args=postgres.connect_args(parsed.query, host=parsed.host),
        )
        postgres.supply_passwords(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for a URL."""
    return create_db_engine(url)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A write session: commits on success, rolls back on any error, always closes."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only session that never takes SQLite's write lock."""
    with Session(engine.execution_options(**{_READ_ONLY: True})) as session:
        yield session


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load, have PostgreSQL re-read its tables' statistics at once, instead
    of planning with those of the empty tables until autovacuum next looks. Row-level
    security's per-row checks depend on good plans: on a freshly loaded 200,000-person
    city a record opened 20 times slower before this. Tables the login does not own are
    skipped by the server; SQLite plans well enough without."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


@contextmanager
def big_sqlite_cache(connection: Connection, kib: int = 128 * 1024) -> Iterator[None]:
    """A bigger SQLite page cache for a bulk load, so the growing indexes stay in memory."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{kib}")
    restore = f"PRAGMA cache_size = {int(before or -2000)}"
    try:
        yield
    except BaseException:
        # Ctrl-C or an error mid-statement can leave the connection invalidated, to be
        # thrown away; using it again would raise PendingRollbackError in place of the
        # real cause. A connection on its way out needs no setting restored.
        if not connection.invalidated:
            with suppress(SQLAlchemyError):
                connection.exec_driver_sql(restore)
        raise
    connection.exec_driver_sql(restore)
