"""Indexes for the breach forecast: each team's recent triage rate and its open queue

The forecast on the dashboard counts each team's triages over recent weeks and reads the
queue due within the horizon, team by team. With the team (and the referral id) in the
two existing indexes, both are read from the index alone, so the forecast costs the
dashboard a few milliseconds on a city instead of over a hundred. Each index keeps its
leading columns, so every query that used it still does.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (columns before, columns after)
INDEXES = {
    "ix_referral_triaged_at": (["triaged_at"], ["triaged_at", "team_id"]),
    "ix_referral_status_due": (["status", "due_by"], ["status", "due_by", "team_id", "id"]),
}


def upgrade() -> None:
    for name, (_, after) in INDEXES.items():
        op.drop_index(name, table_name="referral")
        op.create_index(name, "referral", after)


def downgrade() -> None:
    for name, (before, _) in INDEXES.items():
        op.drop_index(name, table_name="referral")
        op.create_index(name, "referral", before)
