"""Closing and reopening a case, on SQLite and PostgreSQL: one transaction ends the
allocation, the referral and (for the last open case) the plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    Organisation,
    allocated_case,
    open_allocation,
    person_in,
    plan_seen_version,
    receive,
    seen_version,
    small_organisation,
    triaged_referral,
)
from sqlmodel import Session, col, select

from intapp import clock
from intapp.codes import CLOSING_OUTCOMES, CaseOutcome, code_label
from intapp.models import (
    Allocation,
    AuditEvent,
    CarePlan,
    CarePlanVersion,
    ReablementEpisode,
    Referral,
    Worker,
)
from intapp.services import allocations, care_plans, case_closure, reablement, referrals
from intapp.services.care_plans import PlanContent
from intapp.services.errors import Conflict, InvalidInput
from intapp.store.plain_sql import through_session

TODAY = FROZEN_NOW.date()


@pytest.fixture
def org(session: Session) -> Organisation:
    return small_organisation(session)


def _close(session: Session, referral_id: int, **overrides: object):
    values: dict[str, object] = {
        "outcome": "goals_met",
        "reason": "Managing at home",
        "expected_version": seen_version(session, Referral, referral_id),
    }
    values.update(overrides)
    return case_closure.close_case(
        session=session,
        user=USER,
        referral_id=referral_id,
        **values,  # type: ignore[arg-type]
    )


def _plan(session: Session, org: Organisation, person_id: int) -> None:
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person_id,
        content=PlanContent(
            lead_worker_id=org.social_worker,
            review_date=TODAY + timedelta(days=3),
            goals=["Stay in my own home"],
            actions=[
                {"who": "OT", "what": "Fit rails", "by_when": TODAY + timedelta(days=5)},
                {"who": "Me", "what": "Walk daily", "by_when": TODAY + timedelta(days=9)},
            ],
        ),
    )
    care_plans.mark_action_done(
        session=session,
        user=USER,
        person_id=person_id,
        action_index=1,
        expected_version=plan_seen_version(session, person_id),
    )


def _stored(session: Session, model: type, row_id: int):
    session.flush()
    session.expire_all()
    return session.get(model, row_id)


def test_the_outcomes_follow_the_national_event_outcomes() -> None:
    labels = [CaseOutcome(c).label for c in CLOSING_OUTCOMES]
    assert labels == [
        "Support ended: goals met",
        "Progress to long-term support",
        "NFA – support declined",
        "NFA – moved to another local authority",
        "NFA – 100% NHS-funded care",
        "NFA – deceased",
        "Other",
    ]
    assert code_label("nfa_signposting") == "NFA – information & advice / signposting only"


def test_closing_ends_allocation_referral_and_the_last_plan_in_one_go(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0, weight=9)
    _plan(session, org, case.person_id)
    assert allocations.weighted_caseload(session=session, worker_id=org.social_worker) == 9
    assert care_plans.reviews_page(through_session(session), team_ids=None).total == 1

    closed = _close(session, case.referral_id, outcome="long_term_support", reason=" Home care ")

    assert closed.worker_name == "Asha Khan" and closed.plan_closed
    assert allocations.weighted_caseload(session=session, worker_id=org.social_worker) == 0
    referral = _stored(session, Referral, case.referral_id)
    assert (referral.status, referral.close_outcome, referral.close_reason, referral.closed_by) == (
        "closed",
        "long_term_support",
        "Home care",
        USER,
    )
    assert referral.closed_at == FROZEN_NOW
    assert _stored(session, Allocation, case.id).ended_at == FROZEN_NOW
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == case.person_id)).one()
    assert plan.closed_at == FROZEN_NOW
    final = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == plan.current_number
        )
    ).one()
    assert "closed" in final.change_note and referral.reference in final.change_note
    # The open action is cancelled; the one already done stays done.
    assert [(a["what"], a["status"]) for a in final.actions] == [
        ("Fit rails", "cancelled"),
        ("Walk daily", "done"),
    ]
    # It leaves the review lists.
    assert care_plans.reviews_page(through_session(session), team_ids=None).total == 0


def test_the_plan_stays_open_while_another_case_is_open(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    second = referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=receive(session, case.person_id).id,
        priority="soon",
        pathway="reablement_standard",
        expected_version=1,
    )
    allocations.allocate(
        session=session,
        user=USER,
        referral_id=second.id,
        worker_id=org.reablement_officer,
        expected_version=seen_version(session, Referral, second.id),
    )
    _plan(session, org, case.person_id)

    closed = _close(session, case.referral_id)

    assert not closed.plan_closed
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == case.person_id)).one()
    assert plan.closed_at is None


def test_the_end_date_is_today_or_earlier_and_not_before_the_case_started(
    session: Session, org: Organisation
) -> None:
    clock.freeze(FROZEN_NOW - timedelta(days=10))
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    clock.freeze(FROZEN_NOW)
    for ended_on, message in (
        (TODAY + timedelta(days=1), "future"),
        (TODAY - timedelta(days=11), "before it started"),
    ):
        with pytest.raises(InvalidInput, match=message) as caught:
            _close(session, case.referral_id, ended_on=ended_on)
        assert caught.value.field == "ended_on"

    closed = _close(session, case.referral_id, ended_on=TODAY - timedelta(days=3))

    assert closed.referral.closed_at.date() == TODAY - timedelta(days=3)
    assert _stored(session, Allocation, case.id).ended_at == closed.referral.closed_at


def test_closing_needs_a_closing_outcome_a_reason_and_the_version_seen(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    for outcome in ("fixed", "nfa_signposting"):
        with pytest.raises(InvalidInput) as caught:
            _close(session, case.referral_id, outcome=outcome)
        assert caught.value.field == "outcome"
    with pytest.raises(InvalidInput) as caught:
        _close(session, case.referral_id, reason="  ")
    assert caught.value.field == "reason"
    with pytest.raises(Conflict):
        _close(session, case.referral_id, expected_version=1)
    assert _stored(session, Referral, case.referral_id).status == "allocated"


@pytest.mark.parametrize(
    ("pathway", "status", "outcome"),
    [
        ("information_advice", "signposted", "nfa_signposting"),
        ("no_further_action", "no_further_action", "nfa_no_services"),
    ],
)
def test_triage_closes_signposting_and_no_further_action_with_a_date(
    session: Session, org: Organisation, pathway: str, status: str, outcome: str
) -> None:
    referral = receive(session, person_in(org.team.id))
    triaged = referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="routine",
        pathway=pathway,
        note="Given the carers' centre number",
        expected_version=referral.version,
    )
    assert (triaged.status, triaged.closed_at, triaged.close_outcome, triaged.closed_by) == (
        status,
        FROZEN_NOW,
        outcome,
        USER,
    )
    # So a referral a month later is a re-referral.
    clock.freeze(FROZEN_NOW + timedelta(days=30))
    again = receive(session, referral.person_id)
    assert again.is_rereferral


def test_rereferral_counts_closed_cases_and_not_open_ones(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    # A second referral while the case is still open is not a re-referral.
    assert not receive(session, case.person_id).is_rereferral
    _close(session, case.referral_id)
    clock.freeze(FROZEN_NOW + timedelta(days=1))
    assert receive(session, case.person_id).is_rereferral


def test_reopening_within_the_window_returns_the_case_to_its_worker_and_plan(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0, weight=7)
    _plan(session, org, case.person_id)
    _close(session, case.referral_id)
    clock.freeze(FROZEN_NOW + timedelta(days=28))

    reopened = case_closure.reopen_case(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        reason="Fell again the week after",
        expected_version=seen_version(session, Referral, case.referral_id),
    )

    assert reopened.worker_name == "Asha Khan" and reopened.plan_reopened
    referral = _stored(session, Referral, case.referral_id)
    assert (referral.status, referral.closed_at, referral.close_outcome) == (
        "allocated",
        None,
        None,
    )
    assert allocations.weighted_caseload(session=session, worker_id=org.social_worker) == 7
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == case.person_id)).one()
    assert plan.closed_at is None
    current = care_plans.current_plan(session=session, person_id=case.person_id)
    assert current is not None and "reopened" in current.change_note
    assert [a.get("cancelled", False) for a in current.content.actions] == [False, False]
    reasons = session.exec(select(AuditEvent).where(AuditEvent.action == "reopen_reason")).all()
    assert [e.changes["reason"][1] for e in reasons] == ["Fell again the week after"]


def test_reopening_waits_for_allocation_when_the_worker_cannot_take_it(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _close(session, case.referral_id)
    worker = session.get(Worker, org.social_worker)
    assert worker is not None
    worker.active = False
    session.flush()

    reopened = case_closure.reopen_case(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        reason="Closed too soon",
        expected_version=seen_version(session, Referral, case.referral_id),
    )

    assert reopened.worker_name is None and reopened.referral.status == "triaged"
    assert (
        session.exec(
            select(Allocation).where(
                Allocation.referral_id == case.referral_id, col(Allocation.ended_at).is_(None)
            )
        ).first()
        is None
    )


def test_after_the_window_a_case_cannot_be_reopened(
    session: Session, org: Organisation, write_config
) -> None:
    write_config("[settings]\nreopen_window_days = 7\n")
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _close(session, case.referral_id)
    clock.freeze(FROZEN_NOW + timedelta(days=8))
    with pytest.raises(InvalidInput, match="more than 7 days ago") as caught:
        case_closure.reopen_case(
            session=session,
            user=USER,
            referral_id=case.referral_id,
            reason="x",
            expected_version=seen_version(session, Referral, case.referral_id),
        )
    assert caught.value.field == "referral"
    for referral_id, reason, field in (
        (case.referral_id, " ", "reason"),
        (triaged_referral(session, org.team.id, 5).id, "x", "status"),
    ):
        clock.freeze(FROZEN_NOW)
        with pytest.raises(InvalidInput) as caught:
            case_closure.reopen_case(
                session=session,
                user=USER,
                referral_id=referral_id,
                reason=reason,
                expected_version=seen_version(session, Referral, referral_id),
            )
        assert caught.value.field == field


def test_closing_twice_is_refused(session: Session, org: Organisation) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _close(session, case.referral_id)
    with pytest.raises(InvalidInput, match="already closed"):
        _close(session, case.referral_id)


def test_a_reallocated_case_cannot_end_before_its_current_worker_took_it(
    session: Session, org: Organisation
) -> None:
    clock.freeze(FROZEN_NOW - timedelta(days=10))
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    clock.freeze(FROZEN_NOW - timedelta(days=2))
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        to_worker_id=org.occupational_therapist,
        reason="Needs an OT",
        **open_allocation(session, case.referral_id),
    )
    clock.freeze(FROZEN_NOW)
    # An allocation cannot end before it began, so neither can the case it holds.
    with pytest.raises(InvalidInput, match="before it started") as caught:
        _close(session, case.referral_id, ended_on=TODAY - timedelta(days=5))
    assert caught.value.field == "ended_on"
    closed = _close(session, case.referral_id, ended_on=TODAY - timedelta(days=2))
    assert closed.worker_name == "Ben Lloyd"


def _reopen(session: Session, referral_id: int) -> case_closure.ReopenedCase:
    return case_closure.reopen_case(
        session=session,
        user=USER,
        referral_id=referral_id,
        reason="Closed too soon",
        expected_version=seen_version(session, Referral, referral_id),
    )


def _open_allocation(session: Session, referral_id: int) -> Allocation:
    session.flush()
    return session.exec(
        select(Allocation).where(
            Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None)
        )
    ).one()


def test_a_case_held_in_cover_reopens_in_cover_or_to_its_worker_once_back(
    session: Session, org: Organisation
) -> None:
    from intapp.services import absences

    cases = [allocated_case(session, org.team.id, org.social_worker, n) for n in range(2)]
    absences.record_absence(
        session=session,
        user=USER,
        worker_id=org.social_worker,
        kind="leave",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=5),
    )
    allocations.bulk_reassign(
        session=session,
        user=USER,
        from_worker_id=org.social_worker,
        to_worker_ids=[org.occupational_therapist],
        reason="Leave",
        while_away=True,
    )
    for case in cases:
        _close(session, case.referral_id)

    # Still away: back with the worker covering, still held for the one away.
    reopened = _reopen(session, cases[0].referral_id)
    held = _open_allocation(session, cases[0].referral_id)
    assert (held.worker_id, held.covering_for_worker_id) == (
        org.occupational_therapist,
        org.social_worker,
    )
    assert reopened.where == f"back with {reopened.worker_name}, held while Asha Khan is away"
    assert absences.covered_case_count(session, org.social_worker) == 1

    # Back: straight to the worker whose case it is.
    absences.mark_back(session=session, user=USER, worker_id=org.social_worker)
    reopened = _reopen(session, cases[1].referral_id)
    held = _open_allocation(session, cases[1].referral_id)
    assert (held.worker_id, held.covering_for_worker_id) == (org.social_worker, None)
    assert reopened.where == "back with Asha Khan"


def test_reopening_does_not_give_the_case_to_a_worker_who_is_away(
    session: Session, org: Organisation
) -> None:
    from intapp.services import absences

    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _close(session, case.referral_id)
    absences.record_absence(
        session=session,
        user=USER,
        worker_id=org.social_worker,
        kind="sickness",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=4),
    )

    reopened = _reopen(session, case.referral_id)

    assert reopened.worker_name is None and reopened.referral.status == "triaged"
    until = (TODAY + timedelta(days=4)).strftime("%-d %b %Y")
    assert reopened.where == f"awaiting allocation (Asha Khan is away until {until})"
    session.flush()
    assert allocations.weighted_caseload(session=session, worker_id=org.social_worker) == 0


def _two_cases(session: Session, org: Organisation):
    first = allocated_case(session, org.team.id, org.social_worker, 0)
    second = referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=receive(session, first.person_id).id,
        priority="soon",
        pathway="reablement_standard",
        expected_version=1,
    )
    allocations.allocate(
        session=session,
        user=USER,
        referral_id=second.id,
        worker_id=org.reablement_officer,
        expected_version=seen_version(session, Referral, second.id),
    )
    return first, second.id


def test_reopening_an_earlier_case_reopens_the_plan_a_later_one_closed(
    session: Session, org: Organisation
) -> None:
    first, second = _two_cases(session, org)
    _plan(session, org, first.person_id)
    _close(session, first.referral_id)
    clock.freeze(FROZEN_NOW + timedelta(days=2))
    assert _close(session, second).plan_closed
    clock.freeze(FROZEN_NOW + timedelta(days=3))

    reopened = _reopen(session, first.referral_id)

    assert reopened.plan_reopened
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == first.person_id)).one()
    assert plan.closed_at is None
    current = care_plans.current_plan(session=session, person_id=first.person_id)
    assert current is not None and [a.get("cancelled", False) for a in current.content.actions] == [
        False,
        False,
    ]


def test_reopening_after_a_withdrawn_death_reopens_the_plan_and_the_window_runs_from_then(
    session: Session, org: Organisation
) -> None:
    from intapp.models import Person
    from intapp.services import deaths
    from intapp.services.person_record import person_overview

    # The case began long ago; the death, recorded today, is dated two months back.
    clock.freeze(FROZEN_NOW - timedelta(days=90))
    first, second = _two_cases(session, org)
    _plan(session, org, first.person_id)
    clock.freeze(FROZEN_NOW - timedelta(days=20))
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=second,
        to_worker_id=org.occupational_therapist,
        reason="Needs an OT",
        allocation_id=_open_allocation(session, second).id,  # type: ignore[arg-type]
        expected_version=_open_allocation(session, second).version,
    )
    clock.freeze(FROZEN_NOW)
    deaths.record_death(
        session=session,
        user=USER,
        person_id=first.person_id,
        died_on=TODAY - timedelta(days=60),
        source="family_or_carer",
        expected_version=seen_version(session, Person, first.person_id),
    )
    clock.freeze(FROZEN_NOW + timedelta(days=1))
    deaths.withdraw_death(
        session=session,
        user=USER,
        person_id=first.person_id,
        reason="Wrong person",
        expected_version=seen_version(session, Person, first.person_id),
    )
    withdrawn_at = FROZEN_NOW + timedelta(days=1)
    session.flush()
    until = person_overview(session=session, person_id=first.person_id).reopen_until
    assert until[first.referral_id] == withdrawn_at + timedelta(days=28)
    # A new referral is not a re-referral because of the death's closures.
    assert not receive(session, first.person_id).is_rereferral

    clock.freeze(withdrawn_at + timedelta(days=28))
    reopened = _reopen(session, first.referral_id)

    assert reopened.plan_reopened and reopened.worker_name == "Asha Khan"
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == first.person_id)).one()
    assert plan.closed_at is None
    clock.freeze(withdrawn_at + timedelta(days=29))
    with pytest.raises(InvalidInput, match="more than 28 days ago"):
        _reopen(session, second)


def test_a_plan_closed_by_a_merge_is_not_reopened_by_a_case(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _plan(session, org, case.person_id)
    _close(session, case.referral_id)
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == case.person_id)).one()
    # As a merge leaves it: closed with a final version of its own.
    last = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == plan.current_number
        )
    ).one()
    last.change_note = "Closed: record merged into person 9, whose plan continues"
    session.flush()

    assert not _reopen(session, case.referral_id).plan_reopened


def test_a_case_does_not_close_under_a_planned_or_running_reablement_episode(
    session: Session, org: Organisation
) -> None:
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    planned = reablement.start_episode(
        session=session,
        user=USER,
        person_id=case.person_id,
        referral_id=case.referral_id,
        start_date=TODAY + timedelta(days=2),
        goals=["Walk to the shop"],
    )
    with pytest.raises(InvalidInput, match=r"planned to start .* cancel it first"):
        _close(session, case.referral_id)
    reablement.cancel_episode(
        session=session,
        user=USER,
        episode_id=planned.id,
        reason="Went to stay with family",
        expected_version=seen_version(session, ReablementEpisode, planned.id),
    )
    running = reablement.start_episode(
        session=session,
        user=USER,
        person_id=case.person_id,
        referral_id=case.referral_id,
        start_date=TODAY,
        goals=["Cook a meal"],
    )
    with pytest.raises(InvalidInput, match=r"running since .* end it first") as refused:
        _close(session, case.referral_id)
    assert refused.value.field == "status"
    # Refused means nothing changed: the case is still open and held.
    assert _stored(session, Referral, case.referral_id).status == "allocated"
    assert _stored(session, Allocation, case.id).ended_at is None

    reablement.end_episode(
        session=session,
        user=USER,
        episode_id=running.id,
        outcome="no_ongoing_support",
        expected_version=seen_version(session, ReablementEpisode, running.id),
    )
    _close(session, case.referral_id)
    assert _stored(session, Referral, case.referral_id).status == "closed"
