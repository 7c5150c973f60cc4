"""Who closed a case, how a death was learnt, CLD case outcomes, triage closures dated

- `referral.closed_by`: who closed the case (a closure is a decision someone owns).
- `person.death_source`: how the team learnt of a death (`codes.DeathSource`).
- Case outcomes follow the national Client Level Data event outcomes; the codes stored
  before are rewritten to theirs (`codes.EARLIER_CASE_OUTCOMES`).
- Signposted and no-further-action referrals are closed at triage: those stored without
  a close date get their triage time, so a referral soon after is flagged a re-referral.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must keep meaning what it meant when written.
EARLIER = {
    "needs_met": "goals_met",
    "ongoing_long_term_support": "long_term_support",
    "transferred": "other",
    "declined": "nfa_support_declined",
    "moved_away": "nfa_moved_to_another_la",
    "died": "nfa_deceased",
}
BACK = {
    "goals_met": "needs_met",
    "long_term_support": "ongoing_long_term_support",
    "nfa_support_declined": "declined",
    "nfa_moved_to_another_la": "moved_away",
    "nfa_nhs_funded_care": "other",
    "nfa_deceased": "died",
}
TRIAGE_CLOSED = {"signposted": "nfa_signposting", "no_further_action": "nfa_no_services"}

referral = sa.table(
    "referral",
    sa.column("status", sa.String),
    sa.column("closed_at", sa.DateTime),
    sa.column("triaged_at", sa.DateTime),
    sa.column("close_outcome", sa.String),
    sa.column("close_reason", sa.Text),
    sa.column("triage_note", sa.Text),
    sa.column("triaged_by", sa.String),
    sa.column("closed_by", sa.String),
)


def _recode(mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        op.execute(
            referral.update().where(referral.c.close_outcome == old).values(close_outcome=new)
        )


def upgrade() -> None:
    op.add_column("referral", sa.Column("closed_by", sa.String(80), nullable=True))
    op.add_column("person", sa.Column("death_source", sa.String(30), nullable=True))
    _recode(EARLIER)
    for status, outcome in TRIAGE_CLOSED.items():
        op.execute(
            referral.update()
            .where(referral.c.status == status, referral.c.closed_at.is_(None))
            .values(
                closed_at=referral.c.triaged_at,
                close_outcome=outcome,
                close_reason=sa.func.coalesce(referral.c.triage_note, "closed at triage"),
                closed_by=referral.c.triaged_by,
            )
        )


def downgrade() -> None:
    # Triage closures keep their dates: they were true, and the older code ignored them.
    _recode(BACK)
    op.execute(
        referral.update()
        .where(referral.c.close_outcome.in_(list(TRIAGE_CLOSED.values())))
        .values(close_outcome=None)
    )
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy of the table: copying `person`
    # would lose the expression indexes 0008 put on it.
    op.drop_column("person", "death_source")
    op.drop_column("referral", "closed_by")
