"""The evaluation table: hand-counted figures by cohort and pathway, the period's edges in
UK time, the scopes, and the period's mistakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from evaluation_support import History, build_history
from sqlmodel import Session

from intapp.services.errors import InvalidInput
from intapp.services.evaluation import (
    EvaluationTable,
    evaluation_period,
    evaluation_table,
    last_complete_year,
)

UNIT_COSTS = """
[unit_costs]
reablement_hour_pounds = 20
reablement_hour_source = "Test rate"
reablement_hours_per_week = 7
residential_week_pounds = 700
"""

FIELDS = (
    "referrals_received",
    "people_referred",
    "rereferrals",
    "pct_rereferrals",
    "reablement_ended",
    "ended_no_ongoing_support",
    "ended_long_term_support_residential",
    "pct_no_ongoing_support",
    "followups_due",
    "followups_recorded",
    "followups_at_home",
    "pct_at_home",
    "reablement_days",
    "reablement_hours",
    "reablement_cost_pounds",
    "residential_people",
    "residential_weeks",
    "residential_cost_pounds",
    "items",
    "items_cost_pounds",
    "total_cost_pounds",
)
NOTHING = (0, 0, 0, None, 0, 0, 0, None, 0, 0, 0, None, 0, 0.0, 0.0, 0, 0.0, 0.0, 0, 0.0, 0.0)

# Team CEN1, 2025-26, at £20 an hour, 7 hours a week (an hour a day), £700 a week of care.
# Referrals: A's a1 (1 Apr 00:30 UK) and a2, C's c1 (a re-referral: 135 days after
# C's case closed), E's e1 (31 Mar 23:59 UK; E's case closed 15 months before).
# Reablement days in the year: A 29 (from 1 Apr to 30 Apr) + 167 (15 Oct to 31 Mar),
# C 31 (1 Mar to the year's end, still running). Residential: B 275 days (1 Apr to her
# death on 1 Jan), A 1 day (31 Mar). Items: A's version of 1 Feb 2026 (£100 + £250.50),
# C's £40; B's plan closed before the year.
# refs people re % | ended none resid % | due rec home % | days hrs £ | res wks £ | items £ | total
EXPECTED_CEN1 = {
    ("all", "all"): (
        4, 3, 1, 25.0, 2, 1, 1, 50.0, 2, 2, 1, 50.0, 227, 227.0, 4540.0,
        2, 39.4, 27600.0, 3, 390.5, 32530.5,
    ),
    # A is in both cohorts: every figure of hers counts in each.
    ("cohort", "frail_older"): (
        2, 1, 0, 0.0, 2, 1, 1, 50.0, 1, 1, 1, 100.0, 196, 196.0, 3920.0,
        1, 0.1, 100.0, 2, 350.5, 4370.5,
    ),
    ("cohort", "mh_ld_dementia"): (
        2, 1, 0, 0.0, 2, 1, 1, 50.0, 1, 1, 1, 100.0, 196, 196.0, 3920.0,
        1, 0.1, 100.0, 2, 350.5, 4370.5,
    ),
    # B: no referral in the year; her follow-up fell due in it (in a care home).
    ("cohort", "ltc_end_of_life"): (
        0, 0, 0, None, 0, 0, 0, None, 1, 1, 0, 0.0, 0, 0.0, 0.0,
        1, 39.3, 27500.0, 0, 0.0, 27500.0,
    ),
    ("cohort", "complex_lives"): NOTHING,
    ("cohort", "cyp_with_ltc"): NOTHING,
    # C and E.
    ("cohort", "no_cohort"): (
        2, 2, 1, 50.0, 0, 0, 0, None, 0, 0, 0, None, 31, 31.0, 620.0,
        0, 0.0, 0.0, 1, 40.0, 660.0,
    ),
    ("pathway", "reablement_standard"): (
        1, 1, 0, 0.0, 1, 1, 0, 100.0, 1, 1, 1, 100.0, 29, 29.0, 580.0,
        0, 0.0, 0.0, 0, 0.0, 580.0,
    ),
    # A's plan items follow her latest referral before the year ended (a2).
    ("pathway", "case_management"): (
        1, 1, 0, 0.0, 1, 0, 1, 0.0, 0, 0, 0, None, 167, 167.0, 3340.0,
        1, 0.1, 100.0, 2, 350.5, 3790.5,
    ),
    ("pathway", "reablement_complex"): (
        1, 1, 1, 100.0, 0, 0, 0, None, 0, 0, 0, None, 31, 31.0, 620.0,
        0, 0.0, 0.0, 1, 40.0, 660.0,
    ),
    # E's untriaged referral; B's episode, which had no referral.
    ("pathway", "no_pathway"): (
        1, 1, 0, 0.0, 0, 0, 0, None, 1, 1, 0, 0.0, 0, 0.0, 0.0,
        1, 39.3, 27500.0, 0, 0.0, 27500.0,
    ),
    **{
        ("pathway", p): NOTHING
        for p in (
            "intermediate_care",
            "crisis_response",
            "high_impact_primary_care",
            "early_help",
            "community_links",
            "information_advice",
            "no_further_action",
        )
    },
}  # fmt: skip


@pytest.fixture
def history(session: Session, write_config: Callable[[str], Path]) -> History:
    write_config(UNIT_COSTS)
    built = build_history(session)
    session.commit()
    return built


def figures(table: EvaluationTable) -> dict[tuple[str, str], tuple[object, ...]]:
    return {
        (row.grouping, row.group): tuple(row.values[name] for name in FIELDS) for row in table.rows
    }


def test_the_table_for_a_team_is_as_counted_by_hand(session: Session, history: History) -> None:
    table = evaluation_table(session=session, year="2025-26", team_code="CEN1")
    assert table.title == "Evaluation, 2025-26, team CEN1"
    assert figures(table) == EXPECTED_CEN1


def test_a_locality_of_one_team_gives_that_team(session: Session, history: History) -> None:
    table = evaluation_table(session=session, year="2025-26", locality="central")
    assert table.scope == "Central locality"
    assert figures(table) == EXPECTED_CEN1


def test_the_city_counts_the_other_locality_too(session: Session, history: History) -> None:
    # D (North, frail older): d1 received; one episode ended in the year (hospital, 30
    # days, follow-up not recorded), one the day before it (its follow-up due in it).
    found = figures(evaluation_table(session=session, year="2025-26"))
    assert found[("all", "all")] == (
        5, 4, 1, 20.0, 3, 1, 1, 33.3, 4, 3, 2, 66.7, 257, 257.0, 5140.0,
        2, 39.4, 27600.0, 3, 390.5, 33130.5,
    )  # fmt: skip
    assert found[("cohort", "frail_older")] == (
        3, 2, 0, 0.0, 3, 1, 1, 33.3, 3, 2, 2, 100.0, 226, 226.0, 4520.0,
        1, 0.1, 100.0, 2, 350.5, 4970.5,
    )  # fmt: skip


def test_a_person_in_two_cohorts_counts_in_each_and_once_in_all(
    session: Session, history: History
) -> None:
    rows = {
        row.group: row.values["people_referred"]
        for row in evaluation_table(session=session, year="2025-26", team_code="CEN1").rows
        if row.grouping in ("all", "cohort")
    }
    assert rows["frail_older"] == rows["mh_ld_dementia"] == 1  # A
    assert rows["all"] == 3
    assert sum(v or 0 for k, v in rows.items() if k != "all") == 4


@pytest.mark.parametrize(
    ("first", "last", "referrals"),
    [
        # 22:30 UTC on 31 March 2025 is 23:30 UK time: that day.
        ("31/03/2025", "31/03/2025", 1),
        # 23:30 UTC on 31 March 2025 is 00:30 on 1 April UK time.
        ("01/04/2025", "01/04/2025", 1),
        # 22:59 UTC on 31 March 2026 is 23:59 UK time; 23:30 UTC is 1 April's.
        ("31/03/2026", "31/03/2026", 1),
        ("01/04/2026", "01/04/2026", 1),
        ("30/03/2025", "30/03/2025", 0),
    ],
)
def test_days_begin_and_end_at_uk_midnight(
    session: Session, history: History, first: str, last: str, referrals: int
) -> None:
    table = evaluation_table(session=session, first=first, last=last, team_code="CEN1")
    assert table.rows[0].values["referrals_received"] == referrals


def test_an_episode_ending_on_the_last_day_is_in_and_on_the_next_is_not(
    session: Session, history: History
) -> None:
    last_day = evaluation_table(session=session, first="31/03/2026", last="31/03/2026")
    assert last_day.rows[0].values["ended_long_term_support_residential"] == 1
    next_day = evaluation_table(session=session, first="01/04/2026", last="01/04/2026")
    assert next_day.rows[0].values["reablement_ended"] == 0


def test_the_default_is_the_last_complete_financial_year() -> None:
    # Now is 23 November 2026.
    period = evaluation_period()
    assert (period.label, period.first_day, period.last_day) == (
        "2025-26",
        date(2025, 4, 1),
        date(2026, 3, 31),
    )
    assert last_complete_year(date(2026, 3, 31)).label == "2024-25"
    assert last_complete_year(date(2026, 4, 1)).label == "2025-26"


def test_a_period_still_running_is_cut_at_today() -> None:
    period = evaluation_period(year="2026-27")
    assert period.last_day == date(2026, 11, 23)
    assert period.label == "2026-27 (to 23 Nov 2026)"
    assert evaluation_period(first="01/11/2026").last_day == date(2026, 11, 23)
    cut = evaluation_period(first="01/11/2026", last="31/12/2026")
    assert (cut.label, cut.last_day) == ("1 Nov 2026 to 23 Nov 2026", date(2026, 11, 23))


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"year": "2025-27"}, "year", "Year '2025-27' is not a financial year"),
        ({"year": "2027-28"}, "year", "Year 2027-28 has not started yet"),
        (
            {"first": "01/04/2026", "last": "31/03/2026"},
            "from",
            "cannot start (1 Apr 2026) after it ends (31 Mar 2026)",
        ),
        ({"first": "31/02/2026"}, "from", "--from '31/02/2026' is not a date"),
        ({"first": "01/04/2025", "last": "soon"}, "to", "--to 'soon' is not a date"),
        ({"last": "31/03/2026"}, "from", "Give the first day (--from)"),
        ({"year": "2025-26", "first": "01/04/2025"}, "year", "not both"),
        ({"first": "01/12/2026"}, "from", "The period starting 1 Dec 2026 has not started yet"),
        ({"first": "01/12/2026", "last": "31/12/2026"}, "from", "has not started yet"),
    ],
)
def test_a_period_that_cannot_be_is_refused_naming_the_option(
    asked: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        evaluation_period(**asked)
    assert refused.value.field == field
    assert message in str(refused.value)
