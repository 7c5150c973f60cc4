"""The SALT and ASCOF rules on hand-made CLD events, including the ones intapp's own
records never produce (long-term services): existing clients, long-term sequels, a move
into care by the 91st day, joined requests, a chain cut by a new request, conflicting
"NFA" outcomes, and who is left out."""

from __future__ import annotations

from datetime import date

from intapp.services.national.events import CldEvent
from intapp.services.national.period import financial_year
from intapp.services.national.returns import Rate, returns_from_events

YEAR = financial_year(2025)
AS_OF = date(2026, 11, 23)
D = date
ST_MAX = "Short Term Support: ST-Max"
COMMUNITY = "Long Term Support: Community"
RESIDENTIAL = "Long Term Support: Residential Care"
HOSPITAL = "Discharge from Hospital"
OTHER_ROUTE = "Community / Other route"
OLD = "65 and over"
BORN = date(1940, 1, 1)


def event(
    person: int,
    kind: str,
    start: date,
    end: date | None,
    outcome: str | None,
    *,
    service: str | None = None,
    route: str | None = None,
    born: date = BORN,
    died: date | None = None,
    client_type: str = "Service User",
) -> CldEvent:
    return CldEvent(
        person_id=person,
        nhs_number=None,
        la_person_id=str(person),
        gp_practice_code=None,
        gender="Unknown",
        ethnicity="99",
        date_of_birth=born,
        date_of_death=died,
        client_type=client_type,
        primary_support_reason="Unknown",
        postcode=None,
        accommodation_status="Unknown",
        has_unpaid_carer="No",
        event_type=kind,
        event_reference=f"{person}-{kind}-{start}",
        event_start_date=start,
        event_end_date=end,
        event_outcome=outcome,
        request_route_of_access=route,
        service_type=service,
    )


def figures(*events: CldEvent):
    return returns_from_events(events, year=YEAR, as_of=AS_OF)


def test_a_client_with_long_term_support_in_place_is_an_existing_client() -> None:
    result = figures(
        event(1, "Service", D(2025, 1, 1), None, "Provision of service", service=COMMUNITY),
        event(1, "Request", D(2025, 6, 1), D(2025, 6, 2), "Progress to Reablement/ST-Max"),
        event(
            1, "Service", D(2025, 6, 3), D(2025, 7, 1), "Service ended as planned", service=ST_MAX
        ),
    )
    assert result.sts001 == {}  # not a new client
    assert result.sts002a == {}
    # The reablement's sequel: the long-term service already running does not start
    # after it, so its own outcome tells.
    assert result.sts002b == {(OLD, "No services provided – other"): 1}
    assert result.long_term_seen


def test_reablement_followed_by_long_term_care_counts_against_ascof_2d() -> None:
    result = figures(
        event(2, "Request", D(2025, 5, 1), D(2025, 5, 2), "Progress to Reablement/ST-Max"),
        event(
            2,
            "Service",
            D(2025, 5, 4),
            D(2025, 6, 10),
            "Progress to Support Planning / Services",
            service=ST_MAX,
        ),
        event(2, "Service", D(2025, 6, 12), None, "Provision of service", service=RESIDENTIAL),
        event(3, "Request", D(2025, 5, 1), D(2025, 5, 2), "Progress to Reablement/ST-Max"),
        event(
            3, "Service", D(2025, 5, 4), D(2025, 6, 10), "Service ended as planned", service=ST_MAX
        ),
        # Four days after: too late to be what followed.
        event(3, "Service", D(2025, 6, 14), None, "Provision of service", service=COMMUNITY),
    )
    assert result.sts002a == {
        (OLD, "Long Term Support (any setting)"): 1,
        (OLD, "No services provided – other"): 1,
    }
    assert result.ascof_2d == Rate(1, 2)
    assert result.ascof_2d.percent == 50.0


def test_a_move_into_care_by_the_91st_day_is_not_at_home() -> None:
    def discharged(person: int, care_from: date) -> list[CldEvent]:
        return [
            event(
                person,
                "Request",
                D(2025, 10, 1),
                D(2025, 10, 2),
                "Progress to Reablement/ST-Max",
                route=HOSPITAL,
            ),
            event(
                person,
                "Service",
                D(2025, 10, 3),
                D(2025, 11, 1),
                "Service ended as planned",
                service=ST_MAX,
            ),
            event(person, "Service", care_from, None, "Provision of service", service=RESIDENTIAL),
        ]

    # The 91st day after 3 October is 2 January.
    result = figures(*discharged(4, D(2026, 1, 2)), *discharged(5, D(2026, 1, 3)))
    assert result.ascof_2b == Rate(1, 2)


def test_requests_within_4_days_count_once_and_a_new_request_cuts_the_chain() -> None:
    result = figures(
        event(
            6, "Request", D(2025, 7, 1), D(2025, 7, 2), "Progress to Assessment", route=OTHER_ROUTE
        ),
        event(6, "Request", D(2025, 7, 6), D(2025, 7, 7), "NFA - Support declined", route=HOSPITAL),
        # Five days after the last ended: a request of its own.
        event(
            6,
            "Request",
            D(2025, 7, 12),
            D(2025, 7, 12),
            "NFA - Information & Advice / Signposting only",
            route=OTHER_ROUTE,
        ),
        event(6, "Service", D(2025, 7, 13), None, "Provision of service", service=ST_MAX),
    )
    # The joined request takes the route and outcome of the record that ended last; what
    # followed it stops at the next request, so its own outcome tells.
    assert result.sts001 == {
        (OLD, HOSPITAL, "No Services Provided – other reason"): 1,
        (OLD, OTHER_ROUTE, "Short Term Support to Maximise Independence"): 1,
    }


def test_conflicting_nfa_outcomes_read_as_other() -> None:
    result = figures(
        event(7, "Request", D(2025, 8, 1), D(2025, 8, 1), "Progress to Assessment"),
        event(7, "Assessment", D(2025, 8, 3), D(2025, 8, 20), "NFA - Deceased"),
        event(7, "Review", D(2025, 8, 5), D(2025, 8, 20), "NFA - 100% NHS funded care"),
        event(8, "Request", D(2025, 8, 1), D(2025, 8, 1), "Progress to Assessment"),
        event(8, "Assessment", D(2025, 8, 3), D(2025, 8, 20), "NFA - 100% NHS-funded care"),
    )
    # Person 7's last-ending outcomes disagree; person 8's is spelt with a hyphen.
    assert result.sts001 == {
        (OLD, "Not recorded", "No Services Provided – other reason"): 1,
        (OLD, "Not recorded", "100% NHS Funded Care"): 1,
    }


def test_carers_and_people_who_died_before_the_year_are_left_out() -> None:
    result = figures(
        event(
            9,
            "Request",
            D(2025, 5, 1),
            D(2025, 5, 1),
            "NFA - Support declined",
            client_type="Carer",
        ),
        event(
            10,
            "Request",
            D(2025, 5, 1),
            D(2025, 5, 1),
            "NFA - Support declined",
            died=D(2025, 3, 31),
        ),
        event(
            11,
            "Request",
            D(2025, 5, 1),
            D(2025, 5, 1),
            "NFA - Support declined",
            died=D(2025, 4, 1),
        ),
    )
    assert result.sts001 == {(OLD, "Not recorded", "No Services Provided – other reason"): 1}
