"""Reading the SQLite store with the standard library, before SQLAlchemy has loaded.

SQLAlchemy and SQLModel take about half a second to import: longer than a small Textual
app takes to start. The dashboard's counts and the referral queue are the first things a
coordinator sees, so on the embedded SQLite store they are read through `sqlite3`
directly (see `services.plain_sql`) while the data layer loads. Nothing else reads this
way, and nothing writes this way.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from intapp import paths
from intapp.store.migrate import head_revision

DATABASE_URL_ENV = "INTAPP_DATABASE_URL"
SQLITE_BUSY_SECONDS = 30
_SQLITE_URL = re.compile(r"^sqlite(?:\+\w+)?://(?:/(?P<path>[^?]*))?")


def chosen_url(url: str | None = None) -> str:
    """The URL to use: the one given, else `INTAPP_DATABASE_URL`, else the default file."""
    return url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{paths.default_database_path()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    match = _SQLITE_URL.match(url)
    if match is None or match["path"] in (None, "", ":memory:"):
        return None
    return Path(match["path"])


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read `path`, even where its folder cannot be written.

    A WAL-mode file in a folder this user may not write to (with no shared-memory file
    beside it) can only be opened as immutable: SQLite cannot create that file there.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal_files = all(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))
    if not (os.access(path.parent, os.W_OK) or wal_files):
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_SECONDS, check_same_thread=False)


def connect_if_current(url: str | None) -> sqlite3.Connection | None:
    """A connection to an existing SQLite store whose schema is the one this version ships.

    None for PostgreSQL, a missing file, or a schema that is older or newer: those go
    through the data layer, which creates or migrates the store.
    """
    path = sqlite_path(chosen_url(url))
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw",
            uri=True,
            timeout=SQLITE_BUSY_SECONDS,
            isolation_level=None,
        )
    except sqlite3.Error:
        return None
    try:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except (sqlite3.Error, TypeError):
        revision = None
    if revision is None or revision != head_revision():
        connection.close()
        return None
    return connection
