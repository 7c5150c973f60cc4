"""The team dashboard's counts, for one team, a locality or the whole city.

Plain SQL that SQLite and PostgreSQL both run, rather than ORM queries: the dashboard is
the first screen, and on the embedded SQLite store its figures are read with the standard
library's sqlite3 while SQLAlchemy, half a second to import, is still loading (see
`sqlite_reader`). Through a Session the same SQL serves PostgreSQL, and tests hold the two
paths to the same answers. The status words are the stored `ReferralStatus` and
`EpisodeState` values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intapp import clock
from intapp.config import load_settings

if TYPE_CHECKING:
    from sqlmodel import Session

REVIEW_SOON_DAYS = 7

# Runs one SELECT with named parameters and returns its single row.
RunQuery = Callable[[str, dict[str, Any]], Sequence[Any]]


@dataclass(frozen=True)
class DashboardCounts:
    """What a coordinator needs to see first thing."""

    awaiting_triage: int
    triage_overdue: int
    due_next_24h: int
    triaged_not_allocated: int
    workers_over_limit: int
    episodes_day_35_plus: int
    episodes_past_42: int
    followups_due: int
    reviews_due: int
    reviews_overdue: int


def dashboard_counts(*, session: Session, team_ids: list[int] | None = None) -> DashboardCounts:
    """Every dashboard figure for the teams given (None: the whole city)."""
    from sqlalchemy import text

    def run(sql: str, params: dict[str, Any]) -> Sequence[Any]:
        return session.execute(text(sql), params).one()

    return _counts(run, sqlite=session.get_bind().dialect.name == "sqlite", team_ids=team_ids)


def dashboard_counts_sqlite(
    *, connection: sqlite3.Connection, team_ids: list[int] | None = None
) -> DashboardCounts:
    """The same figures through a plain sqlite3 connection, read in one transaction."""

    def run(sql: str, params: dict[str, Any]) -> Sequence[Any]:
        row: Sequence[Any] = connection.execute(sql, params).fetchone()
        return row

    connection.execute("BEGIN")
    try:
        return _counts(run, sqlite=True, team_ids=team_ids)
    finally:
        connection.execute("ROLLBACK")


def _counts(run: RunQuery, *, sqlite: bool, team_ids: list[int] | None) -> DashboardCounts:
    settings = load_settings()
    now, today = clock.now(), clock.today()
    teams = {f"team_{i}": team_id for i, team_id in enumerate(team_ids or [])}
    values = {
        "now": now,
        "soon": now + timedelta(hours=settings.due_soon_hours),
        "today": today,
        "day_35": today - timedelta(days=settings.reablement_warning_day),
        "day_42": today - timedelta(days=settings.reablement_standard_days),
        "review_by": today + timedelta(days=REVIEW_SOON_DAYS),
        "active": True,
        **teams,
    }
    params = {name: _as_stored(value, sqlite=sqlite) for name, value in values.items()}

    def in_teams(column: str) -> str:
        if team_ids is None:
            return ""
        if not team_ids:
            return " AND 1 = 0"
        return f" AND {column} IN ({', '.join(':' + name for name in teams)})"

    def by_person_team(table: str) -> tuple[str, str]:
        """The join and the filter that scope `table` by its person's team (none city-wide)."""
        if team_ids is None:
            return "", ""
        return f" JOIN person ON person.id = {table}.person_id", in_teams("person.team_id")

    received, overdue, due_soon = run(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN due_by < :now THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN due_by >= :now AND due_by < :soon THEN 1 ELSE 0 END), 0)"
        f" FROM referral WHERE status = 'received'{in_teams('referral.team_id')}",
        params,
    )
    (triaged,) = run(
        f"SELECT count(*) FROM referral WHERE status = 'triaged'{in_teams('referral.team_id')}",
        params,
    )
    (over_limit,) = run(
        "SELECT count(*) FROM ("
        " SELECT allocation.worker_id FROM allocation"
        " JOIN worker ON worker.id = allocation.worker_id"
        " WHERE allocation.ended_at IS NULL AND worker.active = :active"
        f"{in_teams('worker.team_id')}"
        " GROUP BY allocation.worker_id, worker.caseload_limit"
        " HAVING sum(allocation.weight) > worker.caseload_limit"
        ") AS over_limit",
        params,
    )
    join, scope = by_person_team("reablement_episode")
    day_35_plus, past_42 = run(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN start_date < :day_42 THEN 1 ELSE 0 END), 0)"
        f" FROM reablement_episode{join}"
        f" WHERE state = 'active' AND start_date <= :day_35{scope}",
        params,
    )
    (followups,) = run(
        f"SELECT count(*) FROM reablement_episode{join}"
        f" WHERE followup_due <= :today AND followup_result IS NULL{scope}",
        params,
    )
    join, scope = by_person_team("care_plan")
    reviews_due, reviews_overdue = run(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN review_date < :today THEN 1 ELSE 0 END), 0)"
        f" FROM care_plan{join}"
        f" WHERE closed_at IS NULL AND review_date <= :review_by{scope}",
        params,
    )
    return DashboardCounts(
        awaiting_triage=int(received),
        triage_overdue=int(overdue),
        due_next_24h=int(due_soon),
        triaged_not_allocated=int(triaged),
        workers_over_limit=int(over_limit),
        episodes_day_35_plus=int(day_35_plus),
        episodes_past_42=int(past_42),
        followups_due=int(followups),
        reviews_due=int(reviews_due),
        reviews_overdue=int(reviews_overdue),
    )


def _as_stored(value: Any, *, sqlite: bool) -> Any:
    """A parameter in the form the column holds it.

    SQLite has no date types: SQLAlchemy keeps timestamps there as naive UTC text and
    dates as ISO text, and comparisons are between those strings. PostgreSQL takes the
    values as they are.
    """
    if not sqlite:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value
