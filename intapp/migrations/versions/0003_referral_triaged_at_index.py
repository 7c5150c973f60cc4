"""index referral.triaged_at for the weekly summary

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:32:00.000000

The weekly summary counts referrals triaged in a week and those still untriaged at its
end; both are ranges on `triaged_at`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_referral_triaged_at", "referral", ["triaged_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_referral_triaged_at", table_name="referral")
