"""Transfers between teams, workers' absences, leavers and cover allocations

A referral or case can be sent to another team and stays pending until that team
accepts or returns it (one pending transfer per referral). Workers' absences are kept
so suggestions can put those away last; a leaver keeps the day they left; an
allocation made to cover an absent worker names that worker, so the cases can go back.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from intapp.models.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("from_team_id", sa.Integer(), nullable=False),
        sa.Column("to_team_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.String(length=80), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"]),
        sa.ForeignKeyConstraint(["from_team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["to_team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transfer_referral_id", "transfer", ["referral_id"])
    op.create_index(
        "uq_transfer_pending_referral",
        "transfer",
        ["referral_id"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_table(
        "worker_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("back_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_absence_dates"),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_worker_absence_worker_id", "worker_absence", ["worker_id"])
    with op.batch_alter_table("worker") as batch:
        batch.add_column(sa.Column("left_on", sa.Date(), nullable=True))
    with op.batch_alter_table("allocation") as batch:
        batch.add_column(sa.Column("covering_for_worker_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_allocation_covering_for_worker", "worker", ["covering_for_worker_id"], ["id"]
        )


def downgrade() -> None:
    # Refused, before anything changes, while a referral is on its way to another team:
    # the older schema has no transfer, so it would be stranded with a status the older
    # code does not know, already in the receiving team. Decided and cancelled transfers
    # leave nothing behind but their history.
    in_transit = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM referral WHERE status = 'transfer'"))
        .scalar_one()
    )
    if in_transit:
        raise RuntimeError(
            "Cannot go back before migration 0009: "
            f"{in_transit} referral(s) are on their way to another team; have the receiving "
            "team accept or return each of them first"
        )
    with op.batch_alter_table("allocation") as batch:
        batch.drop_constraint("fk_allocation_covering_for_worker", type_="foreignkey")
        batch.drop_column("covering_for_worker_id")
    with op.batch_alter_table("worker") as batch:
        batch.drop_column("left_on")
    op.drop_index("ix_worker_absence_worker_id", table_name="worker_absence")
    op.drop_table("worker_absence")
    op.drop_index("uq_transfer_pending_referral", table_name="transfer")
    op.drop_index("ix_transfer_referral_id", table_name="transfer")
    op.drop_table("transfer")
