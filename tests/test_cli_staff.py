"""`intapp staff` and `intapp audit` from the command line."""

from __future__ import annotations

import base64
import csv
import io

import pytest
from click.testing import CliRunner
from factories import fake_nhs_number, small_organisation
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from intapp import cli
from intapp.models import AuditEvent
from intapp.store.engine import unit_of_work
from intapp.store.scram import scram_keys

pytest_plugins = ["staff_support"]  # the pg_engine and unique_login fixtures
PASSWORD = "four words make a pass phrase"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.output


def _stored(engine: Engine, login: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": login}
        ).scalar()


def _matches(verifier: str, password: str) -> bool:
    head = verifier.split("$")[1]
    iterations, salt = head.split(":")
    return scram_keys(
        password, salt=base64.b64decode(salt), iterations=int(iterations)
    ).verifier == (verifier)


@pytest.mark.postgres
def test_staff_add_asks_twice_and_sends_only_the_verifier(pg_engine, unique_login):
    with unit_of_work(pg_engine) as session:
        small_organisation(session)
    login = unique_login("cli")
    code, output = invoke(
        "staff",
        "add",
        login,
        "--role",
        "key_worker",
        "--team",
        "CEN1",
        "--staff-id",
        "SW1",
        "--database-url",
        _url(pg_engine),
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, output
    assert f"Added {login}: key worker, CEN1, linked to Asha Khan (SW1)" in output
    assert PASSWORD not in output
    stored = _stored(pg_engine, login)
    assert stored and stored.startswith("SCRAM-SHA-256$4096:") and _matches(stored, PASSWORD)
    with Session(pg_engine) as session:
        events = session.exec(select(AuditEvent)).all()
    assert all(PASSWORD not in str(e.changes) for e in events)

    code, output = invoke("staff", "list", "--database-url", _url(pg_engine))
    assert code == 0 and login in output and "never" in output

    code, output = invoke("staff", "disable", login, "--database-url", _url(pg_engine))
    assert code == 0 and f"Disabled {login}" in output
    code, output = invoke("staff", "list", "--database-url", _url(pg_engine))
    assert "no, since" in output
    code, output = invoke("staff", "enable", login, "--database-url", _url(pg_engine))
    assert code == 0 and f"Enabled {login}" in output


@pytest.mark.postgres
def test_staff_add_reads_stdin_or_takes_no_password(pg_engine, unique_login):
    with unit_of_work(pg_engine) as session:
        small_organisation(session)
    piped, none = unique_login("pipe"), unique_login("nopw")
    code, output = invoke(
        "staff",
        "add",
        piped,
        "--role",
        "supervisor",
        "--locality",
        "Central",
        "--password-stdin",
        "--database-url",
        _url(pg_engine),
        input=PASSWORD + "\n",
    )
    assert code == 0, output
    assert _matches(_stored(pg_engine, piped) or "", PASSWORD)
    code, output = invoke(
        "staff", "add", none, "--role", "admin", "--no-password", "--database-url", _url(pg_engine)
    )
    assert code == 0, output
    assert _stored(pg_engine, none) is None


@pytest.mark.postgres
def test_staff_add_refuses_mismatched_or_short_passwords(pg_engine, unique_login):
    login = unique_login("short")
    code, output = invoke(
        "staff",
        "add",
        login,
        "--role",
        "admin",
        "--password-stdin",
        "--database-url",
        _url(pg_engine),
        input="short\n",
    )
    assert code != 0 and "at least 12 characters" in output
    code, output = invoke(
        "staff",
        "add",
        login,
        "--role",
        "admin",
        "--database-url",
        _url(pg_engine),
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert "do not match" in output.lower() or "match" in output.lower()
    assert code == 0  # asked again, then accepted


@pytest.mark.postgres
def test_break_glass_policy(pg_engine):
    code, output = invoke("staff", "policy", "--database-url", _url(pg_engine))
    assert (code, output.strip()) == (0, "Break-glass access lasts 8 hours.")
    code, output = invoke(
        "staff", "policy", "--break-glass-hours", "4", "--database-url", _url(pg_engine)
    )
    assert (code, output.strip()) == (0, "Break-glass access now lasts 4 hours.")
    code, output = invoke(
        "staff", "policy", "--break-glass-hours", "500", "--database-url", _url(pg_engine)
    )
    assert code == 1 and "1 to 168 hours" in output


def test_staff_on_sqlite_is_refused_plainly():
    code, output = invoke("staff", "add", "jo", "--role", "admin", "--no-password")
    assert code == 1
    assert "A SQLite store is single-user; staff logins exist on the team server" in output
    code, output = invoke("staff", "list")
    assert code == 1 and "single-user" in output


def _sqlite_with_people(tmp_path) -> str:
    from intapp.store.engine import create_db_engine
    from intapp.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        small_organisation(session, people=1)
        from intapp.services import audit

        audit.record(
            session=session,
            user="=cmd|' /C calc'!A0",
            entity="person",
            entity_id=1,
            action="view",
            person_id=1,
        )
    engine.dispose()
    return url


def test_audit_person_and_user(tmp_path):
    url = _sqlite_with_people(tmp_path)
    code, output = invoke("audit", "person", fake_nhs_number(0), "--database-url", url)
    assert code == 0, output
    assert "Audit trail of Ada Okafor" in output and "coordinator.one" in output
    code, output = invoke("audit", "user", "coordinator.one", "--database-url", url)
    assert code == 0, output
    assert "What coordinator.one did" in output and "create person 1" in output
    code, output = invoke(
        "audit", "person", fake_nhs_number(0), "--since", "24/11/2026", "--database-url", url
    )
    assert "nothing recorded" in output
    code, output = invoke("audit", "person", fake_nhs_number(0), "--since", "yesterday")
    assert code == 2 and "not a date" in output
    # Each query is itself in the trail.
    from intapp.store.engine import create_db_engine

    engine = create_db_engine(url)
    with Session(engine) as session:
        views = session.exec(select(AuditEvent).where(AuditEvent.action == "view")).all()
    engine.dispose()
    asked = [v for v in views if v.changes.get("shown") == "audit trail"]
    assert [(a.entity, a.changes["shown"]) for a in asked] == [
        ("person", "audit trail"),
        ("staff_login", "audit trail"),
        ("person", "audit trail"),
    ]


def test_audit_csv_is_safe_in_a_spreadsheet(tmp_path):
    url = _sqlite_with_people(tmp_path)
    code, output = invoke(
        "audit", "person", fake_nhs_number(0), "--format", "csv", "--database-url", url
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["when", "who", "what"]
    who = [r[1] for r in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in who
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@pytest.mark.postgres
def test_only_admins_manage_staff_and_are_refused_before_the_password(pg_engine, monkeypatch):
    from intapp import access
    from intapp.access import Role, SignedIn

    coordinator = SignedIn("coord.one", Role.COORDINATOR, team_mode=True)
    monkeypatch.setattr(access, "signed_in", lambda bind: coordinator)
    code, output = invoke(
        "staff", "add", "someone_new", "--role", "admin", "--database-url", _url(pg_engine)
    )
    assert code == 1
    assert "Only administrators may add, change, disable or enable staff logins" in output
    assert "Password" not in output
    code, output = invoke("staff", "disable", "someone", "--database-url", _url(pg_engine))
    assert code == 1 and "Only administrators" in output


@pytest.mark.postgres
def test_a_key_worker_may_not_list_staff(pg_engine, monkeypatch):
    from intapp import access
    from intapp.access import Role, SignedIn

    monkeypatch.setattr(
        access, "signed_in", lambda bind: SignedIn("kw.one", Role.KEY_WORKER, team_mode=True)
    )
    code, output = invoke("staff", "list", "--database-url", _url(pg_engine))
    assert code == 1
    assert "Only supervisors and administrators may review staff logins" in output
    assert "kw.one, a key worker" in output


@pytest.mark.postgres
def test_staff_link_gives_an_existing_login_its_worker(pg_engine, unique_login):
    """A login added without --staff-id is linked later, audited; a worker another
    login has is refused."""
    with unit_of_work(pg_engine) as session:
        small_organisation(session)
    first, second = unique_login("one"), unique_login("two")
    for login in (first, second):
        code, output = invoke(
            "staff", "add", login, "--role", "supervisor", "--locality", "Central",
            "--no-password", "--database-url", _url(pg_engine),
        )  # fmt: skip
        assert code == 0, output
    code, output = invoke(
        "staff", "link", first, "--staff-id", "SW1", "--database-url", _url(pg_engine)
    )
    assert code == 0 and f"Linked {first} to Asha Khan" in output, output
    code, output = invoke(
        "staff", "link", second, "--staff-id", "SW1", "--database-url", _url(pg_engine)
    )
    assert code == 1 and f"already signs in as {first!r}" in output, output
    with Session(pg_engine) as session:
        linked = session.exec(select(AuditEvent).where(AuditEvent.action == "link")).all()
    assert [(e.entity, e.entity_id) for e in linked] == [("staff_login", first)]
