"""Reporting periods for the national returns: calendar quarters (CLD) and financial
years (SALT, ASCOF), as UK dates and as the UTC instants that bound them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from intapp import clock
from intapp.services.errors import InvalidInput

_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.ASCII | re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})[-/](\d{2})", re.ASCII)


@dataclass(frozen=True)
class Period:
    """A run of whole UK days, first to last included."""

    label: str
    first_day: date
    last_day: date

    @property
    def starts_at(self) -> datetime:
        """The first instant of the first day, UK time, in UTC."""
        return clock.start_of_day(self.first_day)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the last day, UK time, in UTC."""
        return clock.start_of_day(self.last_day + timedelta(days=1))

    def holds(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def quarter(year: int, number: int) -> Period:
    """Calendar quarter `number` (1-4) of `year`: Q3 is July to September."""
    first = date(year, 3 * number - 2, 1)
    following = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Period(f"{year}-Q{number}", first, following - timedelta(days=1))


def financial_year(first_year: int) -> Period:
    """The financial year from 1 April `first_year` to 31 March the year after."""
    return Period(
        f"{first_year}-{(first_year + 1) % 100:02d}",
        date(first_year, 4, 1),
        date(first_year + 1, 3, 31),
    )


def parse_quarter(text: str) -> Period:
    """``2026-Q3`` (or ``2026Q3``); refuses a quarter that has not begun."""
    match = _QUARTER.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            f"Quarter {text!r} is not a quarter: write it like 2026-Q3", field="quarter"
        )
    period = quarter(int(match.group(1)), int(match.group(2)))
    if period.first_day > clock.today():
        raise InvalidInput(f"Quarter {period.label} has not started yet", field="quarter")
    return period


def parse_financial_year(text: str) -> Period:
    """``2026-27``: April 2026 to March 2027; refuses one that has not begun."""
    match = _YEAR.fullmatch(text.strip())
    first_year = int(match.group(1)) if match else 0
    if match is None or (first_year + 1) % 100 != int(match.group(2)):
        raise InvalidInput(
            f"Year {text!r} is not a financial year: write it like 2026-27", field="year"
        )
    period = financial_year(first_year)
    if period.first_day > clock.today():
        raise InvalidInput(f"Year {period.label} has not started yet", field="year")
    return period
