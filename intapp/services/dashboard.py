"""The team dashboard's counts, for one team, a locality or the whole city.

Plain SQL (`plain_sql`) rather than ORM queries: the dashboard is the first screen, and on
the embedded SQLite store its figures are read with the standard library's sqlite3 while
SQLAlchemy is still loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from intapp import clock
from intapp.codes import EpisodeState, ReferralStatus
from intapp.config import load_settings
from intapp.store.plain_sql import PlainSQL, in_list, through_session

if TYPE_CHECKING:
    from sqlmodel import Session


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
    return count_figures(through_session(session), team_ids=team_ids)


def count_figures(db: PlainSQL, *, team_ids: list[int] | None = None) -> DashboardCounts:
    """The figures through `db`: a Session's connection, or sqlite3 (`through_sqlite`)."""
    settings = load_settings()
    now, today = clock.now(), clock.today()
    _, team_params = in_list("", "team", team_ids or [])
    params = db.stored(
        {
            "now": now,
            "soon": now + timedelta(hours=settings.due_soon_hours),
            "today": today,
            "day_35": today - timedelta(days=settings.reablement_warning_day),
            "day_42": today - timedelta(days=settings.reablement_standard_days),
            "review_by": today + timedelta(days=settings.review_due_soon_days),
            "active": True,
            "received": ReferralStatus.RECEIVED.value,
            "triaged": ReferralStatus.TRIAGED.value,
            "active_episode": EpisodeState.ACTIVE.value,
            **team_params,
        }
    )

    def in_teams(column: str) -> str:
        return "" if team_ids is None else in_list(column, "team", team_ids)[0]

    def by_person_team(table: str) -> tuple[str, str]:
        """The join and the filter that scope `table` by its person's team (none city-wide)."""
        if team_ids is None:
            return "", ""
        return f" JOIN person ON person.id = {table}.person_id", in_teams("person.team_id")

    received, overdue, due_soon = db.one(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN due_by < :now THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN due_by >= :now AND due_by < :soon THEN 1 ELSE 0 END), 0)"
        f" FROM referral WHERE status = :received{in_teams('referral.team_id')}",
        params,
    )
    (triaged,) = db.one(
        f"SELECT count(*) FROM referral WHERE status = :triaged{in_teams('referral.team_id')}",
        params,
    )
    (over_limit,) = db.one(
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
    day_35_plus, past_42 = db.one(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN start_date < :day_42 THEN 1 ELSE 0 END), 0)"
        f" FROM reablement_episode{join}"
        f" WHERE state = :active_episode AND start_date <= :day_35{scope}",
        params,
    )
    (followups,) = db.one(
        f"SELECT count(*) FROM reablement_episode{join}"
        f" WHERE followup_due <= :today AND followup_result IS NULL{scope}",
        params,
    )
    join, scope = by_person_team("care_plan")
    reviews_due, reviews_overdue = db.one(
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
