"""Every bound on what a person may type or import, in one place.

The services call these for every front end, and the import's column parsers call the
same functions, so a form and an import file refuse the same values with the same words.
Bounds that are a council's choice (the earliest date of birth, the longest reablement
episode, the case weight range) come from settings; the others are the store's own
limits (a column's length).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from intapp.config import load_settings
from intapp.services.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy import Table

# Searching: longer text than this is cut, as nobody types more to find a person, and
# every word becomes a condition in the query.
SEARCH_MAX_CHARACTERS = 100
SEARCH_MAX_WORDS = 6


# NUL and the other C0/C1 control characters, plus the bidirectional overrides that can
# make a name display differently from what it holds. PostgreSQL refuses a NUL outright.
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINE_BREAK_OR_TAB = re.compile("[\t\n\r]")
# Any of the above, line breaks included: a quick test before the exact one.
ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def bad_characters(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` cannot be stored as it is (a control character, or a line break in a
    one-line field), or None. The form, the CLI and the import all use this."""
    if match := BAD_CHARACTER.search(text):
        code = ord(match.group())
        what = "a NUL byte" if code == 0 else "a control character"
        return f"contains {what} (U+{code:04X})"
    if not multiline and LINE_BREAK_OR_TAB.search(text.strip()):
        return "must be on one line (it contains a line break or a tab)"
    return None


def column_length(table: Table, name: str) -> int | None:
    """The most characters a text column holds, or None for unbounded text."""
    return getattr(table.c[name].type, "length", None)


def too_long(max_length: int, text: str) -> str:
    """The reason a value is refused for its length."""
    return f"is longer than {max_length} characters ({len(text)})"


def checked_length(
    value: str, max_length: int | None, *, field: str, label: str, multiline: bool = False
) -> str:
    """`value` when it holds no control characters (`bad_characters`) and fits in
    `max_length` characters."""
    if ANY_CONTROL.search(value) and (reason := bad_characters(value, multiline=multiline)):
        raise InvalidInput(f"{label} {reason}", field=field)
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(f"{label} {too_long(max_length, value)}", field=field)
    return value


def birth_date_reason(day: date, *, today: date) -> str | None:
    """Why a date of birth is refused, or None when it is allowed."""
    earliest = load_settings().earliest_birth_date
    if day > today:
        return "Date of birth cannot be in the future"
    if day < earliest:
        return f"Date of birth cannot be before {earliest:%d/%m/%Y}"
    return None


def checked_birth_date(day: date, *, today: date) -> date:
    """A date of birth: not in the future, nor before the earliest one allowed."""
    if reason := birth_date_reason(day, today=today):
        raise InvalidInput(reason, field="date_of_birth")
    return day


def earliest_received(now: datetime) -> datetime:
    """The earliest time a referral's receipt may be typed as (`received_backdate_days`)."""
    return now - timedelta(days=load_settings().received_backdate_days)


def checked_typed_received_at(moment: datetime, *, now: datetime) -> datetime:
    """A received time a person typed: not in the future, nor further back than the
    configured number of days (a referral found in a pile of post, not a history)."""
    if moment > now + timedelta(minutes=5):  # a few minutes of clock drift allowed
        raise InvalidInput("A referral cannot be received in the future", field="received_at")
    earliest = earliest_received(now)
    if moment < earliest:
        days = load_settings().received_backdate_days
        raise InvalidInput(
            f"A referral's received time can be set at most {days} days back "
            f"(not before {earliest:%d/%m/%Y}); older referrals come in through the import",
            field="received_at",
        )
    return moment


def not_in_past(day: date, *, today: date, label: str, field: str) -> date:
    """A date someone is setting for the future (a review, a deadline): today or later."""
    if day < today:
        raise InvalidInput(f"{label} cannot be in the past ({day:%d/%m/%Y})", field=field)
    return day


def weight_range() -> tuple[int, int]:
    """The lowest and highest case weight, in points."""
    settings = load_settings()
    return settings.case_weight_min, settings.case_weight_max


def weight_message() -> str:
    """What a case weight may be."""
    low, high = weight_range()
    return f"Case weight must be a whole number from {low} to {high} points"


def checked_weight(weight: int) -> int:
    """A case weight within the configured range."""
    low, high = weight_range()
    if isinstance(weight, bool) or not isinstance(weight, int) or not low <= weight <= high:
        raise InvalidInput(weight_message(), field="weight")
    return weight


def latest_planned_end(start: date) -> date:
    """The latest a reablement episode starting on `start` may be planned to end."""
    return start + timedelta(days=load_settings().reablement_max_days)


def checked_planned_end(start: date, planned_end: date) -> date:
    """A reablement episode's planned end: no later than the longest episode allowed."""
    latest = latest_planned_end(start)
    if planned_end > latest:
        days = load_settings().reablement_max_days
        raise InvalidInput(
            f"A reablement episode cannot be planned for more than {days} days "
            f"(end by {latest:%d/%m/%Y})",
            field="planned_end",
        )
    return planned_end


def search_text(text: str) -> str:
    """Search input made safe: no control characters, and no longer than anyone types."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text[: SEARCH_MAX_CHARACTERS * 4])
    return " ".join(cleaned.split())[:SEARCH_MAX_CHARACTERS].strip()
