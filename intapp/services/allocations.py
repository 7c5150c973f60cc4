"""Allocating cases to key workers within weighted caseload limits, and caseload views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp import clock
from intapp.config import load_settings
from intapp.models import Allocation, Person, Referral, Worker
from intapp.models.types import ReferralStatus
from intapp.services import audit
from intapp.services.errors import (
    InvalidInput,
    NotFound,
    OverCaseloadLimit,
    check_version,
    flush,
)
from intapp.services.paging import after_row
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
    if not 1 <= weight <= 20:
        raise InvalidInput("Case weight must be between 1 and 20 points", field="weight")
    return weight


def _open_allocation(*, session: Session, referral_id: int) -> Allocation | None:
    return session.exec(
        select(Allocation).where(
            Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None)
        )
    ).first()


def _start_allocation(
    *,
    session: Session,
    user: str,
    referral: Referral,
    worker_id: int,
    weight: int,
    over_limit_reason: str | None,
) -> Allocation:
    assert referral.id is not None
    allocation = Allocation(
        referral_id=referral.id,
        person_id=referral.person_id,
        worker_id=worker_id,
        weight=weight,
        started_at=clock.now(),
        over_limit_reason=over_limit_reason,
        allocated_by=user,
    )
    session.add(allocation)
    flush(session, "allocation")
    audit.record_create(session=session, user=user, row=allocation)
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
    flush(session, "allocation")
    audit.record_update(session=session, user=user, row=allocation, before=before, action="end")


def allocate(
    *,
    session: Session,
    user: str,
    referral_id: int,
    worker_id: int,
    weight: int | None = None,
    over_limit_reason: str | None = None,
    expected_version: int | None = None,
) -> AllocationSummary:
    """Allocate a triaged referral to a key worker, within their weighted limit."""
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
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
    flush(session, "referral")
    audit.record_update(session=session, user=user, row=referral, before=before, action="allocate")
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
    expected_version: int | None = None,
) -> AllocationSummary:
    """Move an open case to another worker: end the current allocation, start a new one.

    `expected_version` is the version of the current allocation the user was looking at.
    """
    if not reason.strip():
        raise InvalidInput("Say why the case is being reallocated", field="reason")
    current = _open_allocation(session=session, referral_id=referral_id)
    if current is None:
        raise InvalidInput("This case has no open allocation to move", field="referral")
    check_version("allocation", current.version, expected_version)
    if current.worker_id == to_worker_id:
        raise InvalidInput("The case is already allocated to that worker", field="worker")
    referral = load_referral(session=session, referral_id=referral_id)
    weight = _checked_weight(current.weight if weight is None else weight)
    # Check the new worker first, so a refusal leaves the case where it was.
    limit_reason = _reason_to_record(
        session=session, worker_id=to_worker_id, weight=weight, over_limit_reason=over_limit_reason
    )
    _end_allocation(session=session, user=user, allocation=current, reason=reason.strip())
    allocation = _start_allocation(
        session=session,
        user=user,
        referral=referral,
        worker_id=to_worker_id,
        weight=weight,
        over_limit_reason=limit_reason,
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
) -> list[Move]:
    """Share all of one worker's open cases among others (for sickness or leave).

    Heaviest cases go first, each to the worker with the most headroom at that moment.
    Either every case moves or none does: one refused move raises and the caller's
    transaction rolls back.
    """
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
        )
        headroom[target] -= case.weight
        moves.append(Move(case.referral_id, from_worker_id, target, case.weight))
    return moves


@dataclass(frozen=True)
class CaseloadRow:
    """One open case in a worker's caseload."""

    allocation_id: int
    referral_id: int
    reference: str
    person_id: int
    person_name: str
    weight: int
    started_at: datetime
    pathway: str | None
    version: int


@dataclass(frozen=True)
class WorkerLoad:
    """A worker's weighted load against their limit."""

    worker_id: int
    name: str
    profession: str
    team_id: int
    fte: float
    open_cases: int
    load: int
    limit: int

    @property
    def headroom(self) -> int:
        return self.limit - self.load

    @property
    def over_limit(self) -> bool:
        return self.load > self.limit

    @property
    def utilisation_pct(self) -> float:
        return utilisation_pct(self.load, self.limit)


def utilisation_pct(load: int, limit: int) -> float:
    """Weighted load as a percentage of the limit (0 when there is no limit)."""
    return 100.0 * load / limit if limit else 0.0


def _worker_loads(session: Session, *conditions: object) -> list[WorkerLoad]:
    # Join first, then aggregate: the (worker_id, ended_at) index keeps this to the
    # chosen workers' open cases instead of every open case in the city.
    query = (
        select(Worker, func.count(col(Allocation.id)), func.sum(Allocation.weight))
        .outerjoin(
            Allocation,
            (col(Allocation.worker_id) == Worker.id) & col(Allocation.ended_at).is_(None),
        )
        .where(*conditions)  # type: ignore[arg-type]
        .group_by(col(Worker.id))
        .order_by(col(Worker.family_name), col(Worker.given_name), col(Worker.id))
    )
    return [
        WorkerLoad(
            worker_id=w.id,  # type: ignore[arg-type]
            name=w.display_name,
            profession=w.profession,
            team_id=w.team_id,
            fte=w.fte,
            open_cases=cases or 0,
            load=load or 0,
            limit=w.caseload_limit,
        )
        for w, cases, load in session.exec(query).all()
    ]


