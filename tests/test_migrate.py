"""The fast start-up check agrees with Alembic."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from intapp.store.migrate import alembic_config, current_revision, head_revision, upgrade


def test_head_read_from_the_files_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_migrated_database_is_at_head(engine):
    assert current_revision(engine) == head_revision()


def test_upgrade_of_an_empty_file_reaches_head(tmp_path):
    from intapp.store.engine import create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_0007_rewrites_earlier_case_outcomes_and_dates_triage_closures(engine):
    """Case outcomes stored before 0010 read as their CLD outcome; signposted and
    no-further-action referrals stored without a close date get their triage time."""
    from datetime import UTC, date, datetime

    from alembic import command
    from sqlalchemy import insert, select, text

    from intapp.models import Person, Referral, Team

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    referral = {
        "person_id": 1,
        "team_id": 1,
        "received_at": at,
        "source": "gp",
        "route_of_access": "community_other",
        "reason": "Fall",
        "priority": "routine",
        "due_by": at,
        "is_rereferral": False,
        "version": 1,
        "triaged_at": at,
        "triaged_by": "duty.c1",
        "closed_at": None,
        "close_outcome": None,
        "close_reason": None,
    }
    with engine.begin() as connection:
        # Rows as a database written before 0010 held them (only the columns it had).
        connection.execute(text("INSERT INTO locality (id, name) VALUES (1, 'Central')"))
        connection.execute(
            insert(Team.__table__).values(id=1, code="C1", name="C1", locality_id=1, population=1)
        )
        connection.execute(
            insert(Person.__table__).values(
                id=1,
                local_id="L1",
                given_name="A",
                family_name="B",
                date_of_birth=date(1940, 1, 1),
                team_id=1,
                risk_tier="low",
                frail_older=False,
                ltc_end_of_life=False,
                complex_lives=False,
                mh_ld_dementia=False,
                cyp_with_ltc=False,
                has_unpaid_carer=False,
                is_carer=False,
                created_at=at,
                version=1,
            )
        )
        connection.execute(
            insert(Referral.__table__),
            [
                {
                    **referral,
                    "id": 1,
                    "reference": "R1",
                    "status": "closed",
                    "closed_at": at,
                    "close_outcome": "moved_away",
                    "close_reason": "Moved",
                },
                {**referral, "id": 2, "reference": "R2", "status": "signposted"},
                {**referral, "id": 3, "reference": "R3", "status": "no_further_action"},
            ],
        )
    upgrade(engine)
    table = Referral.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                table.c.id, table.c.close_outcome, table.c.closed_at, table.c.closed_by
            ).order_by(table.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "nfa_moved_to_another_la", at, None),
        (2, "nfa_signposting", at, "duty.c1"),
        (3, "nfa_no_services", at, "duty.c1"),
    ]


def test_0011_recomputes_name_keys_and_stores_folded_names(engine):
    """Keys stored before 0011 lost letters that do not decompose ("Łukasz" was UKSS);
    the migration rewrites those, fills the folded names, and leaves every version."""
    from datetime import UTC, date, datetime

    from alembic import command
    from sqlalchemy import insert, select, text

    from intapp.migrations.name_keys import refill_name_keys
    from intapp.models import Person, Team

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    person = {
        "date_of_birth": date(1940, 1, 1),
        "team_id": 1,
        "risk_tier": "low",
        "frail_older": False,
        "ltc_end_of_life": False,
        "complex_lives": False,
        "mh_ld_dementia": False,
        "cyp_with_ltc": False,
        "has_unpaid_carer": False,
        "is_carer": False,
        "created_at": at,
        "version": 3,
    }
    old = [  # (given, family, given key, family key) as the earlier name_key stored them
        ("Łukasz", "Øyvindsen", "UKSS", "YFNTSN"),
        ("Lukasz", "Straße", "LKSS", "STR"),
        ("Mary", "Smith", "MR", "SM0"),
    ]
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO locality (id, name) VALUES (1, 'Central')"))
        connection.execute(
            insert(Team.__table__).values(id=1, code="C1", name="C1", locality_id=1, population=1)
        )
        connection.execute(
            insert(Person.__table__),
            [
                {
                    **person,
                    "id": n,
                    "local_id": f"L{n}",
                    "given_name": given,
                    "family_name": family,
                    "given_name_key": given_key,
                    "family_name_key": family_key,
                }
                for n, (given, family, given_key, family_key) in enumerate(old, start=1)
            ],
        )
    upgrade(engine)
    table = Person.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                table.c.given_name_key,
                table.c.family_name_key,
                table.c.given_name_folded,
                table.c.family_name_folded,
                table.c.version,
            ).order_by(table.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("LKSS", "OFNTSN", "łukasz", "øyvindsen", 3),
        ("LKSS", "STRS", "lukasz", "strasse", 3),
        ("MR", "SM0", "mary", "smith", 3),
    ]
    with engine.begin() as connection:
        assert refill_name_keys(connection) == 0  # nothing left to change


def test_0014_fills_plan_actions_from_each_plans_current_version(engine):
    """Each plan's current actions become rows: "who" naming exactly one worker of the
    person's team is that worker; anyone else, or a name two workers share, a service.
    Earlier versions are left as they were written."""
    from datetime import UTC, date, datetime

    from alembic import command
    from sqlalchemy import insert, select, text

    from intapp.models import CarePlan, CarePlanVersion, Person, PlanAction, Team, Worker

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    worker = {"profession": "social_worker", "fte": 1.0, "caseload_limit": 100, "version": 1}
    old_actions = [
        {"who": "Asha Khan", "what": "Visit", "by_when": "2026-11-20", "done": False},
        {"who": "District nurses", "what": "Dress", "by_when": "2026-11-21", "done": True},
        {"who": "Sam Lee", "what": "Ring", "by_when": "2026-11-22", "cancelled": True},
        {"who": "ben  LLOYD", "what": "Rails", "by_when": "2026-11-23", "done": False},
    ]
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO locality (id, name) VALUES (1, 'Central')"))
        connection.execute(
            insert(Team.__table__),
            [
                {"id": t, "code": f"C{t}", "name": f"C{t}", "locality_id": 1, "population": 1}
                for t in (1, 2)
            ],
        )
        connection.execute(
            insert(Worker.__table__),
            [
                {
                    **worker,
                    "id": 1,
                    "staff_id": "A",
                    "given_name": "Asha",
                    "family_name": "Khan",
                    "team_id": 1,
                },
                {
                    **worker,
                    "id": 2,
                    "staff_id": "B",
                    "given_name": "Sam",
                    "family_name": "Lee",
                    "team_id": 1,
                },
                {
                    **worker,
                    "id": 3,
                    "staff_id": "C",
                    "given_name": "Sam",
                    "family_name": "Lee",
                    "team_id": 1,
                },
                {
                    **worker,
                    "id": 4,
                    "staff_id": "D",
                    "given_name": "Ben",
                    "family_name": "Lloyd",
                    "team_id": 1,
                },
                # Same name as a worker of the person's team, in another team.
                {
                    **worker,
                    "id": 5,
                    "staff_id": "E",
                    "given_name": "Asha",
                    "family_name": "Khan",
                    "team_id": 2,
                },
            ],
        )
        connection.execute(
            insert(Person.__table__).values(
                id=1,
                local_id="L1",
                given_name="Mary",
                family_name="Smith",
                date_of_birth=date(1940, 1, 1),
                team_id=1,
                risk_tier="low",
                frail_older=False,
                ltc_end_of_life=False,
                complex_lives=False,
                mh_ld_dementia=False,
                cyp_with_ltc=False,
                has_unpaid_carer=False,
                is_carer=False,
                created_at=at,
                version=1,
            )
        )
        connection.execute(
            insert(CarePlan.__table__).values(
                id=1,
                person_id=1,
                lead_worker_id=1,
                review_date=date(2026, 12, 1),
                current_number=2,
                created_at=at,
                version=2,
            )
        )
        version = {
            "plan_id": 1,
            "lead_worker_id": 1,
            "review_date": date(2026, 12, 1),
            "goals": ["Home"],
            "items": [],
            "change_note": "",
            "created_by": "u",
            "created_at": at,
        }
        connection.execute(
            insert(CarePlanVersion.__table__),
            [
                {**version, "id": 1, "number": 1, "actions": old_actions[:1]},
                {**version, "id": 2, "number": 2, "actions": old_actions},
            ],
        )
    upgrade(engine)
    table = PlanAction.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                table.c.plan_id,
                table.c.position,
                table.c.worker_id,
                table.c.service,
                table.c.what,
                table.c.by_when,
                table.c.status,
            ).order_by(table.c.position)
        ).all()
        kept = connection.execute(
            select(CarePlanVersion.__table__.c.actions).order_by(CarePlanVersion.__table__.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, 0, 1, None, "Visit", date(2026, 11, 20), "open"),
        (1, 1, None, "District nurses", "Dress", date(2026, 11, 21), "done"),
        (1, 2, None, "Sam Lee", "Ring", date(2026, 11, 22), "cancelled"),
        (1, 3, 4, None, "Rails", date(2026, 11, 23), "open"),
    ]
    assert [r[0] for r in kept] == [old_actions[:1], old_actions]


def test_0015_adds_person_alerts_and_going_back_is_refused_while_any_are_held(engine):
    """Going back before 0015 would drop alerts a visitor relies on: refused while any
    are held, allowed (and reversible) when none are."""
    from datetime import UTC, datetime

    import pytest
    from alembic import command
    from sqlalchemy import inspect, text

    from intapp.store.migrate import current_revision, upgrade

    config = alembic_config()
    assert "person_alert" in inspect(engine).get_table_names()
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO locality (id, name) VALUES (1, 'Central')"))
        connection.execute(
            text(
                "INSERT INTO team (id, code, name, locality_id, population)"
                " VALUES (1, 'C1', 'C1', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO person (id, local_id, given_name, family_name, date_of_birth,"
                " team_id, risk_tier, frail_older, ltc_end_of_life, complex_lives,"
                " mh_ld_dementia, cyp_with_ltc, has_unpaid_carer, is_carer, created_at,"
                " version) VALUES (1, 'L1', 'A', 'B', :born, 1, 'low', false, false,"
                " false, false, false, false, false, :at, 1)"
            ),
            {"born": datetime(1940, 1, 1).date(), "at": at.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO person_alert (person_id, kind, label, note, raised_by, raised_at,"
                " version) VALUES (1, 'key_safe', 'Key safe', 'Code 1234', 'a.user', :at, 1)"
            ),
            {"at": at.replace(tzinfo=None)},
        )
    # Refused, and the whole step back with it (the later migrations' too).
    with pytest.raises(RuntimeError, match="holds 1 alert"), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015-1")
    assert current_revision(engine) == head_revision()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM person_alert"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015-1")
    assert "person_alert" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "person_alert" in inspect(engine).get_table_names()


def test_0017_fills_each_events_person_and_going_back_is_refused_while_staff_exist(engine):
    """Events written before 0017 learn their person from their record; the append-only
    guard is back afterwards. Going back is refused while staff logins exist, and the
    step down and up again works when none do."""
    from datetime import UTC, datetime

    import pytest
    from alembic import command
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import DBAPIError

    from intapp.store.migrate import current_revision, upgrade

    config = alembic_config()
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    assert "staff_login" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO locality (id, name) VALUES (1, 'Central')"))
        connection.execute(
            text(
                "INSERT INTO team (id, code, name, locality_id, population)"
                " VALUES (1, 'C1', 'C1', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO person (id, local_id, given_name, family_name, date_of_birth,"
                " team_id, risk_tier, frail_older, ltc_end_of_life, complex_lives,"
                " mh_ld_dementia, cyp_with_ltc, has_unpaid_carer, is_carer, created_at,"
                " version) VALUES (7, 'L1', 'A', 'B', :born, 1, 'low', false, false,"
                " false, false, false, false, false, :at, 1)"
            ),
            {"born": datetime(1940, 1, 1).date(), "at": at},
        )
        connection.execute(
            text(
                "INSERT INTO referral (id, reference, person_id, team_id, source,"
                " route_of_access, reason, received_at, priority, due_by, status,"
                " is_rereferral, version) VALUES (3, 'R3', 7, 1, 'gp', 'community_other',"
                " 'falls', :at, 'routine', :at, 'received', false, 1)"
            ),
            {"at": at},
        )
        for entity, entity_id in (("person", "7"), ("referral", "3"), ("team", "1")):
            connection.execute(
                text(
                    'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes)'
                    " VALUES (:at, 'a.user', :entity, :entity_id, 'create', '{}')"
                ),
                {"at": at, "entity": entity, "entity_id": entity_id},
            )
    upgrade(engine)
    with engine.connect() as connection:
        people = connection.execute(
            text("SELECT entity, person_id FROM audit_event ORDER BY id")
        ).all()
    assert [tuple(row) for row in people] == [("person", 7), ("referral", 7), ("team", None)]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET person_id = NULL"))

    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO staff_login (login, role, enabled, created_at)"
                " VALUES ('jsmith', 'key_worker', true, :at)"
            ),
            {"at": at},
        )
    with pytest.raises(RuntimeError, match="1 staff login"), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    assert current_revision(engine) == head_revision()


def test_0019_adds_the_national_fields_and_going_back_is_refused_while_any_are_held(engine):
    """The four national fields arrive empty; going back would drop what was recorded,
    so it is refused while any person holds one, and works (both ways) when none do."""
    from datetime import UTC, datetime

    import pytest
    from alembic import command
    from sqlalchemy import inspect, text

    from intapp.store.migrate import current_revision, upgrade

    fields = {"ethnicity", "accommodation_status", "primary_support_reason", "client_type"}
    config = alembic_config()
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC).replace(tzinfo=None)
    assert fields <= {c["name"] for c in inspect(engine).get_columns("person")}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO locality (id, name) VALUES (1, 'Central')"))
        connection.execute(
            text(
                "INSERT INTO team (id, code, name, locality_id, population)"
                " VALUES (1, 'C1', 'C1', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO person (id, local_id, given_name, family_name, date_of_birth,"
                " team_id, risk_tier, frail_older, ltc_end_of_life, complex_lives,"
                " mh_ld_dementia, cyp_with_ltc, has_unpaid_carer, is_carer, created_at,"
                " version, accommodation_status) VALUES (1, 'L1', 'A', 'B', :born, 1, 'low',"
                " false, false, false, false, false, false, false, :at, 1, 'care_home')"
            ),
            {"born": datetime(1940, 1, 1).date(), "at": at},
        )
    with pytest.raises(RuntimeError, match="1 person record"), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0019-1")
    assert current_revision(engine) == head_revision()
    with engine.begin() as connection:
        connection.execute(text("UPDATE person SET accommodation_status = NULL"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0019-1")
    assert not fields & {c["name"] for c in inspect(engine).get_columns("person")}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert fields <= {c["name"] for c in inspect(engine).get_columns("person")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT ethnicity FROM person")).all() == [(None,)]
