"""Staff logins on the team server: each a PostgreSQL role of its own, with its scope."""

from __future__ import annotations

import psycopg
import pytest
from factories import small_organisation
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from intapp.models import AuditEvent
from intapp.models.access import StaffLogin, StaffTeam
from intapp.services import staff
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.staff import SingleUserStore, StaffIn
from intapp.store.engine import unit_of_work
from intapp.store.scram import scram_verifier

pytestmark = pytest.mark.postgres
pytest_plugins = ["staff_support"]  # the pg_engine and unique_login fixtures
ADMIN = "admin.one"


def _connect_as(engine: Engine, login: str) -> psycopg.Connection:
    url = make_url(engine.url).set(drivername="postgresql", username=login, password=None)
    return psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=5)


def _org(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        small_organisation(session)


def test_add_creates_a_login_role_in_its_group_with_its_teams(pg_engine, unique_login):
    _org(pg_engine)
    login = unique_login("kw")
    verifier = scram_verifier("a long pass phrase")
    with unit_of_work(pg_engine) as session:
        view = staff.add_staff(
            session=session,
            user=ADMIN,
            staff_in=StaffIn(login, "key_worker", ("cen1",), staff_id="SW1"),
            verifier=verifier,
        )
    assert (view.role, view.teams, view.worker) == ("key_worker", ("CEN1",), "Asha Khan (SW1)")
    assert view.enabled and view.scope == "CEN1"
    with pg_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = :n"), {"n": login}
        ).one()
        member = conn.execute(
            text("SELECT pg_has_role(:n, 'intapp_key_worker', 'MEMBER')"), {"n": login}
        ).scalar()
        may_connect = conn.execute(
            text("SELECT has_database_privilege(:n, current_database(), 'CONNECT')"), {"n": login}
        ).scalar()
    # The server keeps exactly the verifier sent: it never saw the password.
    assert tuple(stored) == (verifier, True)
    assert member and may_connect
    with Session(pg_engine) as session:
        assert session.exec(select(StaffTeam.login)).all() == [login]
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "staff_login")).one()
    assert event.action == "create" and event.entity_id == login
    assert event.changes["password"] == [None, "set"]
    assert "a long pass phrase" not in str(event.changes) and verifier not in str(event.changes)
    # And it can connect (trust auth locally; the role's LOGIN is what is tested).
    with _connect_as(pg_engine, login) as conn:
        assert conn.execute("SELECT session_user").fetchone() == (login,)


def test_a_supervisor_has_a_locality_and_an_admin_the_city(pg_engine, unique_login):
    _org(pg_engine)
    sup, adm = unique_login("sup"), unique_login("adm")
    with unit_of_work(pg_engine) as session:
        s = staff.add_staff(
            session=session,
            user=ADMIN,
            staff_in=StaffIn(sup, "supervisor", locality="central"),
            verifier=None,
        )
        a = staff.add_staff(
            session=session, user=ADMIN, staff_in=StaffIn(adm, "admin"), verifier=None
        )
    assert (s.scope, a.scope) == ("Central locality", "city-wide")
    with pg_engine.connect() as conn:
        no_password, creates_roles = conn.execute(
            text("SELECT rolpassword IS NULL, rolcreaterole FROM pg_authid WHERE rolname = :n"),
            {"n": adm},
        ).one()
        ends_sessions = conn.execute(
            text("SELECT pg_has_role(:n, 'pg_signal_backend', 'MEMBER')"), {"n": adm}
        ).scalar()
        supervisor_creates = conn.execute(
            text("SELECT rolcreaterole FROM pg_roles WHERE rolname = :n"), {"n": sup}
        ).scalar()
    # No login gets CREATEROLE or pg_signal_backend, an admin's neither: on PostgreSQL 15
    # CREATEROLE grants itself pg_execute_server_program or the database's owner.
    assert no_password
    assert not (creates_roles or ends_sessions or supervisor_creates)
    with Session(pg_engine) as session:
        assert [v.login for v in staff.list_staff(session=session)] == sorted([sup, adm])


@pytest.mark.parametrize(
    ("staff_in", "message"),
    [
        (StaffIn("Robert'); DROP TABLE person;--", "key_worker", ("CEN1",)), "lower-case letters"),
        (StaffIn("pg_monitor2", "key_worker", ("CEN1",)), "keeps for itself"),
        (StaffIn("intapp_admin", "admin"), "keeps for itself"),
        (StaffIn("postgres", "admin"), "keeps for itself"),
        (StaffIn("ok_name", "owner"), "The role is one of"),
        (StaffIn("ok_name", "key_worker", ("NOPE",)), "no team with the code"),
        (StaffIn("ok_name", "key_worker"), "needs --team"),
        (StaffIn("ok_name", "key_worker", locality="Central"), "give --team, not --locality"),
        (StaffIn("ok_name", "supervisor"), "needs --locality"),
        (StaffIn("ok_name", "supervisor", locality="Atlantis"), "no locality 'Atlantis'"),
        (StaffIn("ok_name", "supervisor", ("CEN1",), "Central"), "give --locality, not --team"),
        (StaffIn("ok_name", "admin", ("CEN1",)), "city-wide"),
        (StaffIn("ok_name", "key_worker", staff_id="NOBODY"), "No worker has the staff id"),
    ],
)
def test_refusals_create_no_role(pg_engine, staff_in, message):
    _org(pg_engine)
    with pytest.raises(InvalidInput, match=message), unit_of_work(pg_engine) as session:
        staff.add_staff(session=session, user=ADMIN, staff_in=staff_in, verifier=None)
    with pg_engine.connect() as conn:
        assert not conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": staff_in.login}
        ).first() or staff_in.login in ("postgres", "intapp_admin")