def team_board(*, session: Session, team_id: int) -> list[WorkerLoad]:
    """Every active worker in a team with their load against limit."""
    return caseload_board(session=session, team_ids=[team_id])


def caseload_board(*, session: Session, team_ids: list[int] | None) -> list[WorkerLoad]:
    """Every active worker in the teams given (None: the city) with load against limit."""
    scope = [] if team_ids is None else [col(Worker.team_id).in_(team_ids)]
    return _worker_loads(session, col(Worker.active).is_(True), *scope)


def worker_load(*, session: Session, worker_id: int) -> WorkerLoad:
    """One worker's load against limit."""
    rows = _worker_loads(session, Worker.id == worker_id)
    if not rows:
        raise NotFound(f"There is no worker with id {worker_id}")
    return rows[0]


def worker_caseload(
    *,
    session: Session,
    worker_id: int,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[CaseloadRow]:
    """A page of a worker's open cases, oldest first; `after` is (started_at, allocation id)."""
    query = (
        select(Allocation, Referral.reference, Referral.pathway, Person)
        .join(Referral, col(Referral.id) == Allocation.referral_id)
        .join(Person, col(Person.id) == Allocation.person_id)
        .where(Allocation.worker_id == worker_id, col(Allocation.ended_at).is_(None))
    )
    if after is not None:
        query = query.where(after_row(col(Allocation.started_at), col(Allocation.id), after))
    query = query.order_by(col(Allocation.started_at), col(Allocation.id)).limit(limit)
    return [
        CaseloadRow(
            allocation_id=a.id,  # type: ignore[arg-type]
            referral_id=a.referral_id,
            reference=reference,
            person_id=p.id,  # type: ignore[arg-type]
            person_name=p.display_name,
            weight=a.weight,
            started_at=a.started_at,
            pathway=pathway,
            version=a.version,
        )
        for a, reference, pathway, p in session.exec(query).all()
    ]


def allocation_history(*, session: Session, referral_id: int) -> list[AllocationSummary]:
    """Every allocation of a case, oldest first."""
    rows = session.exec(
        select(Allocation)
        .where(Allocation.referral_id == referral_id)
        .order_by(col(Allocation.started_at), col(Allocation.id))
    ).all()
    return [summarise(a) for a in rows]


# Which professions usually hold a case on each pathway; used to order candidates.
PATHWAY_PROFESSIONS: dict[str, tuple[str, ...]] = {
    "case_management": ("social_worker", "care_coordinator"),
    "reablement_standard": ("reablement_officer", "occupational_therapist"),
    "reablement_complex": ("occupational_therapist", "physiotherapist", "reablement_officer"),
    "intermediate_care": ("physiotherapist", "occupational_therapist", "district_nurse"),
    "crisis_response": ("district_nurse", "social_worker"),
    "high_impact_primary_care": ("gp", "district_nurse", "care_coordinator"),
}


@dataclass(frozen=True)
class Candidate:
    """A worker who could take a case, and why they rank where they do."""

    load: WorkerLoad
    knows_person: bool
    profession_fits: bool


def allocation_candidates(*, session: Session, referral_id: int) -> list[Candidate]:
    """The team's active workers, best fit first.

    Fit: already knows the person, then a profession that suits the pathway, then the
    most headroom.
    """
    referral = load_referral(session=session, referral_id=referral_id)
    known = set(
        session.exec(
            select(Allocation.worker_id).where(Allocation.person_id == referral.person_id)
        ).all()
    )
    fitting = PATHWAY_PROFESSIONS.get(referral.pathway or "", ())
    candidates = [
        Candidate(load, load.worker_id in known, load.profession in fitting)
        for load in team_board(session=session, team_id=referral.team_id)
    ]
    return sorted(
        candidates,
        key=lambda c: (not c.knows_person, not c.profession_fits, -c.load.headroom),
    )


@dataclass(frozen=True)
class AwaitingAllocation:
    """A triaged referral waiting for a key worker."""

    referral_id: int
    reference: str
    person_name: str
    pathway: str | None
    priority: str
    due_by: datetime
    version: int


def awaiting_allocation(
    *,
    session: Session,
    team_ids: list[int] | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[AwaitingAllocation]:
    """Triaged referrals with no worker yet, soonest deadline first (keyset paged)."""
    query = (
        select(Referral, Person)
        .join(Person, col(Person.id) == Referral.person_id)
        .where(Referral.status == ReferralStatus.TRIAGED)
    )
    if team_ids is not None:
        query = query.where(col(Referral.team_id).in_(team_ids))
    if after is not None:
        query = query.where(after_row(col(Referral.due_by), col(Referral.id), after))
    query = query.order_by(col(Referral.due_by), col(Referral.id)).limit(limit)
    return [
        AwaitingAllocation(
            referral_id=r.id,  # type: ignore[arg-type]
            reference=r.reference,
            person_name=p.display_name,
            pathway=r.pathway,
            priority=r.priority,
            due_by=r.due_by,
            version=r.version,
        )
        for r, p in session.exec(query).all()
    ]
