"""Carer links, merged records, and a reason for a cancelled reablement episode

A person had `cares_for_id`: one person cared for, at most. A carer may care for several
people, so the links move to their own table (with since, ended and who), carrying over
every existing `cares_for_id`, and the old column goes so there is one source of truth.
`person.merged_into_id` keeps a merged record as a pointer to the one that survived.
A planned reablement episode can now be cancelled, with its reason kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intapp.models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    carer_link = op.create_table(
        "carer_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carer_id", sa.Integer(), nullable=False),
        sa.Column("cared_for_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", intapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("carer_id <> cared_for_id", name="ck_carer_link_not_self"),
        sa.ForeignKeyConstraint(["carer_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["cared_for_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("carer_link") as batch:
        batch.create_index("ix_carer_link_carer_id", ["carer_id"])
        batch.create_index("ix_carer_link_cared_for_id", ["cared_for_id"])
        batch.create_index(
            "uq_carer_link_open",
            ["carer_id", "cared_for_id"],
            unique=True,
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )

    person = sa.table(
        "person",
        sa.column("id", sa.Integer()),
        sa.column("cares_for_id", sa.Integer()),
        sa.column("created_at", intapp.models.types.UTCDateTime(timezone=True)),
    )
    connection = op.get_bind()
    existing = connection.execute(
        sa.select(person.c.id, person.c.cares_for_id, person.c.created_at).where(
            person.c.cares_for_id.is_not(None), person.c.cares_for_id != person.c.id
        )
    ).all()
    if existing:
        op.bulk_insert(
            carer_link,
            [
                {
                    "carer_id": carer,
                    "cared_for_id": cared_for,
                    "since": created.date(),
                    "created_by": "migration 0007",
                    "created_at": created,
                    "version": 1,
                }
                for carer, cared_for, created in existing
            ],
        )

    with op.batch_alter_table("person") as batch:
        batch.drop_index("ix_person_cares_for_id")
        batch.drop_column("cares_for_id")
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_person_merged_into", "person", ["merged_into_id"], ["id"])
        batch.create_index("ix_person_merged_into_id", ["merged_into_id"])
    op.add_column("reablement_episode", sa.Column("cancel_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    # Refused, before anything changes, when the older schema cannot hold the data: it
    # has no pointer from a merged record (each would come back as a live duplicate)
    # and knows no cancelled episode.
    connection = op.get_bind()
    merged = connection.execute(
        sa.text("SELECT COUNT(*) FROM person WHERE merged_into_id IS NOT NULL")
    ).scalar_one()
    cancelled = connection.execute(
        sa.text("SELECT COUNT(*) FROM reablement_episode WHERE state = 'cancelled'")
    ).scalar_one()
    if merged or cancelled:
        raise RuntimeError(
            "Cannot go back before migration 0007: the database holds "
            f"{merged} merged record(s) and {cancelled} cancelled reablement episode(s), "
            "which the older version cannot hold; restore a backup taken before it instead"
        )
    with op.batch_alter_table("reablement_episode") as batch:
        batch.drop_column("cancel_reason")
    with op.batch_alter_table("person") as batch:
        batch.drop_index("ix_person_merged_into_id")
        batch.drop_constraint("fk_person_merged_into", type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.add_column(sa.Column("cares_for_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_person_cares_for", "person", ["cares_for_id"], ["id"])
        batch.create_index("ix_person_cares_for_id", ["cares_for_id"])
    # Only one person cared for fits the old column: the open link that began first
    # (by `since`, then the earliest made) is kept.
    rows = connection.execute(
        sa.text(
            "SELECT carer_id, cared_for_id FROM carer_link WHERE ended_on IS NULL "
            "ORDER BY carer_id, since, id"
        )
    ).all()
    earliest: dict[int, int] = {}
    for carer, cared_for in rows:
        earliest.setdefault(carer, cared_for)
    for carer, cared_for in earliest.items():
        connection.execute(
            sa.text("UPDATE person SET cares_for_id = :c WHERE id = :p"),
            {"c": cared_for, "p": carer},
        )
    op.drop_table("carer_link")
