"""Caseload views: workers' weighted loads against their limits, their open cases, the
team board, and the candidates and queue for allocation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp.formatting import deceased_marked
from intapp.models import Allocation, Person, Referral, Worker
from intapp.services import worklists
from intapp.services.absences import Away, away_today
from intapp.services.alert_badges import open_alert_badges
from intapp.services.allocations import proposed_weight
from intapp.services.errors import NotFound
from intapp.services.referrals import load_referral
from intapp.services.transfer_marks import TransferMark, transfer_marks
from intapp.store.paging import Cursor, Page, after_row, page_of
from intapp.store.plain_sql import PlainSQL, stored_datetime, through_session


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
    referral_version: int = 1
    """The referral's version, which closing or transferring the case names."""
    referral_team_id: int = 0
    transfer: TransferMark | None = None
    """The case's transfer to another team, pending or returned, if any."""
    covering_for: str | None = None
    """Whose case this is, when held while they are away."""
    alerts: tuple[str, ...] = ()
    """The badges of the person's open alerts, most pressing first."""


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
    away: Away | None = None
    """The worker's absence today, if they are away."""

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


def with_absences(db: PlainSQL, loads: list[WorkerLoad]) -> list[WorkerLoad]:
    """The loads, each marked with the worker's absence today (one read for them all)."""
    away = away_today(db, [w.worker_id for w in loads])
    return [replace(w, away=away[w.worker_id]) if w.worker_id in away else w for w in loads]


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
    loads = [
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
    return with_absences(through_session(session), loads)


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
    return caseload_page(session=session, worker_id=worker_id, after=after, limit=limit).rows


def caseload_page(
    *,
    session: Session,
    worker_id: int,
    after: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> Page[CaseloadRow]:
    """`worker_caseload`, and how many open cases the worker holds (the same query)."""
    query = (
        select(Allocation, Referral, Person)
        .join(Referral, col(Referral.id) == Allocation.referral_id)
        .join(Person, col(Person.id) == Allocation.person_id)
        .where(Allocation.worker_id == worker_id, col(Allocation.ended_at).is_(None))
    )
    total = (
        session.exec(select(func.count()).select_from(query.subquery())).one() if count else None
    )
    if after is not None:
        query = query.where(after_row(col(Allocation.started_at), col(Allocation.id), after))
    query = query.order_by(col(Allocation.started_at), col(Allocation.id)).limit(limit)
    found = session.exec(query).all()
    db = through_session(session)
    marks = transfer_marks(db, [a.referral_id for a, _, _ in found])
    badges = open_alert_badges(db, [a.person_id for a, _, _ in found])
    covering = {a.covering_for_worker_id for a, _, _ in found} - {None}
    covered = {
        w.id: w.display_name
        for w in session.exec(select(Worker).where(col(Worker.id).in_(covering))).all()
    }
    rows = [
        CaseloadRow(
            allocation_id=a.id,  # type: ignore[arg-type]
            referral_id=a.referral_id,
            reference=r.reference,
            person_id=p.id,  # type: ignore[arg-type]
            person_name=deceased_marked(p.display_name, p.date_of_death),
            weight=a.weight,
            started_at=a.started_at,
            pathway=r.pathway,
            version=a.version,
            referral_version=r.version,
            referral_team_id=r.team_id,
            transfer=marks.get(a.referral_id),
            covering_for=covered.get(a.covering_for_worker_id),
            alerts=badges.get(a.person_id, ()),
        )
        for a, r, p in found
    ]
    return Page(rows, total)


def caseload_cursor(case: CaseloadRow) -> Cursor:
    """Where the page after `case` starts."""
    return (case.started_at, case.allocation_id)


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
    most headroom; a worker away today comes after everyone who is not.
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
        key=lambda c: (
            c.load.away is not None,
            not c.knows_person,
            not c.profession_fits,
            -c.load.headroom,
        ),
    )


@dataclass(frozen=True)
class AllocationChoice:
    """What the allocate-now dialog offers: the workers, best fit first, and the weight."""

    candidates: list[Candidate]
    weight: int


def allocation_choice(*, session: Session, referral_id: int) -> AllocationChoice:
    """The workers for a referral and the weight to allocate it at (`proposed_weight`)."""
    return AllocationChoice(
        allocation_candidates(session=session, referral_id=referral_id),
        proposed_weight(session=session, referral_id=referral_id),
    )


def candidates_page(
    *, session: Session, referral_id: int, after: Cursor | None = None, limit: int = 50
) -> Page[tuple[int, Candidate]]:
    """A page of `allocation_candidates`, each with its place in the order. Fit is ranked
    here rather than in SQL, so the cursor is the place of the last candidate seen."""
    ranked = allocation_candidates(session=session, referral_id=referral_id)
    return page_of(ranked, after=after, limit=limit)


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
    person_id: int = 0
    alerts: tuple[str, ...] = ()
    """The badges of the person's open alerts, most pressing first."""


def awaiting_allocation(
    *,
    session: Session,
    team_ids: list[int] | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> list[AwaitingAllocation]:
    """Triaged referrals with no worker yet, soonest deadline first (keyset paged)."""
    page = allocation_page(through_session(session), team_ids=team_ids, after=after, limit=limit)
    return page.rows


def allocation_page(
    db: PlainSQL,
    *,
    team_ids: list[int] | None,
    after: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> Page[AwaitingAllocation]:
    """A page of the triaged referrals awaiting a worker: the rows of the dashboard's
    "triaged, not allocated" figure (`worklists.tiles`), and how many there are."""
    rows = worklists.tiles(team_ids)["triaged_not_allocated"].rows
    found = rows.page(
        db,
        "referral.id, referral.reference, person.given_name, person.family_name,"
        " referral.pathway, referral.priority, referral.due_by, referral.version, person.id",
        after=after,
        limit=limit,
    )
    badges = open_alert_badges(db, [r[8] for r in found])
    return Page(
        [
            AwaitingAllocation(
                referral_id=r[0],
                reference=r[1],
                person_name=f"{r[2]} {r[3]}",
                pathway=r[4],
                priority=r[5],
                due_by=stored_datetime(r[6]),
                version=r[7],
                person_id=r[8],
                alerts=badges.get(r[8], ()),
            )
            for r in found
        ],
        rows.count(db) if count else None,
    )


def allocation_cursor(referral: AwaitingAllocation) -> Cursor:
    """Where the page after `referral` starts."""
    return (referral.due_by, referral.referral_id)


def board_page(
    db: PlainSQL,
    *,
    team_ids: list[int] | None,
    over_limit_only: bool = False,
    after: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> Page[WorkerLoad]:
    """A page of active workers, least headroom first (so those over their limit lead),
    and how many there are; `over_limit_only` gives the dashboard figure's rows."""
    board = worklists.tiles(team_ids)["workers_over_limit"]
    rows = board.rows if over_limit_only else board.worklist
    found = rows.page(
        db,
        "board.worker_id, board.given_name, board.family_name, board.profession,"
        " board.team_id, board.fte, board.open_cases, board.load, board.caseload_limit,"
        " board.headroom",
        after=after,
        limit=limit,
    )
    loads = [
        WorkerLoad(
            worker_id=r[0],
            name=f"{r[1]} {r[2]}",
            profession=r[3],
            team_id=r[4],
            fte=float(r[5]),
            open_cases=int(r[6]),
            load=int(r[7]),
            limit=int(r[8]),
        )
        for r in found
    ]
    return Page(with_absences(db, loads), rows.count(db) if count else None)


def board_cursor(worker: WorkerLoad) -> Cursor:
    """Where the page after `worker` starts."""
    return (worker.headroom, worker.worker_id)
