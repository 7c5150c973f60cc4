"""Allocating cases to key workers within weighted caseload limits, and caseload views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import ReferralStatus
from intapp.config import load_settings
from intapp.models import Allocation, Referral, Worker
from intapp.services import audit, bounds
from intapp.services.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    OverCaseloadLimit,
    check_version,
)
from intapp.services.people import person_who_can_start
from intapp.services.referrals import load_referral


@dataclass(frozen=True)
class AllocationSummary:
    """One allocation of a case to a worker."""

    id: int
    referral_id: int
    person_id: int
    worker_id: int
    weight: int
    started_at: datetime
    ended_at: datetime | None
    over_limit_reason: str | None
    version: int


def summarise(allocation: Allocation) -> AllocationSummary:
    """The plain result object for an Allocation row."""
    assert allocation.id is not None
    return AllocationSummary(
        id=allocation.id,
        referral_id=allocation.referral_id,
        person_id=allocation.person_id,
        worker_id=allocation.worker_id,
        weight=allocation.weight,
        started_at=allocation.started_at,
        ended_at=allocation.ended_at,
        over_limit_reason=allocation.over_limit_reason,
        version=allocation.version,
    )


def weighted_caseload(*, session: Session, worker_id: int) -> int:
    """The sum of the weights of the worker's open allocations."""
    return session.exec(
        select(func.coalesce(func.sum(Allocation.weight), 0)).where(
            Allocation.worker_id == worker_id, col(Allocation.ended_at).is_(None)
        )
    ).one()


def _load_worker_for_update(*, session: Session, worker_id: int) -> Worker:
    # Row lock on PostgreSQL so two coordinators cannot both fill the last headroom;
    # SQLite's BEGIN IMMEDIATE already serialises writers.
    worker = session.exec(select(Worker).where(Worker.id == worker_id).with_for_update()).first()
    if worker is None:
        raise NotFound(f"There is no worker with id {worker_id}")
    if not worker.active:
        raise InvalidInput(
            f"{worker.display_name} is not active and cannot take cases", field="worker"
        )
    return worker


def _check_limit(
    *, session: Session, worker: Worker, weight: int, over_limit_reason: str | None
) -> str | None:
    """Refuse to go past the limit without a reason; return the reason to record, if needed."""
    assert worker.id is not None
    load = weighted_caseload(session=session, worker_id=worker.id)
    if load + weight <= worker.caseload_limit:
        return None
    reason = (over_limit_reason or "").strip()
    if not reason:
        raise OverCaseloadLimit(
            f"{worker.display_name} has {load} of {worker.caseload_limit} points; "
            f"this case ({weight} points) would take them to {load + weight}. "
            "Choose another worker or record why they should take it anyway.",
            load=load,
            limit=worker.caseload_limit,
            weight=weight,
        )
    return reason


def _checked_weight(weight: int | None) -> int:
    weight = load_settings().default_case_weight if weight is None else weight
    return bounds.checked_weight(weight)


def _open_allocation(*, session: Session, referral_id: int) -> Allocation | None:
    return session.exec(
        select(Allocation).where(
            Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None)
        )
    ).first()


