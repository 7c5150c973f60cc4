"""The monthly figures, each one GROUP BY over month buckets.

A row's month is found in SQL by comparing its timestamp with the months' boundaries
(UK midnight on each first of the month, as UTC instants), in a CASE nested as a binary
search: about five comparisons a row, with no time-zone arithmetic in the database.
Only one figure per month comes back, never the rows; medians are taken in SQL too
(`percentile_cont` on PostgreSQL; the middle rows by `row_number` on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select
from sqlmodel import Session, col

from intapp.clock import LOCAL_TZ
from intapp.codes import EpisodeState, FollowupResult, ReablementOutcome
from intapp.models import Allocation, Person, ReablementEpisode, Referral, Worker
from intapp.services.aggregates import count_if, sum_if
from intapp.services.trends.months import Month

Figures = dict[int, tuple[Any, ...]]
"""A query's answer: month index -> that month's figures (months with none are absent)."""


@dataclass
class MonthlyFigures:
    """Every figure, by month index (0 is the oldest month)."""

    referrals_by_source: dict[int, dict[str, int]] = field(default_factory=dict)
    triage: Figures = field(default_factory=dict)
    """triaged, within target, median hours."""
    allocation: Figures = field(default_factory=dict)
    """first allocations, median days."""
    reablement_started: dict[int, int] = field(default_factory=dict)
    endings: Figures = field(default_factory=dict)
    """ended, no ongoing support, residential."""
    followups: Figures = field(default_factory=dict)
    """recorded, at home."""
    open_load: list[int] = field(default_factory=list)
    limits: list[int] = field(default_factory=list)


def monthly_figures(
    *, session: Session, months: Sequence[Month], team_ids: list[int] | None, now: datetime
) -> MonthlyFigures:
    """Every monthly figure for the teams given (None: the whole city)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    instants = [m.starts_at for m in months] + [months[-1].ends_at]
    days = [m.first_day for m in months] + [months[-1].next_first_day]
    figures = MonthlyFigures()
    figures.referrals_by_source = _referrals(session, instants, team_ids)
    figures.triage = _triage(session, instants, team_ids, postgres)
    figures.allocation = _first_allocations(session, instants, team_ids, postgres)
    figures.reablement_started, figures.endings, figures.followups = _reablement(
        session, days, team_ids
    )
    month_ends = [min(m.ends_at, now) for m in months]
    figures.open_load = _open_load(session, month_ends, team_ids)
    today = now.astimezone(LOCAL_TZ).date()
    last_days = [min(m.next_first_day - timedelta(days=1), today) for m in months]
    figures.limits = _limits(session, last_days, team_ids)
    return figures


def month_index(column: Any, cuts: Sequence[Any], offset: int = 0) -> ColumnElement[Any]:
    """How many of `cuts` (ascending) are at or before `column`'s value, plus `offset`:
    a row's month, given the months' inner boundaries. A binary search in CASEs."""
    if not cuts:
        return literal_column(str(offset))
    middle = len(cuts) // 2
    return case(
        (column < cuts[middle], month_index(column, cuts[:middle], offset)),
        else_=month_index(column, cuts[middle + 1 :], offset + middle + 1),
    )


def _in_months(column: Any, bounds: Sequence[Any]) -> tuple[Any, ...]:
    return (column >= bounds[0], column < bounds[-1])


def _in_scope(column: Any, team_ids: list[int] | None) -> tuple[Any, ...]:
    return () if team_ids is None else (column.in_(team_ids),)


def _referrals(
    session: Session, instants: list[datetime], team_ids: list[int] | None
) -> dict[int, dict[str, int]]:
    received = col(Referral.received_at)
    rows = (
        select(month_index(received, instants[1:-1]).label("month"), col(Referral.source))
        .where(*_in_months(received, instants), *_in_scope(col(Referral.team_id), team_ids))
        .subquery()
    )
    by_month: dict[int, dict[str, int]] = {}
    for month, source, count in session.execute(
        select(rows.c.month, rows.c.source, func.count()).group_by(rows.c.month, rows.c.source)
    ):
        by_month.setdefault(int(month), {})[source] = int(count)
    return by_month


def _elapsed(start: Any, end: Any, unit_seconds: int, postgres: bool) -> Any:
    """`end - start` in the unit given (3600: hours, 86400: days), as a number."""
    if postgres:
        return func.extract("epoch", end - start) / unit_seconds
    return (func.julianday(end) - func.julianday(start)) * (86400 / unit_seconds)


def _triage(
    session: Session, instants: list[datetime], team_ids: list[int] | None, postgres: bool
) -> Figures:
    triaged, received = col(Referral.triaged_at), col(Referral.received_at)
    rows = (
        select(
            month_index(triaged, instants[1:-1]).label("month"),
            (triaged <= col(Referral.due_by)).label("in_time"),
            _elapsed(received, triaged, 3600, postgres).label("elapsed"),
        )
        .where(*_in_months(triaged, instants), *_in_scope(col(Referral.team_id), team_ids))
        .subquery()
    )
    counts = session.execute(
        select(rows.c.month, func.count(), count_if(rows.c.in_time)).group_by(rows.c.month)
    )
    medians = _medians(session, rows, postgres)
    return {int(m): (int(n), int(ok), medians.get(int(m))) for m, n, ok in counts}


