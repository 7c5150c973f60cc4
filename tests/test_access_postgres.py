"""Signing in on a team server: each login is what `intapp_sign_in()` says it is, the
owner may do everything, and anyone else is told plainly that they are not staff.

Each test connects as its own uniquely named login role, dropped afterwards (role names
are cluster-wide).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from intapp import access, clock
from intapp.access import Role, signed_in
from intapp.services.errors import NotAllowed, NotStaff
from intapp.store.engine import create_db_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_engine: Engine) -> Engine:
    return postgres_engine


@pytest.fixture
def login_as(pg: Engine) -> Iterator[Callable[[str], Engine]]:
    """An engine connected as a new login role named `t_<random>_<suffix>`."""
    made: list[tuple[str, Engine]] = []

    def make(suffix: str) -> Engine:
        name = f"t_{uuid.uuid4().hex[:8]}_{suffix}"
        with pg.begin() as c:
            c.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            c.execute(text(f'GRANT CONNECT ON DATABASE "{pg.url.database}" TO "{name}"'))
        url = make_url(str(pg.url.render_as_string(hide_password=False))).set(username=name)
        engine = create_db_engine(url.render_as_string(hide_password=False))
        made.append((name, engine))
        return engine

    yield make
    for name, engine in made:
        engine.dispose()
        with pg.begin() as c:
            c.execute(text(f'DROP OWNED BY "{name}"'))
            c.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def staff(pg: Engine, login: str, role: str, team_id: int | None = None) -> None:
    """A staff_login row, and its group role."""
    with pg.begin() as c:
        c.execute(
            text(
                "INSERT INTO staff_login (login, role, enabled, created_at)"
                " VALUES (:login, :role, true, now())"
            ),
            {"login": login, "role": role},
        )
        if team_id is not None:
            c.execute(
                text("INSERT INTO staff_team (login, team_id) VALUES (:login, :team)"),
                {"login": login, "team": team_id},
            )
        group = f"intapp_{role}"
        if c.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": group}).first():
            c.execute(text(f'GRANT "{group}" TO "{login}"'))


def a_team(pg: Engine) -> int:
    from factories import small_organisation

    with Session(pg) as s:
        team = small_organisation(s).team.id
        s.commit()
    return team  # type: ignore[return-value]


def test_a_superuser_without_a_staff_row_is_the_owner(pg: Engine) -> None:
    who = signed_in(pg)
    assert (who.role, who.team_mode, who.login) == (Role.OWNER, True, pg.url.username)
    assert who.label == f"Signed in: {pg.url.username} · owner"


def test_the_database_owner_is_the_owner(pg: Engine, login_as: Callable[[str], Engine]) -> None:
    engine = login_as("own")
    with pg.begin() as c:
        c.execute(text(f'ALTER DATABASE "{pg.url.database}" OWNER TO "{engine.url.username}"'))
    try:
        assert signed_in(engine).role is Role.OWNER
    finally:
        with pg.begin() as c:
            c.execute(text(f'ALTER DATABASE "{pg.url.database}" OWNER TO "{pg.url.username}"'))


def test_a_login_that_is_not_staff_is_told_plainly(login_as: Callable[[str], Engine]) -> None:
    engine = login_as("nobody")
    name = engine.url.username
    with pytest.raises(NotStaff) as refused:
        signed_in(engine)
    assert str(refused.value) == (
        f"{name} is not set up as intapp staff on this server; ask your administrator "
        f"to run `intapp staff add {name} ...`."
    )


def test_a_coordinator_signs_in_with_their_teams_and_is_refused_a_merge(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    team = a_team(pg)
    engine = login_as("coord")
    staff(pg, str(engine.url.username), "coordinator", team)
    who = signed_in(engine)
    assert (who.role, who.team_ids, who.team_mode) == (Role.COORDINATOR, {team}, True)
    assert signed_in(engine) is who  # asked once per engine
    from intapp.services.merge import merge_people

    with Session(engine) as s, pytest.raises(NotAllowed) as refused:
        merge_people(session=s, user="ignored", survivor_id=1, merged_id=2)
    assert str(refused.value).startswith("Only supervisors may merge two records.")


@pytest.mark.parametrize("role", ["key_worker", "supervisor", "admin"])
def test_each_staff_role_signs_in_as_itself(
    role: str, pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    engine = login_as(role[:5])
    staff(pg, str(engine.url.username), role, a_team(pg) if role == "key_worker" else None)
    who = signed_in(engine)
    assert who.role is Role(role) and who.is_staff
    assert access.may(who, "note") is (role != "admin")
    assert access.may(who, "import") is (role == "admin")


def test_the_owner_is_not_refused(pg: Engine) -> None:
    from intapp.services.errors import NotFound
    from intapp.services.merge import merge_people

    with Session(pg) as s, pytest.raises(NotFound):  # past the role check, to the rules
        merge_people(session=s, user="owner", survivor_id=1, merged_id=2)


def test_a_key_worker_may_not_back_up_the_server(
    pg: Engine, login_as: Callable[[str], Engine], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from intapp import cli

    engine = login_as("kw")
    staff(pg, str(engine.url.username), "key_worker", a_team(pg))
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli.main, ["--database-url", url, "db", "backup", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "Only administrators may back up or restore the database." in result.output
    assert not list(tmp_path.iterdir())


def test_what_the_app_offers_a_key_worker_the_server_lets_them_do(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    """The app's table and the server's grants agree: casework the app allows a key
    worker is written as that login; what it refuses is refused before the server."""
    engine = pg
    from factories import person_in, receive, seen_version, small_organisation

    from intapp.models import Person
    from intapp.services import alerts, case_notes, person_details
    from intapp.services.allocations import allocate

    with Session(engine) as s:
        org = small_organisation(s)
        referral = receive(s, person_in(org.team.id, 0))
        team, worker, person = org.team.id, org.social_worker, referral.person_id
        s.commit()
    kw = login_as("kw")
    staff(engine, str(kw.url.username), "key_worker", team)
    with engine.begin() as c:
        c.execute(
            text("UPDATE staff_login SET worker_id = :w WHERE login = :l"),
            {"w": worker, "l": kw.url.username},
        )
    user = str(kw.url.username)
    with Session(kw) as s:
        case_notes.write_note(
            session=s,
            user=user,
            person_id=person,
            kind="phone_call",
            contact_with="person",
            contact_at=clock.now(),
            text="Rang to arrange a visit.",
        )
        alerts.raise_alert(
            session=s, user=user, person_id=person, kind="key_safe", note="Code 1234"
        )
        s.commit()
    with Session(kw) as s:
        version = seen_version(s, Person, person)
        person_details.edit_person(
            session=s,
            user=user,
            person_id=person,
            changes={"phone": "0161 496 0000"},
            expected_version=version,
        )
        s.commit()
    with Session(kw) as s, pytest.raises(NotAllowed):
        allocate(
            session=s,
            user=user,
            referral_id=referral.id,
            worker_id=worker,
            expected_version=1,
        )


def test_a_coordinator_takes_a_referral_from_intake_to_a_case_and_may_not_merge(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    """As its own login: receive, triage and allocate (the server agrees); a merge is a
    supervisor's, refused before the server is asked."""
    engine = pg
    from factories import allocated_case, small_organisation

    from intapp.services.merge import merge_people

    with Session(engine) as s:
        org = small_organisation(s)
        team, worker = org.team.id, org.social_worker
        s.commit()
    coordinator = login_as("coord")
    staff(engine, str(coordinator.url.username), "coordinator", team)
    with Session(coordinator) as s:
        first = allocated_case(s, team, worker, 0)
        second = allocated_case(s, team, worker, 1)
        s.commit()
    with Session(coordinator) as s, pytest.raises(NotAllowed):
        merge_people(session=s, user="x", survivor_id=first.person_id, merged_id=second.person_id)