def _lock_referral(*, session: Session, referral_id: int) -> Referral:
    """The referral, locked until the transaction ends (PostgreSQL), read afresh.

    Without the lock two allocations read the same triaged referral, both insert an
    open allocation, and the second fails on the one-open-allocation index with a
    database error. With it the second waits for the first, then reads the referral
    as the first left it. (SQLite's BEGIN IMMEDIATE already serialises writers.)
    """
    referral = session.exec(
        select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if referral is None:
        raise NotFound(f"There is no referral with id {referral_id}")
    return referral


def _allocated_meanwhile(reference: str) -> Conflict:
    return Conflict(
        f"Someone else allocated referral {reference} after you opened it. "
        "Reload it to see who holds it now."
    )


def _start_allocation(
    *,
    session: Session,
    user: str,
    referral: Referral,
    worker_id: int,
    weight: int,
    over_limit_reason: str | None,
    covering_for_worker_id: int | None = None,
) -> Allocation:
    assert referral.id is not None
    person_who_can_start(session=session, person_id=referral.person_id, doing="allocated")
    allocation = Allocation(
        referral_id=referral.id,
        person_id=referral.person_id,
        worker_id=worker_id,
        weight=weight,
        started_at=clock.now(),
        over_limit_reason=over_limit_reason,
        allocated_by=user,
        covering_for_worker_id=covering_for_worker_id,
    )
    reference = referral.reference  # a failed flush expires the rows it held
    try:
        audit.save_create(session=session, user=user, row=allocation)
    except IntegrityError as error:
        # The one-open-allocation index: another transaction opened one for this case
        # between our read and our write (a path that did not lock the referral first).
        said = str(error.orig)  # PostgreSQL names the index; SQLite names its column
        if "uq_allocation_open_referral" in said or "allocation.referral_id" in said:
            raise _allocated_meanwhile(reference) from error
        raise
    return allocation


def _reason_to_record(
    *, session: Session, worker_id: int, weight: int, over_limit_reason: str | None
) -> str | None:
    """Check the worker can take `weight` more points; the over-limit reason to record."""
    worker = _load_worker_for_update(session=session, worker_id=worker_id)
    return _check_limit(
        session=session, worker=worker, weight=weight, over_limit_reason=over_limit_reason
    )


def _end_allocation(*, session: Session, user: str, allocation: Allocation, reason: str) -> None:
    before = audit.snapshot(allocation)
    allocation.ended_at = clock.now()
    allocation.end_reason = reason
    audit.save_update(session=session, user=user, row=allocation, before=before, action="end")


def proposed_weight(*, session: Session, referral_id: int) -> int:
    """The weight to offer when a referral is allocated: the weight of its latest
    allocation when it had one (a case coming back from a transfer, or reopened, is as
    heavy as it was), else the usual weight."""
    earlier = session.exec(
        select(Allocation.weight)
        .where(Allocation.referral_id == referral_id)
        .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
    ).first()
    return earlier if earlier is not None else load_settings().default_case_weight


def allocate(
    *,
    session: Session,
    user: str,
    referral_id: int,
    worker_id: int,
    weight: int | None = None,
    over_limit_reason: str | None = None,
    expected_version: int,
) -> AllocationSummary:
    """Allocate a triaged referral to a key worker, within their weighted limit.

    Two coordinators allocating the same referral at once: the second waits for the
    first, then is told someone else allocated it (`Conflict`).
    """
    require_for(session, "allocate")
    referral = _lock_referral(session=session, referral_id=referral_id)
    if referral.version != expected_version and referral.status == ReferralStatus.ALLOCATED:
        raise _allocated_meanwhile(referral.reference)
    check_version("referral", referral.version, expected_version)
    # Before the status: a death closes the referral, and "died" is the reason to give.
    person_who_can_start(session=session, person_id=referral.person_id, doing="allocated")
    if referral.status != ReferralStatus.TRIAGED:
        raise InvalidInput(
            f"Referral {referral.reference} is {ReferralStatus(referral.status).label.lower()}; "
            "only triaged referrals can be allocated (use reallocate for an open case)",
            field="status",
        )
    weight = _checked_weight(weight)
    reason = _reason_to_record(
        session=session, worker_id=worker_id, weight=weight, over_limit_reason=over_limit_reason
    )
    allocation = _start_allocation(
        session=session,
        user=user,
        referral=referral,
        worker_id=worker_id,
        weight=weight,
        over_limit_reason=reason,
    )
    before = audit.snapshot(referral)
    referral.status = ReferralStatus.ALLOCATED
    audit.save_update(session=session, user=user, row=referral, before=before, action="allocate")
    return summarise(allocation)


def reallocate(
    *,
    session: Session,
    user: str,
    referral_id: int,
    to_worker_id: int,
    reason: str,
    weight: int | None = None,
    over_limit_reason: str | None = None,
    allocation_id: int,
    expected_version: int,
    covering_for_worker_id: int | None = None,
) -> AllocationSummary:
    """Move an open case to another worker: end the current allocation, start a new one.

    `allocation_id` and `expected_version` are the open allocation the user was looking
    at and its version. A move starts a new allocation (at version 1), so the id is what
    shows that someone else moved the case meanwhile.

    `covering_for_worker_id` names the worker whose case this stays while they are
    away; a case already held in cover keeps naming them until it goes back to them.
    """
    require_for(session, "reallocate")
    if not reason.strip():
        raise InvalidInput("Say why the case is being reallocated", field="reason")
    current = _open_allocation(session=session, referral_id=referral_id)
    if current is None:
        raise InvalidInput("This case has no open allocation to move", field="referral")
    if current.id != allocation_id:
        raise Conflict(
            "This case was moved by someone else after you opened it. "
            "Reload it to see where it is now, then move it again if you still need to."
        )
    check_version("allocation", current.version, expected_version)
    if current.worker_id == to_worker_id:
        raise InvalidInput("The case is already allocated to that worker", field="worker")
    referral = load_referral(session=session, referral_id=referral_id)
    weight = _checked_weight(current.weight if weight is None else weight)
    # Check the new worker first, so a refusal leaves the case where it was.
    limit_reason = _reason_to_record(
        session=session, worker_id=to_worker_id, weight=weight, over_limit_reason=over_limit_reason
    )
    # A case already held in cover stays its owner's: moving it on while its holder is
    # away in turn does not make it the holder's.
    covering = current.covering_for_worker_id or covering_for_worker_id
    _end_allocation(session=session, user=user, allocation=current, reason=reason.strip())
    allocation = _start_allocation(
        session=session,
        user=user,
        referral=referral,
        worker_id=to_worker_id,
        weight=weight,
        over_limit_reason=limit_reason,
        covering_for_worker_id=None if covering == to_worker_id else covering,
    )
    return summarise(allocation)


@dataclass(frozen=True)
class Move:
    """One case moved by a bulk reassignment."""

    referral_id: int
    from_worker_id: int
    to_worker_id: int
    weight: int


def bulk_reassign(
    *,
    session: Session,
    user: str,
    from_worker_id: int,
    to_worker_ids: list[int],
    reason: str,
    over_limit_reason: str | None = None,
    while_away: bool = False,
) -> list[Move]:
    """Share all of one worker's open cases among others (for sickness or leave).

    Heaviest cases go first, each to the worker with the most headroom at that moment.
    Either every case moves or none does: one refused move raises and the caller's
    transaction rolls back. `while_away`: the cases stay the worker's, held in cover,
    and `return_covered_cases` gives them back when the worker returns.
    """
    require_for(session, "bulk_reassign")
    if not reason.strip():
        raise InvalidInput("Say why the caseload is being reassigned", field="reason")
    targets = [w for w in dict.fromkeys(to_worker_ids) if w != from_worker_id]
    if not targets:
        raise InvalidInput("Choose at least one other worker to take the cases", field="worker")
    workers = {w: _load_worker_for_update(session=session, worker_id=w) for w in targets}
    headroom = {
        w: worker.caseload_limit - weighted_caseload(session=session, worker_id=w)
        for w, worker in workers.items()
    }
    cases = session.exec(
        select(Allocation)
        .where(Allocation.worker_id == from_worker_id, col(Allocation.ended_at).is_(None))
        .order_by(col(Allocation.weight).desc(), col(Allocation.id))
    ).all()
    moves = []
    for case in cases:
        target = max(targets, key=lambda w: (headroom[w], -targets.index(w)))
        reallocate(
            session=session,
            user=user,
            referral_id=case.referral_id,
            to_worker_id=target,
            reason=reason,
            over_limit_reason=over_limit_reason,
            # Read in this transaction, so current unless someone changes it meanwhile,
            # when the write itself is refused.
            allocation_id=case.id,  # type: ignore[arg-type]
            expected_version=case.version,
            covering_for_worker_id=from_worker_id if while_away else None,
        )
        headroom[target] -= case.weight
        moves.append(Move(case.referral_id, from_worker_id, target, case.weight))
    return moves


def return_covered_cases(*, session: Session, user: str, worker_id: int) -> list[Move]:
    """Give a returning worker back every case held in cover for them while away.

    They are the worker's own cases, so going back over their limit needs no reason of
    the coordinator's: the one recorded says why.
    """
    require_for(session, "absence")
    cases = session.exec(
        select(Allocation)
        .where(Allocation.covering_for_worker_id == worker_id, col(Allocation.ended_at).is_(None))
        .order_by(col(Allocation.id))
    ).all()
    if not cases:
        raise InvalidInput("No cases are held in cover for this worker", field="worker")
    moves = []
    for case in cases:
        reallocate(
            session=session,
            user=user,
            referral_id=case.referral_id,
            to_worker_id=worker_id,
            reason="back from absence",
            over_limit_reason="their own cases, returned after an absence",
            allocation_id=case.id,  # type: ignore[arg-type]
            expected_version=case.version,
        )
        moves.append(Move(case.referral_id, case.worker_id, worker_id, case.weight))
    return moves


def allocation_history(*, session: Session, referral_id: int) -> list[AllocationSummary]:
    """Every allocation of a case, oldest first."""
    rows = session.exec(
        select(Allocation)
        .where(Allocation.referral_id == referral_id)
        .order_by(col(Allocation.started_at), col(Allocation.id))
    ).all()
    return [summarise(a) for a in rows]
