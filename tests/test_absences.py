"""Workers away and workers who have left: suggestions, the board, cover and return."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import USER, allocated_case, count, small_organisation, triaged_referral
from sqlmodel import Session, col, select

from intapp import clock
from intapp.models import Allocation, AuditEvent, Worker, WorkerAbsence
from intapp.services import absences, allocations, caseloads
from intapp.services.errors import InvalidInput
from intapp.store.plain_sql import through_session


def _away(session: Session, worker_id: int, starts: int = 0, ends: int | None = 5, kind="leave"):
    today = clock.today()
    return absences.record_absence(
        session=session,
        user=USER,
        worker_id=worker_id,
        kind=kind,
        starts_on=today + timedelta(days=starts),
        ends_on=None if ends is None else today + timedelta(days=ends),
    )


def test_an_absent_worker_is_suggested_last_and_marked(session: Session) -> None:
    org = small_organisation(session)
    referral = triaged_referral(session, org.team.id, 0, pathway="case_management")
    before = caseloads.allocation_candidates(session=session, referral_id=referral.id)
    assert before[0].load.worker_id == org.social_worker  # the profession fits

    _away(session, org.social_worker, ends=None, kind="sickness")

    after = caseloads.allocation_candidates(session=session, referral_id=referral.id)
    assert after[-1].load.worker_id == org.social_worker
    assert after[-1].load.away == absences.Away("sickness", clock.today(), None)
    assert all(c.load.away is None for c in after[:-1])


def test_an_absence_to_come_or_past_or_ended_does_not_count(session: Session) -> None:
    org = small_organisation(session)
    _away(session, org.social_worker, starts=3, ends=6)
    _away(session, org.occupational_therapist, starts=-9, ends=-2)
    _away(session, org.reablement_officer, starts=-1, ends=None)
    db = through_session(session)
    ids = [org.social_worker, org.occupational_therapist, org.reablement_officer]
    assert set(absences.away_today(db, ids)) == {org.reablement_officer}
    absences.mark_back(session=session, user=USER, worker_id=org.reablement_officer)
    assert absences.away_today(db, ids) == {}
    board = caseloads.team_board(session=session, team_id=org.team.id)
    assert all(w.away is None for w in board)


def test_the_board_shows_who_is_away_and_until_when(session: Session) -> None:
    org = small_organisation(session)
    _away(session, org.occupational_therapist, starts=-1, ends=4)
    page = caseloads.board_page(through_session(session), team_ids=[org.team.id])
    away = {w.worker_id: w.away for w in page.rows}
    assert away[org.occupational_therapist].until == clock.today() + timedelta(days=4)
    assert away[org.social_worker] is None


@pytest.mark.parametrize(
    ("starts", "ends", "kind", "message", "field"),
    [
        (0, -1, "leave", "cannot be before", "until"),
        (0, 2, "holiday", "Kind must be one of", "kind"),
        (2, 9, "leave", "already recorded away", "from"),
    ],
)
def test_absence_rules(session, starts, ends, kind, message, field) -> None:
    org = small_organisation(session)
    _away(session, org.social_worker, starts=0, ends=5)
    with pytest.raises(InvalidInput, match=message) as error:
        _away(session, org.social_worker, starts=starts, ends=ends, kind=kind)
    assert error.value.field == field
    assert count(session, WorkerAbsence) == 1


def test_back_needs_a_current_absence_and_is_audited(session: Session) -> None:
    org = small_organisation(session)
    with pytest.raises(InvalidInput, match="not recorded as away"):
        absences.mark_back(session=session, user=USER, worker_id=org.social_worker)
    recorded = _away(session, org.social_worker)
    absences.mark_back(session=session, user=USER, worker_id=org.social_worker)
    session.flush()
    actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.entity == "worker_absence", AuditEvent.entity_id == str(recorded.id)
        )
    ).all()
    assert actions == ["create", "back"]


def test_while_away_cases_go_back_when_the_worker_returns(session: Session) -> None:
    org = small_organisation(session)
    cases = [allocated_case(session, org.team.id, org.social_worker, n) for n in range(3)]
    _away(session, org.social_worker, ends=None)
    moves = allocations.bulk_reassign(
        session=session,
        user=USER,
        from_worker_id=org.social_worker,
        to_worker_ids=[org.occupational_therapist, org.reablement_officer],
        reason="Sick leave",
        while_away=True,
    )
    assert len(moves) == 3
    session.flush()
    assert absences.covered_case_count(session, org.social_worker) == 3
    # Moved on again within cover, the case still names whose it is.
    one = session.exec(
        select(Allocation).where(
            Allocation.referral_id == cases[0].referral_id, col(Allocation.ended_at).is_(None)
        )
    ).one()
    other = (
        org.reablement_officer
        if one.worker_id == org.occupational_therapist
        else org.occupational_therapist
    )
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=one.referral_id,
        to_worker_id=other,
        reason="Closer",
        allocation_id=one.id,
        expected_version=one.version,
    )
    assert absences.covered_case_count(session, org.social_worker) == 3

    absences.mark_back(session=session, user=USER, worker_id=org.social_worker)
    returned = allocations.return_covered_cases(
        session=session, user=USER, worker_id=org.social_worker
    )
    assert len(returned) == 3
    assert caseloads.worker_load(session=session, worker_id=org.social_worker).open_cases == 3
    assert absences.covered_case_count(session, org.social_worker) == 0
    with pytest.raises(InvalidInput, match="No cases are held in cover"):
        allocations.return_covered_cases(session=session, user=USER, worker_id=org.social_worker)


def test_an_ordinary_bulk_reassignment_is_not_cover(session: Session) -> None:
    org = small_organisation(session)
    allocated_case(session, org.team.id, org.social_worker, 0)
    allocations.bulk_reassign(
        session=session,
        user=USER,
        from_worker_id=org.social_worker,
        to_worker_ids=[org.occupational_therapist],
        reason="Moving team",
    )
    assert absences.covered_case_count(session, org.social_worker) == 0


def test_a_leaver_with_cases_is_refused_then_becomes_inactive(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    today = clock.today()
    with pytest.raises(InvalidInput, match="still holds 1 open case"):
        absences.worker_leaves(
            session=session, user=USER, worker_id=org.social_worker, left_on=today
        )
    with pytest.raises(InvalidInput, match="cannot be in the future") as error:
        absences.worker_leaves(
            session=session,
            user=USER,
            worker_id=org.social_worker,
            left_on=today + timedelta(days=1),
        )
    assert error.value.field == "on"
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        to_worker_id=org.occupational_therapist,
        reason="Leaving",
        allocation_id=case.id,
        expected_version=case.version,
    )
    absences.worker_leaves(
        session=session, user=USER, worker_id=org.social_worker, left_on=date(2026, 11, 1)
    )
    worker = session.get(Worker, org.social_worker)
    assert (worker.active, worker.left_on) == (False, date(2026, 11, 1))
    referral = triaged_referral(session, org.team.id, 5)
    offered = caseloads.allocation_candidates(session=session, referral_id=referral.id)
    assert org.social_worker not in [c.load.worker_id for c in offered]
    with pytest.raises(InvalidInput, match="has already left"):
        absences.worker_leaves(
            session=session, user=USER, worker_id=org.social_worker, left_on=today
        )
    with pytest.raises(InvalidInput, match="has left"):
        _away(session, org.social_worker)


def test_worker_status_for_the_caseload_screen(session: Session) -> None:
    org = small_organisation(session)
    _away(session, org.social_worker, starts=-2, ends=3)
    _away(session, org.social_worker, starts=10, ends=12, kind="training")
    status = absences.worker_status(session=session, worker_id=org.social_worker)
    assert status.away is not None and status.away.kind == "leave"
    assert status.upcoming is not None and status.upcoming.kind == "training"
    assert (status.covered_cases, status.open_cases) == (0, 0)


def test_leaving_ends_the_cover_others_hold_for_the_leaver(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _away(session, org.social_worker, ends=None)
    allocations.bulk_reassign(
        session=session,
        user=USER,
        from_worker_id=org.social_worker,
        to_worker_ids=[org.occupational_therapist],
        reason="Sick leave",
        while_away=True,
    )

    covered = absences.worker_leaves(
        session=session, user=USER, worker_id=org.social_worker, left_on=clock.today()
    )

    assert covered.covered == 1
    assert absences.left_cover(covered) == (
        " 1 case(s) held in cover for them now belong to the workers holding them."
    )
    session.flush()
    assert absences.covered_case_count(session, org.social_worker) == 0
    held = session.exec(
        select(Allocation).where(
            Allocation.referral_id == case.referral_id, col(Allocation.ended_at).is_(None)
        )
    ).one()
    assert (held.worker_id, held.covering_for_worker_id) == (org.occupational_therapist, None)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "end_cover")).one()
    assert event.changes["covering_for_worker_id"] == [org.social_worker, None]


def test_cover_passed_on_while_the_holder_is_away_stays_the_first_owners(
    session: Session,
) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    for away, to in (
        (org.social_worker, org.occupational_therapist),
        (org.occupational_therapist, org.reablement_officer),
    ):
        _away(session, away, ends=None)
        allocations.bulk_reassign(
            session=session,
            user=USER,
            from_worker_id=away,
            to_worker_ids=[to],
            reason="Away",
            while_away=True,
        )
    session.flush()
    held = session.exec(
        select(Allocation).where(
            Allocation.referral_id == case.referral_id, col(Allocation.ended_at).is_(None)
        )
    ).one()
    assert (held.worker_id, held.covering_for_worker_id) == (
        org.reablement_officer,
        org.social_worker,
    )
    assert absences.covered_case_count(session, org.occupational_therapist) == 0


def _plan_led_by(session: Session, org, person_id: int, lead: int, actions: list) -> None:
    from intapp.services import care_plans

    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person_id,
        content=care_plans.PlanContent(
            lead_worker_id=lead,
            review_date=clock.today() + timedelta(days=30),
            goals=["Get to the shops"],
            actions=actions,
        ),
    )


def _action(worker_id: int, what: str) -> dict:
    return {
        "who": "",
        "worker_id": worker_id,
        "what": what,
        "by_when": (clock.today() + timedelta(days=7)).isoformat(),
        "status": "open",
    }


def test_a_leaver_hands_over_the_plans_they_lead_and_their_open_actions(
    session: Session,
) -> None:
    from intapp.models import PlanAction
    from intapp.services import care_plans

    org = small_organisation(session)
    # Person 0: Asha leads; the case is held by Ben. Person 1: Cara leads; Asha has an action.
    case = allocated_case(session, org.team.id, org.occupational_therapist, 0)
    other = allocated_case(session, org.team.id, org.reablement_officer, 1)
    _plan_led_by(
        session, org, case.person_id, org.social_worker, [_action(org.social_worker, "Call GP")]
    )
    _plan_led_by(
        session,
        org,
        other.person_id,
        org.reablement_officer,
        [_action(org.social_worker, "Order rail"), _action(org.reablement_officer, "Visit")],
    )

    left = absences.worker_leaves(
        session=session, user=USER, worker_id=org.social_worker, left_on=clock.today()
    )

    assert (left.handed_over.plans, left.handed_over.actions) == (1, 2)
    assert "1 care plan(s) they led passed" in absences.left_cover(left)
    first = care_plans.current_plan(session=session, person_id=case.person_id)
    assert first is not None and first.content.lead_worker_id == org.occupational_therapist
    assert first.number == 2
    assert first.change_note == "Asha Khan left: plan and actions passed to Ben Lloyd"
    assert first.content.actions[0]["worker_id"] == org.occupational_therapist
    assert first.content.actions[0]["who"] == "Ben Lloyd"
    second = care_plans.current_plan(session=session, person_id=other.person_id)
    assert second is not None and second.change_note == (
        "Asha Khan left: actions passed to Cara Mensah"
    )
    session.flush()
    assert count(session, PlanAction, PlanAction.worker_id == org.social_worker) == 0
    assert count(session, AuditEvent, AuditEvent.action == "hand_over") == 2


def test_a_leaver_leading_a_plan_nobody_is_allocated_to_is_refused(session: Session) -> None:
    from intapp.services import care_plans

    org = small_organisation(session, people=1)
    _plan_led_by(session, org, org.people[0], org.social_worker, [])
    with pytest.raises(InvalidInput, match="leads 1 open care plan"):
        absences.worker_leaves(
            session=session, user=USER, worker_id=org.social_worker, left_on=clock.today()
        )
    worker = session.get(Worker, org.social_worker)
    assert worker is not None and worker.active
    plan = care_plans.current_plan(session=session, person_id=org.people[0])
    assert plan is not None and plan.number == 1


def test_leaving_through_the_worker_editor_hands_over_too(session: Session) -> None:
    from factories import seen_version

    from intapp.services import care_plans, organisation

    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.occupational_therapist, 0)
    _plan_led_by(session, org, case.person_id, org.social_worker, [])
    organisation.update_worker(
        session=session,
        user=USER,
        worker_id=org.social_worker,
        expected_version=seen_version(session, Worker, org.social_worker),
        given_name="Asha",
        family_name="Khan",
        profession="social_worker",
        team_id=org.team.id,
        fte=1.0,
        caseload_limit=100,
        active=False,
    )
    plan = care_plans.current_plan(session=session, person_id=case.person_id)
    assert plan is not None and plan.content.lead_worker_id == org.occupational_therapist
