"""The evaluation's period: a financial year (April to March) or any run of UK days."""

from __future__ import annotations

from datetime import date

from intapp import clock
from intapp.formatting import parse_date, uk_date
from intapp.services.errors import InvalidInput
from intapp.services.national.period import Period, financial_year, parse_financial_year


def last_complete_year(today: date | None = None) -> Period:
    """The most recent April-to-March year that has ended (UK dates)."""
    today = today or clock.today()
    return financial_year(today.year - 1 if today.month >= 4 else today.year - 2)


def evaluation_period(
    *, year: str | None = None, first: str | None = None, last: str | None = None
) -> Period:
    """The period asked for: a financial year like ``2025-26``, or ``--from`` (and ``--to``)
    as DD/MM/YYYY; neither gives the last complete financial year.

    A period still running is cut at today, so nothing is counted or priced beyond it."""
    if year and (first or last):
        raise InvalidInput("Choose a year or a period (--from/--to), not both", field="year")
    if year:
        period = parse_financial_year(year)
    elif first or last:
        period = _between(first, last)
    else:
        return last_complete_year()
    today = clock.today()
    if period.last_day <= today:
        return period
    return Period(f"{period.label} (to {uk_date(today)})", period.first_day, today)


def _between(first: str | None, last: str | None) -> Period:
    """The days from `first` to `last` (default today), cut at today."""
    if not first:
        raise InvalidInput("Give the first day (--from) as well as the last", field="from")
    today = clock.today()
    start = _day(first, "from")
    end = _day(last, "to") if last else today
    if start > today:
        raise InvalidInput(
            f"The period starting {uk_date(start)} has not started yet", field="from"
        )
    if start > end:
        raise InvalidInput(
            f"The period cannot start ({uk_date(start)}) after it ends ({uk_date(end)}): "
            "--from must not be after --to",
            field="from",
        )
    end = min(end, today)
    return Period(f"{uk_date(start)} to {uk_date(end)}", start, end)


def _day(text: str, option: str) -> date:
    day = parse_date(text)
    if day is None:
        raise InvalidInput(
            f"--{option} {text!r} is not a date: write it as DD/MM/YYYY", field=option
        )
    return day
