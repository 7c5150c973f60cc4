"""The outcome figures for 2025-26 from a hand-built history, on SQLite and PostgreSQL:
every STS001, STS002a and STS002b cell and both ASCOF rates are written out here, and
the figures counted from the CLD events equal those computed from the tables.

"Now" is frozen at 23 November 2026, so 2025-26 is over and its follow-ups are all due.
The people, and what each brings:
- Ann, 80: discharged from hospital into reablement on 3 October, ended as planned; at
  home 91 days later; her follow-up on 11 February 2026 found her in a care home (a
  residential service from that day, too late for ASCOF 2B or her sequel), so her
  request in May 2026 is an existing client's.
- Bob, 75: discharged into reablement on 1 December, admitted to hospital on 20
  December, died on 10 January: not at home at 91 days.
- Cara, 36: her reablement, begun 5 March 2026, is still running at the year's end.
- Dan, 86: triaged at 00:30 UK on 1 April 2025 (in the year), signposted; re-referred
  in June, support declined; a third referral triaged at 00:30 UK on 1 April 2026 is
  next year's.
- Eve: a carer; not counted.
- Fay, 80: case management, then an assessment finding no eligible needs (signposted).
- Gus, 75: reablement, then equipment in his plan two days after it ended.
- Hal, 81: discharged into reablement on 31 December, admitted to hospital in January,
  nothing since: not at home on 1 April.
- Ivy, 95: discharged into reablement on 30 September (outside the window), ending in
  long-term residential care: a residential service from the next day, so long-term
  support in STS002a and in ASCOF 2D's denominator only.
- Jo, 70: discharged 2 November, admitted to hospital, back with a new request on 15
  December: at home on 1 February.
- Kim, 55: discharged into reablement on 10 October, declined it; too young for 2B.
- Lea, 78: her reablement in November 2024 ended in long-term support in the community,
  so she is an existing client when discharged into reablement again in June 2025: her
  request is not in STS001, her reablement is in STS002b; her death on 15 February 2026
  ends that support.
- Mo, 45: the other team, signposted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from factories import add_team, add_worker, fake_nhs_number
from sqlmodel import Session

from intapp.models import Assessment, CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.national.cld import cld_events
from intapp.services.national.period import financial_year
from intapp.services.national.returns import (
    Rate,
    YearReturns,
    history_period,
    returns_from_events,
)
from intapp.services.national.returns_direct import returns_direct

YEAR = financial_year(2025)
AS_OF = date(2026, 11, 23)
OLD, ADULT = "65 and over", "18-64"
HOSPITAL, COMMUNITY, DIVERSION = (
    "Discharge from Hospital",
    "Community / Other route",
    "Diversion from Hospital Services",
)
ST_MAX = "Short Term Support to Maximise Independence"
UNIVERSAL = "Universal Services / Signposted to other services"
OTHER_REASON = "No Services Provided – other reason"
OTHER = "No services provided – other"
LOW_LEVEL = "Ongoing Low Level Support"
DECLINED = "No services provided – needs identified but support declined"
LONG_TERM = "Long Term Support (any setting)"
NOT_CLASSIFIABLE = "Not classifiable from the events"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class ReturnsCity:
    team_id: int
    other_team_id: int


class _Builder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.number = 0

    def person(self, team_id: int, name: str, born: date, **values: Any) -> int:
        self.number += 1
        person = Person(
            team_id=team_id,
            nhs_number=fake_nhs_number(100 + self.number),
            given_name=name,
            family_name="Returns",
            date_of_birth=born,
            created_at=utc(2024, 1, 1, 9, 0),
            **values,
        )
        return self._add(person)

    def referral(
        self,
        person_id: int,
        team_id: int,
        received: datetime,
        triaged: datetime,
        pathway: str,
        route: str = "community_other",
        **values: Any,
    ) -> int:
        self.number += 1
        referral = Referral(
            reference=f"R-{self.number:03d}",
            person_id=person_id,
            team_id=team_id,
            received_at=received,
            source="gp",
            reason="Needs help at home",
            due_by=received,
            status="triaged",
            pathway=pathway,
            triaged_at=triaged,
            triaged_by="duty.worker",
            route_of_access=route,
            **values,
        )
        return self._add(referral)

    def episode(
        self,
        person_id: int,
        referral_id: int,
        start: date,
        ended: date | None,
        outcome: str | None,
        **values: Any,
    ) -> int:
        episode = ReablementEpisode(
            person_id=person_id,
            referral_id=referral_id,
            state="ended" if ended else "active",
            start_date=start,
            planned_end_date=start,
            ended_on=ended,
            outcome=outcome,
            **values,
        )
        return self._add(episode)

    def _add(self, row: Any) -> int:
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return int(row.id)


def build(session: Session) -> ReturnsCity:
    """The history above, flushed (not committed)."""
    team = add_team(session, "RET1", "Central", "Returns")
    other = add_team(session, "RET2", "North", "Elsewhere")
    worker = add_worker(session, team.id, "RW1")
    b = _Builder(session)
    t = team.id

    ann = b.person(t, "Ann", date(1945, 6, 1))
    r = b.referral(
        ann,
        t,
        utc(2025, 10, 1, 9),
        utc(2025, 10, 2, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(  # found in a care home at her follow-up, after her 91 days for ASCOF 2B
        ann,
        r,
        date(2025, 10, 3),
        date(2025, 11, 10),
        "no_ongoing_support",
        followup_due=date(2026, 2, 9),
        followup_result="residential_or_nursing",
        followup_recorded_on=date(2026, 2, 11),
    )
    # Asking again in May 2026 from the care home, she is an existing client.
    b.referral(ann, t, utc(2026, 5, 5, 9), utc(2026, 5, 6, 9), "information_advice")

    bob = b.person(t, "Bob", date(1950, 3, 31), date_of_death=date(2026, 1, 10))
    r = b.referral(
        bob,
        t,
        utc(2025, 11, 30, 9),
        utc(2025, 12, 1, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(bob, r, date(2025, 12, 1), date(2025, 12, 20), "early_cessation_hospital")

    cara = b.person(t, "Cara", date(1990, 1, 1))
    r = b.referral(cara, t, utc(2026, 3, 1, 9), utc(2026, 3, 2, 9), "reablement_complex")
    b.episode(cara, r, date(2026, 3, 5), date(2026, 4, 20), "no_ongoing_support")

    dan = b.person(t, "Dan", date(1940, 1, 1))
    b.referral(  # 23:30 UTC on 31 March is 00:30 BST on 1 April: in the year
        dan,
        t,
        utc(2025, 3, 28, 9),
        utc(2025, 3, 31, 23, 30),
        "information_advice",
        close_outcome="nfa_signposting",
    )
    b.referral(  # the re-referral
        dan,
        t,
        utc(2025, 6, 1, 9),
        utc(2025, 6, 2, 9),
        "no_further_action",
        close_outcome="nfa_support_declined",
        is_rereferral=True,
    )
    b.referral(  # 00:30 BST on 1 April 2026: next year's
        dan, t, utc(2026, 3, 31, 20), utc(2026, 3, 31, 23, 30), "information_advice"
    )

    eve = b.person(t, "Eve", date(1960, 2, 2), is_carer=True)
    r = b.referral(eve, t, utc(2025, 7, 1, 9), utc(2025, 7, 1, 12), "case_management")
    b._add(
        Assessment(
            person_id=eve,
            referral_id=r,
            assessment_type="carer",
            status="signed_off",
            created_by="key.worker",
            created_at=utc(2025, 7, 3, 9),
            signed_off_at=utc(2025, 7, 10, 9),
            eligible=True,
        )
    )

    fay = b.person(t, "Fay", date(1945, 2, 2))
    r = b.referral(
        fay, t, utc(2025, 5, 1, 9), utc(2025, 5, 2, 9), "case_management", "diversion_from_hospital"
    )
    b._add(
        Assessment(
            person_id=fay,
            referral_id=r,
            assessment_type="integrated",
            status="signed_off",
            created_by="key.worker",
            created_at=utc(2025, 5, 5, 9),
            signed_off_at=utc(2025, 5, 20, 9),
            eligible=False,
        )
    )

    gus = b.person(t, "Gus", date(1950, 5, 5))
    r = b.referral(
        gus,
        t,
        utc(2025, 7, 31, 9),
        utc(2025, 8, 1, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(gus, r, date(2025, 8, 2), date(2025, 9, 10), "ongoing_low_level_support")
    plan = b._add(
        CarePlan(
            person_id=gus,
            lead_worker_id=worker,
            review_date=date(2026, 3, 12),
            created_at=utc(2025, 9, 12, 9),
        )
    )
    session.add(
        CarePlanVersion(
            plan_id=plan,
            number=1,
            lead_worker_id=worker,
            review_date=date(2026, 3, 12),
            items=[{"kind": "equipment", "description": "Perching stool", "cost_pounds": 40}],
            created_by="key.worker",
            created_at=utc(2025, 9, 12, 9),
        )
    )

    hal = b.person(t, "Hal", date(1944, 4, 4))
    r = b.referral(
        hal,
        t,
        utc(2025, 12, 29, 9),
        utc(2025, 12, 30, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(hal, r, date(2025, 12, 31), date(2026, 1, 20), "early_cessation_hospital")

    ivy = b.person(t, "Ivy", date(1930, 3, 3))
    r = b.referral(
        ivy,
        t,
        utc(2025, 9, 28, 9),
        utc(2025, 9, 29, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(ivy, r, date(2025, 9, 30), date(2025, 10, 30), "long_term_support_residential")

    jo = b.person(t, "Jo", date(1955, 2, 1))
    r = b.referral(
        jo,
        t,
        utc(2025, 10, 31, 9),
        utc(2025, 11, 1, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(jo, r, date(2025, 11, 2), date(2025, 11, 20), "early_cessation_hospital")
    b.referral(jo, t, utc(2025, 12, 15, 9), utc(2025, 12, 16, 9), "information_advice")

    kim = b.person(t, "Kim", date(1970, 7, 7))
    r = b.referral(
        kim,
        t,
        utc(2025, 10, 8, 9),
        utc(2025, 10, 9, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(kim, r, date(2025, 10, 10), date(2025, 11, 1), "early_cessation_declined")

    lea = b.person(t, "Lea", date(1947, 9, 9), date_of_death=date(2026, 2, 15))
    r = b.referral(lea, t, utc(2024, 11, 1, 9), utc(2024, 11, 2, 9), "reablement_standard")
    b.episode(lea, r, date(2024, 11, 5), date(2024, 12, 10), "long_term_support_community")
    r = b.referral(
        lea,
        t,
        utc(2025, 6, 1, 9),
        utc(2025, 6, 2, 9),
        "reablement_standard",
        "discharge_from_hospital",
    )
    b.episode(lea, r, date(2025, 6, 3), date(2025, 7, 10), "no_ongoing_support")

    mo = b.person(other.id, "Mo", date(1980, 8, 8))
    b.referral(mo, other.id, utc(2025, 8, 8, 9), utc(2025, 8, 8, 12), "community_links")
    session.flush()
    return ReturnsCity(t, other.id)


@pytest.fixture
def city(session: Session) -> ReturnsCity:
    return build(session)


def from_events(session: Session, team_ids: list[int] | None, year=YEAR) -> YearReturns:
    events = cld_events(session, history_period(year), team_ids)
    return returns_from_events(events, year=year, as_of=AS_OF)


def test_the_city_s_figures_are_the_ones_written_out(session: Session, city: ReturnsCity) -> None:
    figures = from_events(session, None)
    assert figures.sts001 == {
        (OLD, HOSPITAL, ST_MAX): 6,  # Ann, Bob, Gus, Hal, Ivy, Jo
        (ADULT, HOSPITAL, ST_MAX): 1,  # Kim
        (ADULT, COMMUNITY, ST_MAX): 1,  # Cara, still in reablement at the year's end
        (OLD, COMMUNITY, UNIVERSAL): 2,  # Dan on 1 April; Jo's return
        (OLD, COMMUNITY, OTHER_REASON): 1,  # Dan's re-referral, declined
        (OLD, DIVERSION, UNIVERSAL): 1,  # Fay, after her assessment
        (ADULT, COMMUNITY, UNIVERSAL): 1,  # Mo
    }
    assert figures.sts002a == {
        (OLD, OTHER): 4,  # Ann (ended as planned), Bob, Hal and Jo (admitted to hospital)
        (OLD, LOW_LEVEL): 1,  # Gus: the low-level support his ending says, his equipment
        (OLD, LONG_TERM): 1,  # Ivy: the residential care her ending says
        (ADULT, DECLINED): 1,  # Kim
    }
    # Lea, an existing client (long-term support since December 2024), ended as planned.
    assert figures.sts002b == {(OLD, OTHER): 1}
    assert figures.ascof_2b == Rate(2, 4)  # Ann and Jo of Ann, Bob, Hal and Jo
    assert figures.ascof_2b.percent == 50.0
    assert figures.ascof_2b_not_yet_due == 0
    # Ann, Bob, Hal, Jo (other) and Gus (low level) of those and Ivy (long-term).
    assert figures.ascof_2d == Rate(5, 6)
    assert figures.ascof_2d.percent == 83.3
    assert not figures.to_date
    assert figures.long_term_seen  # so the figures carry no caveat


def test_a_team_s_figures_leave_the_other_team_out(session: Session, city: ReturnsCity) -> None:
    mine = from_events(session, [city.team_id])
    theirs = from_events(session, [city.other_team_id])
    assert sum(mine.sts001.values()) == 12
    assert theirs.sts001 == {(ADULT, COMMUNITY, UNIVERSAL): 1}
    assert theirs.ascof_2b == Rate(0, 0) and theirs.ascof_2b.percent is None


def test_next_year_to_date_counts_the_reablement_running_over_the_year_end(
    session: Session, city: ReturnsCity
) -> None:
    year = financial_year(2026)
    figures = from_events(session, None, year)
    assert figures.to_date
    # Dan's third referral; Ann's in May 2026 is from an existing client (in residential
    # care since her follow-up), so it is not counted.
    assert figures.sts001 == {(OLD, COMMUNITY, UNIVERSAL): 1}
    # Cara's reablement ended on 20 April 2026; her request was last year's.
    assert figures.sts002a == {(ADULT, OTHER): 1}


@pytest.mark.parametrize("teams", ["city", "team", "other"])
def test_the_tables_give_the_same_figures_as_the_events(
    session: Session, city: ReturnsCity, teams: str
) -> None:
    team_ids = {"city": None, "team": [city.team_id], "other": [city.other_team_id]}[teams]
    for year in (YEAR, financial_year(2026)):
        direct = returns_direct(session=session, year=year, team_ids=team_ids, as_of=AS_OF)
        assert direct == from_events(session, team_ids, year)
