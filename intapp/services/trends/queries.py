"""The monthly figures, each one GROUP BY over month buckets.

A row's month is found in SQL by comparing its timestamp with the months' boundaries
(UK midnight on each first of the month, as UTC instants), in a CASE nested as a binary
search: about five comparisons a row, with no time-zone arithmetic in the database.
Only one figure per month comes back, never the rows; medians are taken in SQL too
(`percentile_cont` on PostgreSQL; the middle rows by `row_number` on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal_column, or_, select
from sqlmodel import Session, col

from intapp.clock import LOCAL_TZ
from intapp.codes import EpisodeState, FollowupResult, ReablementOutcome, ReferralSource
from intapp.models import Allocation, Person, ReablementEpisode, Referral, Worker
from intapp.services.aggregates import count_if, sum_if
from intapp.services.trends.months import Month

Figures = dict[int, tuple[Any, ...]]
"""A query's answer: month index -> that month's figures (months with none are absent)."""

Value = int | float | None
"""A month's figure: None where it has no meaning (a share or a median of nothing)."""

Values = dict[str, list[Value]]
"""Series key -> its value in each month, oldest first."""

PARTS = ("referrals", "triage", "allocation", "reablement", "caseload")
"""The trends in groups that are counted together, each by one or two queries."""


@dataclass(frozen=True)
class Window:
    """The months a trend covers, as each kind of column compares with them."""

    instants: list[datetime]
    """The months' first moments, then the last one's end (timestamps)."""
    days: list[date]
    """The months' first days, then the next month's first day (dates)."""
    month_ends: list[datetime]
    """Each month's end, the current month's being now."""
    last_days: list[date]
    """Each month's last day, the current month's being today."""

    @classmethod
    def of(cls, months: Sequence[Month], now: datetime) -> Window:
        today = now.astimezone(LOCAL_TZ).date()
        return cls(
            instants=[m.starts_at for m in months] + [months[-1].ends_at],
            days=[m.first_day for m in months] + [months[-1].next_first_day],
            month_ends=[min(m.ends_at, now) for m in months],
            last_days=[min(m.next_first_day - timedelta(days=1), today) for m in months],
        )


def part_values(
    *,
    session: Session,
    part: str,
    months: Sequence[Month],
    team_ids: list[int] | None,
    now: datetime,
) -> Values:
    """One part's series (`PARTS`) for the teams given (None: the whole city)."""
    window = Window.of(months, now)
    postgres = session.get_bind().dialect.name == "postgresql"
    count = len(months)
    if part == "referrals":
        return _referral_values(_referrals(session, window.instants, team_ids), count)
    if part == "triage":
        triage = _triage(session, window.instants, team_ids, postgres)
        values: Values = {"referrals_triaged": [], "triaged_within_target_pct": []}
        values["median_hours_to_triage"] = []
        for m in range(count):
            triaged, in_time, hours = triage.get(m, (0, 0, None))
            values["referrals_triaged"].append(triaged)
            values["triaged_within_target_pct"].append(_pct(in_time, triaged))
            values["median_hours_to_triage"].append(_rounded(hours))
        return values
    if part == "allocation":
        firsts = _first_allocations(session, window.instants, team_ids, postgres)
        return {
            "first_allocations": [firsts.get(m, (0,))[0] for m in range(count)],
            "median_days_to_allocation": [
                _rounded(firsts.get(m, (0, None))[1]) for m in range(count)
            ],
        }
    if part == "reablement":
        return _reablement_values(*_reablement(session, window.days, team_ids), count)
    if part == "caseload":
        return {
            "open_weighted_caseload": list(_open_load(session, window.month_ends, team_ids)),
            "caseload_limits": list(_limits(session, window.last_days, team_ids)),
        }
    raise ValueError(f"No such part of the trends: {part}")


def _referral_values(by_month: dict[int, dict[str, int]], count: int) -> Values:
    values: Values = {"referrals_received": []}
    values |= {f"referrals_{source.value}": [] for source in ReferralSource}
    for m in range(count):
        by_source = by_month.get(m, {})
        values["referrals_received"].append(sum(by_source.values()))
        for source in ReferralSource:
            values[f"referrals_{source.value}"].append(by_source.get(source.value, 0))
    return values


def _reablement_values(
    began: dict[int, int], endings: Figures, followups: Figures, count: int
) -> Values:
    values: Values = {
        key: []
        for key in (
            "reablement_started",
            "reablement_ended",
            "ended_no_ongoing_support_pct",
            "residential_admissions",
            "followups_recorded",
            "at_home_pct",
        )
    }
    for m in range(count):
        values["reablement_started"].append(began.get(m, 0))
        ended, no_support, residential = endings.get(m, (0, 0, 0))
        values["reablement_ended"].append(ended)
        values["ended_no_ongoing_support_pct"].append(_pct(no_support, ended))
        values["residential_admissions"].append(residential)
        recorded, at_home = followups.get(m, (0, 0))
        values["followups_recorded"].append(recorded)
        values["at_home_pct"].append(_pct(at_home, recorded))
    return values


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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
        # As float8: EXTRACT gives numeric, whose sort (for the median) is several times slower.
        return cast(func.extract("epoch", end - start), Float) / unit_seconds
    return (func.julianday(end) - func.julianday(start)) * (86400 / unit_seconds)


