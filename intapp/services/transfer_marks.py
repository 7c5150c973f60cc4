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
    read, so a page of rows costs one query more, however long the list."""
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
    return {row[0]: TransferMark(*row[1:]) for row in rows}
