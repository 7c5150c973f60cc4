"""The CLD events of 2026-Q3 from a hand-built history (`cld_fixture`), on SQLite and
PostgreSQL: which events the quarter holds, their dates, outcomes and person fields."""

from __future__ import annotations

from datetime import date

import pytest
from cld_fixture import ADA_NHS, BILAL_NHS, CldCity, build
from sqlmodel import Session

from intapp.services.national.cld import cld_events, request_outcome
from intapp.services.national.events import CldEvent
from intapp.services.national.period import quarter

Q3 = quarter(2026, 3)


@pytest.fixture
def city(session: Session) -> CldCity:
    return build(session)


def _event_fields(e: CldEvent) -> tuple[object, ...]:
    return (
        e.event_reference,
        e.event_type,
        e.event_start_date,
        e.event_end_date,
        e.event_outcome,
        e.request_route_of_access,
        e.assessment_type,
        e.eligible_needs_identified,
        e.service_type,
        e.service_component,
        e.review_reason,
        e.unit_cost,
    )


D = date
ST_MAX = "Short Term Support: ST-Max"
LOW_LEVEL = "Short Term Support: Ongoing Low Level"
SIGNPOSTING = "NFA - Information & Advice / Signposting only"


def expected(city: CldCity) -> set[tuple[object, ...]]:
    """Every Q3 event of the whole city, written out."""
    ids = city.ids
    n = None
    return {
        # Ada: triaged 00:30 UK on 1 July; received 21:00 UK on 30 June.
        ("R-ADA-1", "Request", D(2026, 6, 30), D(2026, 7, 1), "Progress to Reablement/ST-Max",
         "Discharge from Hospital", n, n, n, n, n, n),
        # Still running at the quarter's end: no end, provision of service.
        (f"RBL{ids['ada_episode']}", "Service", D(2026, 7, 2), n, "Provision of service",
         n, n, n, ST_MAX, "Reablement", n, n),
        # The re-referral, triaged 23:30 UK on 30 September.
        ("R-ADA-2", "Request", D(2026, 9, 20), D(2026, 9, 30), SIGNPOSTING,
         "Community / Other route", n, n, n, n, n, n),
        # Named by the merged record, taken no further: declined.
        ("R-EAM-1", "Request", D(2026, 7, 14), D(2026, 7, 14), "NFA - Support declined",
         "Community / Other route", n, n, n, n, n, n),
        # Bilal's reablement began in Q2 and ended at his death.
        (f"RBL{ids['bilal_episode']}", "Service", D(2026, 6, 10), D(2026, 8, 15),
         "NFA - Deceased", n, n, n, ST_MAX, "Reablement", n, n),
        # Chen, a carer: community route, carer's assessment.
        ("R-CHE-1", "Request", D(2026, 8, 1), D(2026, 8, 1), "Progress to Assessment",
         "Community / Other route", n, n, n, n, n, n),
        (f"ASM{ids['chen_assessment']}", "Assessment", D(2026, 8, 3), D(2026, 8, 20),
         "Progress to Support Planning / Services", n, "Carer Assessment", "Yes", n, n, n, n),
        # Dorothy: superseded since, but signed off in Q3; no eligible needs.
        (f"ASM{ids['dorothy_assessment']}", "Assessment", D(2026, 6, 25), D(2026, 7, 3),
         SIGNPOSTING, n, "Long Term Support Assessment", "No", n, n, n, n),
        (f"REV{ids['dorothy_review']}", "Review", D(2026, 9, 9), D(2026, 9, 10),
         "No change in package", n, n, n, n, n, "Planned", n),
        # The bath seat, taken out of the plan on 15 September; the grab rail held on.
        (f"PLN{ids['dorothy_plan']}-1-1", "Service", D(2026, 5, 1), D(2026, 9, 15),
         "Service ended as planned", n, n, n, LOW_LEVEL, "Equipment", n, 45.0),
        (f"PLN{ids['dorothy_plan']}-2-2", "Service", D(2026, 8, 1), n,
         "Provision of service", n, n, n, LOW_LEVEL, "Adaptations", n, 120.5),
        # Fatima, in the other team.
        ("R-FAT-1", "Request", D(2026, 8, 10), D(2026, 8, 11), SIGNPOSTING,
         "Diversion from Hospital Services", n, n, n, n, n, n),
    }  # fmt: skip


def test_the_quarter_holds_the_events_written_out(session: Session, city: CldCity) -> None:
    events = cld_events(session, Q3, None)
    assert {_event_fields(e) for e in events} == expected(city)
    assert len(events) == len(expected(city))


def test_events_come_one_person_at_a_time_in_date_order(session: Session, city: CldCity) -> None:
    events = cld_events(session, Q3, None)
    keys = [(e.person_id, e.event_start_date, e.event_type, e.event_reference) for e in events]
    assert keys == sorted(keys)


def test_a_team_holds_the_events_of_its_referrals_and_people(
    session: Session, city: CldCity
) -> None:
    mine = {e.event_reference for e in cld_events(session, Q3, [city.team_id])}
    theirs = {e.event_reference for e in cld_events(session, Q3, [city.other_team_id])}
    assert theirs == {"R-FAT-1"}
    assert mine == {fields[0] for fields in expected(city)} - {"R-FAT-1"}
    assert cld_events(session, Q3, []) == []


