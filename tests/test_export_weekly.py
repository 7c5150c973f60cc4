"""The weekly caseload summary: hand-counted figures, week boundaries, scopes, the audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import add_team, person_in, receive
from sqlalchemy import Engine
from sqlmodel import Session, select
from weekly_support import build_week

from intapp import clock
from intapp.models import AuditEvent
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.weekly_summary import (
    COLUMNS,
    IsoWeek,
    export_weekly_summary,
    last_complete_week,
    parse_week,
    weekly_summary,
)

WORKER_FIELDS = (
    "fte",
    "open_cases",
    "weighted_load",
    "caseload_limit",
    "utilisation_pct",
    "allocations_new",
    "cases_closed",
    "assessments_signed_off",
    "reviews_due",
    "reviews_overdue",
    "reablement_started",
    "reablement_ended",
    "reablement_over_42_days",
)
TEAM_FIELDS = (
    "referrals_received",
    "referrals_triaged",
    "triage_overdue_at_week_end",
    "median_hours_to_triage",
    "pct_triaged_within_target",
    "ended_no_ongoing_support",
    "ended_ongoing_low_level_support",
    "followups_due",
    "followups_at_home",
)

# Worked out by hand from weekly_support.build_week; see the comments there.
#         fte  open load limit  use%  new closed assessed due overdue started ended >42
EXPECTED_WORKERS = {
    ("CEN1", "Asha Khan"): (1.0, 1, 6, 100, 6.0, 2, 1, 0, 1, 0, 0, 0, 0),
    ("CEN1", "Ben Lloyd"): (1.0, 1, 5, 100, 5.0, 0, 0, 1, 0, 1, 0, 0, 0),
    ("CEN1", "Cara Mensah"): (1.0, 1, 5, 100, 5.0, 0, 0, 0, 0, 0, 1, 1, 1),
    ("CEN2", "Dev Rao"): (1.0, 1, 10, 100, 10.0, 1, 0, 0, 0, 0, 0, 0, 0),
    ("NOR1", "Eve Zed"): (1.0, 0, 0, 100, 0.0, 0, 0, 0, 0, 0, 0, 0, 0),
}
EXPECTED_TOTALS = {
    # worker columns summed, as above
    ("team", "CEN1"): (3.0, 3, 16, 300, 5.3, 2, 1, 1, 1, 1, 1, 1, 1),
    ("team", "CEN2"): (1.0, 1, 10, 100, 10.0, 1, 0, 0, 0, 0, 0, 0, 0),
    ("locality", "Central"): (4.0, 4, 26, 400, 6.5, 3, 1, 1, 1, 1, 1, 1, 1),
    ("team", "NOR1"): (1.0, 0, 0, 100, 0.0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("locality", "North"): (1.0, 0, 0, 100, 0.0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("city", ""): (5.0, 4, 26, 500, 5.2, 3, 1, 1, 1, 1, 1, 1, 1),
}
#   received triaged overdue median-hours %-in-target no-support low-level follow-ups at-home
EXPECTED_TEAM_COUNTS = {
    # A, C and D received; A (2 h) and B (192 h) triaged in time; C overdue at week end.
    ("team", "CEN1"): (3, 2, 1, 97.0, 100.0, 1, 0, 1, 1),
    # F received and triaged after 120 hours, against a 2-hour target.
    ("team", "CEN2"): (1, 1, 0, 120.0, 0.0, 0, 0, 0, 0),
    ("locality", "Central"): (4, 3, 1, 120.0, 66.7, 1, 0, 1, 1),
    ("team", "NOR1"): (0, 0, 0, None, None, 0, 0, 0, 0),
    ("locality", "North"): (0, 0, 0, None, None, 0, 0, 0, 0),
    ("city", ""): (4, 3, 1, 120.0, 66.7, 1, 0, 1, 1),
}


def test_the_hand_built_week_adds_up(session: Session) -> None:
    build_week(session)
    session.commit()
    summary = weekly_summary(session=session, week="2026-W47")
    assert summary.scope == "whole city"
    order = [(r.level, r.team or r.locality, r.worker) for r in summary.rows]
    assert order == [
        ("worker", "CEN1", "Asha Khan"),
        ("worker", "CEN1", "Ben Lloyd"),
        ("worker", "CEN1", "Cara Mensah"),
        ("team", "CEN1", ""),
        ("worker", "CEN2", "Dev Rao"),
        ("team", "CEN2", ""),
        ("locality", "Central", ""),
        ("worker", "NOR1", "Eve Zed"),
        ("team", "NOR1", ""),
        ("locality", "North", ""),
        ("city", "", ""),
    ]
    for row in summary.rows:
        figures = tuple(row.values[f] for f in WORKER_FIELDS)
        if row.level == "worker":
            assert figures == EXPECTED_WORKERS[(row.team, row.worker)], row.worker
            assert all(row.values.get(f) is None for f in TEAM_FIELDS)
        else:
            key = (row.level, row.team or row.locality)
            assert figures == EXPECTED_TOTALS[key], key
            assert tuple(row.values[f] for f in TEAM_FIELDS) == EXPECTED_TEAM_COUNTS[key], key


def test_the_summary_holds_counts_and_staff_names_but_never_people(session: Session) -> None:
    build_week(session)
    summary = weekly_summary(session=session, week="2026-W47")
    text = repr(summary)
    for n in range(8):
        patient = person_in(1, n)
        assert patient.family_name not in text
        assert str(patient.nhs_number) not in text
    assert "Asha Khan" in text


@pytest.mark.parametrize(
    ("sunday_night", "monday_midnight", "week", "next_week"),
    [
        # November: UK time is UTC.
        (datetime(2026, 11, 22, 23, 59), datetime(2026, 11, 23, 0, 0), "2026-W47", "2026-W48"),
        # July: UK time is UTC+1, so the week turns at 23:00 UTC on Sunday.
        (datetime(2026, 7, 5, 22, 59), datetime(2026, 7, 5, 23, 0), "2026-W27", "2026-W28"),
    ],
)
def test_the_week_turns_at_monday_midnight_uk_time(
    session: Session,
    frozen_now: datetime,
    sunday_night: datetime,
    monday_midnight: datetime,
    week: str,
    next_week: str,
) -> None:
    team = add_team(session, "CEN1")
    for n, moment in enumerate((sunday_night, monday_midnight)):
        clock.freeze(moment.replace(tzinfo=UTC))
        receive(session, person_in(team.id, n))
    clock.freeze(frozen_now)
    session.commit()

    def received(label: str) -> int | float | None:
        return weekly_summary(session=session, week=label).rows[-1].values["referrals_received"]

    assert (received(week), received(next_week)) == (1, 1)


def test_the_default_week_is_the_last_complete_one() -> None:
    # Frozen at Monday 23 November 2026: the week that ended last night is W47.
    assert last_complete_week() == IsoWeek(2026, 47)
    assert last_complete_week(date(2026, 11, 22)) == IsoWeek(2026, 46)
    week = IsoWeek(2026, 47)
    assert (week.monday, week.sunday) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.starts_at == datetime(2026, 11, 16, tzinfo=UTC)
    assert IsoWeek(2026, 27).starts_at == datetime(2026, 6, 28, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("47", "not an ISO week"),
        ("2026-47", "not an ISO week"),
        ("2027-W53", "2027 has no week 53"),
        ("2026-W49", "has not started yet"),
    ],
)
def test_bad_weeks_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_week(text)


def test_parse_week_accepts_lower_case_and_no_hyphen() -> None:
    assert parse_week("2026w47") == parse_week(" 2026-W47 ") == IsoWeek(2026, 47)


def test_a_team_or_a_locality_narrows_the_summary(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        build_week(session)
        team = weekly_summary(session=session, week="2026-W47", team_code="cen2")
        assert [(r.level, r.worker) for r in team.rows] == [("worker", "Dev Rao"), ("team", "")]
        assert team.scope == "team CEN2"
        central = weekly_summary(session=session, week="2026-W47", locality="central")
        assert central.scope == "Central locality"
        assert [r.level for r in central.rows][-1] == "locality"
        assert {r.team for r in central.rows if r.level == "team"} == {"CEN1", "CEN2"}
        with pytest.raises(NotFound, match="no team with code 'XX'"):
            weekly_summary(session=session, team_code="XX")
        with pytest.raises(NotFound, match="no locality called 'West'"):
            weekly_summary(session=session, locality="West")
        with pytest.raises(InvalidInput, match="not both"):
            weekly_summary(session=session, team_code="CEN1", locality="Central")


def test_an_export_is_recorded_in_the_audit_trail(sqlite_engine: Engine, tmp_path) -> None:
    with Session(sqlite_engine) as session:
        build_week(session)
        summary = weekly_summary(session=session, week="2026-W47")
        path = tmp_path / "week.md"
        export_weekly_summary(session=session, user="sup.one", summary=summary, fmt="md", path=path)
        session.commit()
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "weekly_summary")).one()
    assert (event.user, event.entity_id, event.action) == ("sup.one", "2026-W47", "export")
    assert event.changes == {
        "scope": "whole city",
        "format": "md",
        "rows": 11,
        "saved_as": "week.md",
    }
    assert path.read_text().startswith("# Weekly caseload summary, 2026-W47")


def test_every_column_is_named_once() -> None:
    assert len(COLUMNS) == len(set(COLUMNS))