def _triage(
    session: Session, instants: list[datetime], team_ids: list[int] | None, postgres: bool
) -> Figures:
    triaged, received = col(Referral.triaged_at), col(Referral.received_at)
    rows = (
        select(
            month_index(triaged, instants[1:-1]).label("month"),
            case((triaged <= col(Referral.due_by), 1), else_=0).label("counted"),
            _elapsed(received, triaged, 3600, postgres).label("elapsed"),
        )
        .where(*_in_months(triaged, instants), *_in_scope(col(Referral.team_id), team_ids))
        .subquery()
    )
    return _counts_and_medians(session, rows, postgres)


def _first_allocations(
    session: Session, instants: list[datetime], team_ids: list[int] | None, postgres: bool
) -> Figures:
    # Joined before grouping: a team's referrals are found first (by the queue index),
    # and the city's by one hash join rather than a lookup per allocation.
    first_at = func.min(Allocation.started_at)
    firsts = (
        select(col(Referral.received_at).label("received_at"), first_at.label("first_at"))
        .join(Allocation, col(Allocation.referral_id) == Referral.id)
        .where(*_in_scope(col(Referral.team_id), team_ids))
        .group_by(col(Referral.id), col(Referral.received_at))
        .having(first_at >= instants[0], first_at < instants[-1])
        .subquery()
    )
    rows = select(
        month_index(firsts.c.first_at, instants[1:-1]).label("month"),
        literal_column("0").label("counted"),
        _elapsed(firsts.c.received_at, firsts.c.first_at, 86400, postgres).label("elapsed"),
    ).subquery()
    figures = _counts_and_medians(session, rows, postgres)
    return {m: (n, median) for m, (n, _, median) in figures.items()}


def _counts_and_medians(session: Session, rows: Any, postgres: bool) -> Figures:
    """For each `rows.c.month`: how many rows, the sum of `rows.c.counted` (0 or 1), and
    the median of `rows.c.elapsed`, in one pass over the rows."""
    month, counted, elapsed = rows.c.month, rows.c.counted, rows.c.elapsed
    if postgres:
        query: Any = select(
            month,
            func.count(),
            func.sum(counted),
            func.percentile_cont(0.5).within_group(elapsed),
        ).group_by(month)
    else:
        # No median aggregate: rank the rows in each month and average the middle one (an
        # odd count) or two (an even count), where 2 * rank is size + 1, or size and size + 2.
        ranked = select(
            month,
            elapsed,
            func.row_number().over(partition_by=month, order_by=elapsed).label("rank"),
            func.count().over(partition_by=month).label("size"),
            func.sum(counted).over(partition_by=month).label("counted"),
        ).subquery()
        twice = ranked.c.rank * 2
        query = (
            select(
                ranked.c.month,
                func.max(ranked.c.size),
                func.max(ranked.c.counted),
                func.avg(ranked.c.elapsed),
            )
            .where(twice >= ranked.c.size, twice <= ranked.c.size + 2)
            .group_by(ranked.c.month)
        )
    return {
        int(m): (int(n), int(ok or 0), float(median)) for m, n, ok, median in session.execute(query)
    }


def _reablement(
    session: Session, days: list[date], team_ids: list[int] | None
) -> tuple[dict[int, int], Figures, Figures]:
    episode = ReablementEpisode
    # By the person's team, as the weekly summary counts episodes; none to check for the city.
    person_team: tuple[Any, ...] = ()
    if team_ids is not None:
        people = select(col(Person.id)).where(col(Person.team_id).in_(team_ids))
        person_team = (col(episode.person_id).in_(people),)
    start, ended_on = col(episode.start_date), col(episode.ended_on)
    ran = col(episode.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED])

    started = (
        select(month_index(start, days[1:-1]).label("month"))
        .where(ran, *_in_months(start, days), *person_team)
        .subquery()
    )
    began = {
        int(m): int(n)
        for m, n in session.execute(select(started.c.month, func.count()).group_by(started.c.month))
    }

    ended = (
        select(month_index(ended_on, days[1:-1]).label("month"), col(episode.outcome))
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
) -> list[Value]:
    """The weight open at each month's end, from one pass over the allocations.

    Each allocation started before the last month's end is put in a cell by two
    indexes: how many month ends come at or before its start, and at or before its end
    (all of them when it is still open). It is open at month end m when the first index
    is at most m and the second is more than m.
    """
    started, ended = col(Allocation.started_at), col(Allocation.ended_at)
    never: Any = literal_column(str(len(month_ends)))
    rows = (
        select(
            month_index(started, month_ends).label("began"),
            case((ended.is_(None), never), else_=month_index(ended, month_ends)).label("ended"),
            col(Allocation.weight),
        )
        .where(started < month_ends[-1], *_worker_scope(team_ids))
        .subquery()
    )
    cells = session.execute(
        select(rows.c.began, rows.c.ended, func.sum(rows.c.weight)).group_by(
            rows.c.began, rows.c.ended
        )
    ).all()
    return [
        sum(int(weight) for began, ended, weight in cells if began <= m < ended)
        for m in range(len(month_ends))
    ]


def _worker_scope(team_ids: list[int] | None) -> tuple[Any, ...]:
    """Allocations held by the teams' workers (all of them for the whole city)."""
    if team_ids is None:
        return ()
    workers = select(col(Worker.id)).where(col(Worker.team_id).in_(team_ids))
    return (col(Allocation.worker_id).in_(workers),)


def _limits(session: Session, last_days: list[date], team_ids: list[int] | None) -> list[Value]:
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
