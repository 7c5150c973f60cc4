"""Migration 0012: the case-note tables come and go with their guards, and going back is
refused while notes are held (the older schema could not keep them)."""

from __future__ import annotations

import pytest
from alembic import command
from factories import USER, person_in, receive, small_organisation
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from intapp import clock
from intapp.services import case_notes
from intapp.store.migrate import alembic_config, current_revision, head_revision, upgrade

TABLES = {"case_note", "case_note_addendum"}


def _to(engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_down_and_up_again_with_the_guards(engine) -> None:
    _to(engine, "0011")
    assert current_revision(engine) == "0011"
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    with Session(engine) as session:
        org = small_organisation(session)
        person_id = receive(session, person_in(org.team.id, 1)).person_id
        case_notes.write_note(
            session=session,
            user=USER,
            person_id=person_id,
            kind="email",
            contact_with="professional",
            contact_at=clock.now(),
            text="Emailed the district nurse.",
        )
        session.commit()
        for statement in ("UPDATE case_note SET text = 'x'", "DELETE FROM case_note"):
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(statement))
            session.rollback()


def test_going_back_is_refused_while_notes_are_held(engine) -> None:
    with Session(engine) as session:
        org = small_organisation(session)
        person_id = receive(session, person_in(org.team.id, 1)).person_id
        case_notes.write_note(
            session=session,
            user=USER,
            person_id=person_id,
            kind="letter",
            contact_with="person",
            contact_at=clock.now(),
            text="Wrote to confirm the visit.",
        )
        session.commit()
    with pytest.raises(RuntimeError, match="1 case note"):
        _to(engine, "0011")
    assert current_revision(engine) == head_revision()
