"""Who is working is derived, never given: the account owning a SQLite file, or
PostgreSQL's `session_user`. `--user` and `INTAPP_USER` are gone."""

from __future__ import annotations

import os
import pwd
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from tui_support import seed_small_team

from intapp.app import IntApp
from intapp.cli import root
from intapp.cli.context import Context
from intapp.models import AuditEvent
from intapp.store import identity
from intapp.store.engine import create_db_engine, get_engine, resolve_url
from intapp.store.migrate import upgrade


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(root.main, list(args))
    return result.exit_code, result.output


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.mark.parametrize("where", [[], ["demo"], ["person", "edit", "X"]])
def test_user_is_no_longer_an_option(where: list[str]) -> None:
    code, output = invoke(*where, "--user", "Dr Spoofed Name")
    assert code == 2
    assert "No such option '--user'" in output


def test_intapp_user_in_the_environment_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "intapp.sqlite3"
    engine = create_db_engine(sqlite_url(file))
    upgrade(engine)
    seed_small_team(engine)
    monkeypatch.setenv("INTAPP_USER", "Dr Spoofed Name")
    code, output = invoke(
        "person", "edit", "9434765919", "--postcode", "M13 0PP", "--database-url", sqlite_url(file)
    )
    assert code == 0, output
    with Session(engine) as session:
        event_user = session.exec(select(AuditEvent.user).where(AuditEvent.action == "edit")).one()
    assert event_user == pwd.getpwuid(file.stat().st_uid).pw_name
    assert event_user != "Dr Spoofed Name"
    engine.dispose()


def test_sqlite_login_is_the_account_owning_the_file(tmp_path: Path) -> None:
    file = tmp_path / "intapp.sqlite3"
    assert identity.login_at(sqlite_url(file)) == identity.os_account()  # not made yet
    engine = create_db_engine(sqlite_url(file))
    upgrade(engine)
    assert identity.login(engine) == pwd.getpwuid(os.getuid()).pw_name
    assert identity.login_at(sqlite_url(file)) == identity.login(engine)
    engine.dispose()


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another account")
def test_a_file_owned_by_another_account_is_theirs(tmp_path: Path) -> None:
    file = tmp_path / "intapp.sqlite3"
    engine = create_db_engine(sqlite_url(file))
    upgrade(engine)
    nobody = pwd.getpwnam("nobody")
    os.chown(file, nobody.pw_uid, nobody.pw_gid)
    assert identity.login(engine) == "nobody"
    assert identity.login_at(sqlite_url(file)) == "nobody"
    assert IntApp(database_url=sqlite_url(file)).user == "nobody"
    engine.dispose()


def test_the_app_shows_the_derived_login(tmp_path: Path) -> None:
    file = tmp_path / "intapp.sqlite3"
    app = IntApp(database_url=sqlite_url(file))
    assert app.user == identity.os_account()
    assert app.sub_title == f"Signed in: {app.user} · single-user"


def test_commands_that_do_not_need_the_database_never_connect() -> None:
    # Nothing listens on port 1: touching the database would fail.
    url = "postgresql://nobody@127.0.0.1:1/intapp"
    code, output = invoke("db", "path", "--database-url", url)
    assert code == 0, output
    assert "127.0.0.1:1/intapp" in output
    assert Context(url).database_url == url  # making one connects to nothing


@pytest.fixture
def staff_login(postgres_engine: Engine) -> Iterator[tuple[str, str]]:
    """A uniquely named login role, and the URL that signs in as it: (login, url)."""
    engine = postgres_engine
    login = f"t_{uuid.uuid4().hex[:8]}_id"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE ROLE "{login}" LOGIN'))
    url = make_url(resolve_url(str(engine.url.render_as_string(hide_password=False))))
    yield login, url.set(username=login).render_as_string(hide_password=False)
    with engine.begin() as connection:
        connection.execute(text(f'DROP OWNED BY "{login}"'))
    admin = create_engine(str(engine.url.set(database="postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
    admin.dispose()


@pytest.mark.postgres
def test_postgres_login_is_session_user_asked_once(staff_login: tuple[str, str]) -> None:
    login, url = staff_login
    engine = create_db_engine(url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert identity.login(engine) == login
    assert identity.login(engine) == login
    assert sum("session_user" in s for s in statements) == 1
    engine.dispose()


@pytest.mark.postgres
def test_the_audit_trail_records_the_postgres_login(
    postgres_engine: Engine, staff_login: tuple[str, str]
) -> None:
    engine = postgres_engine
    login, url = staff_login
    seed_small_team(engine)
    with engine.begin() as connection:  # a coordinator of the team
        connection.execute(text(f'GRANT intapp_coordinator TO "{login}"'))
        connection.execute(
            text(
                "INSERT INTO staff_login (login, role, enabled, created_at) "
                "VALUES (:login, 'coordinator', true, now())"
            ),
            {"login": login},
        )
        connection.execute(
            text("INSERT INTO staff_team (login, team_id) SELECT :login, id FROM team"),
            {"login": login},
        )
    get_engine.cache_clear()
    code, output = invoke(
        "person", "edit", "9434765919", "--postcode", "M13 0PP", "--database-url", url
    )
    get_engine.cache_clear()
    assert code == 0, output
    with Session(engine) as session:
        event_user = session.exec(select(AuditEvent.user).where(AuditEvent.action == "edit")).one()
    assert event_user == login
