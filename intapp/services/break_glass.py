"""Break-glass: opening a record outside one's teams, with a reason, for a limited time.

On the team server row-level security hides people outside the login's scope. The
SECURITY DEFINER function `intapp_break_glass(identifier, reason)` finds the person by
NHS number or local id, records a grant for the signed-in login lasting the policy's
hours (`access_policy.break_glass_hours`), and from then until it expires the person is
visible to that login. Every grant is listed for supervisors (`access_review`). A SQLite
store is single-user, so there is no break-glass there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from intapp.access import require_for
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.staff import require_team_server

SHORTEST_REASON = 10
"""A reason a reviewer can judge: "A&E called" is not one; "A&E called out of hours about
a fall" is."""
LONGEST_REASON = 1000
"""The server refuses more (`intapp_break_glass`): a reason, not a case note."""


@dataclass(frozen=True)
class Grant:
    """An opened record: whose, and until when."""

    person_id: int
    expires_at: datetime


def looks_like_identifier(text_typed: str) -> bool:
    """Whether a search could be an exact NHS number or local id (one word with a
    digit in it), so that finding nobody may mean the person is outside one's teams."""
    words = text_typed.split()
    digits = "".join(words)
    if digits.isdigit() and len(digits) == 10:
        return True
    return len(words) == 1 and any(c.isdigit() for c in words[0])


def break_glass(*, session: Session, identifier: str, reason: str) -> Grant:
    """Open the record of the person with this NHS number or local id, outside the
    login's scope, for the reason given; audited by the server in the same transaction."""
    require_team_server(session)
    require_for(session, "break_glass")
    reason = " ".join(reason.split())
    if len(reason) < SHORTEST_REASON:
        raise InvalidInput(
            "Say why you need this record (at least "
            f"{SHORTEST_REASON} characters): supervisors review every use",
            field="reason",
        )
    if len(reason) > LONGEST_REASON:
        raise InvalidInput(
            f"Keep the reason to {LONGEST_REASON:,} characters (it has {len(reason):,}): "
            "write the detail in a case note once the record is open",
            field="reason",
        )
    identifier = identifier.strip()
    digits = identifier.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == 10:
        identifier = digits
    row = session.execute(
        text("SELECT person_id, expires_at FROM intapp_break_glass(:identifier, :reason)"),
        {"identifier": identifier, "reason": reason},
    ).first()
    if row is None:
        raise NotFound(f"Nobody on this server has the NHS number or local id {identifier!r}")
    person_id, expires_at = row
    return Grant(int(person_id), expires_at)


def open_until(*, session: Session, person_id: int) -> datetime | None:
    """Until when the signed-in login's break-glass access to this person lasts, if
    it has one that is live (team server only; None on a SQLite store)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    until = session.execute(
        text(
            "SELECT max(expires_at) FROM break_glass WHERE login = session_user "
            "AND person_id = :person AND expires_at > now()"
        ),
        {"person": person_id},
    ).scalar()
    return until if isinstance(until, datetime) else None
