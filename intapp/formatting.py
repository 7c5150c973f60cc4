"""How dates, times and deadlines are read and shown: UK style, in UK local time."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from intapp.clock import LOCAL_TZ

if TYPE_CHECKING:
    from intapp.services.absences import Away


def local_date(moment: datetime) -> date:
    """The UK date of a moment stored in UTC."""
    return moment.astimezone(LOCAL_TZ).date()


def uk_date(day: date | datetime | None) -> str:
    """``22 Nov 2026``."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(LOCAL_TZ).date()
    return f"{day.day} {day:%b %Y}"


def uk_time(moment: datetime | None) -> str:
    """``14:05`` in UK local time."""
    return "" if moment is None else f"{moment.astimezone(LOCAL_TZ):%H:%M}"


def uk_datetime(moment: datetime | None) -> str:
    """``22 Nov 2026 14:05``."""
    return "" if moment is None else f"{uk_date(moment)} {uk_time(moment)}"


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def due_text(due_by: datetime, now: datetime) -> str:
    """``due in 3h 05m`` or ``overdue by 2d 4h``."""
    seconds = (due_by - now).total_seconds()
    return f"due in {_span(seconds)}" if seconds >= 0 else f"overdue by {_span(-seconds)}"


_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> date | None:
    """A date typed as ``DD/MM/YYYY`` or ``YYYY-MM-DD``, or None when it is neither."""
    text = text.strip()
    try:
        if match := _UK_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def load_bar(load: int, limit: int, width: int = 10) -> str:
    """``██████░░░░ 60/100``: weighted load against limit, full when at or over it."""
    filled = width if limit <= 0 else min(width, round(width * load / limit))
    return f"{'█' * filled}{'░' * (width - filled)} {load}/{limit}"


_UK_DATE_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2}):(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_uk_datetime(text: str, *, today: date) -> datetime | None:
    """A time typed as ``DD/MM/YYYY HH:MM``, or ``HH:MM`` for today, in UK local time;
    None when it is neither, or no such time exists (a date like 31/02, or a time in the
    hour skipped when the clocks go forward: see `clock.from_uk_local`, which also says
    which of the repeated autumn hour is taken). The answer is aware, in UTC."""
    from intapp.clock import from_uk_local

    text = " ".join(text.split())
    try:
        if match := _UK_DATE_TIME.match(text):
            day, month, year, hour, minute = (int(g) for g in match.groups())
            moment = datetime(year, month, day, hour, minute)
        elif match := _TIME.match(text):
            hour, minute = (int(g) for g in match.groups())
            moment = datetime(today.year, today.month, today.day, hour, minute)
        else:
            return None
    except ValueError:
        return None
    return from_uk_local(moment)


def away_text(away: Away | None) -> str:
    """``away until 4 Dec 2026`` or ``away, no return date``; empty when not away."""
    if away is None:
        return ""
    if away.until is None:
        return "away, no return date"
    return f"away until {uk_date(away.until)}"


def action_box(action: dict[str, Any], today: date | None = None) -> str:
    """How a plan action's state shows: done, cancelled or open, and, given `today`, an
    open one past its "by when" says OVERDUE (a normalised action,
    `services.plan_actions.normalised`)."""
    status = str(action.get("status"))
    if status == "done":
        return "☑"
    if status == "cancelled":
        return "✗ cancelled"
    by_when = action.get("by_when")
    if today is not None and by_when is not None and str(by_when) < today.isoformat():
        return "☐ [b red]OVERDUE[/]"
    return "☐"


def deceased_marked(name: str, date_of_death: object) -> str:
    """`name`, with "(deceased)" after it when the person has died (any date of death)."""
    return f"{name} (deceased)" if date_of_death is not None else name


# Characters that would change Markdown's meaning: emphasis, code, links, raw HTML and a
# table's pipes. Hyphens and brackets mid-name are left alone.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def markdown_escaped(value: str) -> str:
    """`value` on one line, shown as typed in Markdown: never emphasis, a link, a tag or a
    table cell's end."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))
