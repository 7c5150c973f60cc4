"""The one source of "now", so tests and benchmarks can freeze time."""

from __future__ import annotations

from datetime import UTC, date, datetime
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


def freeze(moment: datetime | None) -> None:
    """Freeze "now" at `moment` (aware), or unfreeze with None."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    global _frozen
    _frozen = moment.astimezone(UTC) if moment is not None else None
