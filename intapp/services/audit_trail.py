"""Who has looked at or changed a person's record, and what a member of staff did:
the answers to a subject access request and a Caldicott review.

A person's trail is every audit event that concerns them: events naming them
(`audit_event.person_id`), events on their own record, and pages of a list that showed
them (a view event keeps the ids of the people on its page). A break-glass opening is an
event too, written by the server's `intapp_break_glass` with the grant itself. Asking is
itself recorded, as a view event, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, text, true
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import Role, require_for
from intapp.codes import code_label
from intapp.models import AuditEvent, Person
from intapp.models.access import StaffLogin, StaffTeam
from intapp.models.organisation import Team
from intapp.services import audit
from intapp.services.errors import DomainError, InvalidInput
from intapp.services.people import person_by_identifier

AUDIT_TRAIL = "audit trail"
"""What an audit query's own view event says was shown."""


class OutsideScope(DomainError):
    """A supervisor asked about someone outside their locality."""


@dataclass(frozen=True)
class TrailEntry:
    """One thing done or seen, in words."""

    at: datetime
    user: str
    action: str
    what: str
    person_id: int | None = None
    person: str | None = None
    """Whose record, as "name (NHS number)", in a user's trail."""


@dataclass(frozen=True)
class PersonTrail:
    person_id: int
    name: str
    nhs_number: str | None
    since: date | None
    entries: list[TrailEntry]


@dataclass(frozen=True)
class UserTrail:
    login: str
    since: date | None
    entries: list[TrailEntry]


def _since_clause(since: date | None) -> Any:
    """From the start of `since` (UK time), or all time."""
    return true() if since is None else col(AuditEvent.at) >= clock.start_of_day(since)


def _page_showed(session: Session, person_ids: list[int]) -> Any:
    """A view event of a list page whose people include one of `person_ids`."""
    listed: Any
    if session.get_bind().dialect.name == "postgresql":
        listed = or_(
            *(
                text(
                    f"(CAST(audit_event.changes AS jsonb) -> 'people') @> CAST(:p{n} AS jsonb)"
                ).bindparams(**{f"p{n}": f"[{int(p)}]"})
                for n, p in enumerate(person_ids)
            )
        )
    else:
        listed = text(
            "EXISTS (SELECT 1 FROM json_each(audit_event.changes, '$.people') "
            "WHERE json_each.value IN :ids)"
        ).bindparams(bindparam("ids", person_ids, expanding=True))
    return and_(col(AuditEvent.action) == "view", col(AuditEvent.person_id).is_(None), listed)


def _scope(session: Session) -> frozenset[int] | None:
    """The teams a supervisor's questions are kept to; None for city-wide (admins)."""
    who = require_for(session, "audit_query")
    return frozenset(who.team_ids) if who.role is Role.SUPERVISOR else None


def _in_scope(session: Session, person: Person, team_ids: frozenset[int] | None) -> None:
    if team_ids is not None and person.team_id not in team_ids:
        raise OutsideScope(
            "That person's team is outside your locality: ask a supervisor there, "
            "or an administrator"
        )


def person_trail(
    *,
    session: Session,
    user: str,
    identifier: str,
    since: date | None = None,
) -> PersonTrail:
    """Everything that concerns the person with this NHS number or local id, oldest
    first; a supervisor may ask only about people in their locality."""
    team_ids = _scope(session)
    person = person_by_identifier(session=session, identifier=identifier, field="nhs_number")
    _in_scope(session, person, team_ids)
    assert person.id is not None
    # Records merged into this one are the same person's.
    merged = session.exec(select(Person.id).where(col(Person.merged_into_id) == person.id))
    ids = [person.id, *(i for i in merged if i is not None)]
    about = or_(
        col(AuditEvent.person_id).in_(ids),
        and_(col(AuditEvent.entity) == "person", col(AuditEvent.entity_id).in_(map(str, ids))),
        _page_showed(session, ids),
    )
    events = session.exec(
        select(AuditEvent).where(about, _since_clause(since)).order_by(col(AuditEvent.id))
    )
    entries = [_entry(e) for e in events]
    audit.record(
        session=session,
        user=user,
        entity="person",
        entity_id=person.id,
        action="view",
        changes=_asked(since, len(entries)),
        person_id=person.id,
    )
    return PersonTrail(
        person.id,
        f"{person.given_name} {person.family_name}",
        person.nhs_number,
        since,
        entries,
    )