def _first_allocations(
    session: Session, instants: list[datetime], team_ids: list[int] | None, postgres: bool
) -> Figures:
    firsts = (
        select(col(Allocation.referral_id), func.min(Allocation.started_at).label("first_at"))
        .group_by(col(Allocation.referral_id))
        .subquery()
    )
    first_at = firsts.c.first_at
    rows = (
        select(
            month_index(first_at, instants[1:-1]).label("month"),
            _elapsed(col(Referral.received_at), first_at, 86400, postgres).label("elapsed"),
        )
        .join(firsts, firsts.c.referral_id == Referral.id)
        .where(*_in_months(first_at, instants), *_in_scope(col(Referral.team_id), team_ids))
        .subquery()
    )
    counts = session.execute(select(rows.c.month, func.count()).group_by(rows.c.month))
    medians = _medians(session, rows, postgres)
    return {int(m): (int(n), medians.get(int(m))) for m, n in counts}


def _medians(session: Session, rows: Any, postgres: bool) -> dict[int, float]:
    """The median of `rows.c.elapsed` in each `rows.c.month`."""
    if postgres:
        query: Any = select(
            rows.c.month, func.percentile_cont(0.5).within_group(rows.c.elapsed)
        ).group_by(rows.c.month)
    else:
        ranked = select(
            rows.c.month,
            rows.c.elapsed,
            func.row_number().over(partition_by=rows.c.month, order_by=rows.c.elapsed).label("n"),
            func.count().over(partition_by=rows.c.month).label("size"),
        ).subquery()
        # The middle row of an odd count, or the two middle rows of an even one:
        # 2n is size + 1, or size and size + 2.
        twice = ranked.c.n * 2
        middle = and_(twice >= ranked.c.size, twice <= ranked.c.size + 2)
        query = (
            select(ranked.c.month, func.avg(ranked.c.elapsed))
            .where(middle)
            .group_by(ranked.c.month)
        )
    return {int(month): float(value) for month, value in session.execute(query)}


def _reablement(
    session: Session, days: list[date], team_ids: list[int] | None
) -> tuple[dict[int, int], Figures, Figures]:
    episode = ReablementEpisode
    person_team = _in_scope(col(Person.team_id), team_ids)
    on_person = col(Person.id) == episode.person_id
    start, ended_on = col(episode.start_date), col(episode.ended_on)
    ran = col(episode.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED])

    started = (
        select(month_index(start, days[1:-1]).label("month"))
        .join(Person, on_person)
        .where(ran, *_in_months(start, days), *person_team)
        .subquery()
    )
    began = {
        int(m): int(n)
        for m, n in session.execute(
            select(started.c.month, func.count()).group_by(started.c.month)
        )
    }

    ended = (
        select(month_index(ended_on, days[1:-1]).label("month"), col(episode.outcome))
        .join(Person, on_person)
        .where(col(episode.state) == EpisodeState.ENDED, *_in_months(ended_on, days), *person_team)
        .subquery()
    )
    outcome = ended.c.outcome
    endings = {
        int(m): (int(n), int(none), int(residential))
        for m, n, none, residential in session.execute(
            select(
                ended.c.month,
                func.count(),
                count_if(outcome == ReablementOutcome.NO_ONGOING_SUPPORT),
                count_if(outcome == ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL),
            ).group_by(ended.c.month)
        )
    }

    due, result = col(episode.followup_due), col(episode.followup_result)
    recorded = (
        select(month_index(due, days[1:-1]).label("month"), result)
        .join(Person, on_person)
        .where(*_in_months(due, days), result.is_not(None), *person_team)
        .subquery()
    )
    followups = {
        int(m): (int(n), int(home))
        for m, n, home in session.execute(
            select(
                recorded.c.month,
                func.count(),
                count_if(recorded.c.followup_result == FollowupResult.AT_HOME),
            ).group_by(recorded.c.month)
        )
    }
    return began, endings, followups


def _open_load(
    session: Session, month_ends: list[datetime], team_ids: list[int] | None
) -> list[int]:
    """The weight open at each month's end: all weight started before it less all weight
    ended before it. Each allocation is bucketed by the first month end after its start
    (and its end), and the buckets are summed up the months."""
    started, ended = col(Allocation.started_at), col(Allocation.ended_at)
    scope = _in_scope(col(Worker.team_id), team_ids)
    on_worker = col(Worker.id) == Allocation.worker_id
    totals = []
    for moment in (started, ended):
        rows = (
            select(month_index(moment, month_ends[:-1]).label("month"), col(Allocation.weight))
            .join(Worker, on_worker)
            .where(moment < month_ends[-1], *scope)
            .subquery()
        )
        by_month = dict(
            session.execute(
                select(rows.c.month, func.sum(rows.c.weight)).group_by(rows.c.month)
            ).all()
        )
        running, cumulative = 0, []
        for month in range(len(month_ends)):
            running += int(by_month.get(month, 0) or 0)
            cumulative.append(running)
        totals.append(cumulative)
    return [s - e for s, e in zip(totals[0], totals[1], strict=True)]


def _limits(session: Session, last_days: list[date], team_ids: list[int] | None) -> list[int]:
    """Each month's summed caseload limits of the workers in post on its last day."""
    left_on = col(Worker.left_on)
    columns = [
        sum_if(
            or_(and_(col(Worker.active), left_on.is_(None)), left_on >= day),
            col(Worker.caseload_limit),
        )
        for day in last_days
    ]
    row = session.execute(select(*columns).where(*_in_scope(col(Worker.team_id), team_ids))).one()
    return [int(value) for value in row]
