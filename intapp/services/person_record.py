"""A person's record as one read: who they are, their history and who leads their care."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from intapp.models import Allocation, CarePlan, Team, Worker
from intapp.services.people import PersonSummary, get_person
from intapp.services.referrals import ReferralSummary, person_referrals


@dataclass(frozen=True)
class OpenCase:
    """An open allocation with its worker's name."""

    referral_id: int
    worker_id: int
    worker_name: str
    weight: int


@dataclass(frozen=True)
class PersonOverview:
    """Header and history for the triage and person screens."""

    person: PersonSummary
    team_label: str
    referrals: list[ReferralSummary]
    open_cases: list[OpenCase]
    lead_worker: str | None

    @property
    def recently_rereferred(self) -> bool:
        return any(r.is_rereferral for r in self.referrals[:1])


def person_overview(*, session: Session, person_id: int) -> PersonOverview:
    """Everything the header and history panes show about a person."""
    person = get_person(session=session, person_id=person_id)
    team = session.get(Team, person.team_id)
    open_cases = [
        OpenCase(a.referral_id, w.id, w.display_name, a.weight)  # type: ignore[arg-type]
        for a, w in session.exec(
            select(Allocation, Worker)
            .join(Worker, col(Worker.id) == Allocation.worker_id)
            .where(Allocation.person_id == person_id, col(Allocation.ended_at).is_(None))
        ).all()
    ]
    lead = session.exec(
        select(Worker)
        .join(CarePlan, col(CarePlan.lead_worker_id) == Worker.id)
        .where(CarePlan.person_id == person_id, col(CarePlan.closed_at).is_(None))
    ).first()
    lead_name = lead.display_name if lead else (open_cases[0].worker_name if open_cases else None)
    return PersonOverview(
        person=person,
        team_label=f"{team.code} {team.name}" if team else "",
        referrals=person_referrals(session=session, person_id=person_id),
        open_cases=open_cases,
        lead_worker=lead_name,
    )
