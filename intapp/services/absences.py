"""Workers away (leave, sickness, training) and workers who have left.

An absence runs from a first day to a last day, or is open-ended until someone marks
the worker back. Allocation suggestions put a worker who is away today last, and the
board says who is away. Cases shared out "while away" name the worker they cover for,
so they can go back when the worker returns. A worker who has left is inactive: they
are never offered, and they cannot leave while they still hold cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import AbsenceKind
from intapp.models import Allocation, Worker, WorkerAbsence
from intapp.services import audit
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.plan_handover import HandedOver, hand_over
from intapp.services.referrals import choice
from intapp.store.plain_sql import PlainSQL, in_list, stored_date, through_session


@dataclass(frozen=True)
class Away:
    """A worker's current absence, as lists show it."""

    kind: str
    starts_on: date
    until: date | None
    """The last day away; None: no return date."""


@dataclass(frozen=True)
class AbsenceSummary:
    """One recorded absence."""

    id: int
    worker_id: int
    kind: str
    starts_on: date
    ends_on: date | None
    back: bool


@dataclass(frozen=True)
class Left:
    """What a worker's leaving passed on to others."""

    covered: int
    """Cases others held in cover for them, now plainly those workers' cases."""
    handed_over: HandedOver


@dataclass(frozen=True)
class WorkerStatus:
    """What the caseload screen needs to offer absence actions for one worker."""

    worker_id: int
    staff_id: str
    name: str
    away: Away | None
    upcoming: AbsenceSummary | None
    covered_cases: int
    """Cases held by others while this worker is away."""
    open_cases: int
    version: int


def _summarise(absence: WorkerAbsence) -> AbsenceSummary:
    assert absence.id is not None
    return AbsenceSummary(
        id=absence.id,
        worker_id=absence.worker_id,
        kind=absence.kind,
        starts_on=absence.starts_on,
        ends_on=absence.ends_on,
        back=absence.back_at is not None,
    )


def worker_by_staff_id(*, session: Session, staff_id: str) -> int:
    """The id of the worker with `staff_id`, or `NotFound`."""
    found = session.exec(select(Worker.id).where(Worker.staff_id == staff_id.strip())).first()
    if found is None:
        raise NotFound(f"There is no worker with staff id {staff_id.strip()!r}")
    return found


