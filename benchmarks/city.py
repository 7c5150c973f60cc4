"""The city-scale database the benchmarks share: built once with the demo generator."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, text
from sqlmodel import select

from intapp.demo import load_demo
from intapp.models import Person
from intapp.store.engine import create_db_engine, read_session, resolve_url
from intapp.store.migrate import upgrade

DATA_DIR = Path(__file__).resolve().parent / ".data"


def default_url(people: int) -> str:
    """Where the shared city file for `people` lives."""
    DATA_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{DATA_DIR / f'city-{people}.sqlite3'}"


def postgres_city_url(people: int, server: str = "postgresql://postgres@127.0.0.1:5432") -> str:
    """The shared PostgreSQL city for `people` on `server`, its database made if missing."""
    name = f"intapp_bench_city_{people}"
    admin = create_engine(resolve_url(f"{server}/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def city_engine(url: str | None, people: int) -> tuple[Engine, int]:
    """A migrated engine on `url` (default: the shared file), loaded with demo data if empty.

    Returns the engine and how many people it holds.
    """
    engine = create_db_engine(url or default_url(people))
    upgrade(engine)
    with read_session(engine) as session:
        loaded = session.exec(select(func.count()).select_from(Person)).one()
    if loaded == 0:
        start = time.perf_counter()
        load_demo(engine=engine, people=people)
        print(f"demo --people {people}: built in {time.perf_counter() - start:.1f} s")
        loaded = people
    return engine, loaded
