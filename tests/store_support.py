"""Helpers for the storage-failure tests: a populated SQLite file, and damage to it."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from factories import small_organisation
from sqlalchemy import Engine

from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade

PAGE = 4096


def populated_file(path: Path, *, people: int = 40) -> Path:
    """A migrated SQLite file holding the small organisation and `people` people,
    with its WAL folded in and closed, as the app leaves it."""
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        small_organisation(session, people=people)
    engine.dispose()  # the last connection checkpoints and removes the WAL
    # A migration that rebuilds a table leaves the schema's pages wherever there was room;
    # compacted, the schema sits at the front and `damage` hits table data, as intended.
    connection = sqlite3.connect(path)
    connection.execute("VACUUM")
    connection.close()
    return path


def damage(path: Path, *, pages: int = 6) -> None:
    """Overwrite `pages` pages in the middle of the file, as a failing disk might."""
    size = path.stat().st_size
    middle = size // PAGE // 2
    with path.open("r+b") as file:
        for page in range(middle, middle + pages):
            file.seek(page * PAGE)
            file.write(b"\x5a" * PAGE)


def digest(path: Path) -> str:
    """The file's content, to prove nothing was written to it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def engine_on(path: Path) -> Engine:
    return create_db_engine(url_of(path))
