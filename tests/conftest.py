"""Shared fixtures: isolated user folders, frozen time, and databases on SQLite and PostgreSQL.

PostgreSQL tests use `INTAPP_TEST_POSTGRES_URL` (default: the local server at
127.0.0.1:5432). Without a reachable server they skip with a message saying so, unless
`INTAPP_REQUIRE_POSTGRES=1` (as in CI), when they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from intapp import clock
from intapp.config import forget_session_settings, load_settings
from intapp.store.engine import create_db_engine, resolve_url
from intapp.store.migrate import upgrade

# Monday 23 November 2026, 09:00 UTC: a busy Monday morning.
FROZEN_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every test off the real user's data, state and config folders."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.delenv("INTAPP_DATABASE_URL", raising=False)
    forget_session_settings()
    yield home
    forget_session_settings()


@pytest.fixture(autouse=True)
def stand_in_logins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A database given a stand-in login (`identity_support.signed_in`) reports it as
    its login; any other reports its real one (the file's owner, or `session_user`)."""
    from identity_support import STAND_INS, database_key

    from intapp.store import identity

    real_login, real_login_at = identity.login, identity.login_at

    def login(engine: Engine) -> str:
        return STAND_INS.get(str(engine.url.database)) or real_login(engine)

    def login_at(url: str | None) -> str | None:
        found = real_login_at(url)
        return STAND_INS.get(database_key(url), found) if found is not None else None

    monkeypatch.setattr(identity, "login", login)
    monkeypatch.setattr(identity, "login_at", login_at)
    yield
    STAND_INS.clear()


@pytest.fixture(autouse=True)
def who_i_am_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first start's question "who are you?" is off, except in the tests about it
    (tests/test_tui_work_tray.py): no ``[settings] me`` is set, and the screens the
    other tests look at are the ones under that question."""
    from intapp.app import IntApp

    monkeypatch.setattr(IntApp, "ASK_WHO_I_AM", False)


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    """Freeze "now" so deadlines and day counts are the same on every run."""
    clock.freeze(FROZEN_NOW)
    yield FROZEN_NOW
    clock.freeze(None)


def _postgres_admin_url() -> str:
    return resolve_url(os.environ.get("INTAPP_TEST_POSTGRES_URL", DEFAULT_PG_URL))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database that each PostgreSQL test copies."""
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:
        admin.dispose()
        message = (
            f"PostgreSQL not reachable at {make_url(admin_url).render_as_string()}: "
            f"{type(error).__name__}. Set INTAPP_TEST_POSTGRES_URL to run these tests."
        )
        if os.environ.get("INTAPP_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    name = f"intapp_tpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_postgres(template: str) -> tuple[Engine, str]:
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"intapp_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return create_db_engine(url), name


def _drop_postgres(name: str) -> None:
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        sqlite_engine = create_db_engine(f"sqlite:///{tmp_path / 'intapp.sqlite3'}")
        upgrade(sqlite_engine)
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    template = request.getfixturevalue("postgres_template")
    pg_engine, name = _fresh_postgres(template)
    yield pg_engine
    pg_engine.dispose()
    _drop_postgres(name)


@pytest.fixture
def postgres_engine(postgres_template: str) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL database, for what only PostgreSQL has (mark the
    test `postgres`)."""
    pg_engine, name = _fresh_postgres(postgres_template)
    yield pg_engine
    pg_engine.dispose()
    _drop_postgres(name)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database, for tests that are not about storage."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'intapp.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the parametrised database; tests commit when they mean to."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def write_config() -> Iterator[Callable[[str], Path]]:
    """Write a config.toml for this test (the settings are re-read on next use)."""
    from intapp import paths

    def write(text: str) -> Path:
        path = paths.config_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        load_settings.cache_clear()
        return path

    yield write
    load_settings.cache_clear()
