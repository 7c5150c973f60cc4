"""Receiving, triaging and closing referrals, and the triage queue."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import (
    CaseOutcome,
    Pathway,
    Priority,
    ReferralSource,
    ReferralStatus,
    RouteOfAccess,
    code_label,
)
from intapp.config import Settings, load_settings
from intapp.models import Person, Referral, Team
from intapp.services import audit, bounds
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.people import (
    PersonIn,
    match_or_create_person,
    refuse_if_deceased,
    survivor_of,
)

# Pathways that hand the person on rather than opening a case in the team.
SIGNPOST_PATHWAYS = frozenset(
    {Pathway.INFORMATION_ADVICE, Pathway.COMMUNITY_LINKS, Pathway.EARLY_HELP}
)

# Until triage sets a priority, a referral's deadline follows its source.
PROVISIONAL_PRIORITY_BY_SOURCE = {
    ReferralSource.HOSPITAL_DISCHARGE: Priority.DISCHARGE_OR_FALLS,
    ReferralSource.A_AND_E: Priority.DISCHARGE_OR_FALLS,
    ReferralSource.AMBULANCE: Priority.DISCHARGE_OR_FALLS,
    ReferralSource.COMMUNITY_ALARM: Priority.DISCHARGE_OR_FALLS,
}

OPEN_STATUSES = (ReferralStatus.TRIAGED, ReferralStatus.ALLOCATED)


@dataclass(frozen=True)
class ReferralSummary:
    """A referral as the screens and the CLI show it."""

    id: int
    reference: str
    person_id: int
    team_id: int
    received_at: datetime
    source: str
    route_of_access: str
    reason: str
    priority: str
    due_by: datetime
    status: str
    pathway: str | None
    is_rereferral: bool
    triaged_at: datetime | None
    triaged_by: str | None
    closed_at: datetime | None
    version: int
    close_outcome: str | None = None
    close_reason: str | None = None
    closed_by: str | None = None

    @property
    def is_open(self) -> bool:
        """Not closed, signposted or taken no further."""
        return self.closed_at is None

    def is_overdue(self, now: datetime) -> bool:
        return self.status == ReferralStatus.RECEIVED and self.due_by < now


def summarise(referral: Referral) -> ReferralSummary:
    """The plain result object for a Referral row."""
    assert referral.id is not None
    return ReferralSummary(
        id=referral.id,
        reference=referral.reference,
        person_id=referral.person_id,
        team_id=referral.team_id,
        received_at=referral.received_at,
        source=referral.source,
        route_of_access=referral.route_of_access,
        reason=referral.reason,
        priority=referral.priority,
        due_by=referral.due_by,
        status=referral.status,
        pathway=referral.pathway,
        is_rereferral=referral.is_rereferral,
        triaged_at=referral.triaged_at,
        triaged_by=referral.triaged_by,
        closed_at=referral.closed_at,
        version=referral.version,
        close_outcome=referral.close_outcome,
        close_reason=referral.close_reason,
        closed_by=referral.closed_by,
    )


def response_due_by(
    *, priority: str, received_at: datetime, settings: Settings | None = None
) -> datetime:
    """When a response is due: the priority's target counted from receipt (or the notice)."""
    targets = (settings or load_settings()).response_targets_hours
    if priority not in targets:
        raise InvalidInput(f"Priority must be one of: {', '.join(targets)}", field="priority")
    return received_at + timedelta(hours=targets[priority])


def choice(value: str, allowed: type[StrEnum], field: str) -> str:
    """`value` when it is one of the code list's values; else `InvalidInput` listing them."""
    if value not in set(allowed):
        raise InvalidInput(
            f"{field.replace('_', ' ').capitalize()} must be one of: {', '.join(allowed)}",
            field=field,
        )
    return value


