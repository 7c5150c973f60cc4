"""Demo time: whole seconds since the epoch (UTC), turned into datetimes only for rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

DAY = 86_400
HOUR = 3_600
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def at(ts: int) -> datetime:
    """The timezone-aware UTC datetime for a timestamp."""
    return datetime.fromtimestamp(ts, UTC)


def day_of(ts: int) -> date:
    """The (UTC) date of a timestamp."""
    return date.fromordinal(EPOCH_ORDINAL + ts // DAY)


def start_of(day: date) -> int:
    """The timestamp of midnight UTC at the start of `day`."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY
