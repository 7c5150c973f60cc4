"""The parts of the trends that are sums (`ADDITIVE`), counted by team.

Referrals by source, reablement's counts and the caseload are sums over teams, so a
scope's figures are its teams' figures added up: a screen that has read them for the
whole city once shows any team or locality without reading again. Shares are worked
out after the sum, from the summed numerators and denominators. (Medians are not sums:
the triage and allocation parts are read for each scope, in `queries`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlmodel import Session, col

from intapp.codes import EpisodeState, FollowupResult, ReablementOutcome, ReferralSource
from intapp.models import Allocation, Person, ReablementEpisode, Referral, Worker
from intapp.services.aggregates import count_if, sum_if
from intapp.services.trends.months import Month
from intapp.services.trends.window import (
    Value,
    Values,
    Window,
    in_months,
    in_scope,
    month_index,
    share_pct,
)

ADDITIVE = ("referrals", "reablement", "caseload")

Counts = dict[str, list[int]]
"""Raw count -> its value in each month, oldest first."""

TeamCounts = dict[int, Counts]
"""Team id -> its counts (teams with nothing to count are absent)."""

REABLEMENT = (
    "reablement_started",
    "reablement_ended",
    "ended_no_ongoing_support",
    "residential_admissions",
    "followups_recorded",
    "followups_at_home",
)
CASELOAD = ("open_weighted_caseload", "caseload_limits")


def team_counts(
    *,
    session: Session,
    part: str,
    months: Sequence[Month],
    now: datetime,
    team_ids: list[int] | None = None,
) -> TeamCounts:
    """The raw counts of an `ADDITIVE` part, by team, for the teams given (None: all)."""
    window = Window.of(months, now)
    size = len(months)
    found: TeamCounts = {}

    def add(team: int, key: str, month: int, value: int) -> None:
        counts = found.setdefault(int(team), {})
        counts.setdefault(key, [0] * size)[int(month)] += int(value)

    if part == "referrals":
        received = col(Referral.received_at)
        rows = (
            select(
                col(Referral.team_id),
                month_index(received, window.instants[1:-1]).label("month"),
                col(Referral.source),
            )
            .where(*in_months(received, window.instants), *in_scope(Referral.team_id, team_ids))
            .subquery()
        )
        for team, month, source, n in session.execute(
            select(rows.c.team_id, rows.c.month, rows.c.source, func.count()).group_by(
                rows.c.team_id, rows.c.month, rows.c.source
            )
        ):
            add(team, f"referrals_{source}", month, n)
    elif part == "reablement":
        for team, key, month, n in _reablement(session, window.days, team_ids):
            add(team, key, month, n)
    elif part == "caseload":
        for team, month, weight in _open_load(session, window.month_ends, team_ids):
            add(team, "open_weighted_caseload", month, weight)
        for team, limits in _limits(session, window.last_days, team_ids):
            for month, limit in enumerate(limits):
                add(team, "caseload_limits", month, limit)
    else:
        raise ValueError(f"Not a part of the trends that adds up: {part}")
    return found


def scope_values(
    part: str, counts: TeamCounts, team_ids: Sequence[int] | None, size: int
) -> Values:
    """An `ADDITIVE` part's series for the teams given (None: every team counted)."""
    total: Counts = {}
    for team, team_figures in counts.items():
        if team_ids is not None and team not in team_ids:
            continue
        for key, monthly in team_figures.items():
            summed = total.setdefault(key, [0] * size)
            for month, value in enumerate(monthly):
                summed[month] += value

    def series(key: str) -> list[int]:
        return total.get(key, [0] * size)

    if part == "referrals":
        by_source = {s.value: series(f"referrals_{s.value}") for s in ReferralSource}
        received: list[Value] = [sum(v[m] for v in by_source.values()) for m in range(size)]
        found: Values = {"referrals_received": received}
        for code, monthly in by_source.items():
            found[f"referrals_{code}"] = list(monthly)
        return found
    if part == "reablement":
        ended, recorded = series("reablement_ended"), series("followups_recorded")
        no_support, at_home = series("ended_no_ongoing_support"), series("followups_at_home")
        return {
            "reablement_started": list(series("reablement_started")),
            "reablement_ended": list(ended),
            "ended_no_ongoing_support_pct": [
                share_pct(no_support[m], ended[m]) for m in range(size)
            ],
            "residential_admissions": list(series("residential_admissions")),
            "followups_recorded": list(recorded),
            "at_home_pct": [share_pct(at_home[m], recorded[m]) for m in range(size)],
        }
    if part == "caseload":
        return {key: list(series(key)) for key in CASELOAD}
    raise ValueError(f"Not a part of the trends that adds up: {part}")


