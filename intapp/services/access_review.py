"""A supervisor's access review: break-glass openings and disabled logins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from intapp import clock
from intapp.models import Person
from intapp.models.access import BreakGlass
from intapp.services.staff import StaffView, disabled_staff, require_oversight

REVIEW_LIMIT = 500
"""The most recent openings shown; older ones stay in `intapp audit user`."""


@dataclass(frozen=True)
class BreakGlassUse:
    """One opening of a record outside the opener's teams."""

    id: int
    login: str
    person_id: int
    person: str | None
    """The person's name, or None where the reviewer's own scope hides them."""
    reason: str
    granted_at: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return self.expires_at > now


@dataclass(frozen=True)
class AccessReview:
    """What the review screen shows."""

    uses: list[BreakGlassUse]
    disabled: list[StaffView]
    now: datetime


def access_review(*, session: Session) -> AccessReview:
    """Break-glass uses (newest first) and disabled logins, for supervisors and admins.

    On the team server the reviewer sees the grants and names their own scope allows
    (row-level security); a person outside it is shown by record number only.
    """
    require_oversight(session)
    rows = session.exec(
        select(BreakGlass, Person)
        .join(Person, col(Person.id) == BreakGlass.person_id, isouter=True)
        .order_by(col(BreakGlass.granted_at).desc(), col(BreakGlass.id).desc())
        .limit(REVIEW_LIMIT)
    ).all()
    uses = [
        BreakGlassUse(
            id=g.id or 0,
            login=g.login,
            person_id=g.person_id,
            person=f"{p.given_name} {p.family_name}" if p else None,
            reason=g.reason,
            granted_at=g.granted_at,
            expires_at=g.expires_at,
        )
        for g, p in rows
    ]
    return AccessReview(uses, disabled_staff(session=session), clock.now())