def test_a_person_recorded_by_another_team_is_named_plainly_not_duplicated(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    """A coordinator cannot see another team's person, so a referral for them finds no
    match; recording them again is refused with the way on, not the database's error."""
    from factories import add_team, person_in, receive

    from intapp.services.errors import DomainError

    with Session(pg) as s:
        theirs, mine = add_team(s, "T1").id, add_team(s, "T2").id
        known = person_in(theirs, 0)
        receive(s, known)
        s.commit()
    engine = login_as("coord")
    staff(pg, str(engine.url.username), "coordinator", mine)
    again = person_in(mine, 0)
    assert again.nhs_number == known.nhs_number
    with Session(engine) as s, pytest.raises(DomainError) as refused:
        receive(s, again)
    assert "already recorded, outside your teams" in str(refused.value)
    assert "break-glass" in str(refused.value)


def test_the_app_tells_a_login_that_is_not_staff_before_it_opens(
    login_as: Callable[[str], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal comes at the command line, with its exit code, not inside an app that
    shows nothing."""
    from click.testing import CliRunner

    from intapp.app import IntApp
    from intapp.cli import root

    engine = login_as("nobody")
    opened: list[IntApp] = []
    monkeypatch.setattr(root, "_interactive", lambda: True)
    monkeypatch.setattr(IntApp, "run", lambda app: opened.append(app))
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(root.main, ["--database-url", url])
    assert result.exit_code == root.EXIT_SIGN_IN, result.output
    assert f"{engine.url.username} is not set up as intapp staff on this server" in result.output
    assert opened == []


def test_the_server_refusing_a_change_outside_the_teams_is_said_plainly(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    """Row-level security's refusal (a coordinator recording someone for another team)
    is a plain refusal with its exit code, not an unexpected fault."""
    from factories import add_team, person_in, receive

    from intapp.store.errors import OutsideScope, storage_error_from

    with Session(pg) as s:
        theirs, mine = add_team(s, "T1").id, add_team(s, "T2").id
        s.commit()
    engine = login_as("coord")
    staff(pg, str(engine.url.username), "coordinator", mine)
    with Session(engine) as s, pytest.raises(Exception) as refused:
        receive(s, person_in(theirs, 3))
    found = storage_error_from(refused.value)
    assert isinstance(found, OutsideScope)
    assert "outside what your role and teams may see or change" in str(found)


def test_a_disabled_login_is_told_it_is_disabled(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    """Not that the server cannot be reached: it answered, and said no."""
    from click.testing import CliRunner

    from intapp.cli import root

    engine = login_as("gone")
    name = str(engine.url.username)
    staff(pg, name, "key_worker", a_team(pg))
    with pg.begin() as c:
        c.execute(text(f'ALTER ROLE "{name}" NOLOGIN'))
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(root.main, ["alert", "list", "X", "--database-url", url])
    assert result.exit_code == root.EXIT_SIGN_IN, result.output
    assert f"{name} may not sign in: the login is disabled" in result.output


def test_a_coordinators_weekly_summary_covers_their_teams_only(
    pg: Engine, login_as: Callable[[str], Engine]
) -> None:
    """Not the whole city with every other team's capacity and none of its cases: the
    city narrows to their teams and says so; another team is refused plainly."""
    from factories import add_team

    from intapp.services.weekly_summary import weekly_summary

    with Session(pg) as s:
        mine, _theirs = add_team(s, "T1").id, add_team(s, "T2", "North").id
        s.commit()
    engine = login_as("coord")
    staff(pg, str(engine.url.username), "coordinator", mine)
    with Session(engine) as s:
        summary = weekly_summary(session=s, week="2026-W47")
        assert summary.title.endswith("your teams")
        assert {row.team for row in summary.rows if row.level == "team"} == {"T1"}
        with pytest.raises(NotAllowed, match="team T2 is outside your teams"):
            weekly_summary(session=s, week="2026-W47", team_code="T2")
