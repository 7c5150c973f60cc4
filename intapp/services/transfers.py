"""Transferring a referral or a case to another team: send, accept, return.

While a transfer is pending the referral sits in the receiving team's queue (status
`transfer`), keeping its received time, deadline and history, and any allocation stays
with the sending worker: the case is always someone's. Accepting ends that allocation
and puts the referral where it belongs in the new team (awaiting triage if it had not
been triaged, else awaiting allocation); returning puts it back exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import ReferralStatus, TransferState
from intapp.models import Allocation, Person, Referral, Team, Transfer
from intapp.services import audit
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.referrals import load_referral

# What can be sent: a referral awaiting triage or a worker, or an allocated case.
SENDABLE = (ReferralStatus.RECEIVED, ReferralStatus.TRIAGED, ReferralStatus.ALLOCATED)


@dataclass(frozen=True)
class TransferSummary:
    """One transfer of a referral between teams."""

    id: int
    referral_id: int
    reference: str
    from_team: str
    to_team: str
    from_status: str
    reason: str
    sent_by: str
    sent_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    return_reason: str | None
    referral_status: str
    """The referral's status after this step (`triaged` after accepting a case, say)."""
    referral_version: int


def _team_code(session: Session, team_id: int) -> str:
    team = session.get(Team, team_id)
    return team.code if team is not None else str(team_id)


def _summarise(session: Session, transfer: Transfer, referral: Referral) -> TransferSummary:
    assert transfer.id is not None
    return TransferSummary(
        id=transfer.id,
        referral_id=transfer.referral_id,
        reference=referral.reference,
        from_team=_team_code(session, transfer.from_team_id),
        to_team=_team_code(session, transfer.to_team_id),
        from_status=transfer.from_status,
        reason=transfer.reason,
        sent_by=transfer.sent_by,
        sent_at=transfer.sent_at,
        state=transfer.state,
        decided_by=transfer.decided_by,
        decided_at=transfer.decided_at,
        return_reason=transfer.return_reason,
        referral_status=referral.status,
        referral_version=referral.version,
    )


def _pending(session: Session, referral_id: int) -> Transfer | None:
    return session.exec(
        select(Transfer).where(
            Transfer.referral_id == referral_id, Transfer.state == TransferState.PENDING
        )
    ).first()


def referral_by_reference(*, session: Session, reference: str) -> int:
    """The id of the referral with `reference`, or `NotFound`."""
    found = session.exec(
        select(Referral.id).where(Referral.reference == reference.strip().upper())
    ).first()
    if found is None:
        raise NotFound(f"There is no referral with reference {reference.strip()!r}")
    return found


def send_transfer(
    *,
    session: Session,
    user: str,
    referral_id: int,
    to_team_id: int,
    reason: str,
    expected_version: int,
) -> TransferSummary:
    """Send a referral or case to another team's queue; nothing ends until it is accepted."""
    require_for(session, "transfer")
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    if referral.status == ReferralStatus.TRANSFER:
        pending = _pending(session, referral_id)
        to_team = _team_code(session, pending.to_team_id) if pending else "another team"
        raise InvalidInput(
            f"Referral {referral.reference} is already being transferred to {to_team}; "
            "wait until that team accepts or returns it",
            field="status",
        )
    if referral.status not in SENDABLE:
        status = ReferralStatus(referral.status).label.lower()
        raise InvalidInput(
            f"Referral {referral.reference} is {status}; only an open referral or case "
            "can be transferred",
            field="status",
        )
    if session.get(Team, to_team_id) is None:
        raise NotFound(f"There is no team with id {to_team_id}")
    if to_team_id == referral.team_id:
        raise InvalidInput("The referral is already with that team; choose another", field="team")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the referral is being transferred", field="reason")
    transfer = Transfer(
        referral_id=referral_id,
        from_team_id=referral.team_id,
        to_team_id=to_team_id,
        from_status=referral.status,
        reason=reason,
        sent_by=user,
        sent_at=clock.now(),
        state=TransferState.PENDING,
    )
    audit.save_create(session=session, user=user, row=transfer)
    before = audit.snapshot(referral)
    referral.team_id = to_team_id
    referral.status = ReferralStatus.TRANSFER
    audit.save_update(session=session, user=user, row=referral, before=before, action="transfer")
    return _summarise(session, transfer, referral)


def _pending_for_decision(session: Session, referral: Referral) -> Transfer:
    transfer = _pending(session, referral.id)  # type: ignore[arg-type]
    if referral.status != ReferralStatus.TRANSFER or transfer is None:
        raise InvalidInput(
            f"Referral {referral.reference} has no transfer waiting to be accepted or returned",
            field="status",
        )
    return transfer


