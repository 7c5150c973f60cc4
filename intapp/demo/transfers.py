"""A few referrals in the demo city on their way between teams, so each team's queue
shows what a transfer in looks like."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Table, select, update

from intapp import clock
from intapp.codes import ReferralStatus, TransferState

# About one referral awaiting triage in this many is sent on to another team.
ONE_IN = 12
REASONS = (
    "Person has moved to this team's area",
    "GP practice is in this team's neighbourhood",
    "Lives with family here now, after discharge",
)


def send_some_on(
    connection: Connection,
    rng: random.Random,
    *,
    referral: Table,
    transfer: Table,
    teams: list[dict[str, Any]],
) -> int:
    """Mark some referrals awaiting triage as transfers in from a neighbouring team;
    how many."""
    waiting = connection.execute(
        select(referral.c.id, referral.c.team_id, referral.c.received_at)
        .where(referral.c.status == ReferralStatus.RECEIVED.value)
        .order_by(referral.c.id)
    ).all()
    chosen = [row for row in waiting if rng.randrange(ONE_IN) == 0]
    now = clock.now()
    rows = []
    for referral_id, team_id, received_at in chosen:
        to_team = rng.choice([t["id"] for t in teams if t["id"] != team_id])
        sent_at = max(received_at, now - timedelta(hours=rng.randint(1, 48)))
        rows.append(
            {
                "referral_id": referral_id,
                "from_team_id": team_id,
                "to_team_id": to_team,
                "from_status": ReferralStatus.RECEIVED.value,
                "reason": rng.choice(REASONS),
                "sent_by": "demo",
                "sent_at": sent_at,
                "state": TransferState.PENDING.value,
                "version": 1,
            }
        )
        connection.execute(
            update(referral)
            .where(referral.c.id == referral_id)
            .values(status=ReferralStatus.TRANSFER.value, team_id=to_team)
        )
    if rows:
        connection.execute(transfer.insert(), rows)
    return len(rows)
