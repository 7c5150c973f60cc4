"""The months a trend covers: UK calendar months, each as the UTC instants it runs between."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from intapp import clock

MONTHS = 24
"""How many months a trend shows, the current one last."""


@dataclass(frozen=True)
class Month:
    """One UK calendar month of a trend."""

    first_day: date
    starts_at: datetime
    """The month's first moment in the UK, as aware UTC."""
    ends_at: datetime
    """The next month's first moment in the UK, as aware UTC."""
    partial: bool = False
    """The current month: its figures so far."""

    @property
    def label(self) -> str:
        """``Mar 2026``."""
        return f"{self.first_day:%b %Y}"

    @property
    def key(self) -> str:
        """``2026-03``, as the export's month column shows it."""
        return f"{self.first_day:%Y-%m}"

    @property
    def next_first_day(self) -> date:
        """The first day of the following month."""
        return _add_months(self.first_day, 1)


def last_months(count: int = MONTHS, *, today: date | None = None) -> tuple[Month, ...]:
    """The last `count` UK calendar months, oldest first, the month of `today` (default:
    today in the UK) last and marked partial."""
    current = (today or clock.today()).replace(day=1)
    firsts = [_add_months(current, step) for step in range(1 - count, 2)]
    instants = [clock.start_of_day(day) for day in firsts]
    return tuple(
        Month(
            first_day=firsts[i],
            starts_at=instants[i],
            ends_at=instants[i + 1],
            partial=i == count - 1,
        )
        for i in range(count)
    )


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
