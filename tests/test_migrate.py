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
