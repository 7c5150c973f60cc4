"""Strengths-based assessments: draft, sign off, supersede; and the eligibility rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import AssessmentStatus, AssessmentType, OutcomeAchievement
from intapp.models import (
    CARER_OUTCOMES,
    PERSON_OUTCOMES,
    Allocation,
    Assessment,
    CarePlan,
    Person,
    Referral,
    Worker,
)
from intapp.services import audit
from intapp.services.carers import is_carer
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.people import load_person, person_who_can_start

# Reg 2(3): "unable to achieve" includes "unable to achieve it without assistance",
# so an outcome achieved only with support counts towards eligibility.
NOT_ACHIEVED = frozenset({OutcomeAchievement.WITH_SUPPORT, OutcomeAchievement.UNABLE})


def outcome_codes(assessment_type: str) -> tuple[tuple[str, str], ...]:
    """The Care Act outcomes that apply: eight for a carer, ten for anyone else."""
    return CARER_OUTCOMES if assessment_type == AssessmentType.CARER else PERSON_OUTCOMES


def is_eligible(
    *,
    assessment_type: str,
    outcomes: list[dict[str, Any]],
    needs_arise_from_condition: bool,
    significant_wellbeing_impact: bool,
    carer_health_at_risk: bool = False,
) -> bool:
    """The eligibility determination of the Care and Support (Eligibility Criteria) Regs 2015.

    A person (reg 2): needs arise from a physical or mental impairment or illness, they
    cannot achieve two or more outcomes, and there is a significant impact on wellbeing.
    A carer (reg 3): needs arise from providing necessary care, their health is at risk
    or they cannot achieve any one outcome, and there is a significant impact on wellbeing.
    """
    not_achieved = sum(1 for o in outcomes if o.get("achievement") in NOT_ACHIEVED)
    if not (needs_arise_from_condition and significant_wellbeing_impact):
        return False
    if assessment_type == AssessmentType.CARER:
        return carer_health_at_risk or not_achieved >= 1
    return not_achieved >= 2


@dataclass
class AssessmentIn:
    """The editable content of an assessment."""

    what_matters: str = ""
    strengths: str = ""
    family_community_assets: str = ""
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    risks: str = ""
    needs_arise_from_condition: bool = False
    significant_wellbeing_impact: bool = False
    carer_health_at_risk: bool = False
    assessor_id: int | None = None


@dataclass(frozen=True)
class AssessmentSummary:
    """An assessment as the screens show it."""

    id: int
    person_id: int
    referral_id: int | None
    assessment_type: str
    status: str
    what_matters: str
    strengths: str
    family_community_assets: str
    outcomes: list[dict[str, Any]]
    risks: str
    needs_arise_from_condition: bool
    significant_wellbeing_impact: bool
    carer_health_at_risk: bool
    eligible: bool
    assessor_id: int | None
    created_at: datetime
    signed_off_by: str | None
    signed_off_at: datetime | None
    supersedes_id: int | None
    version: int


def summarise(a: Assessment) -> AssessmentSummary:
    """The plain result object for an Assessment row."""
    assert a.id is not None
    return AssessmentSummary(
        id=a.id,
        person_id=a.person_id,
        referral_id=a.referral_id,
        assessment_type=a.assessment_type,
        status=a.status,
        what_matters=a.what_matters,
        strengths=a.strengths,
        family_community_assets=a.family_community_assets,
        outcomes=[dict(o) for o in a.outcomes],
        risks=a.risks,
        needs_arise_from_condition=a.needs_arise_from_condition,
        significant_wellbeing_impact=a.significant_wellbeing_impact,
        carer_health_at_risk=a.carer_health_at_risk,
        eligible=a.eligible,
        assessor_id=a.assessor_id,
        created_at=a.created_at,
        signed_off_by=a.signed_off_by,
        signed_off_at=a.signed_off_at,
        supersedes_id=a.supersedes_id,
        version=a.version,
    )


_NO_NOTES = {"reason": "", "impact": ""}


def blank_outcomes(assessment_type: str) -> list[dict[str, Any]]:
    """One empty entry per applicable outcome, all achievable until said otherwise."""
    return [
        {
            "code": code,
            "achievement": OutcomeAchievement.ACHIEVABLE.value,
            "reason": "",
            "impact": "",
        }
        for code, _ in outcome_codes(assessment_type)
    ]


def _checked_outcomes(assessment_type: str, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    expected = [code for code, _ in outcome_codes(assessment_type)]
    by_code = {o.get("code"): o for o in outcomes}
    unknown = set(by_code) - set(expected)
    if unknown:
        raise InvalidInput(
            f"Not a Care Act outcome for this assessment: {', '.join(sorted(map(str, unknown)))}",
            field="outcomes",
        )
    checked = []
    for code in expected:
        entry = by_code.get(code, {})
        achievement = entry.get("achievement", OutcomeAchievement.ACHIEVABLE.value)
        if achievement not in set(OutcomeAchievement):
            raise InvalidInput(
                f"Outcome {code}: choose achievable, with support or unable",
                field=f"outcome:{code}",
            )
        checked.append(
            {
                "code": code,
                "achievement": achievement,
                "reason": str(entry.get("reason", "")).strip(),
                "impact": str(entry.get("impact", "")).strip(),
            }
        )
    return checked


def _apply(assessment: Assessment, content: AssessmentIn, *, session: Session) -> None:
    if content.assessor_id is not None and session.get(Worker, content.assessor_id) is None:
        raise InvalidInput(f"There is no worker with id {content.assessor_id}", field="assessor")
    outcomes = _checked_outcomes(assessment.assessment_type, content.outcomes)
    assessment.what_matters = content.what_matters.strip()
    assessment.strengths = content.strengths.strip()
    assessment.family_community_assets = content.family_community_assets.strip()
    assessment.outcomes = outcomes
    assessment.risks = content.risks.strip()
    assessment.needs_arise_from_condition = content.needs_arise_from_condition
    assessment.significant_wellbeing_impact = content.significant_wellbeing_impact
    assessment.carer_health_at_risk = content.carer_health_at_risk
    if content.assessor_id is not None:  # a form that does not name one keeps the stored one
        assessment.assessor_id = content.assessor_id
    assessment.eligible = is_eligible(
        assessment_type=assessment.assessment_type,
        outcomes=assessment.outcomes,
        needs_arise_from_condition=content.needs_arise_from_condition,
        significant_wellbeing_impact=content.significant_wellbeing_impact,
        carer_health_at_risk=content.carer_health_at_risk,
    )


def key_worker(*, session: Session, person_id: int, referral_id: int | None = None) -> int | None:
    """Who an assessment is credited to when no assessor is named: the worker holding the
    referral's case, else the person's most recent open case, else their plan's lead."""
    open_cases = (
        select(col(Allocation.worker_id))
        .where(Allocation.person_id == person_id, col(Allocation.ended_at).is_(None))
        .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
    )
    if referral_id is not None:
        held = session.exec(open_cases.where(Allocation.referral_id == referral_id)).first()
        if held is not None:
            return held
    held = session.exec(open_cases).first()
    if held is not None:
        return held
    return session.exec(
        select(col(CarePlan.lead_worker_id)).where(
            CarePlan.person_id == person_id, col(CarePlan.closed_at).is_(None)
        )
    ).first()


