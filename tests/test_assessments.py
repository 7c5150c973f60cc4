"""Assessments: the Care Act eligibility rule, carers, sign-off and superseding."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    add_team,
    add_worker,
    allocated_case,
    count,
    person_in,
    receive,
    seen_version,
)
from sqlmodel import Session, select

from intapp.models import CARER_OUTCOMES, PERSON_OUTCOMES, Assessment, Referral
from intapp.services import allocations, assessments, carers, referrals
from intapp.services.assessments import AssessmentIn, is_eligible
from intapp.services.errors import InvalidInput

PERSON_CODES = [
    "nutrition",
    "personal_hygiene",
    "toilet_needs",
    "clothing",
    "home_safety",
    "habitable_home",
    "relationships",
    "work_education",
    "community_services",
    "caring_for_child",
]
CARER_CODES = [
    "caring_for_child",
    "caring_for_others",
    "habitable_home",
    "nutrition",
    "relationships",
    "work_education",
    "community_services",
    "recreation",
]


def outcomes(**achievements: str) -> list[dict[str, Any]]:
    """Outcome entries for the codes given; the rest are left out (achievable)."""
    return [{"code": code, "achievement": a} for code, a in achievements.items()]


def person_eligible(entries: list[dict[str, Any]], condition: bool = True, impact: bool = True):
    return is_eligible(
        assessment_type="integrated",
        outcomes=entries,
        needs_arise_from_condition=condition,
        significant_wellbeing_impact=impact,
    )


def test_person_outcomes_are_the_ten_of_reg_2_and_carer_outcomes_the_eight_of_reg_3() -> None:
    assert [code for code, _ in PERSON_OUTCOMES] == PERSON_CODES
    assert [code for code, _ in CARER_OUTCOMES] == CARER_CODES
    assert [c for c, _ in assessments.outcome_codes("integrated")] == PERSON_CODES
    assert [c for c, _ in assessments.outcome_codes("review")] == PERSON_CODES
    assert [c for c, _ in assessments.outcome_codes("carer")] == CARER_CODES
    blank = assessments.blank_outcomes("carer")
    assert [o["code"] for o in blank] == CARER_CODES
    assert {o["achievement"] for o in blank} == {"achievable"}


def test_two_outcomes_not_achieved_with_condition_and_impact_is_eligible() -> None:
    assert person_eligible(outcomes(nutrition="unable", toilet_needs="unable"))
    # "with support" is "unable to achieve without assistance" (reg 2(3)(a)): it counts.
    assert person_eligible(outcomes(nutrition="with_support", clothing="with_support"))
    assert person_eligible(outcomes(nutrition="with_support", clothing="unable"))
    assert person_eligible(
        outcomes(nutrition="unable", clothing="unable", home_safety="with_support")
    )


def test_one_outcome_not_achieved_is_not_eligible() -> None:
    assert not person_eligible(outcomes(nutrition="unable"))
    assert not person_eligible(outcomes(nutrition="with_support", clothing="achievable"))
    assert not person_eligible([])


def test_condition_and_wellbeing_impact_are_both_required() -> None:
    two = outcomes(nutrition="unable", toilet_needs="with_support")
    assert not person_eligible(two, condition=False)
    assert not person_eligible(two, impact=False)
    assert not person_eligible(two, condition=False, impact=False)


def test_carer_rule_one_outcome_or_health_at_risk() -> None:
    def carer(entries: list[dict[str, Any]], *, health: bool = False, impact: bool = True) -> bool:
        return is_eligible(
            assessment_type="carer",
            outcomes=entries,
            needs_arise_from_condition=True,
            significant_wellbeing_impact=impact,
            carer_health_at_risk=health,
        )

    assert carer(outcomes(recreation="unable"))
    assert carer(outcomes(caring_for_others="with_support"))
    assert carer([], health=True)
    assert not carer([])
    assert not carer(outcomes(recreation="achievable"))
    assert not carer(outcomes(recreation="unable"), impact=False)
    assert not carer([], health=True, impact=False)
    # The carer rule does not apply to anyone else.
    assert not is_eligible(
        assessment_type="integrated",
        outcomes=outcomes(nutrition="unable"),
        needs_arise_from_condition=True,
        significant_wellbeing_impact=True,
        carer_health_at_risk=True,
    )


@pytest.fixture
def team_id(session: Session) -> int:
    return add_team(session).id


@pytest.fixture
def key_worker(session: Session, team_id: int) -> int:
    return add_worker(session, team_id, "SW1")


@pytest.fixture
def person_id(session: Session, team_id: int, key_worker: int) -> int:
    """A person whose case is allocated to their key worker."""
    return allocated_case(session, team_id, key_worker, 0).person_id


def _row(session: Session, assessment_id: int) -> Assessment:
    session.flush()
    session.expire_all()
    row = session.get(Assessment, assessment_id)
    assert row is not None
    return row


ELIGIBLE = AssessmentIn(
    what_matters="Getting back to the allotment on Saturdays",
    strengths="Determined; good neighbours",
    family_community_assets="Daughter visits twice a week",
    outcomes=outcomes(nutrition="with_support", home_safety="unable"),
    needs_arise_from_condition=True,
    significant_wellbeing_impact=True,
)


def test_assessment_stores_all_ten_outcomes_and_the_determination(
    session: Session, team_id: int, person_id: int
) -> None:
    assessor = add_worker(session, team_id, "OT1", profession="occupational_therapist")
    draft = assessments.start_assessment(
        session=session,
        user=USER,
        person_id=person_id,
        content=replace(ELIGIBLE, assessor_id=assessor),
    )
    row = _row(session, draft.id)
    assert row.status == "draft"
    assert row.eligible is True
    assert row.assessor_id == assessor
    assert [o["code"] for o in row.outcomes] == PERSON_CODES
    by_code = {o["code"]: o["achievement"] for o in row.outcomes}
    assert (by_code["nutrition"], by_code["home_safety"], by_code["clothing"]) == (
        "with_support",
        "unable",
        "achievable",
    )

    # Down to one outcome not achieved: saved, and no longer eligible.
    one = replace(ELIGIBLE, outcomes=outcomes(nutrition="with_support"))
    saved = assessments.save_assessment(
        session=session, user=USER, assessment_id=draft.id, content=one, expected_version=1
    )
    assert saved.eligible is False
    assert _row(session, draft.id).eligible is False

    # Regression: a refused save used to leave the text fields changed in the session.
    with pytest.raises(InvalidInput):
        assessments.save_assessment(
            session=session,
            user=USER,
            assessment_id=draft.id,
            content=replace(
                ELIGIBLE, what_matters="Half-typed", outcomes=outcomes(flying="unable")
            ),
            expected_version=seen_version(session, Assessment, draft.id),
        )
    assert _row(session, draft.id).what_matters == ELIGIBLE.what_matters


def test_outcome_codes_are_checked_against_the_assessment_type(
    session: Session, team_id: int, person_id: int
) -> None:
    for entries, field in [
        (outcomes(recreation="unable"), "outcomes"),  # a carer outcome, not a person's
        (outcomes(flying="unable"), "outcomes"),
        (outcomes(nutrition="sometimes"), "outcome:nutrition"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            assessments.start_assessment(
                session=session,
                user=USER,
                person_id=person_id,
                content=AssessmentIn(outcomes=entries),
            )
        assert caught.value.field == field
    assert count(session, Assessment) == 0


def test_carer_assessment_needs_someone_marked_as_a_carer(
    session: Session, team_id: int, person_id: int
) -> None:
    with pytest.raises(InvalidInput, match="not recorded as a carer") as caught:
        assessments.start_assessment(
            session=session, user=USER, person_id=person_id, assessment_type="carer"
        )
    assert caught.value.field == "type"
    assert count(session, Assessment) == 0

    carer_id = receive(session, person_in(team_id, 1)).person_id
    carers.link_carer(session=session, user=USER, carer_id=carer_id, cared_for_id=person_id)
    blank = assessments.start_assessment(
        session=session, user=USER, person_id=carer_id, assessment_type="carer"
    )
    assert [o["code"] for o in _row(session, blank.id).outcomes] == CARER_CODES

    with pytest.raises(InvalidInput) as caught:
        assessments.save_assessment(
            session=session,
            user=USER,
            assessment_id=blank.id,
            content=AssessmentIn(outcomes=outcomes(toilet_needs="unable")),
            expected_version=seen_version(session, Assessment, blank.id),
        )
    assert caught.value.field == "outcomes"

    saved = assessments.save_assessment(
        session=session,
        user=USER,
        assessment_id=blank.id,
        content=AssessmentIn(
            what_matters="A night's sleep",
            outcomes=outcomes(recreation="unable"),
            needs_arise_from_condition=True,
            significant_wellbeing_impact=True,
        ),
        expected_version=seen_version(session, Assessment, blank.id),
    )
    assert saved.eligible is True
    assert _row(session, blank.id).eligible is True


def test_sign_off_makes_the_assessment_immutable(session: Session, person_id: int) -> None:
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=ELIGIBLE
    )
    signed = assessments.sign_off_assessment(
        session=session, user="senior.sw", assessment_id=draft.id, expected_version=draft.version
    )
    assert (signed.status, signed.signed_off_by, signed.signed_off_at) == (
        "signed_off",
        "senior.sw",
        FROZEN_NOW,
    )
    session.commit()
    version = _row(session, draft.id).version

    with pytest.raises(InvalidInput, match="signed off") as caught:
        assessments.save_assessment(
            session=session,
            user=USER,
            assessment_id=draft.id,
            content=replace(ELIGIBLE, what_matters="Changed my mind"),
            expected_version=seen_version(session, Assessment, draft.id),
        )
    assert caught.value.field == "status"
    with pytest.raises(InvalidInput):
        assessments.sign_off_assessment(
            session=session,
            user=USER,
            assessment_id=draft.id,
            expected_version=seen_version(session, Assessment, draft.id),
        )
    row = _row(session, draft.id)
    assert (row.what_matters, row.version, row.status) == (
        ELIGIBLE.what_matters,
        version,
        "signed_off",
    )


def test_sign_off_needs_what_matters(session: Session, person_id: int) -> None:
    draft = assessments.start_assessment(
        session=session,
        user=USER,
        person_id=person_id,
        content=replace(ELIGIBLE, what_matters="   "),
    )
    with pytest.raises(InvalidInput) as caught:
        assessments.sign_off_assessment(
            session=session,
            user=USER,
            assessment_id=draft.id,
            expected_version=seen_version(session, Assessment, draft.id),
        )
    assert caught.value.field == "what_matters"
    row = _row(session, draft.id)
    assert (row.status, row.signed_off_at) == ("draft", None)


def test_supersede_copies_into_a_draft_and_its_sign_off_supersedes_the_old(
    session: Session, person_id: int
) -> None:
    first = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=ELIGIBLE
    )
    with pytest.raises(InvalidInput, match="Only a signed-off assessment"):
        assessments.supersede_assessment(session=session, user=USER, assessment_id=first.id)
    assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=first.id,
        expected_version=seen_version(session, Assessment, first.id),
    )

    draft = assessments.supersede_assessment(session=session, user=USER, assessment_id=first.id)
    assert draft.id != first.id
    assert (draft.status, draft.supersedes_id) == ("draft", first.id)
    assert (draft.what_matters, draft.outcomes, draft.eligible) == (
        ELIGIBLE.what_matters,
        _row(session, first.id).outcomes,
        True,
    )
    # Until the replacement is signed off, the old one stands.
    assert _row(session, first.id).status == "signed_off"
    with pytest.raises(InvalidInput, match="already exists"):
        assessments.supersede_assessment(session=session, user=USER, assessment_id=first.id)

    assessments.save_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        content=replace(ELIGIBLE, what_matters="Walking to the shops again"),
        expected_version=seen_version(session, Assessment, draft.id),
    )
    assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        expected_version=seen_version(session, Assessment, draft.id),
    )
    session.commit()

    statuses = dict(session.exec(select(Assessment.id, Assessment.status)).all())
    assert statuses == {first.id: "superseded", draft.id: "signed_off"}
    assert _row(session, first.id).what_matters == ELIGIBLE.what_matters
    listed = assessments.person_assessments(session=session, person_id=person_id)
    assert [a.id for a in listed] == [draft.id, first.id]


def test_an_assessment_is_credited_to_the_key_worker_unless_another_assessor_is_named(
    session: Session, team_id: int, person_id: int, key_worker: int
) -> None:
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=ELIGIBLE
    )
    assert draft.assessor_id == key_worker
    # A form that names nobody keeps the assessor; one that names someone changes it.
    saved = assessments.save_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        content=ELIGIBLE,
        expected_version=seen_version(session, Assessment, draft.id),
    )
    assert saved.assessor_id == key_worker
    ot = add_worker(session, team_id, "OT1", profession="occupational_therapist")
    named = assessments.save_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        content=replace(ELIGIBLE, assessor_id=ot),
        expected_version=seen_version(session, Assessment, draft.id),
    )
    signed = assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=named.id,
        expected_version=seen_version(session, Assessment, named.id),
    )
    assert signed.assessor_id == ot


def test_a_sign_off_with_nobody_to_credit_is_refused(session: Session, team_id: int) -> None:
    unallocated = receive(session, person_in(team_id, 3)).person_id
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=unallocated, content=ELIGIBLE
    )
    assert draft.assessor_id is None
    with pytest.raises(InvalidInput, match="allocate a key worker first") as caught:
        assessments.sign_off_assessment(
            session=session,
            user=USER,
            assessment_id=draft.id,
            expected_version=seen_version(session, Assessment, draft.id),
        )
    assert caught.value.field == "assessor"
    assert _row(session, draft.id).status == "draft"
    # Once someone holds the case, the sign-off is credited to them.
    worker = add_worker(session, team_id, "SW7")
    referral = session.exec(select(Referral).where(Referral.person_id == unallocated)).one()
    referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="soon",
        pathway="case_management",
        expected_version=seen_version(session, Referral, referral.id),
    )
    allocations.allocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        worker_id=worker,
        expected_version=seen_version(session, Referral, referral.id),
    )
    signed = assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        expected_version=seen_version(session, Assessment, draft.id),
    )
    assert signed.assessor_id == worker


def test_a_closed_plan_s_lead_is_not_credited(session: Session, team_id: int) -> None:
    from intapp import clock
    from intapp.models import CarePlan

    person = receive(session, person_in(team_id, 4)).person_id
    lead = add_worker(session, team_id, "SW8")
    plan = CarePlan(
        person_id=person, lead_worker_id=lead, review_date=clock.today(), created_at=clock.now()
    )
    session.add(plan)
    session.flush()
    assert assessments.key_worker(session=session, person_id=person) == lead
    plan.closed_at = clock.now()
    session.flush()
    assert assessments.key_worker(session=session, person_id=person) is None


def test_an_assessment_is_dated_as_it_happened(session: Session, person_id: int) -> None:
    from datetime import date, timedelta

    draft = assessments.start_assessment(
        session=session, user=USER, person_id=person_id, content=ELIGIBLE
    )
    referral = session.exec(select(Referral).where(Referral.person_id == person_id)).one()
    session.get(Assessment, draft.id).referral_id = referral.id  # type: ignore[union-attr]
    referral.received_at = FROZEN_NOW - timedelta(days=10)
    session.flush()
    received = referral.received_at.date()
    for wrong, words in (
        (FROZEN_NOW.date() + timedelta(days=1), "in the future"),
        (received - timedelta(days=1), "before its referral was received"),
    ):
        with pytest.raises(InvalidInput, match=words) as caught:
            assessments.sign_off_assessment(
                session=session,
                user=USER,
                assessment_id=draft.id,
                expected_version=seen_version(session, Assessment, draft.id),
                assessed_on=wrong,
            )
        assert caught.value.field == "assessed_on"
    signed = assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        expected_version=seen_version(session, Assessment, draft.id),
        assessed_on=date(2026, 11, 20),
    )
    assert signed.signed_off_at == FROZEN_NOW - timedelta(days=3)
