"""The support that followed reablement, as the CLD extract's Service rows
(`sequel_services`): each rule's row written out, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from factories import add_team
from sqlmodel import Session
from test_returns import _Builder, utc

from intapp.services.national.cld import cld_events
from intapp.services.national.events import CldEvent
from intapp.services.national.period import Period, quarter
from intapp.services.national.sequel_services import sequels_of

Q4_2025, Q1_2026 = quarter(2025, 4), quarter(2026, 1)


def services(session: Session, period: Period, person_id: int) -> list[CldEvent]:
    return [
        e
        for e in cld_events(session, period, None)
        if e.person_id == person_id and e.event_type == "Service"
    ]


def rows(events: list[CldEvent]) -> list[tuple[object, ...]]:
    return [
        (
            e.event_reference,
            e.service_type,
            e.service_component,
            e.event_start_date,
            e.event_end_date,
            e.event_outcome,
        )
        for e in events
    ]


@pytest.fixture
def build(session: Session) -> tuple[_Builder, int]:
    team = add_team(session, "SEQ1", "Central", "Sequels")
    return _Builder(session), team.id


def reablement(
    b: _Builder, team: int, person: int, ended: date, outcome: str, **values: object
) -> int:
    referral = b.referral(
        person, team, utc(2025, 9, 1, 9), utc(2025, 9, 2, 9), "reablement_standard"
    )
    return b.episode(person, referral, date(2025, 9, 3), ended, outcome, **values)


def test_an_ending_in_long_term_community_support_is_that_service_from_the_next_day(
    session: Session, build: tuple[_Builder, int]
) -> None:
    b, team = build
    ann = b.person(team, "Ann", date(1945, 6, 1))
    episode = reablement(b, team, ann, date(2025, 10, 14), "long_term_support_community")
    assert rows(services(session, Q4_2025, ann)) == [
        (
            f"RBL{episode}",
            "Short Term Support: ST-Max",
            "Reablement",
            date(2025, 9, 3),
            date(2025, 10, 14),
            "Progress to Support Planning / Services",
        ),
        (
            f"RBL{episode}-S",
            "Long Term Support: Community",
            "Home Support",
            date(2025, 10, 15),
            None,
            "Provision of service",
        ),
    ]
    # Still running, and reported, in every later quarter: intapp never ends it.
    assert rows(services(session, quarter(2026, 3), ann)) == [
        (
            f"RBL{episode}-S",
            "Long Term Support: Community",
            "Home Support",
            date(2025, 10, 15),
            None,
            "Provision of service",
        )
    ]


def test_a_death_ends_the_support_that_followed(
    session: Session, build: tuple[_Builder, int]
) -> None:
    b, team = build
    bob = b.person(team, "Bob", date(1940, 1, 1), date_of_death=date(2026, 2, 3))
    episode = reablement(b, team, bob, date(2025, 10, 14), "ongoing_low_level_support")
    expected = (
        f"RBL{episode}-S",
        "Short Term Support: Ongoing Low Level",
        "Equipment",
        date(2025, 10, 15),
    )
    # As at the end of 2025 he was alive: the service was running.
    assert rows(services(session, Q4_2025, bob))[1] == (*expected, None, "Provision of service")
    assert rows(services(session, Q1_2026, bob)) == [
        (*expected, date(2026, 2, 3), "NFA - Deceased")
    ]
    assert services(session, quarter(2026, 2), bob) == []  # nothing after his death


def test_an_ending_in_residential_care_is_a_residential_service(
    session: Session, build: tuple[_Builder, int]
) -> None:
    b, team = build
    ivy = b.person(team, "Ivy", date(1930, 3, 3))
    episode = reablement(
        b,
        team,
        ivy,
        date(2025, 10, 14),
        "long_term_support_residential",
        followup_due=date(2026, 1, 13),
        followup_result="residential_or_nursing",
        followup_recorded_on=date(2026, 1, 14),
    )
    # The follow-up finding her there says nothing new: one service, from the ending.
    assert rows(services(session, Q1_2026, ivy)) == [
        (
            f"RBL{episode}-S",
            "Long Term Support: Residential Care",
            "Residential Care",
            date(2025, 10, 15),
            None,
            "Provision of service",
        )
    ]


def test_a_follow_up_in_residential_care_is_a_residential_service_from_that_day(
    session: Session, build: tuple[_Builder, int]
) -> None:
    b, team = build
    jo = b.person(team, "Jo", date(1950, 2, 1))
    episode = reablement(
        b,
        team,
        jo,
        date(2025, 10, 14),
        "long_term_support_community",
        followup_due=date(2026, 1, 13),
        followup_result="residential_or_nursing",
        followup_recorded_on=date(2026, 1, 20),
    )
    assert rows(services(session, Q1_2026, jo)) == [
        (  # the community support ends the day before the care home is known
            f"RBL{episode}-S",
            "Long Term Support: Community",
            "Home Support",
            date(2025, 10, 15),
            date(2026, 1, 19),
            "Progress to Support Planning / Services",
        ),
        (
            f"RBL{episode}-F",
            "Long Term Support: Residential Care",
            "Residential Care",
            date(2026, 1, 20),
            None,
            "Provision of service",
        ),
    ]
    # In the quarter before the follow-up, only the community support was known to run.
    assert [r[0] for r in rows(services(session, Q4_2025, jo))] == [
        f"RBL{episode}",
        f"RBL{episode}-S",
    ]


def test_endings_with_nothing_after_them_and_follow_ups_at_home_give_no_service(
    session: Session, build: tuple[_Builder, int]
) -> None:
    b, team = build
    kim = b.person(team, "Kim", date(1970, 7, 7))
    reablement(
        b,
        team,
        kim,
        date(2025, 10, 14),
        "no_ongoing_support",
        followup_due=date(2026, 1, 13),
        followup_result="at_home",
        followup_recorded_on=date(2026, 1, 13),
    )
    reablement(b, team, kim, date(2025, 10, 20), "early_cessation_hospital")
    assert services(session, Q1_2026, kim) == []


@pytest.mark.parametrize(
    ("died", "expected"),
    [
        # The low-level support ends the day before the care home is known.
        (None, [("S", date(2025, 10, 15), date(2026, 1, 19)), ("F", date(2026, 1, 20), None)]),
        # Died the day reablement ended: the support never began.
        (date(2025, 10, 14), []),
        # Died the day the follow-up found them in care.
        (
            date(2026, 1, 20),
            [
                ("S", date(2025, 10, 15), date(2026, 1, 19)),
                ("F", date(2026, 1, 20), date(2026, 1, 20)),
            ],
        ),
    ],
)
def test_the_rules_at_their_edges(
    died: date | None, expected: list[tuple[str, date, date | None]]
) -> None:
    found = sequels_of(
        episode_id=7,
        ended_on=date(2025, 10, 14),
        outcome="ongoing_low_level_support",
        followup_result="residential_or_nursing",
        followup_on=date(2026, 1, 20),
        died=died,
    )
    assert [(s.reference, s.start, s.end) for s in found] == [
        (f"RBL7-{suffix}", start, end) for suffix, start, end in expected
    ]


def test_the_services_are_in_the_national_lists_the_extract_checks() -> None:
    from intapp.services.national import cld
    from intapp.services.national.sequel_services import AFTER_ENDING, RESIDENTIAL_CARE

    assert {kind for kind, _ in AFTER_ENDING.values()} <= cld.SERVICE_TYPES
    assert {c for _, c in AFTER_ENDING.values()} | {RESIDENTIAL_CARE} <= cld.SERVICE_COMPONENTS
