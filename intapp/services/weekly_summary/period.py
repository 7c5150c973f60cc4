"""ISO weeks, Monday to Sunday in UK time, and the instants that bound them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from intapp import clock
from intapp.clock import LOCAL_TZ
from intapp.services.errors import InvalidInput

_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.ASCII | re.IGNORECASE)


@dataclass(frozen=True)
class IsoWeek:
    """One ISO week: Monday to Sunday, as UK dates and as UTC instants."""

    year: int
    week: int

    @property
    def label(self) -> str:
        """``2026-W47``."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def starts_at(self) -> datetime:
        """Monday 00:00 UK time, in UTC."""
        return _uk_midnight(self.monday)

    @property
    def ends_at(self) -> datetime:
        """The next Monday 00:00 UK time, in UTC: the first instant after the week."""
        return _uk_midnight(self.monday + timedelta(days=7))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The ISO week a UK date falls in."""
        year, week, _ = day.isocalendar()
        return cls(year, week)


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def last_complete_week(today: date | None = None) -> IsoWeek:
    """The most recent Monday-to-Sunday week that has ended (UK dates)."""
    return IsoWeek.of((today or clock.today()) - timedelta(days=7))


def parse_week(text: str) -> IsoWeek:
    """``2026-W47`` (or ``2026W47``); refuses weeks that do not exist or have not begun."""
    match = _ISO_WEEK.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            f"Week {text!r} is not an ISO week: write it like 2026-W47", field="week"
        )
    year, number = int(match.group(1)), int(match.group(2))
    try:
        week = IsoWeek.of(date.fromisocalendar(year, number, 1))
    except ValueError:
        raise InvalidInput(f"{year} has no week {number}", field="week") from None
    if week.monday > clock.today():
        raise InvalidInput(f"Week {week.label} has not started yet", field="week")
    return week
