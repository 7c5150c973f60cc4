"""The team server's own defences (migration 0018), tried as each staff role with raw SQL.

Each test makes uniquely named login roles on the local cluster (trust auth lets a test
connect as any of them) and drops them afterwards. What is checked is the database
itself: what each role sees, what it may do, and what it is refused whatever the client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from conftest import FROZEN_NOW, _drop_postgres, _fresh_postgres
from factories import (
    USER,
    add_team,
    add_worker,
    allocated_case,
    fake_nhs_number,
    person_in,
    receive,
)
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlmodel import Session

from intapp.services import assessments, case_notes
from intapp.services.assessments import AssessmentIn

pytestmark = pytest.mark.postgres
ROLES = ("key_worker", "coordinator", "supervisor", "admin")


@dataclass
class City:
    """Three teams in two localities, one login per role, and people placed to test scope."""

    owner: Engine
    logins: dict[str, str]
    teams: dict[str, int]
    home: int  # in CEN1
    held: int  # in CEN2; their case is held by the key worker's worker
    referred_in: int  # in CEN2, with an open referral to CEN1
    other: int  # in CEN2
    north: int  # in NOR1
    north_nhs: str
    signed_off: int  # an assessment of `home`, signed off

    def connect(self, role: str) -> Engine:
        url = make_url(str(self.owner.url.render_as_string(hide_password=False)))
        return create_engine(url.set(username=self.logins[role], password=None))


@pytest.fixture
def pg_engine(postgres_template: str) -> Iterator[Engine]:
    engine, name = _fresh_postgres(postgres_template)
    yield engine
    engine.dispose()
    _drop_postgres(name)


@pytest.fixture
def city(pg_engine: Engine) -> Iterator[City]:
    prefix = f"t_{uuid.uuid4().hex[:8]}"
    logins = {role: f"{prefix}_{role}" for role in ROLES}
    with Session(pg_engine) as session:
        cen1, cen2 = add_team(session, "CEN1").id, add_team(session, "CEN2").id
        nor1 = add_team(session, "NOR1", "North").id
        worker = add_worker(session, cen1, "SW1")
        other_worker = add_worker(session, cen2, "SW2")
        home = allocated_case(session, cen1, worker, 0).person_id
        held = allocated_case(session, cen2, other_worker, 1)
        other = allocated_case(session, cen2, other_worker, 2).person_id
        referred_in = receive(session, person_in(cen2, 3)).person_id
        north_nhs = fake_nhs_number(4)
        north = receive(session, person_in(nor1, 4, nhs_number=north_nhs)).person_id
        session.commit()
        draft = assessments.start_assessment(
            session=session,
            user=USER,
            person_id=home,
            content=AssessmentIn(what_matters="Seeing the grandchildren"),
        )
        assessments.sign_off_assessment(
            session=session, user=USER, assessment_id=draft.id, expected_version=draft.version
        )
        session.commit()
    with pg_engine.begin() as c:
        # The key worker's worker holds `held`'s case, though they belong to CEN2.
        c.execute(
            text("UPDATE allocation SET worker_id = :w WHERE id = :a"),
            {"w": worker, "a": held.id},
        )
        # `referred_in` is referred to CEN1 while belonging to CEN2.
        c.execute(
            text("UPDATE referral SET team_id = :t WHERE person_id = :p"),
            {"t": cen1, "p": referred_in},
        )
        central = c.execute(text("SELECT id FROM locality WHERE name = 'Central'")).scalar_one()
        for role, login in logins.items():
            c.execute(text(f'CREATE ROLE "{login}" LOGIN IN ROLE intapp_{role}'))
            c.execute(
                text(
                    "INSERT INTO staff_login (login, role, locality_id, worker_id, enabled, "
                    "created_at) VALUES (:l, :r, :loc, :w, true, now())"
                ),
                {
                    "l": login,
                    "r": role,
                    "loc": central if role == "supervisor" else None,
                    "w": worker if role == "key_worker" else None,
                },
            )
            if role in ("key_worker", "coordinator"):
                c.execute(
                    text("INSERT INTO staff_team (login, team_id) VALUES (:l, :t)"),
                    {"l": login, "t": cen1},
                )
    yield City(
        owner=pg_engine,
        logins=logins,
        teams={"CEN1": cen1, "CEN2": cen2, "NOR1": nor1},
        home=home,
        held=held.person_id,
        referred_in=referred_in,
        other=other,
        north=north,
        north_nhs=north_nhs,
        signed_off=draft.id,
    )
    with pg_engine.connect() as c:
        c.execute(text("COMMIT"))
        for login in sorted(logins.values(), reverse=True):
            c.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        c.commit()


def _as(city: City, role: str) -> Iterator[Connection]:
    engine = city.connect(role)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _scalar(city: City, role: str, sql: str, **params: object) -> object:
    for c in _as(city, role):
        return c.execute(text(sql), params).scalar()
    raise AssertionError("unreachable")


def _refused(city: City, role: str, sql: str, match: str, **params: object) -> None:
    for c in _as(city, role):
        with pytest.raises(DBAPIError, match=match):
            c.execute(text(sql), params)


def _people_by_team(city: City, role: str) -> dict[str, int]:
    for c in _as(city, role):
        rows = c.execute(
            text(
                "SELECT t.code, count(*) FROM person p JOIN team t ON t.id = p.team_id "
                "GROUP BY t.code ORDER BY t.code"
            )
        ).all()
        return {code: n for code, n in rows}
    raise AssertionError("unreachable")


def test_each_role_sees_the_people_in_its_scope(city: City) -> None:
    # CEN1's own person, the case the key worker holds in CEN2, and the CEN2 person
    # referred to CEN1; a supervisor sees the locality (Central); an admin, everyone.
    assert _people_by_team(city, "key_worker") == {"CEN1": 1, "CEN2": 2}
    assert _people_by_team(city, "coordinator") == {"CEN1": 1, "CEN2": 1}
    assert _people_by_team(city, "supervisor") == {"CEN1": 1, "CEN2": 3}
    assert _people_by_team(city, "admin") == {"CEN1": 1, "CEN2": 3, "NOR1": 1}
    for c in _as(city, "key_worker"):
        seen = set(c.execute(text("SELECT id FROM person")).scalars())
        assert seen == {city.home, city.held, city.referred_in}
        referrals = set(c.execute(text("SELECT person_id FROM referral")).scalars())
        assert referrals == seen
        assert c.execute(text("SELECT count(*) FROM assessment")).scalar() == 1


def test_another_teams_person_can_be_neither_read_nor_changed(city: City) -> None:
    for c in _as(city, "key_worker"):
        for table, column in (("person", "id"), ("referral", "person_id")):
            found = c.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :p"), {"p": city.other}
            )
            assert found.scalar() == 0
        changed = c.execute(
            text("UPDATE person SET phone = '0161 000 0000' WHERE id = :p"), {"p": city.other}
        )
        assert changed.rowcount == 0
        c.rollback()
    _refused(
        city,
        "key_worker",
        "INSERT INTO case_note (person_id, kind, contact_with, contact_at, author, written_at,"
        " text, significant)"
        " VALUES (:p, 'home_visit', 'person', now(), 'x', now(), 'Hello', false)",
        "row-level security",
        p=city.other,
    )


def test_what_each_role_may_write(city: City) -> None:
    note = (
        "INSERT INTO case_note (person_id, kind, contact_with, contact_at, author, written_at,"
        " text, significant) VALUES (:p, 'home_visit', 'person', now(), 'x', now(), 'Seen', false)"
    )
    for role in ("key_worker", "coordinator", "supervisor"):
        for c in _as(city, role):
            c.execute(text(note), {"p": city.home})
            c.commit()
    # Administrators do no casework; key workers neither allocate nor transfer.
    _refused(city, "admin", note, "permission denied", p=city.home)
    _refused(city, "key_worker", "UPDATE allocation SET weight = 1", "permission denied")
    _refused(city, "key_worker", "UPDATE referral SET priority = 'urgent'", "permission denied")
    for c in _as(city, "coordinator"):
        moved = c.execute(text("UPDATE referral SET priority = 'urgent'"))
        assert moved.rowcount == 2  # CEN1's two referrals: home's and referred_in's
        c.rollback()
    _refused(city, "coordinator", "UPDATE case_note SET person_id = person_id", "permission denied")
    _refused(city, "key_worker", "DELETE FROM person", "permission denied")
    _refused(city, "supervisor", "INSERT INTO staff_team VALUES ('x', 1)", "permission denied")


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_user_is_the_login_whatever_the_client_writes(city: City, role: str) -> None:
    for c in _as(city, role):
        written = c.execute(
            text(
                'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes) '
                "VALUES (now(), 'Dr Spoofed Name', 'person', :p, 'view', '{}') "
                'RETURNING "user"'
            ),
            {"p": str(city.home)},
        ).scalar()
        c.commit()
    assert written == city.logins[role]


def test_a_notes_author_is_the_login(city: City) -> None:
    for c in _as(city, "key_worker"):
        author = c.execute(
            text(
                "INSERT INTO case_note (person_id, kind, contact_with, contact_at, author,"
                " written_at, text, significant) VALUES (:p, 'home_visit', 'person', now(),"
                " 'Dr Spoofed Name', now(), 'Seen', false) RETURNING author"
            ),
            {"p": city.home},
        ).scalar()
    assert author == city.logins["key_worker"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "attack",
    [
        "UPDATE audit_event SET \"user\" = 'someone else'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "UPDATE import_batch SET \"user\" = 'someone else'",
        "DELETE FROM import_batch",
        "TRUNCATE person",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "ALTER TABLE person DISABLE ROW LEVEL SECURITY",
        "DROP POLICY intapp_select ON person",
        "CREATE TABLE mine (id int)",
        "INSERT INTO break_glass (login, person_id, reason, granted_at, expires_at)"
        " VALUES (session_user, 1, 'x', now(), now() + interval '1 year')",
    ],
)
def test_the_trail_and_the_rules_cannot_be_touched(city: City, role: str, attack: str) -> None:
    _refused(city, role, attack, "permission denied|must be owner")


def test_the_trail_keeps_every_event(city: City) -> None:
    with city.owner.connect() as c:
        events = c.execute(text("SELECT count(*) FROM audit_event")).scalar()
    for role in ROLES:
        for c in _as(city, role):
            for attack in ("DELETE FROM audit_event", "TRUNCATE audit_event"):
                with pytest.raises(ProgrammingError):
                    c.execute(text(attack))
                c.rollback()
    with city.owner.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_event")).scalar() == events


@pytest.mark.parametrize("role", ["key_worker", "supervisor"])
def test_a_signed_off_assessment_cannot_be_edited(city: City, role: str) -> None:
    _refused(
        city,
        role,
        "UPDATE assessment SET what_matters = 'Rewritten' WHERE id = :a",
        "never changed",
        a=city.signed_off,
    )
    _refused(city, role, "DELETE FROM assessment WHERE id = :a", "never changed", a=city.signed_off)


def test_break_glass_opens_a_record_for_a_while_and_is_audited(city: City) -> None:
    for c in _as(city, "key_worker"):
        assert (
            c.execute(text("SELECT count(*) FROM person WHERE id = :p"), {"p": city.north}).scalar()
            == 0
        )
        with pytest.raises(DBAPIError, match="needs a reason"):
            c.execute(text("SELECT * FROM intapp_break_glass(:n, '  ')"), {"n": city.north_nhs})
        c.rollback()
        nobody = c.execute(
            text("SELECT * FROM intapp_break_glass('no such', 'Urgent call from A&E')")
        ).all()
        assert nobody == []
        spaced = f"{city.north_nhs[:3]} {city.north_nhs[3:6]} {city.north_nhs[6:]}"
        person_id, expires_at = c.execute(
            text("SELECT * FROM intapp_break_glass(:n, 'Called by A&E about a fall')"),
            {"n": spaced},
        ).one()
        c.commit()
        assert person_id == city.north
        now = c.execute(text("SELECT now()")).scalar()
        assert timedelta(hours=7, minutes=59) < expires_at - now <= timedelta(hours=8)
        assert (
            c.execute(text("SELECT count(*) FROM person WHERE id = :p"), {"p": city.north}).scalar()
            == 1
        )
        assert c.execute(text("SELECT count(*) FROM break_glass")).scalar() == 1
        c.rollback()
    with city.owner.connect() as c:
        event = c.execute(
            text("SELECT \"user\", action, person_id FROM audit_event WHERE action = 'break_glass'")
        ).one()
        assert tuple(event) == (city.logins["key_worker"], "break_glass", city.north)
        # Others' grants: the key worker's is not the coordinator's to see; a supervisor
        # sees their own staff's, though North is not in their scope; an admin, all.
    assert _scalar(city, "coordinator", "SELECT count(*) FROM break_glass") == 0
    assert _scalar(city, "supervisor", "SELECT count(*) FROM break_glass") == 1
    assert _scalar(city, "admin", "SELECT count(*) FROM break_glass") == 1
    with city.owner.begin() as c:
        c.execute(text("UPDATE break_glass SET expires_at = now() - interval '1 minute'"))
    count = "SELECT count(*) FROM person WHERE id = :p"
    assert _scalar(city, "key_worker", count, p=city.north) == 0


def test_sign_in_says_who_and_what_and_records_it(city: City) -> None:
    for c in _as(city, "supervisor"):
        role, worker_id, locality_id, team_ids = c.execute(
            text("SELECT * FROM intapp_sign_in()")
        ).one()
        c.commit()
    assert (role, worker_id, sorted(team_ids)) == (
        "supervisor",
        None,
        sorted([city.teams["CEN1"], city.teams["CEN2"]]),
    )
    assert locality_id is not None
    assert sorted(_scalar(city, "admin", "SELECT team_ids FROM intapp_sign_in()")) == sorted(
        city.teams.values()
    )
    with city.owner.connect() as c:
        signed = c.execute(
            text("SELECT last_sign_in_at IS NOT NULL FROM staff_login WHERE login = :l"),
            {"l": city.logins["supervisor"]},
        ).scalar()
    assert signed is True


def test_a_disabled_login_sees_nothing_and_a_leaver_cannot_connect(city: City) -> None:
    login = city.logins["key_worker"]
    with city.owner.begin() as c:
        c.execute(text("UPDATE staff_login SET enabled = false WHERE login = :l"), {"l": login})
    assert _scalar(city, "key_worker", "SELECT count(*) FROM intapp_sign_in()") == 0
    assert _scalar(city, "key_worker", "SELECT count(*) FROM person") == 0
    with city.owner.begin() as c:
        c.execute(text(f'ALTER ROLE "{login}" NOLOGIN'))
    with pytest.raises(OperationalError, match="not permitted to log in"):
        _scalar(city, "key_worker", "SELECT 1")


def test_staff_roles_own_nothing_and_may_not_truncate(pg_engine: Engine) -> None:
    with pg_engine.connect() as c:
        owned = c.execute(
            text(
                "SELECT count(*) FROM pg_class k JOIN pg_roles r ON r.oid = k.relowner "
                "WHERE r.rolname LIKE 'intapp\\_%'"
            )
        ).scalar()
        truncating = c.execute(
            text(
                "SELECT count(*) FROM information_schema.role_table_grants "
                "WHERE grantee LIKE 'intapp\\_%' AND privilege_type IN "
                "('TRUNCATE', 'TRIGGER', 'REFERENCES')"
            )
        ).scalar()
        trail = c.execute(
            text(
                "SELECT count(*) FROM information_schema.role_table_grants "
                "WHERE grantee LIKE 'intapp\\_%' AND table_name IN ('audit_event', "
                "'import_batch') AND privilege_type IN ('UPDATE', 'DELETE')"
            )
        ).scalar()
        unguarded = c.execute(
            text(
                "SELECT count(*) FROM pg_class WHERE relname IN ('person', 'referral', "
                "'allocation', 'transfer', 'assessment', 'care_plan', 'care_plan_version', "
                "'plan_action', 'reablement_episode', 'case_note', 'case_note_addendum', "
                "'carer_link', 'person_alert', 'break_glass', 'audit_event') "
                "AND relkind = 'r' AND NOT relrowsecurity"
            )
        ).scalar()
    assert (owned, truncating, trail, unguarded) == (0, 0, 0, 0)


def test_the_owner_still_sees_and_does_everything(city: City) -> None:
    with city.owner.connect() as c:
        assert c.execute(text("SELECT count(*) FROM person")).scalar() == 5
    with Session(city.owner) as session:
        note = case_notes.write_note(
            session=session,
            user=USER,
            person_id=city.north,
            kind="home_visit",
            contact_with="person",
            contact_at=FROZEN_NOW,
            text="Seen at home",
        )
        session.commit()
    assert note.author == USER  # the owner may name its user (scripts, tests)


def test_a_sign_off_names_the_login(city: City) -> None:
    for c in _as(city, "key_worker"):
        draft = c.execute(
            text(
                "INSERT INTO assessment (person_id, assessment_type, status, what_matters,"
                " strengths, family_community_assets, outcomes, risks,"
                " needs_arise_from_condition, significant_wellbeing_impact,"
                " carer_health_at_risk, eligible, created_by, created_at, version)"
                " VALUES (:p, 'integrated', 'draft', 'Home', '', '', '[]', '', false, false,"
                " false, false, 'x', now(), 1) RETURNING id"
            ),
            {"p": city.home},
        ).scalar()
        signer = c.execute(
            text(
                "UPDATE assessment SET status = 'signed_off', signed_off_at = now(),"
                " signed_off_by = 'Dr Spoofed Name' WHERE id = :a RETURNING signed_off_by"
            ),
            {"a": draft},
        ).scalar()
    assert signer == city.logins["key_worker"]


def test_the_trail_shows_each_login_its_own_events_and_its_peoples(city: City) -> None:
    with city.owner.begin() as c:
        for person in (city.home, city.north):
            c.execute(
                text(
                    'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes,'
                    " person_id) VALUES (now(), 'someone', 'person', :p, 'view', '{}', :p)"
                ),
                {"p": person},
            )
    about = "SELECT DISTINCT person_id FROM audit_event WHERE \"user\" = 'someone'"
    for c in _as(city, "key_worker"):
        assert set(c.execute(text(about)).scalars()) == {city.home}
    for c in _as(city, "admin"):
        assert set(c.execute(text(about)).scalars()) == {city.home, city.north}


def test_group_roles_are_made_once_when_many_databases_race(postgres_template: str) -> None:
    """Parallel test databases on one cluster run 0018 at once; none of them fails."""
    import importlib
    from concurrent.futures import ThreadPoolExecutor

    migration = importlib.import_module(
        "intapp.migrations.versions.0018_roles_grants_and_row_security"
    )
    role = f"t_{uuid.uuid4().hex[:8]}_group"
    engines = [_fresh_postgres(postgres_template) for _ in range(4)]

    def create(engine: Engine) -> None:
        with engine.begin() as c:
            c.execute(text(migration.create_group_role(role)))

    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(create, [e for e, _ in engines * 2]))
        with engines[0][0].connect() as c:
            made = c.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role})
            assert made.scalar() == 1
    finally:
        for engine, name in engines:
            engine.dispose()
            _drop_postgres(name)
        admin = engines[0][0].url.set(database="postgres").render_as_string(hide_password=False)
        with create_engine(admin).connect() as c:
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            c.commit()


NEW_REFERRAL = (
    "INSERT INTO referral (reference, person_id, team_id, received_at, source, reason,"
    " due_by, status, route_of_access, priority, is_rereferral, version)"
    " VALUES ('X-' || :p, :p, :t, now(), 'self', 'Falls', now(), 'received',"
    " 'community_other', 'routine', false, 1)"
)


@pytest.mark.parametrize("role", ["coordinator", "supervisor"])
def test_a_referral_cannot_bring_someone_from_elsewhere_into_scope(city: City, role: str) -> None:
    """An open referral to one's team puts its person in scope: it may be made only for
    someone already in scope (anyone else is opened with break-glass)."""
    cen1 = city.teams["CEN1"]
    _refused(city, role, NEW_REFERRAL, "row-level security", p=city.north, t=cen1)
    _refused(
        city,
        role,
        "UPDATE referral SET person_id = :p WHERE person_id = :home",
        "row-level security",
        p=city.north,
        home=city.home,
    )
    count = "SELECT count(*) FROM person WHERE id = :p"
    assert _scalar(city, role, count, p=city.north) == 0
    for c in _as(city, role):  # someone in scope may be referred again
        c.execute(text(NEW_REFERRAL), {"p": city.home, "t": cen1})
        c.rollback()


def test_the_trail_takes_events_only_about_people_in_scope(city: City) -> None:
    event = (
        'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes, person_id)'
        " VALUES (now(), 'x', 'person', :p, 'view', '{}', :p)"
    )
    _refused(city, "key_worker", event, "row-level security", p=city.north)
    for c in _as(city, "key_worker"):
        c.execute(text(event), {"p": city.home})
        c.rollback()


def test_a_temporary_table_cannot_stand_in_for_the_real_one(pg_engine: Engine) -> None:
    with pg_engine.connect() as c:
        unfixed = c.execute(
            text(
                "SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p "
                "WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f' "
                "AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) s "
                "WHERE s LIKE 'search_path=pg_catalog, %, pg_temp')"
            )
        ).scalar()
        triggers = c.execute(
            text(
                "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE NOT t.tgisinternal AND p.proconfig IS NULL"
            )
        ).scalar()
    assert (unfixed, triggers) == (None, 0)


def test_a_shadow_person_table_does_not_fool_the_merge_move(city: City) -> None:
    """A TEMP `person` saying `home` was merged into `held` does not let the signed-off
    assessment move there."""
    for c in _as(city, "supervisor"):
        c.execute(text("SET ROLE NONE"))
        try:
            c.execute(text("CREATE TEMP TABLE person (id int, merged_into_id int)"))
        except DBAPIError:
            c.rollback()
            return  # no temporary tables at all: nothing to shadow with
        c.execute(
            text("INSERT INTO pg_temp.person VALUES (:h, :o)"), {"h": city.home, "o": city.held}
        )
        with pytest.raises(DBAPIError, match="never changed"):
            c.execute(
                text("UPDATE public.assessment SET person_id = :o WHERE id = :a"),
                {"o": city.held, "a": city.signed_off},
            )


def test_a_key_worker_cannot_supersede_without_a_successor(city: City) -> None:
    _refused(
        city,
        "key_worker",
        "UPDATE assessment SET status = 'superseded' WHERE id = :a",
        "never changed",
        a=city.signed_off,
    )


def test_only_a_supervisor_says_who_a_record_was_merged_into(city: City) -> None:
    for role in ("key_worker", "coordinator"):
        _refused(
            city,
            role,
            "UPDATE person SET merged_into_id = :o WHERE id = :h",
            "only a supervisor",
            h=city.home,
            o=city.referred_in,
        )
    for c in _as(city, "supervisor"):
        c.execute(
            text("UPDATE person SET merged_into_id = :o WHERE id = :h"),
            {"h": city.home, "o": city.referred_in},
        )
        c.rollback()


ASSESSMENT = (
    "INSERT INTO assessment (person_id, assessment_type, status, what_matters,"
    " strengths, family_community_assets, outcomes, risks,"
    " needs_arise_from_condition, significant_wellbeing_impact,"
    " carer_health_at_risk, eligible, created_by, created_at, version, signed_off_at)"
    " VALUES (:p, 'integrated', :s, 'Home', '', '', '[]', '', false, false,"
    " false, false, 'x', now(), 1, :at) RETURNING id"
)
LONG_AGO = "2020-01-01T00:00:00+00:00"


@pytest.mark.parametrize("status", ["signed_off", "superseded"])
def test_staff_cannot_insert_a_finished_assessment(city: City, status: str) -> None:
    _refused(
        city,
        "key_worker",
        ASSESSMENT,
        "never inserted signed off",
        p=city.home,
        s=status,
        at=LONG_AGO,
    )


def test_a_sign_off_is_stamped_now_and_the_trail_and_notes_keep_the_servers_time(
    city: City,
) -> None:
    for c in _as(city, "key_worker"):
        now = c.execute(text("SELECT now()")).scalar()
        draft = c.execute(text(ASSESSMENT), {"p": city.home, "s": "draft", "at": None}).scalar()
        signed_at = c.execute(
            text(
                "UPDATE assessment SET status = 'signed_off', signed_off_at = :at,"
                " signed_off_by = 'x' WHERE id = :a RETURNING signed_off_at"
            ),
            {"a": draft, "at": LONG_AGO},
        ).scalar()
        at = c.execute(
            text(
                'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes)'
                " VALUES (:at, 'x', 'person', '1', 'view', '{}') RETURNING at"
            ),
            {"at": LONG_AGO},
        ).scalar()
        written = c.execute(
            text(
                "INSERT INTO case_note (person_id, kind, contact_with, contact_at, author,"
                " written_at, text, significant) VALUES (:p, 'home_visit', 'person', :at,"
                " 'x', :at, 'Seen', false) RETURNING written_at, contact_at"
            ),
            {"p": city.home, "at": LONG_AGO},
        ).one()
        c.rollback()
    assert signed_at == now and at == now and written[0] == now
    assert written[1].year == 2020  # when the contact was is the worker's to say


def test_a_supervisor_sees_their_own_staffs_activity_anywhere(city: City) -> None:
    with city.owner.begin() as c:
        c.execute(
            text(
                'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes,'
                " person_id) VALUES (now(), :u, 'person', :p, 'view', '{}', :p)"
            ),
            {"u": city.logins["key_worker"], "p": city.north},
        )
    seen = "SELECT count(*) FROM audit_event WHERE person_id = :p"
    assert _scalar(city, "supervisor", seen, p=city.north) == 1
    assert _scalar(city, "coordinator", seen, p=city.north) == 0


@pytest.mark.parametrize(
    "reason",
    ["\u00a0" * 12, "  \t \n  ", "Short", "A&E called " * 100],
    ids=["no-break spaces", "spaces", "short", "too long"],
)
def test_break_glass_refuses_an_empty_short_or_endless_reason(city: City, reason: str) -> None:
    _refused(
        city,
        "key_worker",
        "SELECT * FROM intapp_break_glass(:n, :r)",
        "reason",
        n=city.north_nhs,
        r=reason,
    )


def test_a_login_sees_its_own_staff_row_and_leads_see_all(city: City) -> None:
    logins = "SELECT count(*) FROM staff_login"
    assert _scalar(city, "key_worker", logins) == 1
    assert _scalar(city, "coordinator", logins) == 1
    assert _scalar(city, "supervisor", logins) == 4
    assert _scalar(city, "admin", logins) == 4
    for c in _as(city, "admin"):
        changed = c.execute(text("UPDATE staff_login SET enabled = enabled"))
        assert changed.rowcount == 4
        c.rollback()


def _coordinator_of(city: City, team: str) -> Engine:
    """One more coordinator login, of `team` (dropped with the city's)."""
    login = f"{city.logins['coordinator']}_{team.lower()}"
    with city.owner.begin() as c:
        c.execute(text(f'CREATE ROLE "{login}" LOGIN IN ROLE intapp_coordinator'))
        c.execute(
            text(
                "INSERT INTO staff_login (login, role, enabled, created_at) "
                "VALUES (:l, 'coordinator', true, now())"
            ),
            {"l": login},
        )
        c.execute(
            text("INSERT INTO staff_team (login, team_id) VALUES (:l, :t)"),
            {"l": login, "t": city.teams[team]},
        )
    city.logins[f"coordinator_{team}"] = login
    return city.connect(f"coordinator_{team}")


def test_coordinators_still_send_return_and_accept_transfers(city: City) -> None:
    """A referral changed by a transfer still points at someone in the writer's scope:
    the sender keeps the person until the receiver accepts; a return gives them back."""
    from intapp.services import transfers

    receiver = _coordinator_of(city, "CEN2")
    sender = city.connect("coordinator")
    with city.owner.connect() as c:
        referral_id = c.execute(
            text("SELECT id FROM referral WHERE person_id = :p"), {"p": city.home}
        ).scalar_one()

    def version() -> int:
        with city.owner.connect() as c:
            found = c.execute(
                text("SELECT version FROM referral WHERE id = :r"), {"r": referral_id}
            )
            return int(found.scalar_one())

    def send() -> None:
        with Session(sender) as session:
            transfers.send_transfer(
                session=session,
                user="ignored",
                referral_id=referral_id,
                to_team_id=city.teams["CEN2"],
                reason="Moved house",
                expected_version=version(),
            )
            session.commit()

    try:
        send()
        assert (
            _scalar(city, "coordinator", "SELECT count(*) FROM person WHERE id = :p", p=city.home)
            == 1
        )
        with Session(receiver) as session:
            transfers.return_transfer(
                session=session,
                user="ignored",
                referral_id=referral_id,
                reason="Not ours",
                expected_version=version(),
            )
            session.commit()
        send()
        with Session(receiver) as session:
            transfers.accept_transfer(
                session=session, user="ignored", referral_id=referral_id, expected_version=version()
            )
            session.commit()
        with city.owner.connect() as c:
            team = c.execute(text("SELECT team_id FROM person WHERE id = :p"), {"p": city.home})
            assert team.scalar_one() == city.teams["CEN2"]
    finally:
        sender.dispose()
        receiver.dispose()


def test_an_admins_raw_change_to_a_login_is_in_the_trail(city: City) -> None:
    kw = city.logins["key_worker"]
    for c in _as(city, "admin"):
        c.execute(text("UPDATE staff_login SET role = 'supervisor' WHERE login = :l"), {"l": kw})
        c.execute(
            text("INSERT INTO staff_team (login, team_id) VALUES (:l, :t)"),
            {"l": kw, "t": city.teams["NOR1"]},
        )
        c.commit()
    for c in _as(city, "key_worker"):
        c.execute(text("SELECT * FROM intapp_sign_in()"))  # a sign-in is no change
        c.commit()
    with city.owner.connect() as c:
        events = c.execute(
            text(
                'SELECT "user", entity, action, changes::text FROM audit_event '
                "WHERE entity_id = :l ORDER BY id"
            ),
            {"l": kw},
        ).all()
    assert [tuple(e) for e in events] == [
        (city.logins["admin"], "staff_login", "update", '{"role": ["key_worker", "supervisor"]}'),
        (
            city.logins["admin"],
            "staff_team",
            "create",
            f'{{"login": [null, "{kw}"], "team_id": [null, {city.teams["NOR1"]}]}}',
        ),
    ]


def test_a_case_cannot_be_allocated_for_someone_from_elsewhere(city: City) -> None:
    """A case held by a worker puts its person in that worker's scope."""
    with city.owner.connect() as c:
        columns = c.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = "
                "'allocation' AND table_schema = current_schema() AND column_name <> 'id'"
            )
        ).scalars()
        names = list(columns)
    given = {"person_id": ":p", "ended_at": "CAST(:ended AS timestamptz)"}
    chosen = ", ".join(given.get(n, n) for n in names)
    copy = (
        f"INSERT INTO allocation ({', '.join(names)}) SELECT {chosen} FROM allocation "
        "WHERE person_id = :home"
    )
    _refused(
        city, "coordinator", copy, "row-level security", p=city.north, home=city.home, ended=None
    )
    for c in _as(city, "coordinator"):  # (ended: one case open per referral)
        c.execute(text(copy), {"p": city.home, "home": city.home, "ended": FROZEN_NOW})
        c.rollback()
