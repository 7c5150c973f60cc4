"""The end of a case: closing it (the one place a case ends) and reopening it.

Closing ends the allocation (the worker's load falls at once), closes the referral and,
when the person has no other open case, closes their care plan. A death closes every
case through the same `end_case`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from intapp import clock
from intapp.clock import LOCAL_TZ
from intapp.codes import CLOSING_OUTCOMES, ReferralStatus, code_label
from intapp.config import load_settings
from intapp.formatting import local_date, uk_date
from intapp.models import Allocation, CarePlan, CarePlanVersion, Referral, Worker
from intapp.services import audit
from intapp.services.allocations import weighted_caseload
from intapp.services.errors import InvalidInput, check_version
from intapp.services.people import load_person, refuse_if_deceased
from intapp.services.referrals import ReferralSummary, load_referral, summarise

# Referrals that are still being worked: a close or a death ends them.
OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.TRIAGED, ReferralStatus.ALLOCATED)


def case_started(*, session: Session, referral: Referral) -> datetime:
    """The earliest a case can end: when its open allocation began (an allocation cannot
    end before it started), or the referral's receipt when no one holds it."""
    held_since = session.exec(
        select(Allocation.started_at).where(
            Allocation.referral_id == referral.id, col(Allocation.ended_at).is_(None)
        )
    ).first()
    return held_since or referral.received_at


def closing_time(ended_on: date, started: datetime) -> datetime:
    """The moment a case ending on `ended_on` is recorded as closed: now for today, else
    the end of that working day, never before the case started."""
    now = clock.now()
    if ended_on >= clock.today():
        return now
    return max(started, datetime.combine(ended_on, time(17), tzinfo=LOCAL_TZ).astimezone(UTC))


def checked_end_date(ended_on: date, started: datetime) -> date:
    """An end date: today or earlier, and not before the case started."""
    if ended_on > clock.today():
        raise InvalidInput(
            "A case cannot end in the future; give today or earlier", field="ended_on"
        )
    if ended_on < local_date(started):
        raise InvalidInput(
            f"A case cannot end before it started ({uk_date(started)})", field="ended_on"
        )
    return ended_on


@dataclass(frozen=True)
class ClosedCase:
    """What closing a case did."""

    referral: ReferralSummary
    worker_name: str | None
    """Whose allocation ended, if the case had one."""
    plan_closed: bool


def end_case(
    *,
    session: Session,
    user: str,
    referral: Referral,
    outcome: str,
    reason: str,
    closed_at: datetime,
) -> ClosedCase:
    """End a case in the caller's transaction: its allocation, the referral and, when it
    was the person's last open case, the care plan. Checks are the caller's."""
    allocation = session.exec(
        select(Allocation).where(
            Allocation.referral_id == referral.id, col(Allocation.ended_at).is_(None)
        )
    ).first()
    worker_name = None
    if allocation is not None:
        worker = session.get(Worker, allocation.worker_id)
        worker_name = worker.display_name if worker else None
        before = audit.snapshot(allocation)
        allocation.ended_at = closed_at
        allocation.end_reason = "case closed"
        audit.save_update(session=session, user=user, row=allocation, before=before, action="end")
    before = audit.snapshot(referral)
    referral.status = ReferralStatus.CLOSED
    referral.closed_at = closed_at
    referral.close_outcome = outcome
    referral.close_reason = reason
    referral.closed_by = user
    audit.save_update(session=session, user=user, row=referral, before=before, action="close")
    plan_closed = False
    if not _has_open_case(session=session, person_id=referral.person_id):
        plan_closed = close_plan(
            session=session,
            user=user,
            person_id=referral.person_id,
            closed_at=closed_at,
            note=f"closed: case {referral.reference} ended "
            f"({code_label(outcome, capitalised=False)}) and no other case is open",
        )
    return ClosedCase(summarise(referral), worker_name, plan_closed)


def _has_open_case(*, session: Session, person_id: int) -> bool:
    return (
        session.exec(
            select(Allocation.id).where(
                Allocation.person_id == person_id, col(Allocation.ended_at).is_(None)
            )
        ).first()
        is not None
    )


def close_plan(
    *, session: Session, user: str, person_id: int, closed_at: datetime, note: str
) -> bool:
    """Close the person's open plan with a final version (`note`) whose open actions are
    cancelled, so it leaves the review lists; False when there was no open plan."""
    plan = session.exec(
        select(CarePlan).where(CarePlan.person_id == person_id, col(CarePlan.closed_at).is_(None))
    ).first()
    if plan is None:
        return False
    last = _version(session=session, plan=plan, number=plan.current_number)
    before = audit.snapshot(plan)
    plan.current_number += 1
    plan.closed_at = closed_at
    audit.save_update(session=session, user=user, row=plan, before=before, action="close")
    actions = [a if a.get("done") else {**a, "cancelled": True} for a in last.actions]
    _copy_version(session=session, user=user, plan=plan, source=last, actions=actions, note=note)
    return True


def _version(*, session: Session, plan: CarePlan, number: int) -> CarePlanVersion:
    found = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == number
        )
    ).one()
    return found


def _copy_version(
    *,
    session: Session,
    user: str,
    plan: CarePlan,
    source: CarePlanVersion,
    actions: list[dict[str, object]],
    note: str,
) -> None:
    assert plan.id is not None
    audit.save_create(
        session=session,
        user=user,
        row=CarePlanVersion(
            plan_id=plan.id,
            number=plan.current_number,
            lead_worker_id=source.lead_worker_id,
            review_date=source.review_date,
            goals=list(source.goals),
            actions=actions,
            items=[dict(i) for i in source.items],
            change_note=note[:500],
            created_by=user,
            created_at=clock.now(),
        ),
    )


