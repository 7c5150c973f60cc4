"""Plain SQL that SQLite and PostgreSQL both run, through a Session or a bare sqlite3
connection.

SQLAlchemy and SQLModel take about half a second to import. The reads a coordinator
makes first (the dashboard's figures, the referral queue) are written here once as
plain SQL so that, on the embedded SQLite store, they can be answered with the standard
library while the data layer is still loading (see `sqlite_reader`). Through a Session
the same SQL serves PostgreSQL, and tests hold the two paths to the same answers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

# Runs one SELECT with named parameters and returns all its rows.
RunQuery = Callable[[str, dict[str, Any]], list[Sequence[Any]]]


@dataclass(frozen=True)
class PlainSQL:
    """Somewhere to run plain SQL, and how to pass it values."""

    run: RunQuery
    sqlite: bool
    bind: Any = None
    """The session's engine when run through one (who is signed in on it), else None."""

    def one(self, sql: str, params: dict[str, Any]) -> Sequence[Any]:
        """The single row of a query that returns one (an aggregate)."""
        (row,) = self.run(sql, params)
        return row

    def stored(self, values: dict[str, Any]) -> dict[str, Any]:
        """Parameters in the form the columns hold them.

        SQLite has no date types: SQLAlchemy keeps timestamps there as naive UTC text
        and dates as ISO text, and comparisons are between those strings. PostgreSQL
        takes the values as they are.
        """
        if not self.sqlite:
            return values
        return {name: _as_sqlite(value) for name, value in values.items()}


def through_session(session: Session) -> PlainSQL:
    """Run plain SQL on the session's connection, inside its transaction."""
    from sqlalchemy import text

    def run(sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        return list(session.execute(text(sql), params).all())

    bind = session.get_bind()
    return PlainSQL(run, sqlite=bind.dialect.name == "sqlite", bind=bind)


@contextmanager
def through_sqlite(connection: sqlite3.Connection) -> Iterator[PlainSQL]:
    """Run plain SQL on a sqlite3 connection (autocommit mode), every query in one read
    transaction so that they see the same moment."""

    def run(sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        return connection.execute(sql, params).fetchall()

    connection.execute("BEGIN")
    try:
        yield PlainSQL(run, sqlite=True)
    finally:
        connection.execute("ROLLBACK")


def in_list(column: str, name: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """`` AND column IN (...)`` with one named parameter per value; none matches nothing."""
    if not values:
        return " AND 1 = 0", {}
    params = {f"{name}_{i}": value for i, value in enumerate(values)}
    return f" AND {column} IN ({', '.join(':' + p for p in params)})", params


def contains(column: str, name: str) -> str:
    """Case-blind ``column contains :name``; pass the value through `contains_pattern`."""
    return f"lower({column}) LIKE :{name} ESCAPE '/'"


def contains_pattern(word: str) -> str:
    """The LIKE pattern for `contains`: the word lower-cased, its wildcards escaped."""
    escaped = word.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def stored_datetime(value: Any) -> datetime:
    """A timestamp column's value, timezone-aware UTC, as the ORM's `UTCDateTime` gives."""
    if isinstance(value, str):  # SQLite: naive UTC text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def stored_date(value: Any) -> date:
    """A date column's value as a date (SQLite keeps it as ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _as_sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value
