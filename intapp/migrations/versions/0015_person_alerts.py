"""Alerts on a person

`person_alert` holds what a visitor must know before going to the door (risk to staff,
an interpreter, a key safe): its kind's code and label as raised, a note, who raised it
and when, an optional review date, and who removed it, when and why. At most one open
alert of each kind per person.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intapp.models.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=80), nullable=False),
        sa.Column("raised_at", intapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("removed_at", intapp.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=80), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_alert_person_id", "person_alert", ["person_id"])
    op.create_index(
        "uq_person_alert_open",
        "person_alert",
        ["person_id", "kind"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )


def downgrade() -> None:
    # Refused while alerts are held: the older version has nowhere to keep them, and a
    # visitor would no longer be warned.
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM person_alert")).scalar_one()
    if held:
        raise RuntimeError(
            f"Cannot go back before migration 0015: the database holds {held} alert(s) on "
            "people, which the older version cannot hold; restore a backup taken before it "
            "instead"
        )
    op.drop_index("uq_person_alert_open", table_name="person_alert")
    op.drop_index("ix_person_alert_person_id", table_name="person_alert")
    op.drop_table("person_alert")