def accept_transfer(
    *, session: Session, user: str, referral_id: int, expected_version: int
) -> TransferSummary:
    """Take a transferred referral into the receiving team.

    The sending worker's allocation ends now, not before. A referral not yet triaged
    waits for triage in the new team; a triaged one (or a case) waits for a worker there,
    its pathway kept.
    """
    require_for(session, "transfer")
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    transfer = _pending_for_decision(session, referral)
    to_team = _team_code(session, transfer.to_team_id)
    now = clock.now()
    allocation = session.exec(
        select(Allocation).where(
            Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None)
        )
    ).first()
    if allocation is not None:
        before = audit.snapshot(allocation)
        allocation.ended_at = now
        allocation.end_reason = f"transferred to {to_team}"
        audit.save_update(session=session, user=user, row=allocation, before=before, action="end")
    before = audit.snapshot(transfer)
    transfer.state = TransferState.ACCEPTED
    transfer.decided_by = user
    transfer.decided_at = now
    audit.save_update(session=session, user=user, row=transfer, before=before, action="accept")
    before = audit.snapshot(referral)
    referral.status = (
        ReferralStatus.RECEIVED
        if transfer.from_status == ReferralStatus.RECEIVED
        else ReferralStatus.TRIAGED
    )
    audit.save_update(session=session, user=user, row=referral, before=before, action="accept")
    _move_person(session, user, referral, transfer.from_team_id)
    return _summarise(session, transfer, referral)


def _move_person(session: Session, user: str, referral: Referral, from_team_id: int) -> None:
    """The person follows the case to the new team, unless another of their open
    referrals still holds them in the old one."""
    person = session.get(Person, referral.person_id)
    if person is None or person.team_id != from_team_id:
        return
    still_open = session.exec(
        select(Referral.id).where(
            Referral.person_id == referral.person_id,
            Referral.id != referral.id,
            Referral.team_id == from_team_id,
            col(Referral.status).in_(SENDABLE),
        )
    ).first()
    if still_open is not None:
        return
    before = audit.snapshot(person)
    person.team_id = referral.team_id
    audit.save_update(session=session, user=user, row=person, before=before, action="transfer")


def return_transfer(
    *, session: Session, user: str, referral_id: int, reason: str, expected_version: int
) -> TransferSummary:
    """Send a transferred referral back to the team that sent it, as it was, with why."""
    require_for(session, "transfer")
    referral = load_referral(session=session, referral_id=referral_id)
    check_version("referral", referral.version, expected_version)
    transfer = _pending_for_decision(session, referral)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the referral is being returned", field="reason")
    before = audit.snapshot(transfer)
    transfer.state = TransferState.RETURNED
    transfer.decided_by = user
    transfer.decided_at = clock.now()
    transfer.return_reason = reason
    audit.save_update(session=session, user=user, row=transfer, before=before, action="return")
    before = audit.snapshot(referral)
    referral.team_id = transfer.from_team_id
    referral.status = transfer.from_status
    audit.save_update(session=session, user=user, row=referral, before=before, action="return")
    return _summarise(session, transfer, referral)


def cancel_transfer(*, session: Session, user: str, referral: Referral, reason: str) -> None:
    """Call back a transfer still waiting (say, the person has died): the referral returns
    to the team that sent it, as it was, so it can be closed there."""
    transfer = _pending_for_decision(session, referral)
    before = audit.snapshot(transfer)
    transfer.state = TransferState.CANCELLED
    transfer.decided_by = user
    transfer.decided_at = clock.now()
    transfer.return_reason = reason
    audit.save_update(session=session, user=user, row=transfer, before=before, action="cancel")
    before = audit.snapshot(referral)
    referral.team_id = transfer.from_team_id
    referral.status = transfer.from_status
    audit.save_update(session=session, user=user, row=referral, before=before, action="cancel")


def transfer_history(*, session: Session, referral_id: int) -> list[TransferSummary]:
    """Every transfer of a referral, oldest first."""
    referral = load_referral(session=session, referral_id=referral_id)
    rows = session.exec(
        select(Transfer).where(Transfer.referral_id == referral_id).order_by(col(Transfer.id))
    ).all()
    return [_summarise(session, t, referral) for t in rows]


@dataclass(frozen=True)
class TransferIn:
    """What the receiving coordinator sees before accepting or returning a transfer."""

    transfer: TransferSummary
    person_name: str
    referral_reason: str
    pathway: str | None
    worker_name: str | None
    """Who holds the case in the sending team until it is accepted."""
    version: int


def open_transfer(*, session: Session, referral_id: int) -> TransferIn:
    """The pending transfer of a referral, for the accept-or-return dialog."""
    from intapp.models import Worker

    referral = load_referral(session=session, referral_id=referral_id)
    transfer = _pending_for_decision(session, referral)
    person = session.get(Person, referral.person_id)
    worker = session.exec(
        select(Worker)
        .join(Allocation, col(Allocation.worker_id) == Worker.id)
        .where(Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None))
    ).first()
    return TransferIn(
        transfer=_summarise(session, transfer, referral),
        person_name=person.display_name if person else "",
        referral_reason=referral.reason,
        pathway=referral.pathway,
        worker_name=worker.display_name if worker else None,
        version=referral.version,
    )