def load_assessment(*, session: Session, assessment_id: int) -> Assessment:
    """The Assessment row, or `NotFound`."""
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(f"There is no assessment with id {assessment_id}")
    return assessment


def check_can_start(*, session: Session, person_id: int, assessment_type: str) -> Person:
    """The person, if an assessment of this type can be started for them."""
    person = person_who_can_start(session=session, person_id=person_id, doing="assessed")
    if assessment_type not in set(AssessmentType):
        raise InvalidInput(
            f"Assessment type must be one of: {', '.join(AssessmentType)}", field="type"
        )
    if assessment_type == AssessmentType.CARER and not is_carer(session=session, person=person):
        raise InvalidInput(
            f"{person.display_name} is not recorded as a carer; link them to the person "
            "they care for first",
            field="type",
        )
    return person


def start_assessment(
    *,
    session: Session,
    user: str,
    person_id: int,
    assessment_type: str = AssessmentType.INTEGRATED,
    referral_id: int | None = None,
    content: AssessmentIn | None = None,
) -> AssessmentSummary:
    """Save a new draft assessment for a person."""
    require_for(session, "assess")
    check_can_start(session=session, person_id=person_id, assessment_type=assessment_type)
    assessment = Assessment(
        person_id=person_id,
        referral_id=referral_id,
        assessment_type=assessment_type,
        created_by=user,
        created_at=clock.now(),
    )
    _apply(
        assessment,
        content or AssessmentIn(outcomes=blank_outcomes(assessment_type)),
        session=session,
    )
    if assessment.assessor_id is None:
        assessment.assessor_id = key_worker(
            session=session, person_id=person_id, referral_id=referral_id
        )
    audit.save_create(session=session, user=user, row=assessment)
    return summarise(assessment)


