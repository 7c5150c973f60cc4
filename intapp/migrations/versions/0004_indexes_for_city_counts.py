"""Indexes for the city-wide dashboard counts.

The queue index leads with the team, so counts that name no team scanned all of it;
weighted loads and plan reviews read only open rows, so their indexes are partial.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_referral_status_due", "referral", ["status", "due_by"])
    op.create_index(
        "ix_allocation_open_load",
        "allocation",
        ["worker_id", "weight"],
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_index(
        "ix_care_plan_open_review",
        "care_plan",
        ["review_date"],
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_care_plan_open_review", table_name="care_plan")
    op.drop_index("ix_allocation_open_load", table_name="allocation")
    op.drop_index("ix_referral_status_due", table_name="referral")