def user_trail(
    *,
    session: Session,
    user: str,
    login: str,
    since: date | None = None,
) -> UserTrail:
    """Everything `login` did or looked at, oldest first; a supervisor may ask only
    about logins working in their locality."""
    team_ids = _scope(session)
    login = login.strip()
    if not login:
        raise InvalidInput("Say whose trail: a login", field="login")
    if team_ids is not None:
        _login_in_scope(session, login, team_ids)
    events = session.exec(
        select(AuditEvent, Person)
        .join(Person, col(Person.id) == AuditEvent.person_id, isouter=True)
        .where(col(AuditEvent.user) == login, _since_clause(since))
        .order_by(col(AuditEvent.id))
    ).all()
    entries = [_entry(e, p) for e, p in events]
    audit.record(
        session=session,
        user=user,
        entity="staff_login",
        entity_id=login,
        action="view",
        changes=_asked(since, len(entries)),
    )
    return UserTrail(login, since, entries)


def _login_in_scope(session: Session, login: str, team_ids: frozenset[int]) -> None:
    staff = session.get(StaffLogin, login)
    teams = set(session.exec(select(StaffTeam.team_id).where(col(StaffTeam.login) == login)))
    if staff is not None and staff.locality_id is not None:
        local = session.exec(select(Team.id).where(col(Team.locality_id) == staff.locality_id))
        teams |= {t for t in local if t is not None}
    if staff is None or not teams or not teams <= team_ids:
        raise OutsideScope(
            f"{login!r} does not work in your locality: ask a supervisor there, or an administrator"
        )


def _asked(since: date | None, count: int) -> dict[str, Any]:
    return {"shown": AUDIT_TRAIL, "since": since.isoformat() if since else None, "events": count}


def _label(person: Person | None) -> str | None:
    if person is None:
        return None
    number = f" ({person.nhs_number})" if person.nhs_number else ""
    return f"{person.given_name} {person.family_name}{number}"


def _entry(event: AuditEvent, person: Person | None = None) -> TrailEntry:
    return TrailEntry(
        at=event.at,
        user=event.user,
        action=event.action,
        what=describe(event.entity, event.entity_id, event.action, event.changes),
        person_id=event.person_id,
        person=_label(person),
    )


def _until(text: object) -> str:
    """A grant's expiry, as the server wrote it into the event, in UK time."""
    from intapp.formatting import uk_datetime

    try:
        return uk_datetime(datetime.fromisoformat(str(text)))
    except ValueError:
        return str(text)


def describe(entity: str, entity_id: str, action: str, changes: dict[str, Any]) -> str:
    """An event in words: what was seen or done, naming the fields changed, not values."""
    kind = code_label(entity, capitalised=False)
    if action == "break_glass":
        return (
            f"opened the record outside their teams (break-glass) until "
            f"{_until(changes.get('expires_at'))}: {changes.get('reason', '')}"
        )
    if action == "view":
        if changes.get("shown") == AUDIT_TRAIL:
            return f"looked at the audit trail of {kind} {entity_id}"
        if "people" in changes:
            return f"saw a list: {kind}, page {changes.get('page', 1)}"
        if "query" in changes:
            return f"searched ({changes.get('matched', 0)} matched)"
        if entity == "person":
            entry = changes.get("timeline_entry")
            return (
                f"opened the record ({code_label(entry, capitalised=False)})"
                if entry
                else "opened the record"
            )
        return f"looked at {kind} {entity_id}"
    fields = [k for k in changes if k not in ("id", "version")]
    shown = f": {', '.join(code_label(f, capitalised=False) for f in fields)}" if fields else ""
    if action == "export":
        return f"exported {kind} {entity_id}"
    return f"{code_label(action, capitalised=False)} {kind} {entity_id}{shown}"


__all__ = [
    "OutsideScope",
    "PersonTrail",
    "TrailEntry",
    "UserTrail",
    "describe",
    "person_trail",
    "user_trail",
]
