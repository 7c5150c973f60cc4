"""A hand-built history for the CLD extract of 2026-Q3 (1 July to 30 September 2026),
written as rows so that every instant is exactly where the test means it to be.

The people, and what each brings to the quarter:
- Ada: triaged at 23:30 UTC on 30 June (00:30 UK on 1 July: in Q3) into reablement,
  whose episode is still running at the quarter's end; re-referred and triaged at
  23:30 UK on 30 September (in Q3), signposted.
- Bilal: died on 15 August; his reablement (begun in Q2) ended early: deceased.
- Chen: a carer with no NHS number and no route recorded; a carer's assessment.
- Dorothy: triaged on 1 October (Q4: left out); an integrated assessment and a plan
  review; a cancelled episode and a draft assessment (left out); equipment and an
  adaptation in her plan.
- Eamon: a duplicate record of Ada, merged into her, named by one of her referrals.
- Fatima: in the other team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from factories import add_team, add_worker, fake_nhs_number
from sqlmodel import Session

from intapp.models import (
    Assessment,
    CarePlan,
    CarePlanVersion,
    Person,
    ReablementEpisode,
    Referral,
)

CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ADA_NHS = "9434765919"
BILAL_NHS = "4010232137"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class CldCity:
    team_id: int
    other_team_id: int
    ada: int
    bilal: int
    chen: int
    dorothy: int
    eamon: int
    fatima: int
    ids: dict[str, int]


def _person(session: Session, team_id: int, **values: Any) -> int:
    person = Person(team_id=team_id, created_at=CREATED, **values)
    session.add(person)
    session.flush()
    assert person.id is not None
    return person.id


def _referral(
    session: Session,
    reference: str,
    person_id: int,
    team_id: int,
    received_at: datetime,
    triaged_at: datetime | None,
    pathway: str | None,
    **values: Any,
) -> int:
    referral = Referral(
        reference=reference,
        person_id=person_id,
        team_id=team_id,
        received_at=received_at,
        source="gp",
        reason="Struggling at home",
        due_by=received_at,
        status="triaged" if triaged_at else "received",
        pathway=pathway,
        triaged_at=triaged_at,
        triaged_by="duty.worker" if triaged_at else None,
        **values,
    )
    session.add(referral)
    session.flush()
    assert referral.id is not None
    return referral.id


def _assessment(session: Session, person_id: int, **values: Any) -> int:
    assessment = Assessment(person_id=person_id, created_by="key.worker", **values)
    session.add(assessment)
    session.flush()
    assert assessment.id is not None
    return assessment.id


def _episode(session: Session, person_id: int, **values: Any) -> int:
    episode = ReablementEpisode(person_id=person_id, **values)
    session.add(episode)
    session.flush()
    assert episode.id is not None
    return episode.id


def build(session: Session) -> CldCity:
    """The history above, flushed (not committed)."""
    team = add_team(session, "CEN1", "Central", "Ardwick and Longsight")
    other = add_team(session, "NOR1", "North", "Cheetham and Crumpsall")
    worker = add_worker(session, team.id, "SW1")
    ids: dict[str, int] = {}
    ada = _person(
        session,
        team.id,
        nhs_number=ADA_NHS,
        local_id="L0001",
        given_name="Ada",
        family_name="Okafor",
        date_of_birth=date(1940, 5, 1),
        gender="female",
        postcode="M13 9WL",
        gp_practice_code="P84001",
        ethnicity="A",
        accommodation_status="owner_occupier",
        primary_support_reason="physical_personal_care",
        has_unpaid_carer=True,
    )
    bilal = _person(
        session,
        team.id,
        nhs_number=BILAL_NHS,
        given_name="Bilal",
        family_name="Smith",
        date_of_birth=date(1935, 3, 2),
        date_of_death=date(2026, 8, 15),
        gender="male",
        postcode="M12 4AB",
        ethnicity="J",
    )
    chen = _person(
        session,
        team.id,
        local_id="L0003",
        given_name="Chen",
        family_name="Nowak",
        date_of_birth=date(1962, 11, 30),
        is_carer=True,
        primary_support_reason="support_to_carer",
        accommodation_status="tenant",
    )
    dorothy = _person(
        session,
        team.id,
        nhs_number=fake_nhs_number(4),
        given_name="Dorothy",
        family_name="Patel",
        date_of_birth=date(1938, 7, 7),
        gender="Female",
        client_type="service_user",
    )
    eamon = _person(
        session,
        team.id,
        nhs_number=fake_nhs_number(5),
        given_name="Ada",
        family_name="Okafor",
        date_of_birth=date(1940, 5, 1),
    )
    session.get_one(Person, eamon).merged_into_id = ada
    fatima = _person(
        session,
        other.id,
        nhs_number=fake_nhs_number(6),
        given_name="Fatima",
        family_name="Hughes",
        date_of_birth=date(1950, 1, 1),
        gender="female",
    )

    # Ada: in Q3 by the UK date of her triage; her reablement runs on past the quarter.
    ids["R-ADA-1"] = _referral(
        session,
        "R-ADA-1",
        ada,
        team.id,
        utc(2026, 6, 30, 20, 0),
        utc(2026, 6, 30, 23, 30),
        "reablement_standard",
        route_of_access="discharge_from_hospital",
    )
    ids["ada_episode"] = _episode(
        session,
        ada,
        referral_id=ids["R-ADA-1"],
        state="active",
        start_date=date(2026, 7, 2),
        planned_end_date=date(2026, 8, 13),
    )
    ids["R-ADA-2"] = _referral(
        session,
        "R-ADA-2",
        ada,
        team.id,
        utc(2026, 9, 20, 10, 0),
        utc(2026, 9, 30, 22, 30),  # 23:30 UK on 30 September
        "information_advice",
        is_rereferral=True,
        close_outcome="nfa_signposting",
    )
    # Named by the merged record: reported as Ada.
    ids["R-EAM-1"] = _referral(
        session,
        "R-EAM-1",
        eamon,
        team.id,
        utc(2026, 7, 14, 9, 0),
        utc(2026, 7, 14, 11, 0),
        "no_further_action",
        close_outcome="nfa_support_declined",
    )

    # Bilal: triaged in Q2, reablement from Q2 until he died in August.
    ids["R-BIL-1"] = _referral(
        session,
        "R-BIL-1",
        bilal,
        team.id,
        utc(2026, 6, 1, 9, 0),
        utc(2026, 6, 2, 9, 0),
        "reablement_standard",
    )
    ids["bilal_episode"] = _episode(
        session,
        bilal,
        referral_id=ids["R-BIL-1"],
        state="ended",
        start_date=date(2026, 6, 10),
        planned_end_date=date(2026, 7, 22),
        ended_on=date(2026, 8, 15),
        outcome="early_cessation_deceased",
    )

    # Chen: a carer; no route recorded on the row is the column default, community.
    ids["R-CHE-1"] = _referral(
        session,
        "R-CHE-1",
        chen,
        team.id,
        utc(2026, 8, 1, 9, 0),
        utc(2026, 8, 1, 10, 0),
        "case_management",
    )
    ids["chen_assessment"] = _assessment(
        session,
        chen,
        referral_id=ids["R-CHE-1"],
        assessment_type="carer",
        status="signed_off",
        created_at=utc(2026, 8, 3, 9, 0),
        signed_off_at=utc(2026, 8, 20, 15, 0),
        signed_off_by="key.worker",
        eligible=True,
    )

    # Dorothy: triaged on 1 October (Q4).
    ids["R-DOR-1"] = _referral(
        session,
        "R-DOR-1",
        dorothy,
        team.id,
        utc(2026, 9, 29, 9, 0),
        utc(2026, 9, 30, 23, 30),  # 00:30 UK on 1 October
        "case_management",
    )
    ids["dorothy_assessment"] = _assessment(
        session,
        dorothy,
        assessment_type="integrated",
        status="superseded",
        created_at=utc(2026, 6, 25, 9, 0),
        signed_off_at=utc(2026, 7, 3, 9, 0),
        eligible=False,
    )
    ids["dorothy_review"] = _assessment(
        session,
        dorothy,
        assessment_type="review",
        status="signed_off",
        created_at=utc(2026, 9, 9, 9, 0),
        signed_off_at=utc(2026, 9, 10, 16, 0),
        eligible=True,
    )
    _assessment(  # a draft: not completed
        session,
        dorothy,
        assessment_type="integrated",
        status="draft",
        created_at=utc(2026, 9, 11, 9, 0),
    )
    _episode(  # cancelled: left out
        session,
        dorothy,
        state="cancelled",
        start_date=date(2026, 7, 10),
        planned_end_date=date(2026, 8, 21),
        cancel_reason="Went to stay with family",
    )
    plan = CarePlan(
        person_id=dorothy,
        lead_worker_id=worker,
        review_date=date(2026, 12, 1),
        current_number=4,
        created_at=utc(2026, 5, 1, 9, 0),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    ids["dorothy_plan"] = plan.id
    bath_seat = {"kind": "equipment", "description": "Bath seat", "cost_pounds": 45}
    grab_rail = {"kind": "adaptation", "description": "Grab rail", "cost_pounds": 120.5}
    carers = {"kind": "small_package", "description": "Two calls a day", "cost_pounds": 300}
    for number, created_at, items in (
        (1, utc(2026, 5, 1, 9, 0), [bath_seat]),
        (2, utc(2026, 8, 1, 9, 0), [bath_seat, grab_rail]),
        (3, utc(2026, 9, 15, 9, 0), [grab_rail]),
        (4, utc(2026, 10, 5, 9, 0), [grab_rail, carers]),  # after the quarter
    ):
        session.add(
            CarePlanVersion(
                plan_id=plan.id,
                number=number,
                lead_worker_id=worker,
                review_date=date(2026, 12, 1),
                items=items,
                created_by="key.worker",
                created_at=created_at,
            )
        )

    # Fatima: the other team.
    ids["R-FAT-1"] = _referral(
        session,
        "R-FAT-1",
        fatima,
        other.id,
        utc(2026, 8, 10, 9, 0),
        utc(2026, 8, 11, 9, 0),
        "community_links",
        route_of_access="diversion_from_hospital",
    )
    session.flush()
    return CldCity(team.id, other.id, ada, bilal, chen, dorothy, eamon, fatima, ids)
