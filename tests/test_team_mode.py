"""Team mode (a PostgreSQL URL) never migrates on start: the app and every command
refuse a database that is behind, and only `intapp db upgrade` migrates it. A SQLite
file still migrates itself on first use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import _drop_postgres, _fresh_postgres, _postgres_admin_url
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from intapp.app import IntApp
from intapp.cli import root
from intapp.store.engine import create_db_engine, get_engine
from intapp.store.errors import SchemaBehind
from intapp.store.migrate import current_revision, head_revision, ready_for_use


def invoke(*args: str) -> tuple[int, str]:
    get_engine.cache_clear()  # each test's database is new; so is its engine
    result = CliRunner().invoke(root.main, list(args))
    get_engine.cache_clear()
    return result.exit_code, result.output


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (not made from the migrated template): its URL."""
    admin_url = _postgres_admin_url()
    name = f"intapp_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    _drop_postgres(name)


@pytest.fixture
def behind(postgres_template: str) -> Iterator[tuple[Engine, str]]:
    """A migrated database set back to the revision before this intapp's newest: (engine, url)."""
    engine, name = _fresh_postgres(postgres_template)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    yield engine, engine.url.render_as_string(hide_password=False)
    engine.dispose()
    _drop_postgres(name)


@pytest.mark.postgres
def test_a_command_refuses_a_database_that_is_behind(behind: tuple[Engine, str]) -> None:
    engine, url = behind
    code, output = invoke("alert", "list", "9434765919", "--database-url", url)
    assert code == root.EXIT_SCHEMA_BEHIND, output
    assert "The database needs `intapp db upgrade`; ask your administrator" in output
    assert current_revision(engine) == "0001"  # nothing was migrated


@pytest.mark.postgres
def test_the_app_refuses_before_it_opens(
    behind: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _engine, url = behind
    opened: list[IntApp] = []
    monkeypatch.setattr(root, "_interactive", lambda: True)
    monkeypatch.setattr(IntApp, "run", lambda app: opened.append(app))
    code, output = invoke("--database-url", url)
    assert code == root.EXIT_SCHEMA_BEHIND, output
    assert "intapp db upgrade" in output
    assert opened == []


@pytest.mark.postgres
def test_the_app_itself_never_migrates_a_team_server(behind: tuple[Engine, str]) -> None:
    engine, url = behind
    with pytest.raises(SchemaBehind, match="intapp db upgrade"):
        ready_for_use(engine)
    get_engine.cache_clear()
    with pytest.raises(SchemaBehind):
        IntApp(database_url=url).engine()
    get_engine.cache_clear()
    assert current_revision(engine) == "0001"


@pytest.mark.postgres
def test_an_empty_team_database_is_set_up_by_db_upgrade_only(empty_database: str) -> None:
    code, output = invoke("demo", "--people", "20", "--database-url", empty_database)
    assert code == root.EXIT_SCHEMA_BEHIND, output
    assert "empty and needs `intapp db upgrade`" in output
    engine = create_db_engine(empty_database)
    assert current_revision(engine) is None

    code, output = invoke("db", "upgrade", "--database-url", empty_database)
    assert code == 0, output
    assert f"Upgraded from empty to {head_revision()}" in output
    assert current_revision(engine) == head_revision()

    code, output = invoke("demo", "--people", "20", "--database-url", empty_database)
    assert code == 0, output
    engine.dispose()


def test_sqlite_still_migrates_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    code, output = invoke("alert", "list", "9434765919", "--database-url", url)
    assert "intapp db upgrade" not in output
    assert current_revision(create_db_engine(url)) == head_revision()
    assert code == 1  # no such person: the store itself was ready


@pytest.mark.postgres
def test_a_login_that_may_not_read_the_schema_version_is_told_so(
    postgres_template: str,
) -> None:
    engine, name = _fresh_postgres(postgres_template)
    login = f"t_{uuid.uuid4().hex[:8]}_nv"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE ROLE "{login}" LOGIN'))
    url = engine.url.set(username=login).render_as_string(hide_password=False)
    try:
        code, output = invoke("alert", "list", "X", "--database-url", url)
        assert code == root.EXIT_SIGN_IN, output
        assert f"{login} is not set up as intapp staff on this server" in output
        assert "may not even read the database's schema version" in output
        assert "empty" not in output
    finally:
        engine.dispose()
        _drop_postgres(name)
        admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        admin.dispose()