def load_referral(*, session: Session, referral_id: int) -> Referral:
    """The Referral row, or `NotFound`."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"There is no referral with id {referral_id}")
    return referral


def referral_by_reference(*, session: Session, reference: str) -> Referral:
    """The Referral with this reference, as printed, or `NotFound`."""
    found = session.exec(select(Referral).where(Referral.reference == reference.strip())).first()
    if found is None:
        raise NotFound(f"There is no referral {reference.strip()!r}")
    return found


def closed_recently(
    last_closed: datetime | None, received_at: datetime, settings: Settings | None = None
) -> bool:
    """True when a case that closed at `last_closed` makes a referral at `received_at` a
    re-referral: within the window (`rereferral_window_days`) before it."""
    window = timedelta(days=(settings or load_settings()).rereferral_window_days)
    return last_closed is not None and received_at - last_closed <= window


def is_rereferral(
    *, session: Session, person_id: int, received_at: datetime, settings: Settings | None = None
) -> bool:
    """True when the person's last case closed within `rereferral_window_days` of `received_at`.

    A case closed by a death does not count: a referral after it can only follow a death
    withdrawn as recorded in error, and is not a return to the service."""
    last_closed = session.exec(
        select(func.max(Referral.closed_at)).where(
            Referral.person_id == person_id,
            col(Referral.closed_at) <= received_at,
            or_(
                col(Referral.close_outcome).is_(None),
                col(Referral.close_outcome) != CaseOutcome.NFA_DECEASED,
            ),
        )
    ).one()
    return closed_recently(last_closed, received_at, settings)


def checked_received_at(received_at: datetime) -> datetime:
    """A time of receipt, which cannot be in the future (five minutes' clock drift allowed)."""
    if received_at > clock.now() + timedelta(minutes=5):
        raise InvalidInput("A referral cannot be received in the future", field="received_at")
    return received_at


def checked_reason(reason: str) -> str:
    """Why the person was referred, trimmed; refused when blank."""
    if not reason.strip():
        raise InvalidInput("Say why the person was referred", field="reason")
    return reason.strip()


def provisional_priority(source: str) -> str:
    """The priority a referral from `source` has until triage sets one."""
    return PROVISIONAL_PRIORITY_BY_SOURCE.get(ReferralSource(source), Priority.ROUTINE)


def _new_reference(session: Session, received_at: datetime) -> str:
    """A fresh reference like ``R261123-3FA29C1B``, checked against those in use."""
    while True:
        reference = f"R{received_at:%y%m%d}-{secrets.token_hex(4).upper()}"
        if session.exec(select(Referral.id).where(Referral.reference == reference)).first() is None:
            return reference


def receive_referral(
    *,
    session: Session,
    user: str,
    person: PersonIn | int,
    source: str,
    reason: str,
    received_at: datetime | None = None,
    route_of_access: str = RouteOfAccess.COMMUNITY_OTHER,
    priority: str | None = None,
    team_id: int | None = None,
    reference: str | None = None,
    typed: bool = False,
) -> ReferralSummary:
    """Log a referral at the single point of entry, linked to the existing person if known.

    `received_at` defaults to now; deadlines count from it. When `typed` (the app's
    form), it may also be no further back than `received_backdate_days`.
    """
    require_for(session, "receive_referral")
    choice(source, ReferralSource, "source")
    choice(route_of_access, RouteOfAccess, "route_of_access")
    reason = checked_reason(reason)
    if typed and received_at is not None:
        received_at = bounds.checked_typed_received_at(received_at, now=clock.now())
    received_at = checked_received_at(received_at or clock.now())
    if isinstance(person, PersonIn):
        person_row, _ = match_or_create_person(session=session, user=user, person_in=person)
    else:
        found = session.get(Person, person)
        if found is None:
            raise NotFound(f"There is no person with id {person}")
        person_row = survivor_of(session=session, person=found)  # never onto a merged record
    refuse_if_deceased(person_row, "referred")
    assert person_row.id is not None
    team_id = team_id or person_row.team_id
    if session.get(Team, team_id) is None:
        raise InvalidInput(f"There is no team with id {team_id}", field="team")
    priority = priority or provisional_priority(source)
    referral = Referral(
        reference=reference or _new_reference(session, received_at),
        person_id=person_row.id,
        team_id=team_id,
        received_at=received_at,
        source=source,
        route_of_access=route_of_access,
        reason=reason,
        priority=priority,
        due_by=response_due_by(priority=priority, received_at=received_at),
        is_rereferral=is_rereferral(
            session=session, person_id=person_row.id, received_at=received_at
        ),
    )
    audit.save_create(session=session, user=user, row=referral)
    return summarise(referral)


def triage_referral(
    *,
    session: Session,
    user: str,
    referral_id: int,
    priority: str,
    pathway: str,
    note: str = "",
    clock_starts_at: datetime | None = None,
    expected_version: int,
) -> ReferralSummary:
    """Set priority, deadline and pathway. `clock_starts_at` is the "medically optimised" notice."""
    require_for(session, "triage")
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    if referral.status == ReferralStatus.TRANSFER:
        raise InvalidInput(
            f"Referral {referral.reference} is on its way to another team: it is waiting "
            "for that team to accept or return it",
            field="status",
        )
    if referral.status not in (ReferralStatus.RECEIVED, ReferralStatus.TRIAGED):
        status = ReferralStatus(referral.status).label.lower()
        raise InvalidInput(
            f"Referral {referral.reference} is already {status}; "
            "only new or triaged referrals can be triaged",
            field="status",
        )
    choice(pathway, Pathway, "pathway")
    due_by = response_due_by(priority=priority, received_at=clock_starts_at or referral.received_at)
    before = audit.snapshot(referral)
    referral.priority = priority
    referral.due_by = due_by
    referral.pathway = pathway
    referral.triage_note = note.strip() or None
    referral.triaged_by = user
    referral.triaged_at = clock.now()
    outcome = triage_outcome(pathway)
    if outcome is None:
        referral.status = ReferralStatus.TRIAGED
    else:
        # Triage ends it here: closed now, so a referral soon after counts as a re-referral.
        referral.status = (
            ReferralStatus.NO_FURTHER_ACTION
            if pathway == Pathway.NO_FURTHER_ACTION
            else ReferralStatus.SIGNPOSTED
        )
        referral.closed_at = referral.triaged_at
        referral.close_outcome = outcome
        referral.close_reason = referral.triage_note or code_label(pathway)
        referral.closed_by = user
    audit.save_update(session=session, user=user, row=referral, before=before, action="triage")
    return summarise(referral)


def triage_outcome(pathway: str) -> str | None:
    """The outcome a referral closes with when triage ends it (signposting or no further
    action), or None when the pathway opens a case."""
    if pathway == Pathway.NO_FURTHER_ACTION:
        return CaseOutcome.NFA_NO_SERVICES
    if pathway in SIGNPOST_PATHWAYS:
        return CaseOutcome.NFA_SIGNPOSTING
    return None


def person_referrals(*, session: Session, person_id: int) -> list[ReferralSummary]:
    """A person's referrals, newest first."""
    rows = session.exec(
        select(Referral)
        .where(Referral.person_id == person_id)
        .order_by(col(Referral.received_at).desc())
    ).all()
    return [summarise(r) for r in rows]
