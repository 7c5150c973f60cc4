"""Bring a database's schema up to date with the Alembic migrations shipped in the package.

Alembic itself is imported only when there is something to do, so an up-to-date
database costs one small query at start-up. Nothing here imports SQLAlchemy until it is
used: `sqlite_reader` reads the head revision before the data layer has loaded.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

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
def head_revision() -> str | None:
    """The newest migration shipped with this version of intapp.

    Read from the migration files (the one no other revises), without importing Alembic;
    once per process, since the files ship with the code.
    """
    revisions, revised = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if match := _REVISION.search(source):
            revisions.add(match.group(1))
        if match := _DOWN.search(source):
            revised.add(match.group(1))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None


def upgrade(engine: Engine) -> None:
    """Apply every pending migration, in one transaction where the database allows it."""
    head = head_revision()
    if head is not None and current_revision(engine) == head:
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
