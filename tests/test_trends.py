"""Monthly trends on a hand-built history whose every monthly value is written out here.

Time is frozen at 09:00 UTC on 23 November 2026 (conftest), so the 24 months run from
December 2024 (index 0) to November 2026 (index 23, partial). The clocks went forward
on 29 March 2026 and back on 25 October 2026: 23:30 UTC on 31 March is 00:30 on 1 April
in the UK, while 23:30 UTC on 31 October is still 31 October.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import add_team, add_worker, person_in, receive
from sqlalchemy import Engine

from intapp.models import Allocation, ReablementEpisode, Referral, Worker
from intapp.services.trends import last_months, monthly_trends
from intapp.store.engine import read_session, unit_of_work

MAR_26, APR_26, MAY_26, JUN_26, JUL_26, AUG_26, OCT_26, NOV_26 = 15, 16, 17, 18, 19, 20, 22, 23
LONG_AGO = datetime(2019, 1, 7, 10, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def only(values: dict[int, object], default: object = 0) -> list[object]:
    """24 monthly values: `default` except at the indexes given."""
    return [values.get(month, default) for month in range(24)]


def build_history(engine: Engine) -> dict[str, list[int]]:
    """Two teams in two localities, their referrals, allocations and episodes."""
    with unit_of_work(engine) as session:
        central = add_team(session, "CEN1", "Central")
        north = add_team(session, "NOR1", "North")
        a1 = add_worker(session, central.id, "A1", caseload_limit=100)
        a2 = add_worker(session, central.id, "A2", caseload_limit=50)
        b1 = add_worker(session, north.id, "B1", caseload_limit=80)
        leaver = session.get(Worker, a2)
        assert leaver is not None
        leaver.active, leaver.left_on = False, date(2026, 6, 15)
        # The people, each with a referral long before the months shown.
        p1, p2, p3 = (
            receive(session, person_in(team, n), received_at=LONG_AGO).person_id
            for n, team in enumerate((central.id, central.id, north.id))
        )

        def referral(
            ref: str,
            person: int,
            team: int,
            received: datetime,
            source: str,
            triaged: datetime | None = None,
            due: datetime | None = None,
        ) -> int:
            row = Referral(
                reference=ref,
                person_id=person,
                team_id=team,
                received_at=received,
                source=source,
                reason="Falls",
                due_by=due or received + timedelta(days=1),
                status="triaged" if triaged else "received",
                triaged_at=triaged,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

        r0 = referral("R0", p1, central.id, utc(2024, 11, 20, 9), "gp")
        # 23:59 GMT on 30 November 2024: the month before the first shown.
        referral("R0b", p2, central.id, utc(2024, 11, 30, 23, 59), "gp")
        r7 = referral("R7", p2, central.id, utc(2024, 12, 1, 0, 0), "gp")
        # 31 March 23:30 UTC is 1 April 00:30 BST; 22:30 UTC is still 31 March.
        r1 = referral(
            "R1", p1, central.id, utc(2026, 3, 31, 23, 30), "gp",
            triaged=utc(2026, 4, 1, 3, 30), due=utc(2026, 4, 1, 23, 30),
        )  # fmt: skip
        referral(
            "R2", p2, central.id, utc(2026, 3, 31, 22, 30), "hospital_discharge",
            triaged=utc(2026, 4, 2, 22, 30), due=utc(2026, 4, 1, 22, 30),
        )  # fmt: skip
        r3 = referral(
            "R3", p1, central.id, utc(2026, 4, 10, 10), "gp",
            triaged=utc(2026, 4, 10, 20), due=utc(2026, 4, 11, 10),
        )  # fmt: skip
        r4 = referral(
            "R4", p2, central.id, utc(2026, 4, 15, 9), "self",
            triaged=utc(2026, 4, 16, 9), due=utc(2026, 4, 17, 9),
        )  # fmt: skip
        # 31 October 23:30 UTC is 23:30 GMT on the 31st; 00:30 UTC on 1 November is November.
        referral("R5", p1, central.id, utc(2026, 10, 31, 23, 30), "a_and_e")
        r6 = referral("R6", p3, north.id, utc(2026, 11, 1, 0, 30), "gp")

        def allocate(
            ref: int, person: int, worker: int, weight: int, start: datetime, end: datetime | None
        ) -> None:
            session.add(
                Allocation(
                    referral_id=ref,
                    person_id=person,
                    worker_id=worker,
                    weight=weight,
                    started_at=start,
                    ended_at=end,
                    allocated_by="setup",
                )
            )

        allocate(r0, p1, a1, 7, utc(2024, 11, 25, 9), utc(2025, 2, 1, 10))
        allocate(r7, p2, a1, 1, utc(2024, 12, 2, 0), utc(2025, 1, 15, 12))
        allocate(r1, p1, a1, 3, utc(2026, 4, 3, 0), utc(2026, 5, 10, 12))
        # 23:30 UTC on 30 April is 00:30 BST on 1 May: not open at April's end.
        allocate(r1, p1, a2, 2, utc(2026, 4, 30, 23, 30), utc(2026, 6, 15, 12))
        allocate(r3, p1, a1, 4, utc(2026, 4, 20, 10), None)
        allocate(r4, p2, a1, 5, utc(2026, 5, 5, 9), None)
        allocate(r6, p3, b1, 6, utc(2026, 11, 5, 0, 30), None)

        def episode(person: int, state: str, start: date, **ended: object) -> None:
            session.add(
                ReablementEpisode(
                    person_id=person,
                    state=state,
                    start_date=start,
                    planned_end_date=start + timedelta(days=42),
                    **ended,
                )
            )

        episode(
            p1, "ended", date(2026, 3, 31), ended_on=date(2026, 4, 1),
            outcome="no_ongoing_support", followup_due=date(2026, 7, 1), followup_result="at_home",
        )  # fmt: skip
        episode(
            p2, "ended", date(2026, 4, 5), ended_on=date(2026, 4, 30),
            outcome="long_term_support_residential", followup_due=date(2026, 7, 30),
            followup_result="residential_or_nursing",
        )  # fmt: skip
        episode(p1, "active", date(2026, 4, 20))
        episode(p2, "planned", date(2026, 4, 25))
        episode(p3, "cancelled", date(2026, 4, 10))
        episode(
            p3, "ended", date(2026, 6, 1), ended_on=date(2026, 7, 10),
            outcome="ongoing_low_level_support", followup_due=date(2026, 10, 9),
        )  # fmt: skip
        episode(
            p1, "ended", date(2026, 5, 1), ended_on=date(2026, 5, 20),
            outcome="early_cessation_hospital", followup_due=date(2026, 8, 19),
            followup_result="unknown",
        )  # fmt: skip
    return {"central": [central.id], "north": [north.id]}


def trends_for(engine: Engine, team_ids: list[int] | None):  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return monthly_trends(session=session, team_ids=team_ids, scope="test")


def test_the_months_are_uk_calendar_months_ending_with_the_current_one():
    months = last_months()
    assert len(months) == 24
    assert (months[0].label, months[-1].label) == ("Dec 2024", "Nov 2026")
    assert [m.partial for m in months] == [False] * 23 + [True]
    april = months[APR_26]
    assert april.starts_at == utc(2026, 3, 31, 23)  # midnight BST
    assert april.ends_at == utc(2026, 4, 30, 23)
    assert months[NOV_26].starts_at == utc(2026, 11, 1, 0)  # midnight GMT
    assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(months))


def test_every_series_month_by_month_for_the_city(engine):
    build_history(engine)
    trends = trends_for(engine, None)
    assert [m.key for m in trends.months][MAR_26 : APR_26 + 1] == ["2026-03", "2026-04"]

    def series(key: str) -> list[object]:
        return list(trends[key].values)

    assert series("referrals_received") == only({0: 1, MAR_26: 1, APR_26: 3, OCT_26: 1, NOV_26: 1})
    assert series("referrals_gp") == only({0: 1, APR_26: 2, NOV_26: 1})
    assert series("referrals_hospital_discharge") == only({MAR_26: 1})
    assert series("referrals_self") == only({APR_26: 1})
    assert series("referrals_a_and_e") == only({OCT_26: 1})
    # April: triaged after 4, 48, 10 and 24 hours; the 48 was late.
    assert series("referrals_triaged") == only({APR_26: 4})
    assert series("triaged_within_target_pct") == only({APR_26: 75.0}, None)
    assert series("median_hours_to_triage") == only({APR_26: 17.0}, None)
    # First allocations: December 2024 after 1 day; April after 2.02 and 10 days (the
    # median 6.01); May after 20 days; November after 4 days. A second allocation of a
    # referral is not a first.
    assert series("first_allocations") == only({0: 1, APR_26: 2, MAY_26: 1, NOV_26: 1})
    assert series("median_days_to_allocation") == only(
        {0: 1.0, APR_26: 6.0, MAY_26: 20.0, NOV_26: 4.0}, None
    )
    # Planned and cancelled episodes never ran.
    assert series("reablement_started") == only({MAR_26: 1, APR_26: 2, MAY_26: 1, JUN_26: 1})
    assert series("reablement_ended") == only({APR_26: 2, MAY_26: 1, JUL_26: 1})
    assert series("ended_no_ongoing_support_pct") == only(
        {APR_26: 50.0, MAY_26: 0.0, JUL_26: 0.0}, None
    )
    assert series("residential_admissions") == only({APR_26: 1})
    # The follow-up due in October is not recorded yet: left out.
    assert series("followups_recorded") == only({JUL_26: 2, AUG_26: 1})
    assert series("at_home_pct") == only({JUL_26: 50.0, AUG_26: 0.0}, None)
    # Open at each month's end: 7 + 1 at December 2024's, 7 at January's; the weight-2
    # allocation that starts at 00:30 BST on 1 May is not open at April's end.
    load = {0: 8, 1: 7, APR_26: 7, MAY_26: 11, JUN_26: 9}
    load |= {m: 9 for m in range(JUL_26, NOV_26)} | {NOV_26: 15}
    assert series("open_weighted_caseload") == only(load)
    # The leaver (limit 50) was in post until 15 June 2026.
    assert series("caseload_limits") == [230] * (MAY_26 + 1) + [180] * (NOV_26 - MAY_26)


def test_a_team_counts_only_its_own(engine):
    scopes = build_history(engine)
    north = trends_for(engine, scopes["north"])
    assert list(north["referrals_received"].values) == only({NOV_26: 1})
    assert list(north["reablement_started"].values) == only({JUN_26: 1})
    assert list(north["open_weighted_caseload"].values) == only({NOV_26: 6})
    assert list(north["caseload_limits"].values) == [80] * 24
    central = trends_for(engine, scopes["central"])
    assert list(central["referrals_received"].values) == only(
        {0: 1, MAR_26: 1, APR_26: 3, OCT_26: 1}
    )
    assert list(central["open_weighted_caseload"].values)[NOV_26] == 9
    assert list(central["caseload_limits"].values) == [150] * (MAY_26 + 1) + [100] * (
        NOV_26 - MAY_26
    )


def test_every_series_has_a_definition(engine):
    trends = trends_for(engine, None)
    assert len({s.key for s in trends.series}) == len(trends.series)
    for s in trends.series:
        assert s.definition.endswith(".") and len(s.definition) > 30, s.key
        assert len(s.values) == 24
    assert "91-day" in trends["at_home_pct"].definition


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_the_median_of_an_odd_or_even_count(engine, size):
    """The SQLite median (middle rows by rank) and PostgreSQL's percentile_cont agree
    with the textbook median."""
    with unit_of_work(engine) as session:
        team = add_team(session, "CEN1", "Central")
        person = receive(session, person_in(team.id, 0), received_at=LONG_AGO).person_id
        hours = [30, 2, 11, 5, 7][:size]
        for n, h in enumerate(hours):
            received = utc(2026, 6, 10, 8)
            session.add(
                Referral(
                    reference=f"M{n}",
                    person_id=person,
                    team_id=team.id,
                    received_at=received,
                    source="gp",
                    reason="Falls",
                    due_by=received + timedelta(hours=12),
                    status="triaged",
                    triaged_at=received + timedelta(hours=h),
                )
            )
    trends = trends_for(engine, None)
    ordered = sorted(hours)
    middle = (ordered[(size - 1) // 2] + ordered[size // 2]) / 2
    assert trends["median_hours_to_triage"].values[JUN_26] == middle
    assert trends["triaged_within_target_pct"].values[JUN_26] == round(
        100 * sum(h <= 12 for h in hours) / size, 1
    )


def test_a_scope_summed_from_every_teams_counts_is_the_scope_read_alone(engine):
    """The screen adds up the city's counts by team for another scope; the export reads
    the scope alone. The two never disagree."""
    from intapp import clock
    from intapp.services.trends import ADDITIVE, part_values, scope_values, team_counts

    scopes = build_history(engine)
    months = last_months()
    with read_session(engine) as session:
        for part in ADDITIVE:
            every_team = team_counts(session=session, part=part, months=months, now=clock.now())
            assert set(every_team) == {*scopes["central"], *scopes["north"]}
            for team_ids in (None, scopes["central"], scopes["north"]):
                alone = part_values(
                    session=session, part=part, months=months, team_ids=team_ids, now=clock.now()
                )
                assert scope_values(part, every_team, team_ids, len(months)) == alone
