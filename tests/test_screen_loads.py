"""What the triage, person and care plan screens open on, each read in one call, and
the care plan editor's save."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import USER, allocated_case, person_in, receive, seen_version, small_organisation
from sqlmodel import Session

from intapp.models import Referral
from intapp.services import assessments, care_plans, reablement, referrals
from intapp.services.care_plans import PlanContent
from intapp.services.errors import Conflict, NotFound
from intapp.services.person_record import open_person_record
from intapp.services.plan_editing import open_plan_editor, save_plan_version
from intapp.services.triage import open_triage

TODAY = date(2026, 11, 23)


def test_triage_opens_on_the_referral_and_the_persons_history(session: Session) -> None:
    org = small_organisation(session)
    earlier = receive(session, person_in(org.team.id, 0), reason="Earlier fall")
    referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=earlier.id,
        priority="soon",
        pathway="information_advice",
        expected_version=seen_version(session, Referral, earlier.id),
    )
    latest = receive(session, earlier.person_id, reason="Fall again")
    session.commit()

    view = open_triage(session=session, referral_id=latest.id)
    assert (view.referral.id, view.referral.reason) == (latest.id, "Fall again")
    assert view.overview.person.id == earlier.person_id
    assert view.overview.team_label == "CEN1 Ardwick and Longsight"
    assert {r.reason for r in view.overview.referrals} == {"Earlier fall", "Fall again"}
    with pytest.raises(NotFound):
        open_triage(session=session, referral_id=latest.id + 99)


def test_the_person_record_is_one_read_with_a_bounded_timeline(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    person = case.person_id
    assessments.start_assessment(session=session, user=USER, person_id=person)
    reablement.start_episode(
        session=session, user=USER, person_id=person, start_date=TODAY, goals=["Make tea"]
    )
    session.commit()

    record = open_person_record(session=session, person_id=person, timeline_limit=80)
    assert record.overview.person.id == person
    assert record.overview.lead_worker == "Asha Khan"
    assert [a.status for a in record.assessments] == ["draft"]
    assert record.plan is None
    assert [e.goals for e in record.episodes] == [["Make tea"]]
    kinds = {e.kind for _, e in record.timeline.rows}
    assert {"referral", "triaged", "allocated", "assessment", "reablement"} <= kinds

    # The timeline's first page, and how many entries it has in all.
    short = open_person_record(session=session, person_id=person, timeline_limit=2)
    assert short.timeline.rows == record.timeline.rows[:2]
    assert short.timeline.total == record.timeline.total == len(record.timeline.rows)


def test_the_plan_editor_opens_with_the_team_and_the_allocated_worker(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.occupational_therapist, 0)
    session.commit()

    editor = open_plan_editor(session=session, person_id=case.person_id)
    assert (editor.person_name, editor.plan, editor.history) == ("Ada Okafor", None, [])
    assert editor.allocated_worker_id == org.occupational_therapist
    # The team's workers, never the other team's.
    assert {w.worker_id for w in editor.workers} == {
        org.social_worker,
        org.occupational_therapist,
        org.reablement_officer,
    }


def test_saving_the_plan_editor_writes_version_one_then_the_next(session: Session) -> None:
    org = small_organisation(session)
    person = receive(session, person_in(org.team.id, 0)).person_id
    session.commit()
    content = PlanContent(
        lead_worker_id=org.social_worker,
        review_date=TODAY + timedelta(weeks=12),
        goals=["Walk to church"],
    )

    first = save_plan_version(
        session=session,
        user=USER,
        person_id=person,
        content=content,
        note="",
        expected_version=None,
    )
    session.commit()
    assert (first.number, first.change_note) == (1, "first plan")
    # Someone else wrote the first plan while this editor was open on "no plan yet".
    with pytest.raises(Conflict, match="first care plan"):
        save_plan_version(
            session=session,
            user=USER,
            person_id=person,
            content=content,
            note="",
            expected_version=None,
        )
    session.rollback()

    editor = open_plan_editor(session=session, person_id=person)
    assert editor.plan is not None and editor.plan.number == 1
    second = save_plan_version(
        session=session,
        user=USER,
        person_id=person,
        content=content,
        note="Added church",
        expected_version=editor.plan.version,
    )
    session.commit()
    assert (second.number, second.change_note) == (2, "Added church")
    with pytest.raises(Conflict):  # a copy read before version 2
        save_plan_version(
            session=session,
            user=USER,
            person_id=person,
            content=content,
            note="",
            expected_version=editor.plan.version,
        )
    session.rollback()
    assert [v.number for v in care_plans.plan_history(session=session, person_id=person)] == [
        2,
        1,
    ]
