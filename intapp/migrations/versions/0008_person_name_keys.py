"""Phonetic keys on people's names, so a misspelt name still finds the person

Search and the new-referral form offer people whose names sound alike ("Jakson" finds
"Jackson"). On a city of 200,000 people that must be an indexed lookup, so each
person's given and family names get a stored Metaphone key (`name_keys` in
intapp/models/person.py, the one place they are worked out), backfilled here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("given_name_key", "family_name_key")


def upgrade() -> None:
    from intapp.migrations.name_keys import refill_name_keys

    for column in COLUMNS:
        op.add_column("person", sa.Column(column, sa.String(length=80), nullable=True))
    # Only the changed rows are written, on PostgreSQL in one UPDATE … FROM a temporary
    # table (200,000 single-row UPDATEs took over 11 s).
    refill_name_keys(op.get_bind(), ("given_name_key", "family_name_key"))
    for column in COLUMNS:
        op.create_index(f"ix_person_{column}", "person", [column])
    # Name search matches the start of a name in any case as a range over lower(name),
    # which an index serves on both databases (LIKE is not served by one on SQLite).
    for column in ("family_name", "given_name"):
        op.create_index(f"ix_person_{column}_lower", "person", [sa.text(f"lower({column})")])


def downgrade() -> None:
    for column in ("family_name", "given_name"):
        op.drop_index(f"ix_person_{column}_lower", table_name="person")
    for column in COLUMNS:
        op.drop_index(f"ix_person_{column}", table_name="person")
    with op.batch_alter_table("person") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