def test_the_next_quarter_starts_on_1_october_uk_time(session: Session, city: CldCity) -> None:
    q4 = {e.event_reference: e for e in cld_events(session, quarter(2026, 4), None)}
    assert "R-DOR-1" in q4 and q4["R-DOR-1"].event_end_date == date(2026, 10, 1)
    assert "R-ADA-2" not in q4 and "R-ADA-1" not in q4
    # Running services carry on into the next quarter; Bilal's ended in Q3.
    assert f"RBL{city.ids['ada_episode']}" in q4
    assert f"RBL{city.ids['bilal_episode']}" not in q4
    # The small package joined the plan in October.
    package = q4[f"PLN{city.ids['dorothy_plan']}-4-2"]
    assert (package.event_start_date, package.service_component, package.unit_cost) == (
        date(2026, 10, 5),
        "Home Support",
        300.0,
    )


def test_person_fields_in_the_national_wording(session: Session, city: CldCity) -> None:
    by_reference = {e.event_reference: e for e in cld_events(session, Q3, None)}
    ada = by_reference["R-ADA-1"]
    assert (
        ada.person_id,
        ada.nhs_number,
        ada.la_person_id,
        ada.gp_practice_code,
        ada.gender,
        ada.ethnicity,
        ada.date_of_birth,
        ada.date_of_death,
        ada.client_type,
        ada.primary_support_reason,
        ada.postcode,
        ada.accommodation_status,
        ada.has_unpaid_carer,
    ) == (
        city.ada,
        ADA_NHS,
        "L0001",
        "P84001",
        "Female",
        "A",
        date(1940, 5, 1),
        None,
        "Service User",
        "Physical Support: Personal care support",
        "M13 9WL",
        "Owner occupier or shared ownership scheme",
        "Yes",
    )
    # The merged record's referral is reported as the surviving person.
    merged = by_reference["R-EAM-1"]
    assert (merged.person_id, merged.nhs_number, merged.la_person_id) == (
        city.ada,
        ADA_NHS,
        "L0001",
    )
    bilal = by_reference[f"RBL{city.ids['bilal_episode']}"]
    assert (bilal.nhs_number, bilal.date_of_death, bilal.gender, bilal.ethnicity) == (
        BILAL_NHS,
        date(2026, 8, 15),
        "Male",
        "J",
    )
    # No local id: intapp's own id identifies him; nothing recorded reads Unknown.
    assert (bilal.la_person_id, bilal.primary_support_reason, bilal.accommodation_status) == (
        str(city.bilal),
        "Unknown",
        "Unknown",
    )
    assert (bilal.client_type, bilal.has_unpaid_carer) == ("Service User", "No")
    chen = by_reference["R-CHE-1"]
    assert (chen.client_type, chen.primary_support_reason, chen.nhs_number, chen.gender) == (
        "Carer",
        "Social Support: Support to Carer",
        None,
        "Unknown",
    )
    assert chen.ethnicity == "99"


@pytest.mark.parametrize(
    ("pathway", "close_outcome", "outcome"),
    [
        ("reablement_complex", None, "Progress to Reablement/ST-Max"),
        ("case_management", None, "Progress to Assessment"),
        ("early_help", None, SIGNPOSTING),
        ("community_links", None, SIGNPOSTING),
        ("no_further_action", None, "NFA - No services offered: Other reason"),
        ("no_further_action", "nfa_moved_to_another_la", "NFA - Moved to another LA"),
        ("no_further_action", "nfa_deceased", "NFA - Deceased"),
    ],
)
def test_request_outcome_follows_the_pathway(
    pathway: str, close_outcome: str | None, outcome: str
) -> None:
    assert request_outcome(pathway, close_outcome) == outcome


def test_every_event_is_a_well_formed_cld_event(session: Session, city: CldCity) -> None:
    """The builder makes events without CldEvent's __init__ (for speed): each must name
    only CldEvent's fields and equal the event __init__ makes from the same values."""
    fields = set(CldEvent.__dataclass_fields__)
    for event in cld_events(session, Q3, None):
        assert set(vars(event)) <= fields
        rebuilt = CldEvent(**{name: getattr(event, name) for name in fields})
        assert rebuilt == event and hash(rebuilt) == hash(event)


def test_an_item_put_back_is_a_new_service_and_a_closed_plan_ends_its_items(
    session: Session, city: CldCity
) -> None:
    from datetime import UTC, datetime

    from intapp.models import CarePlan, CarePlanVersion

    plan = session.get_one(CarePlan, city.ids["dorothy_plan"])
    plan.closed_at = datetime(2026, 9, 20, 23, 30, tzinfo=UTC)  # 00:30 UK on 21 September
    rail = {"kind": "adaptation", "description": "Grab rail", "cost_pounds": 120.5}
    seat = {"kind": "equipment", "description": "Bath seat", "cost_pounds": 45}
    session.add(  # the bath seat comes back on 18 September
        CarePlanVersion(
            plan_id=plan.id,
            number=5,
            lead_worker_id=plan.lead_worker_id,
            review_date=date(2026, 12, 1),
            items=[rail, seat, {"kind": "other", "description": "not an item"}],
            created_by="key.worker",
            created_at=datetime(2026, 9, 18, 9, 0, tzinfo=UTC),
        )
    )
    session.flush()
    items = {
        e.event_reference: (e.event_start_date, e.event_end_date, e.event_outcome)
        for e in cld_events(session, Q3, None)
        if e.event_reference.startswith("PLN")
    }
    ended = "Service ended as planned"
    plan_id = city.ids["dorothy_plan"]
    assert items == {
        f"PLN{plan_id}-1-1": (date(2026, 5, 1), date(2026, 9, 15), ended),
        f"PLN{plan_id}-2-2": (date(2026, 8, 1), date(2026, 9, 21), ended),
        f"PLN{plan_id}-5-2": (date(2026, 9, 18), date(2026, 9, 21), ended),
    }
