"""Weighted loads read the partial covering index, not the row for every open case.

SQLite preferred `ix_allocation_worker_open` (worker_id, ended_at) for "open cases of a
worker", then read each allocation row for its weight: about 60 ms for the city's
workers-over-limit count. `ix_allocation_open_load` (worker_id, weight, open rows only)
answers every such query by itself, so the older index goes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_allocation_worker_open", table_name="allocation")


def downgrade() -> None:
    op.create_index("ix_allocation_worker_open", "allocation", ["worker_id", "ended_at"])
