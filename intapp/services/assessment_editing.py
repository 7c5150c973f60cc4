"""The assessment editor's use cases: open an assessment, or a new one that does not
exist until it is first saved, and save the draft.

Signing off (`sign_off_assessment`) and discarding (`discard_draft`) are each their own
call on a saved draft, in their own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from intapp.access import require_for
from intapp.codes import AssessmentStatus, AssessmentType
from intapp.services import audit
from intapp.services.assessments import (
    AssessmentIn,
    AssessmentSummary,
    blank_outcomes,
    check_can_start,
    check_supersedable,
    content_of,
    load_assessment,
    save_assessment,
    start_assessment,
    summarise,
    supersede_assessment,
)
from intapp.services.errors import InvalidInput, check_version
from intapp.services.people import get_person


@dataclass(frozen=True)
class AssessmentForm:
    """What the assessment editor opens on."""

    person_id: int
    person_name: str
    assessment_type: str
    content: AssessmentIn
    """What the form starts with: the saved content, or a blank or copied one."""
    saved: AssessmentSummary | None
    """The assessment as saved; None until the first save, since an assessment that
    was never saved does not exist."""
    supersedes_id: int | None = None
    """For a new draft replacing a signed-off assessment: that assessment."""


def open_assessment(*, session: Session, assessment_id: int) -> AssessmentForm:
    """A saved assessment, draft or signed off, with whose it is."""
    saved = summarise(load_assessment(session=session, assessment_id=assessment_id))
    return AssessmentForm(
        person_id=saved.person_id,
        person_name=get_person(session=session, person_id=saved.person_id).name,
        assessment_type=saved.assessment_type,
        content=content_of(saved),
        saved=saved,
        supersedes_id=saved.supersedes_id,
    )


def open_new_assessment(
    *, session: Session, person_id: int, assessment_type: str = AssessmentType.INTEGRATED
) -> AssessmentForm:
    """A blank assessment for a person, checked but not saved: nothing is written."""
    person = check_can_start(session=session, person_id=person_id, assessment_type=assessment_type)
    return AssessmentForm(
        person_id=person_id,
        person_name=person.display_name,
        assessment_type=assessment_type,
        content=AssessmentIn(outcomes=blank_outcomes(assessment_type)),
        saved=None,
    )


def open_superseding_assessment(*, session: Session, assessment_id: int) -> AssessmentForm:
    """A new draft copied from a signed-off assessment, not saved until it is."""
    earlier = summarise(check_supersedable(session=session, assessment_id=assessment_id))
    return AssessmentForm(
        person_id=earlier.person_id,
        person_name=get_person(session=session, person_id=earlier.person_id).name,
        assessment_type=earlier.assessment_type,
        content=content_of(earlier),
        saved=None,
        supersedes_id=earlier.id,
    )


def save_draft(
    *, session: Session, user: str, form: AssessmentForm, content: AssessmentIn
) -> AssessmentSummary:
    """Save what the editor holds. The first save of a new form creates the draft (one
    superseding `form.supersedes_id` if set); later saves change it, refused if someone
    else saved it after `form.saved` was read."""
    require_for(session, "assess")
    if form.saved is not None:
        return save_assessment(
            session=session,
            user=user,
            assessment_id=form.saved.id,
            content=content,
            expected_version=form.saved.version,
        )
    if form.supersedes_id is not None:
        return supersede_assessment(
            session=session, user=user, assessment_id=form.supersedes_id, content=content
        )
    return start_assessment(
        session=session,
        user=user,
        person_id=form.person_id,
        assessment_type=form.assessment_type,
        content=content,
    )


def discard_draft(
    *, session: Session, user: str, assessment_id: int, expected_version: int
) -> AssessmentSummary:
    """Delete a draft that will not be signed off. The audit trail keeps what it said,
    under the action "discard"; a signed-off assessment can only be superseded."""
    require_for(session, "assess")
    assessment = load_assessment(session=session, assessment_id=assessment_id)
    check_version("assessment", assessment.version, expected_version)
    if assessment.status != AssessmentStatus.DRAFT:
        raise InvalidInput(
            "Only a draft can be discarded; a signed-off assessment is kept and superseded",
            field="status",
        )
    discarded = summarise(assessment)
    audit.save_delete(session=session, user=user, row=assessment, action="discard")
    return discarded
