"""Is the store sound? SQLite's own page checks, and what PostgreSQL can be asked.

`require_sound` runs before anything writes in bulk (import, restore, backup,
`db upgrade`), so a damaged file is found before more is written to it. It uses
`PRAGMA quick_check`, which reads every page but skips the index-to-table
cross-checks; `intapp db check` runs the full `PRAGMA integrity_check`.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from intapp.store.errors import DatabaseCorrupt, corrupt, storage_error_from
from intapp.store.sqlite_reader import connect_read_only

if TYPE_CHECKING:
    from sqlalchemy import Engine

SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class IntegrityReport:
    """The outcome of a check: what was checked, how, and what was wrong."""

    where: str
    method: str
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sqlite_file(path: Path, *, quick: bool) -> IntegrityReport:
    """Run `PRAGMA quick_check` (or the full `integrity_check`) on a SQLite file.

    Opened read-only, so checking never writes, even to a damaged file.
    """
    pragma = "quick_check" if quick else "integrity_check"
    started = time.perf_counter()
    connection = connect_read_only(path)
    try:
        rows = connection.execute(f"PRAGMA {pragma}").fetchall()
        problems = [] if rows == [("ok",)] else [str(row[0]) for row in rows]
    except sqlite3.DatabaseError as error:
        # Damage is a finding; anything else (a locked or unreadable file) is not.
        if not isinstance(storage_error_from(error), DatabaseCorrupt):
            raise
        problems = [str(error)]
    finally:
        connection.close()
    return IntegrityReport(
        str(path), f"PRAGMA {pragma}", problems, seconds=time.perf_counter() - started
    )


def check_postgres(engine: Engine) -> IntegrityReport:
    """What can be checked from a client: the connection, the schema revision, and
    that every table intapp uses is there. PostgreSQL checks its own pages (with data
    checksums) as it reads them."""
    from sqlalchemy import inspect, text
    from sqlmodel import SQLModel

    import intapp.models  # noqa: F401  (registers the tables)
    from intapp.store.migrate import current_revision, head_revision

    started = time.perf_counter()
    where = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        server = connection.execute(text("SHOW server_version")).scalar()
    details = [f"connected (PostgreSQL {server})"]
    problems = []
    revision, head = current_revision(engine), head_revision()
    details.append(f"schema revision {revision or 'none'} (this intapp's newest: {head})")
    if revision != head:
        problems.append(f"the schema is at {revision or 'no revision'}, not {head}")
    present = set(inspect(engine).get_table_names())
    missing = sorted(set(SQLModel.metadata.tables) - present)
    details.append(f"{len(SQLModel.metadata.tables) - len(missing)} of the expected tables present")
    problems += [f"table {name} is missing" for name in missing]
    return IntegrityReport(
        where,
        "connection, schema revision and tables",
        problems,
        details,
        time.perf_counter() - started,
    )


def check_store(engine: Engine, *, quick: bool) -> IntegrityReport:
    """Check the store behind `engine`: SQLite pages, or PostgreSQL as far as a client can."""
    from intapp.store.sqlite_reader import sqlite_path

    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "sqlite" and path is not None:
        return check_sqlite_file(path, quick=quick)
    if engine.dialect.name == "postgresql":
        return check_postgres(engine)
    return IntegrityReport(str(engine.url), "none (in-memory database)")


def require_sound(engine: Engine) -> None:
    """Refuse (`DatabaseCorrupt`) to go on with a SQLite file that fails `quick_check`.

    On PostgreSQL this does nothing: the server refuses damaged pages itself.
    """
    if engine.dialect.name == "sqlite":
        require_sound_file(engine.url.render_as_string(hide_password=False))


def require_sound_file(url: str | None) -> None:
    """`require_sound` for the SQLite file behind `url` (see `chosen_url`), without
    loading SQLAlchemy; nothing to check for PostgreSQL or a file not made yet."""
    from intapp.store.sqlite_reader import chosen_url, sqlite_path

    path = sqlite_path(chosen_url(url))
    if path is None or not path.is_file():
        return
    report = check_sqlite_file(path, quick=True)
    if not report.ok:
        raise corrupt(f"The database {report.where}", summary(report.problems))


def summary(problems: list[str]) -> str:
    """The first problems SQLite reported, on one line."""
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return shown + (f"; and {more} more" if more > 0 else "")