def _reablement(
    session: Session, days: list[date], team_ids: list[int] | None
) -> list[tuple[int, str, int, int]]:
    """(team, count, month, how many) for each of `REABLEMENT`, by the person's team (as
    the weekly summary counts episodes)."""
    episode = ReablementEpisode
    team = col(Person.team_id)
    on_person = col(Person.id) == episode.person_id
    scope = in_scope(Person.team_id, team_ids)
    start, ended_on = col(episode.start_date), col(episode.ended_on)
    due, result = col(episode.followup_due), col(episode.followup_result)
    found: list[tuple[int, str, int, int]] = []

    ran = col(episode.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED])
    started = (
        select(team, month_index(start, days[1:-1]).label("month"))
        .join(Person, on_person)
        .where(ran, *in_months(start, days), *scope)
        .subquery()
    )
    for t, m, n in session.execute(
        select(started.c.team_id, started.c.month, func.count()).group_by(
            started.c.team_id, started.c.month
        )
    ):
        found.append((t, "reablement_started", m, n))

    ended = (
        select(team, month_index(ended_on, days[1:-1]).label("month"), col(episode.outcome))
        .join(Person, on_person)
        .where(col(episode.state) == EpisodeState.ENDED, *in_months(ended_on, days), *scope)
        .subquery()
    )
    outcome = ended.c.outcome
    for t, m, n, none, residential in session.execute(
        select(
            ended.c.team_id,
            ended.c.month,
            func.count(),
            count_if(outcome == ReablementOutcome.NO_ONGOING_SUPPORT),
            count_if(outcome == ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL),
        ).group_by(ended.c.team_id, ended.c.month)
    ):
        found += [
            (t, "reablement_ended", m, n),
            (t, "ended_no_ongoing_support", m, none),
            (t, "residential_admissions", m, residential),
        ]

    recorded = (
        select(team, month_index(due, days[1:-1]).label("month"), result)
        .join(Person, on_person)
        .where(*in_months(due, days), result.is_not(None), *scope)
        .subquery()
    )
    for t, m, n, home in session.execute(
        select(
            recorded.c.team_id,
            recorded.c.month,
            func.count(),
            count_if(recorded.c.followup_result == FollowupResult.AT_HOME),
        ).group_by(recorded.c.team_id, recorded.c.month)
    ):
        found += [(t, "followups_recorded", m, n), (t, "followups_at_home", m, home)]
    return found


def _open_load(
    session: Session, month_ends: list[datetime], team_ids: list[int] | None
) -> list[tuple[int, int, int]]:
    """(team, month, weight open at the month's end), from one pass over the allocations,
    by the worker's team.

    Each allocation started before the last month's end is put in a cell by two
    indexes: how many month ends come at or before its start, and at or before its end
    (all of them when it is still open). It is open at month end m when the first index
    is at most m and the second is more than m.
    """
    started, ended = col(Allocation.started_at), col(Allocation.ended_at)
    never: Any = literal_column(str(len(month_ends)))
    rows = (
        select(
            col(Worker.team_id),
            month_index(started, month_ends).label("began"),
            case((ended.is_(None), never), else_=month_index(ended, month_ends)).label("ended"),
            col(Allocation.weight),
        )
        .join(Worker, col(Worker.id) == Allocation.worker_id)
        .where(started < month_ends[-1])
        .subquery()
    )
    cells = session.execute(
        select(rows.c.team_id, rows.c.began, rows.c.ended, func.sum(rows.c.weight)).group_by(
            rows.c.team_id, rows.c.began, rows.c.ended
        )
    ).all()
    # Every team's, then the teams asked for: SQLite, given the teams, walked the
    # allocations worker by worker (2.3 s for a team of the 200,000-person city, 0.6 s
    # for all of them).
    return [
        (team, m, int(weight))
        for team, began, ended_in, weight in cells
        if team_ids is None or team in team_ids
        for m in range(len(month_ends))
        if began <= m < ended_in
    ]


def _limits(
    session: Session, last_days: list[date], team_ids: list[int] | None
) -> list[tuple[int, list[int]]]:
    """(team, each month's summed caseload limits of its workers in post on the month's
    last day)."""
    left_on = col(Worker.left_on)
    columns = [
        sum_if(
            or_(and_(col(Worker.active), left_on.is_(None)), left_on >= day),
            col(Worker.caseload_limit),
        )
        for day in last_days
    ]
    rows = session.execute(
        select(col(Worker.team_id), *columns)
        .where(*in_scope(Worker.team_id, team_ids))
        .group_by(col(Worker.team_id))
    )
    return [(team, [int(v) for v in limits]) for team, *limits in rows]