def _load_worker(session: Session, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(f"There is no worker with id {worker_id}")
    return worker


def _unended(session: Session, worker_id: int) -> list[WorkerAbsence]:
    """The worker's absences not marked ended and not wholly past, earliest first."""
    today = clock.today()
    return list(
        session.exec(
            select(WorkerAbsence)
            .where(
                WorkerAbsence.worker_id == worker_id,
                col(WorkerAbsence.back_at).is_(None),
                col(WorkerAbsence.ends_on).is_(None) | (col(WorkerAbsence.ends_on) >= today),
            )
            .order_by(col(WorkerAbsence.starts_on), col(WorkerAbsence.id))
        ).all()
    )


def _overlaps(a: WorkerAbsence, starts_on: date, ends_on: date | None) -> bool:
    far = date.max
    return a.starts_on <= (ends_on or far) and starts_on <= (a.ends_on or far)


def record_absence(
    *,
    session: Session,
    user: str,
    worker_id: int,
    kind: str,
    starts_on: date,
    ends_on: date | None = None,
) -> AbsenceSummary:
    """Record a worker away from `starts_on` to `ends_on` (their last day away; None
    for no return date yet)."""
    require_for(session, "absence")
    worker = _load_worker(session, worker_id)
    if not worker.active:
        raise InvalidInput(f"{worker.display_name} has left; absences are for current staff")
    choice(kind, AbsenceKind, "kind")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("The last day away cannot be before the first", field="until")
    for other in _unended(session, worker_id):
        if _overlaps(other, starts_on, ends_on):
            until = f"to {other.ends_on.isoformat()}" if other.ends_on else "with no return date"
            raise InvalidInput(
                f"{worker.display_name} is already recorded away from "
                f"{other.starts_on.isoformat()} {until}; mark them back or choose other dates",
                field="from",
            )
    absence = WorkerAbsence(
        worker_id=worker_id, kind=kind, starts_on=starts_on, ends_on=ends_on, recorded_by=user
    )
    audit.save_create(session=session, user=user, row=absence)
    return _summarise(absence)


def mark_back(*, session: Session, user: str, worker_id: int) -> AbsenceSummary:
    """End the worker's current absence today ("back"); an absence still to come is
    left as it is."""
    require_for(session, "absence")
    worker = _load_worker(session, worker_id)
    today = clock.today()
    current = [a for a in _unended(session, worker_id) if a.starts_on <= today]
    if not current:
        raise InvalidInput(f"{worker.display_name} is not recorded as away today")
    absence = current[0]
    before = audit.snapshot(absence)
    absence.back_at = clock.now()
    audit.save_update(session=session, user=user, row=absence, before=before, action="back")
    return _summarise(absence)


def open_case_count(session: Session, worker_id: int) -> int:
    """How many open cases the worker holds."""
    return session.exec(
        select(func.count()).where(
            Allocation.worker_id == worker_id, col(Allocation.ended_at).is_(None)
        )
    ).one()


def covered_case_count(session: Session, worker_id: int) -> int:
    """How many of the worker's cases others hold while they are away."""
    return session.exec(
        select(func.count()).where(
            Allocation.covering_for_worker_id == worker_id, col(Allocation.ended_at).is_(None)
        )
    ).one()


def worker_leaves(*, session: Session, user: str, worker_id: int, left_on: date) -> Left:
    """Record that a worker has left: inactive from now, never offered again.

    Refused while they hold cases, so no case is left with nobody: share them out
    first (the caseload's "reassign all"). The plans they lead and their open plan
    actions pass on (`plan_handover`); cases others hold in cover for them become
    plainly those workers' cases.
    """
    require_for(session, "leaver")
    worker = _load_worker(session, worker_id)
    if not worker.active:
        raise InvalidInput(f"{worker.display_name} has already left")
    if left_on > clock.today():
        raise InvalidInput(
            "The leaving date cannot be in the future; record it on or after the day",
            field="on",
        )
    held = open_case_count(session, worker_id)
    if held:
        raise InvalidInput(
            f"{worker.display_name} still holds {held} open case(s); reassign them first "
            "(on their caseload, ctrl+b reassigns all)",
            field="worker",
        )
    handed = hand_over(session=session, user=user, worker=worker)
    before = audit.snapshot(worker)
    worker.active = False
    worker.left_on = left_on
    audit.save_update(session=session, user=user, row=worker, before=before, action="leave")
    for absence in _unended(session, worker_id):
        snapshot = audit.snapshot(absence)
        absence.back_at = clock.now()
        audit.save_update(session=session, user=user, row=absence, before=snapshot, action="end")
    covered = session.exec(
        select(Allocation).where(
            Allocation.covering_for_worker_id == worker_id, col(Allocation.ended_at).is_(None)
        )
    ).all()
    for allocation in covered:
        snapshot = audit.snapshot(allocation)
        allocation.covering_for_worker_id = None
        audit.save_update(
            session=session, user=user, row=allocation, before=snapshot, action="end_cover"
        )
    return Left(covered=len(covered), handed_over=handed)


def left_cover(left: Left) -> str:
    """What leaving passed on (cases held in cover, plans and actions), as sentences."""
    cover = (
        f" {left.covered} case(s) held in cover for them now belong to the workers holding them."
        if left.covered
        else ""
    )
    return cover + left.handed_over.sentence()


def away_today(db: PlainSQL, worker_ids: list[int]) -> dict[int, Away]:
    """Which of the workers given are away today, each with their current absence."""
    if not worker_ids:
        return {}
    ids, params = in_list("worker_absence.worker_id", "worker", worker_ids)
    rows = db.run(
        "SELECT worker_absence.worker_id, worker_absence.kind, worker_absence.starts_on,"
        " worker_absence.ends_on FROM worker_absence"
        " WHERE worker_absence.back_at IS NULL AND worker_absence.starts_on <= :today"
        " AND (worker_absence.ends_on IS NULL OR worker_absence.ends_on >= :today)"
        f"{ids} ORDER BY worker_absence.starts_on DESC, worker_absence.id DESC",
        {**params, **db.stored({"today": clock.today()})},
    )
    away: dict[int, Away] = {}
    for worker_id, kind, starts_on, ends_on in rows:
        # Overlaps are refused, so one a worker; the latest wins if not.
        away.setdefault(
            worker_id,
            Away(kind, stored_date(starts_on), None if ends_on is None else stored_date(ends_on)),
        )
    return away


def worker_status(*, session: Session, worker_id: int) -> WorkerStatus:
    """Whether the worker is away, any absence to come, and the cases covered for them."""
    worker = _load_worker(session, worker_id)
    today = clock.today()
    upcoming = [a for a in _unended(session, worker_id) if a.starts_on > today]
    return WorkerStatus(
        worker_id=worker_id,
        staff_id=worker.staff_id,
        name=worker.display_name,
        away=away_today(through_session(session), [worker_id]).get(worker_id),
        upcoming=_summarise(upcoming[0]) if upcoming else None,
        covered_cases=covered_case_count(session, worker_id),
        open_cases=open_case_count(session, worker_id),
        version=worker.version,
    )


def come_back(*, session: Session, user: str, worker_id: int) -> WorkerStatus:
    """Mark the worker back today, and say how many of their cases others still hold."""
    require_for(session, "absence")
    mark_back(session=session, user=user, worker_id=worker_id)
    return worker_status(session=session, worker_id=worker_id)
