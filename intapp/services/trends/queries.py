"""The parts of the trends that hold medians (triage and allocation), read for one
scope; and every part's series for a scope (`part_values`).

Only one figure per month comes back, never the rows: medians are taken in SQL too
(`percentile_cont` on PostgreSQL; the middle rows by `row_number` on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, case, cast, func, literal_column, select
from sqlmodel import Session, col

from intapp.models import Allocation, Referral
from intapp.services.trends.counts import ADDITIVE, scope_values, team_counts
from intapp.services.trends.months import Month
from intapp.services.trends.window import (
    Values,
    Window,
    in_months,
    in_scope,
    month_index,
    share_pct,
)

Figures = dict[int, tuple[Any, ...]]
"""A query's answer: month index -> that month's figures (months with none are absent)."""

PARTS = ("referrals", "triage", "allocation", "reablement", "caseload")
"""The trends in groups that are counted together, each by one or a few queries."""


def part_values(
    *,
    session: Session,
    part: str,
    months: Sequence[Month],
    team_ids: list[int] | None,
    now: datetime,
) -> Values:
    """One part's series (`PARTS`) for the teams given (None: the whole city)."""
    count = len(months)
    if part in ADDITIVE:
        counts = team_counts(session=session, part=part, months=months, now=now, team_ids=team_ids)
        return scope_values(part, counts, None, count)
    window = Window.of(months, now)
    postgres = session.get_bind().dialect.name == "postgresql"
    if part == "triage":
        triage = _triage(session, window.instants, team_ids, postgres)
        values: Values = {"referrals_triaged": [], "triaged_within_target_pct": []}
        values["median_hours_to_triage"] = []
        for m in range(count):
            triaged, in_time, hours = triage.get(m, (0, 0, None))
            values["referrals_triaged"].append(triaged)
            values["triaged_within_target_pct"].append(share_pct(in_time, triaged))
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
    raise ValueError(f"No such part of the trends: {part}")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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
        .where(*in_months(triaged, instants), *in_scope(Referral.team_id, team_ids))
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
        .where(*in_scope(Referral.team_id, team_ids))
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
