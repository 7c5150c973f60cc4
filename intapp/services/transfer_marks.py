"""What a list row shows of a referral's latest transfer between teams.

Plain SQL and no ORM, like the queue that shows it (`services.queue`): the queue is
read before SQLAlchemy has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from intapp.codes import TransferState
from intapp.store.plain_sql import PlainSQL, in_list


@dataclass(frozen=True)
class TransferMark:
    """What a list row shows of a referral's latest transfer."""

    state: str
    from_team: str
    to_team: str
    reason: str
    return_reason: str | None

    @property
    def text(self) -> str:
        """``⇄ from NT01`` while pending, ``↩ returned by NT02`` after a return."""
        if self.state == TransferState.PENDING:
            return f"⇄ from {self.from_team}"
        if self.state == TransferState.RETURNED:
            return f"↩ returned by {self.to_team}"
        return ""


def transfer_marks(db: PlainSQL, referral_ids: list[int]) -> dict[int, TransferMark]:
    """The latest transfer of each of the referrals given, for marking list rows; one
    read, so a page of rows costs one query more, however long the list.

    A return is news only until the team it came back to acts on it: once the referral or
    its allocation changes after the return (triaged, allocated, reallocated, closed,
    sent again), its row is no longer marked. The person's timeline keeps the return."""
    if not referral_ids:
        return {}
    ids, params = in_list("transfer.referral_id", "referral", referral_ids)
    rows = db.run(
        "SELECT transfer.referral_id, transfer.state, sender.code, receiver.code,"
        " transfer.reason, transfer.return_reason"
        " FROM transfer JOIN team AS sender ON sender.id = transfer.from_team_id"
        " JOIN team AS receiver ON receiver.id = transfer.to_team_id"
        f" WHERE 1 = 1{ids} ORDER BY transfer.id",
        params,
    )
    # Oldest first, so each referral's latest transfer is the one kept.
    marks = {row[0]: TransferMark(*row[1:]) for row in rows}
    returned = [i for i, mark in marks.items() if mark.state == TransferState.RETURNED]
    for referral_id in _changed_since_returned(db, returned):
        del marks[referral_id]
    return marks


def _changed_since_returned(db: PlainSQL, referral_ids: list[int]) -> set[int]:
    """Of these returned referrals, those changed since their latest return: an audited
    change of the referral, or of one of its allocations, after the return's own. Audit
    ids only grow, so "after" is a larger id, however fast the changes came."""
    if not referral_ids:
        return set()
    ids, params = in_list("entity_id", "referral", [str(i) for i in referral_ids])
    rows = db.run(
        "SELECT entity_id, MAX(id), MAX(CASE WHEN action = 'return' THEN id END)"
        # A view (triage opened) is no change: `services.views`.
        f" FROM audit_event WHERE entity = 'referral' AND action <> 'view'{ids}"
        " GROUP BY entity_id",
        params,
    )
    returned_at = {int(row[0]): row[2] for row in rows if row[2] is not None}
    changed = {int(row[0]) for row in rows if row[2] is not None and row[1] > row[2]}
    ids, params = in_list("allocation.referral_id", "referral", referral_ids)
    rows = db.run(
        "SELECT allocation.referral_id, MAX(audit_event.id) FROM audit_event"
        " JOIN allocation ON audit_event.entity = 'allocation'"
        " AND audit_event.entity_id = CAST(allocation.id AS VARCHAR(40))"
        f" WHERE audit_event.action <> 'view'{ids} GROUP BY allocation.referral_id",
        params,
    )
    changed |= {row[0] for row in rows if row[0] in returned_at and row[1] > returned_at[row[0]]}
    return changed
