"""Rows the database keeps as written: on SQLite, REPLACE (which deletes without firing
DELETE triggers) cannot rewrite a case note, an addendum or an audit event; and a merged
record's pointer is written once, on both databases (migrations 0012 and 0016)."""

from __future__ import annotations

import pytest
from factories import USER, person_in, receive, seen_version, small_organisation
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from intapp import clock
from intapp.models import Person
from intapp.services import case_notes, merge


def _merged_pair(session: Session) -> tuple[int, int, int]:
    """(survivor, merged, a third record) after a merge, committed."""
    org = small_organisation(session, people=1)
    survivor = org.people[0]
    merged = receive(session, person_in(org.team.id, 1, nhs_number=None, local_id="M-1")).person_id
    third = receive(session, person_in(org.team.id, 2, nhs_number=None, local_id="T-1")).person_id
    merge.merge_people(
        session=session,
        user=USER,
        survivor_id=survivor,
        merged_id=merged,
        survivor_version=seen_version(session, Person, survivor),
        merged_version=seen_version(session, Person, merged),
    )
    session.commit()
    return survivor, merged, third


@pytest.mark.parametrize("to", ["NULL", "third"])
def test_a_merged_records_pointer_cannot_be_cleared_or_redirected(session: Session, to: str):
    survivor, merged, third = _merged_pair(session)
    value = third if to == "third" else None
    with pytest.raises(DBAPIError, match="written once"):
        session.execute(
            text("UPDATE person SET merged_into_id = :to WHERE id = :id"),
            {"to": value, "id": merged},
        )
    session.rollback()
    session.expire_all()
    assert session.get(Person, merged).merged_into_id == survivor  # type: ignore[union-attr]


def test_a_chain_of_merges_moves_earlier_pointers_on_to_the_survivor(session: Session):
    first, merged, third = _merged_pair(session)
    # `first` (holding `merged`) is now merged into `third`: `merged` moves on to `third`.
    merge.merge_people(session=session, user=USER, survivor_id=third, merged_id=first)
    session.commit()
    session.expire_all()
    assert session.get(Person, merged).merged_into_id == third  # type: ignore[union-attr]
    assert session.get(Person, first).merged_into_id == third  # type: ignore[union-attr]


def test_a_pointer_is_set_from_nothing(session: Session):
    org = small_organisation(session, people=2)
    a, b = org.people
    session.execute(
        text("UPDATE person SET merged_into_id = :to WHERE id = :id"), {"to": a, "id": b}
    )
    session.commit()


REPLACED = {
    "case_note": "INSERT OR REPLACE INTO case_note SELECT id, person_id, referral_id, "
    "episode_id, kind, contact_with, contact_at, author, written_at, 'rewritten', "
    "significant FROM case_note",
    "case_note_addendum": "REPLACE INTO case_note_addendum (id, note_id, author, "
    "written_at, text) SELECT id, note_id, author, written_at, 'rewritten' "
    "FROM case_note_addendum",
    "audit_event": "REPLACE INTO audit_event (id, at, user, entity, entity_id, action, "
    "changes) SELECT id, at, 'someone.else', entity, entity_id, action, changes "
    "FROM audit_event",
}


@pytest.mark.parametrize("table", sorted(REPLACED))
def test_replace_cannot_rewrite_what_is_kept_as_written_on_sqlite(
    sqlite_engine: Engine, table: str
):
    with Session(sqlite_engine) as session:
        person_id = small_organisation(session, people=1).people[0]
        note = case_notes.write_note(
            session=session,
            user=USER,
            person_id=person_id,
            kind="email",
            contact_with="professional",
            contact_at=clock.now(),
            text="Emailed the district nurse.",
        )
        case_notes.add_addendum(session=session, user=USER, note_id=note.id, text="GP told.")
        session.commit()
        before = session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(REPLACED[table]))
        session.rollback()
        assert session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() == before


def test_0016_goes_back_and_comes_again(engine: Engine) -> None:
    from alembic import command

    from intapp.store.migrate import alembic_config, current_revision, head_revision, upgrade

    config = alembic_config()
    # The pair is made by today's services, before going back: they write today's schema.
    with Session(engine) as session:
        survivor, merged, _ = _merged_pair(session)
        session.commit()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    assert current_revision(engine) == "0015"
    with Session(engine) as session:
        # Below 0016 the pointer is not guarded.
        session.execute(
            text("UPDATE person SET merged_into_id = NULL WHERE id = :id"), {"id": merged}
        )
        session.execute(
            text("UPDATE person SET merged_into_id = :to WHERE id = :id"),
            {"to": survivor, "id": merged},
        )
        session.commit()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with Session(engine) as session, pytest.raises(DBAPIError, match="written once"):
        session.execute(
            text("UPDATE person SET merged_into_id = NULL WHERE id = :id"), {"id": merged}
        )
