"""How rows are put in months: the months' boundaries, and the SQL that buckets a row.

A row's month is found in SQL by comparing its timestamp with the months' boundaries
(UK midnight on each first of the month, as UTC instants), in a CASE nested as a binary
search: about five comparisons a row, with no time-zone arithmetic in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, literal_column
from sqlmodel import col

from intapp.clock import LOCAL_TZ
from intapp.services.trends.months import Month

Value = int | float | None
"""A month's figure: None where it has no meaning (a share or a median of nothing)."""

Values = dict[str, list[Value]]
"""Series key -> its value in each month, oldest first."""


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


def in_months(column: Any, bounds: Sequence[Any]) -> tuple[Any, ...]:
    """The rows whose `column` falls in the months (`bounds`: first start, ..., last end)."""
    return (column >= bounds[0], column < bounds[-1])


def in_scope(team_column: Any, team_ids: list[int] | None) -> tuple[Any, ...]:
    """The rows of the teams given (None: every team)."""
    return () if team_ids is None else (col(team_column).in_(team_ids),)


def share_pct(part: int, whole: int) -> Value:
    """`part` as a percentage of `whole`, to one decimal place; None when `whole` is 0."""
    return round(100 * part / whole, 1) if whole else None
