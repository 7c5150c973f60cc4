"""The assessment editor's use cases: an assessment exists only once saved; a saved
draft can be discarded; sign-off is its own step on the saved draft."""

from __future__ import annotations

from dataclasses import replace

import pytest
from factories import USER, add_team, add_worker, allocated_case, count, seen_version
from sqlmodel import Session, select

from intapp.models import Assessment, AuditEvent
from intapp.services import assessments
from intapp.services.assessment_editing import (
    discard_draft,
    open_assessment,
    open_new_assessment,
    open_superseding_assessment,
    save_draft,
)
from intapp.services.assessments import AssessmentIn
from intapp.services.errors import Conflict, InvalidInput, NotFound
from intapp.services.person_record import open_person_record, person_timeline

WRITTEN = AssessmentIn(
    what_matters="Getting back to the allotment",
    outcomes=[{"code": "nutrition", "achievement": "unable", "reason": "Cannot stand to cook"}],
)


@pytest.fixture
def person_id(session: Session) -> int:
    """A person whose case is allocated, so a sign-off has a key worker to credit."""
    team = add_team(session).id
    person = allocated_case(session, team, add_worker(session, team, "SW1"), 0).person_id
    session.commit()
    return person


def audit_actions(session: Session, assessment_id: int) -> list[str]:
    return list(
        session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.entity == "assessment", AuditEvent.entity_id == str(assessment_id))
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    )


def test_opening_a_new_assessment_writes_nothing(session: Session, person_id: int) -> None:
    form = open_new_assessment(session=session, person_id=person_id)
    assert form.saved is None
    assert (form.person_id, form.person_name, form.assessment_type) == (
        person_id,
        "Ada Okafor",
        "integrated",
    )
    assert len(form.content.outcomes) == 10
    assert {o["achievement"] for o in form.content.outcomes} == {"achievable"}
    assert count(session, Assessment) == 0
    assert count(session, AuditEvent, AuditEvent.entity == "assessment") == 0

    with pytest.raises(InvalidInput, match="not recorded as a carer"):
        open_new_assessment(session=session, person_id=person_id, assessment_type="carer")
    with pytest.raises(NotFound):
        open_new_assessment(session=session, person_id=person_id + 99)


def test_the_first_save_creates_the_draft_and_later_saves_change_it(
    session: Session, person_id: int
) -> None:
    form = open_new_assessment(session=session, person_id=person_id)
    draft = save_draft(session=session, user=USER, form=form, content=WRITTEN)
    session.commit()
    assert (draft.status, draft.person_id, draft.what_matters) == (
        "draft",
        person_id,
        "Getting back to the allotment",
    )
    assert count(session, Assessment) == 1

    opened = open_assessment(session=session, assessment_id=draft.id)
    assert opened.saved == draft
    assert opened.person_name == "Ada Okafor"
    assert opened.content == assessments.content_of(draft)

    again = save_draft(
        session=session,
        user=USER,
        form=opened,
        content=replace(opened.content, strengths="Good neighbours"),
    )
    session.commit()
    assert (again.id, again.strengths, again.version) == (draft.id, "Good neighbours", 2)
    assert count(session, Assessment) == 1
    assert audit_actions(session, draft.id) == ["create", "update"]

    # The form read before that save is stale now: refused, not overwritten.
    with pytest.raises(Conflict):
        save_draft(session=session, user=USER, form=opened, content=WRITTEN)


def test_sign_off_is_its_own_call_on_the_saved_draft(session: Session, person_id: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        assessments.check_ready_to_sign_off(what_matters="  ")
    assert caught.value.field == "what_matters"
    assessments.check_ready_to_sign_off(what_matters="My garden")

    form = open_new_assessment(session=session, person_id=person_id)
    draft = save_draft(session=session, user=USER, form=form, content=WRITTEN)
    session.commit()
    changed = save_draft(
        session=session,
        user=USER,
        form=open_assessment(session=session, assessment_id=draft.id),
        content=replace(WRITTEN, risks="Falls"),
    )
    session.commit()
    # Signing off the version before that change would sign off what was not seen.
    with pytest.raises(Conflict):
        assessments.sign_off_assessment(
            session=session, user=USER, assessment_id=draft.id, expected_version=draft.version
        )
    session.rollback()
    signed = assessments.sign_off_assessment(
        session=session, user=USER, assessment_id=draft.id, expected_version=changed.version
    )
    session.commit()
    assert (signed.status, signed.risks) == ("signed_off", "Falls")
    assert audit_actions(session, draft.id) == ["create", "update", "sign_off"]


def test_a_superseding_draft_is_written_only_when_saved(session: Session, person_id: int) -> None:
    first = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=WRITTEN
    )
    with pytest.raises(InvalidInput, match="Only a signed-off assessment"):
        open_superseding_assessment(session=session, assessment_id=first.id)
    assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=first.id,
        expected_version=seen_version(session, Assessment, first.id),
    )
    session.commit()

    form = open_superseding_assessment(session=session, assessment_id=first.id)
    assert (form.saved, form.supersedes_id) == (None, first.id)
    assert form.content.what_matters == "Getting back to the allotment"
    assert count(session, Assessment) == 1

    draft = save_draft(
        session=session,
        user=USER,
        form=form,
        content=replace(form.content, what_matters="Walking to the shops"),
    )
    session.commit()
    assert (draft.supersedes_id, draft.what_matters) == (first.id, "Walking to the shops")
    with pytest.raises(InvalidInput, match="already exists"):
        open_superseding_assessment(session=session, assessment_id=first.id)


def test_a_saved_draft_can_be_discarded_and_leaves_the_record(
    session: Session, person_id: int
) -> None:
    form = open_new_assessment(session=session, person_id=person_id)
    draft = save_draft(session=session, user="sw.one", form=form, content=WRITTEN)
    session.commit()
    assert [
        a.id
        for a in open_person_record(
            session=session, person_id=person_id, timeline_limit=80
        ).assessments
    ] == [draft.id]

    with pytest.raises(Conflict):  # someone saved it since this copy was read
        discard_draft(
            session=session, user=USER, assessment_id=draft.id, expected_version=draft.version + 1
        )
    session.rollback()
    discarded = discard_draft(
        session=session, user="sw.two", assessment_id=draft.id, expected_version=draft.version
    )
    session.commit()
    assert discarded.id == draft.id

    assert count(session, Assessment) == 0
    record = open_person_record(session=session, person_id=person_id, timeline_limit=80)
    assert record.assessments == []
    assert not [
        e for e in person_timeline(session=session, person_id=person_id) if e.kind == "assessment"
    ]
    event = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "assessment", AuditEvent.action == "discard")
    ).one()
    assert (event.user, event.entity_id) == ("sw.two", str(draft.id))
    assert event.changes["what_matters"] == ["Getting back to the allotment", None]
    assert audit_actions(session, draft.id) == ["create", "discard"]
    with pytest.raises(NotFound):
        discard_draft(
            session=session, user=USER, assessment_id=draft.id, expected_version=draft.version
        )


def test_a_signed_off_assessment_cannot_be_discarded(session: Session, person_id: int) -> None:
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=WRITTEN
    )
    assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        expected_version=seen_version(session, Assessment, draft.id),
    )
    session.commit()
    with pytest.raises(InvalidInput, match="Only a draft") as caught:
        discard_draft(
            session=session,
            user=USER,
            assessment_id=draft.id,
            expected_version=seen_version(session, Assessment, draft.id),
        )
    assert caught.value.field == "status"
    session.rollback()
    assert count(session, Assessment) == 1