def test_a_role_that_exists_on_the_server_is_not_taken_over(pg_engine, unique_login):
    _org(pg_engine)
    login = unique_login("taken")
    with pg_engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{login}" NOLOGIN'))
        conn.commit()
    with pytest.raises(InvalidInput, match="already has a role"), unit_of_work(pg_engine) as s:
        staff.add_staff(session=s, user=ADMIN, staff_in=StaffIn(login, "admin"), verifier=None)


def test_a_worker_links_to_one_login_only(pg_engine, unique_login):
    _org(pg_engine)
    first, second = unique_login("one"), unique_login("two")
    with unit_of_work(pg_engine) as session:
        view = staff.add_staff(
            session=session,
            user=ADMIN,
            staff_in=StaffIn(first, "coordinator", staff_id="SW9"),
            verifier=None,
        )
    assert view.teams == ("CEN2",)  # the worker's own team when none is given
    with pytest.raises(InvalidInput, match="already signs in as"), unit_of_work(pg_engine) as s:
        staff.add_staff(
            session=s,
            user=ADMIN,
            staff_in=StaffIn(second, "key_worker", staff_id="SW9"),
            verifier=None,
        )
    with pg_engine.connect() as conn:
        assert not conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": second}
        ).first()


def test_a_leaver_is_disabled_at_once_and_cannot_connect(pg_engine, unique_login):
    _org(pg_engine)
    login = unique_login("leaver")
    with unit_of_work(pg_engine) as session:
        staff.add_staff(
            session=session,
            user=ADMIN,
            staff_in=StaffIn(login, "key_worker", ("CEN1",)),
            verifier=None,
        )
    still_open = _connect_as(pg_engine, login)
    with unit_of_work(pg_engine) as session:
        view = staff.disable_staff(session=session, user=ADMIN, login=login)
    assert not view.enabled and view.disabled_at is not None
    with unit_of_work(pg_engine) as session:
        assert staff.end_sessions(session=session, login=login) == 1
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        _connect_as(pg_engine, login)
    # The connection that was open when they left has been closed by the server.
    with pytest.raises(psycopg.OperationalError):
        still_open.execute("SELECT 1")
    still_open.close()
    with Session(pg_engine) as session:
        assert [v.login for v in staff.disabled_staff(session=session)] == [login]
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.entity_id == login).order_by(AuditEvent.id)
        ).all()
    assert actions == ["create", "disable"]
    with pytest.raises(InvalidInput, match="already disabled"), unit_of_work(pg_engine) as s:
        staff.disable_staff(session=s, user=ADMIN, login=login)

    with unit_of_work(pg_engine) as session:
        assert staff.enable_staff(session=session, user=ADMIN, login=login).enabled
    _connect_as(pg_engine, login).close()
    with Session(pg_engine) as session:
        row = session.get(StaffLogin, login)
        assert row is not None and row.enabled and row.disabled_at is None


def test_unknown_login(pg_engine):
    with pytest.raises(NotFound, match="not a staff login"), unit_of_work(pg_engine) as s:
        staff.disable_staff(session=s, user=ADMIN, login="nobody_here")


def test_break_glass_hours(pg_engine):
    with unit_of_work(pg_engine) as session:
        assert staff.break_glass_hours(session=session) == 8
        staff.set_break_glass_hours(session=session, user=ADMIN, hours=4)
    with Session(pg_engine) as session:
        assert staff.break_glass_hours(session=session) == 4
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "access_policy")).one()
    assert event.changes == {"break_glass_hours": [8, 4]}
    with pytest.raises(InvalidInput, match="1 to 168 hours"), unit_of_work(pg_engine) as s:
        staff.set_break_glass_hours(session=s, user=ADMIN, hours=0)


def test_a_sqlite_store_is_single_user(sqlite_engine):
    with pytest.raises(SingleUserStore, match="single-user"), unit_of_work(sqlite_engine) as s:
        staff.add_staff(session=s, user=ADMIN, staff_in=StaffIn("x", "admin"), verifier=None)


def test_an_admins_own_login_may_not_change_the_servers_roles(pg_engine, unique_login):
    """Adding or disabling a login needs CREATEROLE, which no staff login holds: the
    owner does it, and an admin's login is told so plainly, before anything changes."""
    from sqlalchemy.engine import make_url as url_of

    from intapp.services.errors import NotAllowed
    from intapp.store.engine import create_db_engine

    _org(pg_engine)
    adm, kw = unique_login("adm"), unique_login("kw")
    with unit_of_work(pg_engine) as session:
        staff.add_staff(session=session, user=ADMIN, staff_in=StaffIn(adm, "admin"), verifier=None)
        staff.add_staff(
            session=session,
            user=ADMIN,
            staff_in=StaffIn(kw, "key_worker", ("CEN1",)),
            verifier=None,
        )
    as_admin = create_db_engine(
        url_of(pg_engine.url).set(username=adm).render_as_string(hide_password=False)
    )
    try:
        with (
            pytest.raises(NotAllowed, match="only the database's owner"),
            unit_of_work(as_admin) as session,
        ):
            staff.add_staff(
                session=session,
                user=adm,
                staff_in=StaffIn(unique_login("kw2"), "key_worker", ("CEN1",)),
                verifier=scram_verifier("another long phrase"),
            )
        with (
            pytest.raises(NotAllowed, match="only the database's owner"),
            unit_of_work(as_admin) as session,
        ):
            staff.disable_staff(session=session, user=adm, login=kw)
        with unit_of_work(as_admin) as session:
            assert staff.staff_view(session=session, login=kw).enabled
    finally:
        as_admin.dispose()
