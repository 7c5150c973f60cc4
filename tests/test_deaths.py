"""A death, on SQLite and PostgreSQL: one step closes every open thing, nothing new may
start, and a death recorded in error can be withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    Organisation,
    allocated_case,
    person_in,
    receive,
    seen_version,
    small_organisation,
    triaged_referral,
)
from sqlmodel import Session, select

from intapp import clock
from intapp.models import AuditEvent, CarePlan, Person, ReablementEpisode, Referral
from intapp.services import (
    allocations,
    assessments,
    care_plans,
    deaths,
    reablement,
)
from intapp.services.care_plans import PlanContent
from intapp.services.errors import Conflict, InvalidInput
from intapp.services.person_record import person_timeline

TODAY = FROZEN_NOW.date()


@pytest.fixture
def org(session: Session) -> Organisation:
    return small_organisation(session)


def _record(session: Session, person_id: int, **overrides: object) -> deaths.RecordedDeath:
    values: dict[str, object] = {
        "died_on": TODAY - timedelta(days=1),
        "source": "family_or_carer",
        "expected_version": seen_version(session, Person, person_id),
    }
    values.update(overrides)
    return deaths.record_death(
        session=session,
        user=USER,
        person_id=person_id,
        **values,  # type: ignore[arg-type]
    )


def _refresh(session: Session) -> None:
    session.flush()
    session.expire_all()


def test_a_death_closes_every_open_thing_in_one_step(session: Session, org: Organisation) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    person_id = case.person_id
    waiting = receive(session, person_id)
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person_id,
        content=PlanContent(
            lead_worker_id=org.social_worker,
            review_date=TODAY + timedelta(days=2),
            goals=["Be at home"],
            actions=[{"who": "OT", "what": "Rails", "by_when": TODAY + timedelta(days=4)}],
        ),
    )
    clock.freeze(FROZEN_NOW - timedelta(days=5))
    running = reablement.start_episode(
        session=session,
        user=USER,
        person_id=person_id,
        start_date=TODAY - timedelta(days=5),
        goals=["Walk to the shop"],
    )
    clock.freeze(FROZEN_NOW)
    # An earlier episode whose follow-up is still to be recorded.
    other = receive(session, person_in(org.team.id, 3)).person_id
    earlier = reablement.start_episode(
        session=session, user=USER, person_id=other, start_date=TODAY, goals=["Cook"]
    )
    episode_row = session.get(ReablementEpisode, earlier.id)
    assert episode_row is not None
    episode_row.person_id = person_id
    episode_row.state = "ended"
    episode_row.ended_on = TODAY
    episode_row.outcome = "no_ongoing_support"
    episode_row.followup_due = TODAY + timedelta(days=91)
    session.flush()

    result = _record(session, person_id)

    assert sorted(result.cases_closed) == sorted(
        [waiting.reference, _ref(session, case.referral_id)]
    )
    assert (result.episodes_ended, result.followups_cancelled, result.plan_closed) == (1, 1, True)
    _refresh(session)
    for referral in session.exec(select(Referral).where(Referral.person_id == person_id)).all():
        assert (referral.status, referral.close_outcome) == ("closed", "nfa_deceased")
    assert allocations.weighted_caseload(session=session, worker_id=org.social_worker) == 0
    ended = session.get(ReablementEpisode, running.id)
    assert ended is not None
    assert (ended.state, ended.outcome, ended.followup_due, ended.ended_on) == (
        "ended",
        "early_cessation_deceased",
        None,
        TODAY - timedelta(days=1),
    )
    cancelled = session.get(ReablementEpisode, earlier.id)
    assert cancelled is not None and cancelled.followup_due is None
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
    assert plan.closed_at is not None
    person = session.get(Person, person_id)
    assert person is not None
    assert (person.date_of_death, person.death_source) == (
        TODAY - timedelta(days=1),
        "family_or_carer",
    )
    timeline = person_timeline(session=session, person_id=person_id)
    assert any(e.kind == "died" and "learnt from family or carer" in e.text for e in timeline)


def _ref(session: Session, referral_id: int) -> str:
    row = session.get(Referral, referral_id)
    assert row is not None
    return row.reference


def test_the_date_is_never_future_nor_before_birth_and_the_source_is_known(
    session: Session, org: Organisation
) -> None:
    person_id = receive(session, person_in(org.team.id)).person_id
    born = session.get(Person, person_id).date_of_birth  # type: ignore[union-attr]
    for died_on, field in (
        (TODAY + timedelta(days=1), "date_of_death"),
        (born - timedelta(days=1), "date_of_death"),
    ):
        with pytest.raises(InvalidInput) as caught:
            _record(session, person_id, died_on=died_on)
        assert caught.value.field == field
    with pytest.raises(InvalidInput) as caught:
        _record(session, person_id, source="rumour")
    assert caught.value.field == "source"
    with pytest.raises(Conflict):
        _record(session, person_id, expected_version=99)
    _refresh(session)
    assert session.get(Person, person_id).date_of_death is None  # type: ignore[union-attr]
    assert session.get(Referral, 1).status == "received"  # type: ignore[union-attr]


def test_nothing_new_starts_for_a_person_who_has_died(session: Session, org: Organisation) -> None:
    triaged = triaged_referral(session, org.team.id, 0)
    person_id = triaged.person_id
    _record(session, person_id)
    # The triaged referral was closed by the death; a fresh one is refused anyway.
    attempts = {
        "referred": lambda: receive(session, person_id),
        "referred again by NHS number": lambda: receive(session, person_in(org.team.id, 0)),
        "allocated": lambda: allocations.allocate(
            session=session,
            user=USER,
            referral_id=triaged.id,
            worker_id=org.social_worker,
            expected_version=seen_version(session, Referral, triaged.id),
        ),
        "assessed": lambda: assessments.start_assessment(
            session=session, user=USER, person_id=person_id
        ),
        "given a care plan": lambda: care_plans.create_plan(
            session=session,
            user=USER,
            person_id=person_id,
            content=PlanContent(org.social_worker, TODAY + timedelta(days=5), ["Home"]),
        ),
        "started on reablement": lambda: reablement.start_episode(
            session=session, user=USER, person_id=person_id, start_date=TODAY, goals=["Walk"]
        ),
    }
    for doing, attempt in attempts.items():
        with pytest.raises(InvalidInput, match=r"died on .*; they cannot be") as caught:
            attempt()
        assert caught.value.field in ("person", "status"), doing


def test_a_death_recorded_in_error_is_withdrawn_with_a_reason(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _record(session, case.person_id)
    with pytest.raises(InvalidInput, match="already recorded"):
        _record(session, case.person_id)
    with pytest.raises(InvalidInput) as caught:
        deaths.withdraw_death(
            session=session,
            user=USER,
            person_id=case.person_id,
            reason=" ",
            expected_version=seen_version(session, Person, case.person_id),
        )
    assert caught.value.field == "reason"

    withdrawn = deaths.withdraw_death(
        session=session,
        user=USER,
        person_id=case.person_id,
        reason="Wrong person: same name",
        expected_version=seen_version(session, Person, case.person_id),
    )

    assert withdrawn.date_of_death is None and withdrawn.death_source is None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "withdraw_death")).one()
    assert event.changes["reason"] == [None, "Wrong person: same name"]
    assert event.changes["date_of_death"][1] is None
    # Nothing reopens by itself: the case stays closed, and can be reopened in the window.
    _refresh(session)
    assert session.get(Referral, case.referral_id).status == "closed"  # type: ignore[union-attr]
    # A closure by a death recorded in error makes no re-referral.
    assert not receive(session, case.person_id).is_rereferral
    with pytest.raises(InvalidInput, match="no death recorded"):
        deaths.withdraw_death(
            session=session,
            user=USER,
            person_id=case.person_id,
            reason="again",
            expected_version=seen_version(session, Person, case.person_id),
        )


def test_a_planned_episode_is_cancelled_not_ended(session: Session, org: Organisation) -> None:
    person_id = receive(session, person_in(org.team.id)).person_id
    planned = reablement.start_episode(
        session=session,
        user=USER,
        person_id=person_id,
        start_date=TODAY + timedelta(days=3),
        goals=["Walk to the shop"],
    )
    assert planned.state == "planned"

    result = _record(session, person_id)

    assert result.episodes_ended == 1
    _refresh(session)
    episode = session.get(ReablementEpisode, planned.id)
    assert episode is not None
    assert (episode.state, episode.outcome, episode.ended_on) == ("cancelled", None, None)
    assert episode.cancel_reason and "died on" in episode.cancel_reason
