"""Plan actions as rows: each plan's current actions, with the worker they are assigned to

Actions live in each plan version's JSON; a worker's tray needs "my open actions, soonest
first" without reading every plan. `plan_action` holds the current version's actions,
rebuilt whenever a version is written (`services.plan_actions.save_version`), and is
filled here from each plan's current version: an action whose "who" is the name of
exactly one worker of the person's team is assigned to that worker, any other is a
named service. Versions themselves are never rewritten.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("by_when", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["care_plan.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "position", name="uq_plan_action_position"),
    )
    op.create_index("ix_plan_action_worker_open", "plan_action", ["worker_id", "status", "by_when"])
    from intapp.services.plan_actions import back_fill

    back_fill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_plan_action_worker_open", table_name="plan_action")
    op.drop_table("plan_action")
