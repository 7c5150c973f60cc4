"""The end of a case: closing it (the one place a case ends) and reopening it.

Closing ends the allocation (the worker's load falls at once), closes the referral and,
when the person has no other open case, closes their care plan. A death closes every
case through the same `end_case`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.clock import LOCAL_TZ
from intapp.codes import CLOSING_OUTCOMES, CaseOutcome, EpisodeState, ReferralStatus, code_label
from intapp.config import load_settings
from intapp.formatting import local_date, uk_date
from intapp.models import (
    Allocation,
    AuditEvent,
    CarePlan,
    CarePlanVersion,
    ReablementEpisode,
    Referral,
    Worker,
)
from intapp.services import audit, plan_actions
from intapp.services.absences import away_today
from intapp.services.allocations import weighted_caseload
from intapp.services.errors import InvalidInput, check_version
from intapp.services.people import load_person, refuse_if_deceased
from intapp.services.referrals import ReferralSummary, load_referral, summarise
from intapp.store.plain_sql import through_session

# How the final version of a plan closed by a case ending or a death begins; a plan
# closed otherwise (a merge) is not reopened by reopening a case.
PLAN_CLOSED_BY_CASE = "closed: "

# Referrals that are still being worked: a close or a death ends them.
# A referral that is still open, so it can be closed (a transfer waits for its decision).
CLOSABLE_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.TRIAGED, ReferralStatus.ALLOCATED)


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
            note=f"{PLAN_CLOSED_BY_CASE}case {referral.reference} ended "
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
    actions = plan_actions.open_ones_cancelled(last.actions)
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
    actions: list[dict[str, Any]],
    note: str,
) -> None:
    assert plan.id is not None
    plan_actions.save_version(
        session=session,
        user=user,
        version=CarePlanVersion(
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
    require_for(session, "close_case")
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    if referral.status == ReferralStatus.TRANSFER:
        raise InvalidInput(
            f"Referral {referral.reference} is on its way to another team; it can be closed "
            "once that team accepts or returns it",
            field="status",
        )
    if referral.status not in CLOSABLE_STATUSES:
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
    _refuse_while_episode_open(session=session, referral=referral)
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


def _refuse_while_episode_open(*, session: Session, referral: Referral) -> None:
    """A case does not close under a reablement episode that is planned or running: the
    episode is ended (or, if it never began, cancelled) first, so its outcome and
    follow-up are recorded rather than left open on a closed case. A death is different:
    it ends the episodes itself."""
    episode = session.exec(
        select(ReablementEpisode)
        .where(
            ReablementEpisode.referral_id == referral.id,
            col(ReablementEpisode.state).in_([EpisodeState.PLANNED, EpisodeState.ACTIVE]),
        )
        .order_by(col(ReablementEpisode.start_date))
    ).first()
    if episode is None:
        return
    kind = code_label(episode.episode_type, capitalised=False)
    if episode.state == EpisodeState.PLANNED:
        what = f"the {kind} reablement episode planned to start {uk_date(episode.start_date)}"
        first = "cancel it"
    else:
        what = f"the {kind} reablement episode running since {uk_date(episode.start_date)}"
        first = "end it"
    raise InvalidInput(
        f"Case {referral.reference} cannot close while {what} is open; {first} first",
        field="status",
    )


@dataclass(frozen=True)
class ReopenedCase:
    """What reopening a case did."""

    referral: ReferralSummary
    worker_name: str | None
    """Who holds it again, or None when it waits for allocation."""
    plan_reopened: bool
    covering_for: str | None = None
    """Whose case it stays, held in cover while they are away."""
    waiting_because: str | None = None
    """Why it waits for allocation rather than going back to the worker who held it."""

    @property
    def where(self) -> str:
        """Where the case went, as the app and the CLI say it."""
        if self.worker_name is None:
            why = f" ({self.waiting_because})" if self.waiting_because else ""
            return f"awaiting allocation{why}"
        cover = f", held while {self.covering_for} is away" if self.covering_for else ""
        return f"back with {self.worker_name}{cover}"


def reopen_window_start(*, session: Session, referral: Referral | ReferralSummary) -> datetime:
    """When the reopen window of a closed case starts: its closing, except for a case
    closed by a death since withdrawn, whose window starts at the withdrawal (the death
    was backdated, so its closing may be long before anyone could undo it)."""
    assert referral.closed_at is not None
    if referral.close_outcome != CaseOutcome.NFA_DECEASED:
        return referral.closed_at
    person = load_person(session=session, person_id=referral.person_id)
    if person.date_of_death is not None:
        return referral.closed_at
    withdrawn = session.exec(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.entity == "person",
            AuditEvent.entity_id == str(referral.person_id),
            AuditEvent.action == "withdraw_death",
        )
    ).one()
    return max(referral.closed_at, withdrawn) if withdrawn else referral.closed_at


def reopen_deadline(*, session: Session, referral: Referral | ReferralSummary) -> datetime:
    """The last moment a closed case may be reopened: `reopen_window_days` after its
    window starts (`reopen_window_start`)."""
    start = reopen_window_start(session=session, referral=referral)
    return start + timedelta(days=load_settings().reopen_window_days)


def reopen_case(
    *, session: Session, user: str, referral_id: int, reason: str, expected_version: int
) -> ReopenedCase:
    """Reopen a case closed within `reopen_window_days`, with a reason.

    It goes back to the worker who held it when they are still active in the team, not
    away today and have room for it; otherwise it waits, triaged, for allocation. A case
    held in cover goes back to the worker it was covered for when they can take it, or
    else to the worker covering it, still in cover. A closed plan opens again, as it was
    before, when its closing came from a case ending or a death.
    """
    require_for(session, "reopen")
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
    if now > reopen_deadline(session=session, referral=referral):
        raise InvalidInput(
            f"Referral {referral.reference} closed on {referral.closed_at:%d/%m/%Y}, more than "
            f"{load_settings().reopen_window_days} days ago: log a new referral instead "
            "(it will be flagged as a re-referral)",
            field="referral",
        )
    last = session.exec(
        select(Allocation)
        .where(Allocation.referral_id == referral.id)
        .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
    ).first()
    back = _returning_worker(session=session, referral=referral, last=last)
    before = audit.snapshot(referral)
    referral.closed_at = None
    referral.close_outcome = None
    referral.close_reason = None
    referral.closed_by = None
    if back.worker is not None and last is not None:
        assert referral.id is not None and back.worker.id is not None
        referral.status = ReferralStatus.ALLOCATED
        audit.save_create(
            session=session,
            user=user,
            row=Allocation(
                referral_id=referral.id,
                person_id=referral.person_id,
                worker_id=back.worker.id,
                weight=last.weight,
                started_at=now,
                allocated_by=user,
                covering_for_worker_id=back.covering.id if back.covering else None,
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
        person_id=referral.person_id,
    )
    plan_reopened = _reopen_plan(
        session=session,
        user=user,
        person_id=referral.person_id,
        note=f"reopened with case {referral.reference}: {reason.strip()}",
    )
    return ReopenedCase(
        summarise(referral),
        back.worker.display_name if back.worker else None,
        plan_reopened,
        covering_for=back.covering.display_name if back.covering else None,
        waiting_because=back.waiting_because,
    )


@dataclass(frozen=True)
class _Return:
    worker: Worker | None
    covering: Worker | None = None
    waiting_because: str | None = None


def _returning_worker(*, session: Session, referral: Referral, last: Allocation | None) -> _Return:
    """Who takes the case back: the worker it was covered for when they can, else the
    worker who held it last (still in cover for that worker while they are away)."""
    if last is None:
        return _Return(None)
    owner = (
        session.get(Worker, last.covering_for_worker_id) if last.covering_for_worker_id else None
    )
    if (
        owner is not None
        and _unfit(session=session, referral=referral, worker=owner, last=last) is None
    ):
        return _Return(owner)
    holder = session.get(Worker, last.worker_id)
    if holder is None:
        return _Return(None)
    unfit = _unfit(session=session, referral=referral, worker=holder, last=last)
    if unfit is not None:
        return _Return(None, waiting_because=unfit)
    # Still the owner's case while they are away; a leaver's cover has ended.
    covering = owner if owner is not None and owner.active else None
    return _Return(holder, covering)


def _unfit(*, session: Session, referral: Referral, worker: Worker, last: Allocation) -> str | None:
    """Why `worker` cannot take the case back now, or None when they can."""
    assert worker.id is not None
    if not worker.active:
        return f"{worker.display_name} has left"
    if worker.team_id != referral.team_id:
        return f"{worker.display_name} is in another team"
    away = away_today(through_session(session), [worker.id]).get(worker.id)
    if away is not None:
        until = f" until {uk_date(away.until)}" if away.until else ""
        return f"{worker.display_name} is away{until}"
    load = weighted_caseload(session=session, worker_id=worker.id)
    if load + last.weight > worker.caseload_limit:
        return f"{worker.display_name} has no room for it"
    return None


def _reopen_plan(*, session: Session, user: str, person_id: int, note: str) -> bool:
    """Open the person's plan again, as it stood before, when it is closed, its closing
    came from a case ending or a death (not, say, a merge) and the person now has an
    open case."""
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).first()
    if plan is None or plan.closed_at is None or plan.current_number < 2:
        return False
    if not _has_open_case(session=session, person_id=person_id):
        return False
    closing = _version(session=session, plan=plan, number=plan.current_number)
    if not closing.change_note.startswith(PLAN_CLOSED_BY_CASE):
        return False
    earlier = _version(session=session, plan=plan, number=plan.current_number - 1)
    before = audit.snapshot(plan)
    plan.current_number += 1
    plan.closed_at = None
    audit.save_update(session=session, user=user, row=plan, before=before, action="reopen")
    actions = [dict(a) for a in earlier.actions]
    _copy_version(session=session, user=user, plan=plan, source=earlier, actions=actions, note=note)
    return True
