"""The one source of "now", so tests and benchmarks can freeze time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

# Dates people see and work to (review dates, ISO weeks) are UK dates.
LOCAL_TZ = ZoneInfo("Europe/London")

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in the UK."""
    return now().astimezone(LOCAL_TZ).date()


def start_of_day(day: date) -> datetime:
    """The first moment of a UK day, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def from_uk_local(moment: datetime) -> datetime | None:
    """A UK wall-clock time (naive) as aware UTC; None when no such time exists.

    In the hour skipped when the clocks go forward (01:00-01:59 on the last Sunday of
    March) there is no such time, so rather than moving it silently this says so. In
    the hour that happens twice when they go back (01:00-01:59 on the last Sunday of
    October) the first one, still British Summer Time, is taken.
    """
    local = moment.replace(tzinfo=LOCAL_TZ, fold=0)
    in_utc = local.astimezone(UTC)
    if in_utc.astimezone(LOCAL_TZ).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return in_utc


def freeze(moment: datetime | None) -> None:
    """Freeze "now" at `moment` (aware), or unfreeze with None."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    global _frozen
    _frozen = moment.astimezone(UTC) if moment is not None else None
