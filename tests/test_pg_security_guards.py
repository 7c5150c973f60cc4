"""Rules of migration 0018 that hold on both stores: a signed-off assessment is kept as
signed; and the migration goes back and comes again."""

from __future__ import annotations

import pytest
from factories import USER, add_team, add_worker, allocated_case, person_in, receive
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from intapp.services import assessments, merge
from intapp.services.assessments import AssessmentIn

CONTENT = AssessmentIn(what_matters="Getting back to the allotment", strengths="Determined")


def _signed_off(session: Session) -> tuple[int, int]:
    """A signed-off assessment of an allocated person: (assessment id, person id)."""
    team = add_team(session)
    worker = add_worker(session, team.id, "SW1")
    person_id = allocated_case(session, team.id, worker, 0).person_id
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=CONTENT
    )
    assessments.sign_off_assessment(
        session=session, user=USER, assessment_id=draft.id, expected_version=draft.version
    )
    session.commit()
    return draft.id, person_id


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE assessment SET what_matters = 'Rewritten' WHERE id = :id",
        "UPDATE assessment SET status = 'draft' WHERE id = :id",
        "UPDATE assessment SET signed_off_at = NULL WHERE id = :id",
        "UPDATE assessment SET version = version + 1 WHERE id = :id",
        "DELETE FROM assessment WHERE id = :id",
    ],
)
def test_a_signed_off_assessment_is_never_changed_or_removed(engine: Engine, change: str) -> None:
    with Session(engine) as session:
        assessment_id, _ = _signed_off(session)
    with engine.connect() as connection, pytest.raises(DBAPIError, match="never changed"):
        connection.execute(text(change), {"id": assessment_id})
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT what_matters, status FROM assessment WHERE id = :id"),
            {"id": assessment_id},
        ).one()
    assert tuple(row) == (CONTENT.what_matters, "signed_off")


def test_moving_it_anywhere_but_the_merge_target_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        assessment_id, _ = _signed_off(session)
        other = receive(session, person_in(1, 5)).person_id
        session.commit()
    with engine.connect() as connection, pytest.raises(DBAPIError, match="never changed"):
        connection.execute(
            text("UPDATE assessment SET person_id = :to WHERE id = :id"),
            {"to": other, "id": assessment_id},
        )


def test_a_merge_still_moves_it_and_a_successor_still_supersedes_it(engine: Engine) -> None:
    with Session(engine) as session:
        assessment_id, merged_id = _signed_off(session)
        # The same person again, registered without an NHS number.
        again = person_in(1, 7, nhs_number=None, local_id="OLD-1")
        survivor = receive(session, again).person_id
        session.commit()
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged_id)
        session.commit()
        draft = assessments.supersede_assessment(
            session=session, user=USER, assessment_id=assessment_id
        )
        assessments.sign_off_assessment(
            session=session, user=USER, assessment_id=draft.id, expected_version=draft.version
        )
        session.commit()
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, person_id, status FROM assessment ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (assessment_id, survivor, "superseded"),
        (draft.id, survivor, "signed_off"),
    ]


def test_a_draft_is_still_edited_and_discarded(engine: Engine) -> None:
    with Session(engine) as session:
        _, person_id = _signed_off(session)
        draft = assessments.start_assessment(session=session, user=USER, person_id=person_id)
        session.commit()
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE assessment SET what_matters = 'Walking' WHERE id = :id"), {"id": draft.id}
        )
        connection.execute(text("DELETE FROM assessment WHERE id = :id"), {"id": draft.id})


def test_0018_goes_back_and_comes_again(engine: Engine) -> None:
    from alembic import command

    from intapp.store.migrate import alembic_config, current_revision, head_revision, upgrade

    with Session(engine) as session:
        assessment_id, _ = _signed_off(session)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0017")
    assert current_revision(engine) == "0017"
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        with engine.connect() as connection:
            left = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM pg_policies WHERE schemaname = current_schema()),"
                    " (SELECT count(*) FROM pg_proc WHERE proname LIKE 'intapp\\_%'),"
                    " (SELECT count(*) FROM pg_class WHERE relrowsecurity),"
                    " (SELECT count(*) FROM information_schema.role_table_grants"
                    "  WHERE grantee LIKE 'intapp\\_%'),"
                    " (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'intapp\\_%')"
                )
            ).one()
        # Nothing of 0018's is left in this database; the cluster's group roles stay.
        assert tuple(left) == (0, 0, 0, 0, 4)
    # Below 0018 a signed-off assessment is not guarded.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE assessment SET risks = 'Stairs' WHERE id = :id"), {"id": assessment_id}
        )
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection, pytest.raises(DBAPIError, match="never changed"):
        connection.execute(text("DELETE FROM assessment WHERE id = :id"), {"id": assessment_id})


def test_sqlite_refuses_a_replace_over_a_signed_off_assessment(sqlite_engine: Engine) -> None:
    """REPLACE deletes the row it replaces without firing DELETE triggers (see 0012)."""
    with Session(sqlite_engine) as session:
        assessment_id, _ = _signed_off(session)
    with sqlite_engine.connect() as connection, pytest.raises(DBAPIError, match="never changed"):
        connection.execute(
            text("REPLACE INTO assessment SELECT * FROM assessment WHERE id = :id"),
            {"id": assessment_id},
        )
