"""Bring a database's schema up to date with the Alembic migrations shipped in the package.

Alembic itself is imported only when there is something to do, so an up-to-date
database costs one small query at start-up. Nothing here imports SQLAlchemy until it is
used: `sqlite_reader` reads the head revision before the data layer has loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Every migration shipped, and those another revises, read from the files without
    importing Alembic; once per process, since the files ship with the code."""
    revisions, revised = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if match := _REVISION.search(source):
            revisions.add(match.group(1))
        if match := _DOWN.search(source):
            revised.add(match.group(1))
    return frozenset(revisions), frozenset(revised)


def head_revision() -> str | None:
    """The newest migration shipped with this version of intapp (the one no other revises)."""
    revisions, revised = _revisions()
    heads = revisions - revised
    return next(iter(heads)) if len(heads) == 1 else None


def refuse_newer_schema(revision: str | None, where: str) -> None:
    """Raise `SchemaTooNew` when `revision` is not one this intapp ships (a newer intapp
    wrote it), naming both revisions and this intapp's version."""
    if revision is None or revision in _revisions()[0]:
        return
    from intapp import __version__
    from intapp.store.errors import SchemaTooNew

    raise SchemaTooNew(
        f"{where} has schema revision {revision}, written by a newer intapp; this is "
        f"intapp {__version__}, whose newest schema revision is {head_revision()}. "
        "Install the newer intapp to use it."
    )


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    # Read-only, so a store that can only be read still says where it is.
    with engine.execution_options(intapp_read_only=True).connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None


def is_team_server(engine: Engine) -> bool:
    """Whether `engine` is a team server (PostgreSQL), whose schema only its
    administrator changes, rather than the single-user SQLite file."""
    return engine.dialect.name == "postgresql"


def ready_for_use(engine: Engine) -> None:
    """Make sure the schema is this intapp's before the app or a command uses it.

    A SQLite file is migrated on first use, as it always was. A team server is never
    migrated on start: its staff logins may not change its schema, and everyone's
    intapp must move together, so one that is behind is refused (`SchemaBehind`) until
    its administrator runs `intapp db upgrade`.
    """
    if not is_team_server(engine):
        upgrade(engine)
        return
    from intapp.store.errors import SchemaBehind

    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    refuse_newer_schema(current, "The database")
    if current is None and _has_version_table(engine):
        # Every staff role may read it: a login that may not is no intapp staff here.
        from intapp.store.errors import SignInRefused
        from intapp.store.identity import login

        name = login(engine)
        raise SignInRefused(
            f"{name} is not set up as intapp staff on this server (it may not even read "
            "the database's schema version); ask your administrator to run "
            f"`intapp staff add {name} ...`."
        )
    if current is None:
        raise SchemaBehind(
            "The database is empty and needs `intapp db upgrade` before anyone uses it; "
            "ask your administrator (on a team server intapp never sets up or migrates "
            "the database by itself)."
        )
    raise SchemaBehind(
        f"The database needs `intapp db upgrade`; ask your administrator (it is at schema "
        f"revision {current}, this intapp needs {head})."
    )


def _has_version_table(engine: Engine) -> bool:
    """Whether a team server's database has the schema version table at all (asking
    needs no privilege on it)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        return bool(
            connection.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
        )


def upgrade(engine: Engine) -> None:
    """Apply every pending migration, in one transaction where the database allows it."""
    from sqlalchemy.exc import DBAPIError

    from intapp.store.errors import storage_error_from

    head = head_revision()
    try:
        current = current_revision(engine)
    except DBAPIError as error:
        # A damaged page of the schema itself stops even this first read: say so plainly.
        raise (storage_error_from(error) or error) from error
    if head is not None and current == head:
        return
    refuse_newer_schema(current, f"The database {engine.url.render_as_string()}")
    from intapp.store.integrity import require_sound

    require_sound(engine)  # never migrate a damaged file
    from alembic import command

    config = alembic_config()
    with engine.connect() as connection, _foreign_keys_deferred(connection), connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        _require_foreign_keys_hold(connection)


@contextmanager
def _foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """On SQLite, switch foreign-key enforcement off while migrations run.

    SQLite cannot ALTER most things, so a batch migration copies a table and drops the
    old one; with enforcement on, dropping a table that other rows point at is refused
    even though the copy takes its place at once. SQLite's own advice for schema changes
    is to switch enforcement off (outside the transaction, where the pragma works), make
    the change, then check every key (`_require_foreign_keys_hold`) before committing.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    # Straight to the driver: through SQLAlchemy the pragma would begin a transaction.
    cursor = connection.connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _require_foreign_keys_hold(connection: Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite only;
    PostgreSQL checks every key as the migration runs)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(
            f"A migration left {len(broken)} rows pointing at nothing (in {', '.join(tables)}); "
            "nothing was changed."
        )