def _editable(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise InvalidInput(
            "This assessment is signed off and can no longer be edited; "
            "supersede it with a new one",
            field="status",
        )


def save_assessment(
    *,
    session: Session,
    user: str,
    assessment_id: int,
    content: AssessmentIn,
    expected_version: int,
) -> AssessmentSummary:
    """Save changes to a draft."""
    require_for(session, "assess")
    assessment = load_assessment(session=session, assessment_id=assessment_id)
    check_version("assessment", assessment.version, expected_version)
    _editable(assessment)
    before = audit.snapshot(assessment)
    _apply(assessment, content, session=session)
    audit.save_update(session=session, user=user, row=assessment, before=before)
    return summarise(assessment)


def check_ready_to_sign_off(*, what_matters: str) -> None:
    """Refuse to sign off an assessment that does not say what matters to the person."""
    if not what_matters.strip():
        raise InvalidInput(
            "Record what matters to the person before signing off", field="what_matters"
        )


def assessed_at(*, session: Session, assessment: Assessment, assessed_on: date | None) -> datetime:
    """When the assessment happened: now, or a day given as it happened (at this time of
    day), never in the future and never before its referral was received."""
    now = clock.now()
    if assessed_on is None or assessed_on == now.date():
        return now
    if assessed_on > now.date():
        raise InvalidInput("The assessment date cannot be in the future", field="assessed_on")
    if assessment.referral_id is not None:
        referral = session.get(Referral, assessment.referral_id)
        if referral is not None and assessed_on < referral.received_at.date():
            raise InvalidInput(
                "The assessment date cannot be before its referral was received "
                f"({referral.received_at:%d/%m/%Y})",
                field="assessed_on",
            )
    person = load_person(session=session, person_id=assessment.person_id)
    if assessed_on < person.date_of_birth:
        raise InvalidInput(
            "The assessment date cannot be before the person was born", field="assessed_on"
        )
    return datetime.combine(assessed_on, now.timetz())


def sign_off_assessment(
    *,
    session: Session,
    user: str,
    assessment_id: int,
    expected_version: int,
    assessed_on: date | None = None,
) -> AssessmentSummary:
    """Sign off a draft, dated the day the assessment happened (default today); from now
    on it is never edited, only superseded."""
    require_for(session, "assess")
    assessment = load_assessment(session=session, assessment_id=assessment_id)
    check_version("assessment", assessment.version, expected_version)
    _editable(assessment)
    check_ready_to_sign_off(what_matters=assessment.what_matters)
    signed_at = assessed_at(session=session, assessment=assessment, assessed_on=assessed_on)
    before = audit.snapshot(assessment)
    # The weekly summary counts each sign-off against its assessor: one without an
    # assessor would be counted for nobody.
    if assessment.assessor_id is None:
        assessment.assessor_id = key_worker(
            session=session, person_id=assessment.person_id, referral_id=assessment.referral_id
        )
    if assessment.assessor_id is None:
        name = load_person(session=session, person_id=assessment.person_id).display_name
        raise InvalidInput(
            f"Nobody holds {name}'s case, so this assessment has no assessor to credit: "
            "allocate a key worker first",
            field="assessor",
        )
    assessment.status = AssessmentStatus.SIGNED_OFF
    assessment.signed_off_by = user
    assessment.signed_off_at = signed_at
    if assessment.supersedes_id is not None:
        earlier = load_assessment(session=session, assessment_id=assessment.supersedes_id)
        earlier_before = audit.snapshot(earlier)
        earlier.status = AssessmentStatus.SUPERSEDED
        audit.save_update(
            session=session, user=user, row=earlier, before=earlier_before, action="supersede"
        )
    audit.save_update(session=session, user=user, row=assessment, before=before, action="sign_off")
    return summarise(assessment)


def check_supersedable(*, session: Session, assessment_id: int) -> Assessment:
    """The signed-off assessment, if a new draft may be started to replace it."""
    earlier = load_assessment(session=session, assessment_id=assessment_id)
    if earlier.status != AssessmentStatus.SIGNED_OFF:
        raise InvalidInput(
            "Only a signed-off assessment can be superseded; edit the draft instead",
            field="status",
        )
    pending = session.exec(
        select(Assessment).where(
            Assessment.supersedes_id == assessment_id,
            Assessment.status == AssessmentStatus.DRAFT,
        )
    ).first()
    if pending is not None:
        raise InvalidInput(
            f"A draft replacing this assessment already exists (assessment {pending.id})",
            field="status",
        )
    return earlier


def content_of(assessment: AssessmentSummary) -> AssessmentIn:
    """What an assessment records, as editable content (a superseding draft's start)."""
    return AssessmentIn(
        what_matters=assessment.what_matters,
        strengths=assessment.strengths,
        family_community_assets=assessment.family_community_assets,
        outcomes=[dict(o) for o in assessment.outcomes],
        risks=assessment.risks,
        needs_arise_from_condition=assessment.needs_arise_from_condition,
        significant_wellbeing_impact=assessment.significant_wellbeing_impact,
        carer_health_at_risk=assessment.carer_health_at_risk,
        assessor_id=assessment.assessor_id,
    )


def supersede_assessment(
    *, session: Session, user: str, assessment_id: int, content: AssessmentIn | None = None
) -> AssessmentSummary:
    """Save a new draft replacing a signed-off assessment (by default a copy of it);
    signing the draft off supersedes the old one."""
    require_for(session, "assess")
    earlier = check_supersedable(session=session, assessment_id=assessment_id)
    draft = Assessment(
        person_id=earlier.person_id,
        referral_id=earlier.referral_id,
        assessment_type=earlier.assessment_type,
        created_by=user,
        created_at=clock.now(),
        supersedes_id=assessment_id,
    )
    _apply(draft, content or content_of(summarise(earlier)), session=session)
    audit.save_create(session=session, user=user, row=draft)
    return summarise(draft)


def person_assessments(*, session: Session, person_id: int) -> list[AssessmentSummary]:
    """A person's assessments, newest first."""
    rows = session.exec(
        select(Assessment)
        .where(Assessment.person_id == person_id)
        .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())
    ).all()
    return [summarise(a) for a in rows]
