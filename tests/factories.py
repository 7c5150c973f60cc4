"""Build a small organisation through the services, the way the app and the CLI do.

Every helper takes the session as its first argument and returns plain values (ids and
summaries), so tests never depend on ORM objects outliving a flush.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, func, select

from intapp.models import Referral
from intapp.services import allocations, organisation, referrals
from intapp.services.allocations import AllocationSummary
from intapp.services.organisation import TeamSummary
from intapp.services.people import PersonIn
from intapp.services.referrals import ReferralSummary

USER = "coordinator.one"

_GIVEN = ("Ada", "Bilal", "Chen", "Dorothy", "Eamon", "Fatima", "George", "Hannah", "Imran")
_FAMILY = ("Okafor", "Smith", "Nowak", "Patel", "Walsh", "Hughes", "Begum", "Jones", "Kaur")


def _check_digit(first_nine: str) -> int | None:
    """Modulus 11, written out again here so factories do not trust the code under test."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    digit = 11 - total % 11
    return 0 if digit == 11 else None if digit == 10 else digit


def fake_nhs_number(n: int) -> str:
    """The `n`-th valid NHS number in the 999 range reserved for testing."""
    found = -1
    body = 999_000_000
    while True:
        digit = _check_digit(str(body))
        if digit is not None:
            found += 1
            if found == n:
                return f"{body}{digit}"
        body += 1


def count(session: Session, model: type[Any], *where: Any) -> int:
    """How many rows of `model` match, straight from the database."""
    session.flush()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def add_team(
    session: Session, code: str = "CEN1", locality: str = "Central", name: str = ""
) -> TeamSummary:
    """A neighbourhood team in a locality."""
    return organisation.add_team(
        session=session,
        user=USER,
        code=code,
        name=name or f"Team {code}",
        locality=locality,
        population=40_000,
    )


def add_worker(
    session: Session,
    team_id: int,
    staff_id: str,
    *,
    given_name: str = "Sam",
    family_name: str | None = None,
    profession: str = "social_worker",
    caseload_limit: int | None = None,
    fte: float = 1.0,
) -> int:
    """A worker in a team; the limit defaults to 100 points per full-time post."""
    return organisation.add_worker(
        session=session,
        user=USER,
        staff_id=staff_id,
        given_name=given_name,
        family_name=family_name or f"Worker{staff_id}",
        profession=profession,
        team_id=team_id,
        fte=fte,
        caseload_limit=caseload_limit,
    )


def person_in(team_id: int, n: int = 0, **overrides: Any) -> PersonIn:
    """A valid person (NHS number from the test range), varied by `n`."""
    values: dict[str, Any] = {
        "given_name": _GIVEN[n % len(_GIVEN)],
        "family_name": f"{_FAMILY[n % len(_FAMILY)]}{'' if n < len(_FAMILY) else n}",
        "date_of_birth": date(1930 + n % 60, 1 + n % 12, 1 + n % 28),
        "team_id": team_id,
        "nhs_number": fake_nhs_number(n),
        "postcode": f"M{10 + n % 10} {n % 10}AB",
    }
    values.update(overrides)
    return PersonIn(**values)


def receive(
    session: Session,
    person: PersonIn | int,
    *,
    source: str = "gp",
    reason: str = "Struggling at home after a fall",
    **kwargs: Any,
) -> ReferralSummary:
    """Log a referral at the single point of entry."""
    return referrals.receive_referral(
        session=session, user=USER, person=person, source=source, reason=reason, **kwargs
    )


def triaged_referral(
    session: Session,
    team_id: int,
    n: int,
    *,
    priority: str = "soon",
    pathway: str = "case_management",
    received_at: datetime | None = None,
) -> ReferralSummary:
    """A referral for person `n`, triaged onto a pathway that opens a case."""
    referral = receive(session, person_in(team_id, n), received_at=received_at)
    return referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority=priority,
        pathway=pathway,
        expected_version=seen_version(session, Referral, referral.id),
    )


def allocated_case(
    session: Session,
    team_id: int,
    worker_id: int,
    n: int,
    *,
    weight: int = 6,
    over_limit_reason: str | None = None,
) -> AllocationSummary:
    """A triaged referral for person `n`, allocated to a worker with a weight."""
    referral = triaged_referral(session, team_id, n)
    return allocations.allocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        worker_id=worker_id,
        weight=weight,
        over_limit_reason=over_limit_reason,
        expected_version=seen_version(session, Referral, referral.id),
    )


@dataclass
class Organisation:
    """Two teams in Central Manchester, three workers in the first, one in the second."""

    team: TeamSummary
    other_team: TeamSummary
    social_worker: int
    occupational_therapist: int
    reablement_officer: int
    other_team_worker: int
    people: list[int] = field(default_factory=list)


def small_organisation(session: Session, *, people: int = 0) -> Organisation:
    """A team with a social worker, an OT and a reablement officer, plus a second team."""
    team = add_team(session, "CEN1", "Central", "Ardwick and Longsight")
    other = add_team(session, "CEN2", "Central", "Gorton and Levenshulme")
    org = Organisation(
        team=team,
        other_team=other,
        social_worker=add_worker(session, team.id, "SW1", given_name="Asha", family_name="Khan"),
        occupational_therapist=add_worker(
            session,
            team.id,
            "OT1",
            given_name="Ben",
            family_name="Lloyd",
            profession="occupational_therapist",
        ),
        reablement_officer=add_worker(
            session,
            team.id,
            "RO1",
            given_name="Cara",
            family_name="Mensah",
            profession="reablement_officer",
        ),
        other_team_worker=add_worker(session, other.id, "SW9", given_name="Dev", family_name="Rao"),
    )
    for n in range(people):
        org.people.append(receive(session, person_in(team.id, n)).person_id)
    return org


def seen_version(session: Session, model: type[Any], row_id: int) -> int:
    """The version of a row as an editor who just opened it would see it."""
    session.flush()
    row = session.get(model, row_id)
    assert row is not None, (model, row_id)
    session.refresh(row)
    return int(row.version)


def plan_seen_version(session: Session, person_id: int) -> int:
    """The version of a person's care plan as an editor who just opened it would see it."""
    from intapp.models import CarePlan

    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
    return seen_version(session, CarePlan, plan.id)


def open_allocation(session: Session, referral_id: int) -> dict[str, int]:
    """A case's open allocation as an editor would see it: the keywords `reallocate`
    needs to know which allocation, at which version, is being moved."""
    from intapp.models import Allocation

    session.flush()
    open_one = session.exec(
        select(Allocation).where(
            Allocation.referral_id == referral_id,
            Allocation.ended_at == None,  # noqa: E711
        )
    ).one()
    return {
        "allocation_id": open_one.id,
        "expected_version": seen_version(session, Allocation, open_one.id),
    }