def close_case(
    *,
    session: Session,
    user: str,
    referral_id: int,
    outcome: str,
    reason: str,
    ended_on: date | None = None,
    expected_version: int,
) -> ClosedCase:
    """Close an open case with an outcome, a reason and an end date (default today)."""
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    if referral.status == ReferralStatus.TRANSFER:
        raise InvalidInput(
            f"Referral {referral.reference} is on its way to another team; it can be closed "
            "once that team accepts or returns it",
            field="status",
        )
    if referral.status not in OPEN_STATUSES:
        raise InvalidInput(
            f"Referral {referral.reference} is already "
            f"{code_label(referral.status, capitalised=False)}",
            field="status",
        )
    if outcome not in CLOSING_OUTCOMES:
        raise InvalidInput(
            "Outcome must be one of: " + ", ".join(CLOSING_OUTCOMES), field="outcome"
        )
    if not reason.strip():
        raise InvalidInput("Give a reason for closing the case", field="reason")
    started = case_started(session=session, referral=referral)
    ended_on = checked_end_date(ended_on or clock.today(), started)
    return end_case(
        session=session,
        user=user,
        referral=referral,
        outcome=outcome,
        reason=reason.strip(),
        closed_at=closing_time(ended_on, started),
    )


@dataclass(frozen=True)
class ReopenedCase:
    """What reopening a case did."""

    referral: ReferralSummary
    worker_name: str | None
    """Who holds it again, or None when it waits for allocation."""
    plan_reopened: bool


def reopen_deadline(closed_at: datetime) -> datetime:
    """The last moment a case closed at `closed_at` may be reopened."""
    return closed_at + timedelta(days=load_settings().reopen_window_days)


def reopen_case(
    *, session: Session, user: str, referral_id: int, reason: str, expected_version: int
) -> ReopenedCase:
    """Reopen a case closed within `reopen_window_days`, with a reason.

    It goes back to the worker who held it when they are still active in the team and
    have room for it; otherwise it waits, triaged, for allocation. A plan its closing
    closed opens again, as it was before.
    """
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    person = load_person(session=session, person_id=referral.person_id)
    refuse_if_deceased(person, "given a reopened case")
    if referral.status != ReferralStatus.CLOSED or referral.closed_at is None:
        raise InvalidInput(
            f"Referral {referral.reference} is {code_label(referral.status, capitalised=False)};"
            " only a closed case can be reopened",
            field="status",
        )
    if not reason.strip():
        raise InvalidInput("Say why the case is being reopened", field="reason")
    now = clock.now()
    if now > reopen_deadline(referral.closed_at):
        raise InvalidInput(
            f"Referral {referral.reference} closed on {referral.closed_at:%d/%m/%Y}, more than "
            f"{load_settings().reopen_window_days} days ago: log a new referral instead "
            "(it will be flagged as a re-referral)",
            field="referral",
        )
    closed_at = referral.closed_at
    last = session.exec(
        select(Allocation)
        .where(Allocation.referral_id == referral.id)
        .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
    ).first()
    worker = _returning_worker(session=session, referral=referral, last=last)
    before = audit.snapshot(referral)
    referral.closed_at = None
    referral.close_outcome = None
    referral.close_reason = None
    referral.closed_by = None
    if worker is not None and last is not None:
        assert referral.id is not None
        referral.status = ReferralStatus.ALLOCATED
        audit.save_create(
            session=session,
            user=user,
            row=Allocation(
                referral_id=referral.id,
                person_id=referral.person_id,
                worker_id=last.worker_id,
                weight=last.weight,
                started_at=now,
                allocated_by=user,
            ),
        )
    else:
        referral.status = (
            ReferralStatus.TRIAGED if referral.triaged_at is not None else ReferralStatus.RECEIVED
        )
    audit.save_update(session=session, user=user, row=referral, before=before, action="reopen")
    audit.record(
        session=session,
        user=user,
        entity="referral",
        entity_id=referral.id,
        action="reopen_reason",
        changes={"reason": [None, reason.strip()]},
    )
    plan_reopened = _reopen_plan(
        session=session,
        user=user,
        person_id=referral.person_id,
        closed_at=closed_at,
        note=f"reopened with case {referral.reference}: {reason.strip()}",
    )
    return ReopenedCase(summarise(referral), worker.display_name if worker else None, plan_reopened)


def _returning_worker(
    *, session: Session, referral: Referral, last: Allocation | None
) -> Worker | None:
    """The worker who held the case, if they can take it back now."""
    if last is None:
        return None
    worker = session.get(Worker, last.worker_id)
    if worker is None or not worker.active or worker.team_id != referral.team_id:
        return None
    load = weighted_caseload(session=session, worker_id=last.worker_id)
    return worker if load + last.weight <= worker.caseload_limit else None


def _reopen_plan(
    *, session: Session, user: str, person_id: int, closed_at: datetime, note: str
) -> bool:
    """Open the plan again if this case's closing closed it, as it stood before."""
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).first()
    if plan is None or plan.closed_at != closed_at or plan.current_number < 2:
        return False
    earlier = _version(session=session, plan=plan, number=plan.current_number - 1)
    before = audit.snapshot(plan)
    plan.current_number += 1
    plan.closed_at = None
    audit.save_update(session=session, user=user, row=plan, before=before, action="reopen")
    actions = [dict(a) for a in earlier.actions]
    _copy_version(session=session, user=user, plan=plan, source=earlier, actions=actions, note=note)
    return True
