"""Caseload views: workers' weighted loads against their limits, their open cases, the
team board, and the candidates and queue for allocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp.codes import ReferralStatus
from intapp.models import Allocation, Person, Referral, Worker
from intapp.services.errors import NotFound
from intapp.services.referrals import load_referral
from intapp.store.paging import after_row


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
